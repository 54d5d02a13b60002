// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IPredictionMarket
/// @notice A binary market on what a registered model will output for a committed input, resolved by
///         the AI coprocessor with a zk proof. Positions are PredictionConditionalTokens (outcome 0 =
///         YES, 1 = NO) traded against collateral through a fixed-product market maker (Gnosis FPMM).
/// @dev Life cycle:
///      1. Creation (PredictionMarketFactory.createMarket) fixes the question: the model (ModelRegistry
///         id; its circuit must take a PUBLIC input and give a PUBLIC output), the input by its hash
///         (`inputHash` = the coordinator's `inputHashOf(values)`: keccak256 of the field-mapped
///         fixed-point values), the rule (YES iff `output[outputIndex] >= threshold`, fixed point at
///         the model's output scale), the resolution time and the resolution deadline. The creator is
///         the only liquidity provider and prepays the coprocessor fee into the market's escrow.
///      2. Trading (`buy`, `sell`) until the resolution time.
///      3. From the resolution time until the deadline, ANYONE calls `resolve(values)` with the input
///         whose hash the question fixed (the data may stay private until then); the market requests a
///         zk-verified inference of those values. The coordinator checks the proof against the
///         model's verifier and against the input hash it computes on chain from the same values,
///         so the resolved input is the committed one.
///      4. The coordinator's callback reports payouts to the conditional tokens: YES [1, 0] or NO
///         [0, 1]. Traders redeem on the conditional tokens contract (`redeemPositions`).
///      5. If no verified answer arrived by the deadline, anyone calls `settleAfterDeadline`: the
///         market is Invalid (payouts [1, 1], a 50/50 refund) and a still-pending coprocessor request
///         is refunded (its fee returns to the market's escrow). A delivered answer whose callback
///         failed is not lost: `settleAfterDeadline` reads it from the coordinator instead.
///      6. The creator withdraws the pool's redeemed collateral, the trading fees and the unspent
///         coprocessor escrow (`withdrawLiquidity`).
interface IPredictionMarket {
    /// @notice Where the market stands.
    enum Outcome {
        /// @dev Not resolved yet.
        Unresolved,
        Yes,
        No,
        /// @dev No verified answer by the deadline (or an output without the rule's index): 50/50.
        Invalid
    }

    /// @notice What the question fixes at creation.
    struct Question {
        /// @dev ModelRegistry model id (public input, public output).
        uint256 modelId;
        /// @dev The coordinator's `inputHashOf(values)` of the input that will be resolved.
        bytes32 inputHash;
        /// @dev Which output element the rule reads.
        uint8 outputIndex;
        /// @dev YES iff `output[outputIndex] >= threshold` (fixed point at the model's output scale).
        int256 threshold;
        /// @dev Trading closes and resolution may be triggered from here (unix seconds).
        uint64 resolutionTime;
        /// @dev A verified answer must arrive by here; later the market is Invalid.
        uint64 resolutionDeadline;
    }

    /// @notice What a creator supplies (PredictionMarketFactory.createMarket).
    struct MarketParams {
        Question question;
        /// @dev The ERC-20 traded against and paid out.
        IERC20 collateral;
        /// @dev Initial liquidity (collateral) from the creator, split into the pool's YES and NO.
        uint256 liquidity;
        /// @dev Trading fee (basis points of the collateral in or out), kept for the creator.
        uint16 feeBps;
        /// @dev The coprocessor payment token (ProtocolParams-listed).
        address paymentToken;
        /// @dev The coprocessor fee cap, prepaid by the creator into the market's coordinator escrow.
        uint128 resolutionFee;
        /// @dev Gas for the coordinator's callback (reporting payouts needs ~90k).
        uint32 callbackGasLimit;
        /// @dev The question in words (only in the creation event).
        string text;
    }

    /// @notice The caller is not the factory.
    error PredictionNotFactory(address caller);
    /// @notice The market was already initialized.
    error PredictionAlreadyInitialized();
    /// @notice The schedule is not `now < resolutionTime < resolutionDeadline`.
    error PredictionInvalidSchedule(uint64 resolutionTime, uint64 resolutionDeadline, uint256 now_);
    /// @notice The model is unknown, deprecated, or its circuit's input or output is not public.
    error PredictionModelNotUsable(uint256 modelId);
    /// @notice The rule reads an output element the model does not have.
    error PredictionOutputIndexOutOfRange(uint8 outputIndex, uint8 outputs);
    /// @notice The trading fee is 10_000 bps or more.
    error PredictionInvalidFee(uint16 feeBps);
    /// @notice The amount is zero (liquidity, investment, return, resolution fee) or the input hash is.
    error PredictionZeroAmount();
    /// @notice The collateral or the payment token is the zero address.
    error PredictionZeroAddress();
    /// @notice There is no such outcome (0 = YES, 1 = NO).
    error PredictionInvalidOutcomeIndex(uint256 outcomeIndex);
    /// @notice Trading closed at `closesAt` (the resolution time) or the market is resolved.
    error PredictionTradingClosed(uint64 closesAt, Outcome outcome);
    /// @notice Buy: fewer outcome tokens than `limit`; sell: more outcome tokens than `limit`.
    error PredictionSlippage(uint256 amount, uint256 limit);
    /// @notice The pool cannot pay `needed` of an outcome (it holds `available`).
    error PredictionInsufficientLiquidity(uint256 needed, uint256 available);
    /// @notice Resolution is not open before the resolution time.
    error PredictionTooEarly(uint64 resolutionTime, uint256 now_);
    /// @notice Resolution can no longer be requested: the deadline is reached.
    error PredictionResolutionWindowClosed(uint64 resolutionDeadline, uint256 now_);
    /// @notice The market is already resolved.
    error PredictionAlreadyResolved(Outcome outcome);
    /// @notice Resolution was already requested (request `requestId` is pending).
    error PredictionResolutionPending(uint256 requestId);
    /// @notice The supplied input is not the one the question fixed.
    error PredictionInputMismatch(bytes32 expected, bytes32 received);
    /// @notice A callback for another request than the market's.
    error PredictionUnexpectedRequest(uint256 expected, uint256 received);
    /// @notice `settleAfterDeadline` before the deadline has passed.
    error PredictionDeadlineNotPassed(uint64 resolutionDeadline, uint256 now_);
    /// @notice The market is not resolved yet.
    error PredictionNotResolved();
    /// @notice Only the creator may do this.
    error PredictionNotCreator(address caller);
    /// @notice The creator already withdrew the liquidity.
    error PredictionLiquidityAlreadyWithdrawn();

    /// @notice The market was created: `conditionId` at the conditional tokens, with this question.
    event MarketCreated(
        address indexed creator,
        bytes32 indexed conditionId,
        uint256 indexed modelId,
        Question question,
        IERC20 collateral,
        uint256 liquidity,
        uint16 feeBps,
        string text
    );
    /// @notice `trader` paid `investment` collateral (`fee` of it to the pool) for `outcomeTokens` of `outcomeIndex`.
    event PositionBought(
        address indexed trader, uint256 indexed outcomeIndex, uint256 investment, uint256 fee, uint256 outcomeTokens
    );
    /// @notice `trader` sold `outcomeTokens` of `outcomeIndex` for `returned` collateral (`fee` kept by the pool).
    event PositionSold(
        address indexed trader, uint256 indexed outcomeIndex, uint256 returned, uint256 fee, uint256 outcomeTokens
    );
    /// @notice `caller` triggered resolution: coprocessor request `requestId` on the committed input.
    event ResolutionRequested(uint256 indexed requestId, address indexed caller, int256[] input);
    /// @notice The market resolved: `output` is the verified model output (empty when Invalid by deadline).
    event MarketResolved(uint256 indexed requestId, Outcome outcome, int256[] output);
    /// @notice The creator withdrew `collateralAmount` collateral (pool + fees) and `escrowAmount` unspent escrow.
    event LiquidityWithdrawn(address indexed creator, uint256 collateralAmount, uint256 escrowAmount);

    /// @notice Pays `investmentAmount` collateral (approved to the market) for at least
    ///         `minOutcomeTokens` of outcome `outcomeIndex`; returns how many were bought.
    function buy(uint256 outcomeIndex, uint256 investmentAmount, uint256 minOutcomeTokens)
        external
        returns (uint256 outcomeTokens);

    /// @notice Sells at most `maxOutcomeTokens` of outcome `outcomeIndex` (the market must be an ERC-1155
    ///         operator of the caller) for exactly `returnAmount` collateral; returns how many were sold.
    function sell(uint256 outcomeIndex, uint256 returnAmount, uint256 maxOutcomeTokens)
        external
        returns (uint256 outcomeTokens);

    /// @notice Triggers resolution (anyone, from the resolution time until the deadline) on `input`, the
    ///         values whose hash the question fixed. Returns the coprocessor request id.
    function resolve(int256[] calldata input) external returns (uint256 requestId);

    /// @notice After the deadline: Invalid (50/50) unless a verified answer was delivered; refunds a
    ///         pending request. Anyone may call.
    function settleAfterDeadline() external;

    /// @notice The creator takes the pool's collateral (redeemed), the fees and the unspent escrow.
    function withdrawLiquidity() external returns (uint256 collateralAmount, uint256 escrowAmount);

    /// @notice Outcome tokens a buy of `investmentAmount` would give.
    function calcBuyAmount(uint256 outcomeIndex, uint256 investmentAmount) external view returns (uint256);

    /// @notice Outcome tokens a sell for `returnAmount` would take.
    function calcSellAmount(uint256 outcomeIndex, uint256 returnAmount) external view returns (uint256);

    /// @notice The pool's YES and NO balances.
    function poolBalances() external view returns (uint256 yes, uint256 no);

    /// @notice The ERC-1155 id of outcome `outcomeIndex` at the conditional tokens.
    function positionId(uint256 outcomeIndex) external view returns (uint256);
}
