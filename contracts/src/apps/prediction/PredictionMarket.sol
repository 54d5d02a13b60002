// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {CallbackConsumer} from "../../coprocessor/CallbackConsumer.sol";
import {ICoprocessorCoordinator} from "../../coprocessor/ICoprocessorCoordinator.sol";
import {IModelRegistry} from "../../zk/IModelRegistry.sol";
import {IPredictionMarket} from "./IPredictionMarket.sol";
import {PredictionConditionalTokens} from "./PredictionConditionalTokens.sol";

/// @title PredictionMarket
/// @notice One AI-resolved binary market (see IPredictionMarket): the oracle of its condition at the
///         conditional tokens, its fixed-product market maker, and the coprocessor consumer that
///         resolves it. Deployed as an EIP-1167 clone by PredictionMarketFactory, which initializes it.
/// @dev Market maker: Gnosis' FixedProductMarketMaker for two outcomes (the product of the pool's
///      YES and NO balances is kept constant by every trade, fees aside; prices start at 0.5). The
///      pool's balances are the market's own ERC-1155 balances. The creator is the only liquidity
///      provider; the liquidity stays until resolution.
contract PredictionMarket is IPredictionMarket, CallbackConsumer, ERC1155Holder, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Gnosis FPMM's precision for the invariant's rounding.
    uint256 internal constant ONE = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @notice The shared outcome-token contract.
    PredictionConditionalTokens public immutable CONDITIONAL_TOKENS;
    /// @notice Where models are registered (layout checked at creation).
    IModelRegistry public immutable MODELS;
    /// @notice The only caller of `initialize`.
    address public immutable FACTORY;

    /// @notice The question fixed at creation.
    Question public question;
    address public creator;
    IERC20 public collateral;
    uint16 public feeBps;
    address public paymentToken;
    uint128 public resolutionFee;
    uint32 public callbackGasLimit;
    /// @notice The question's id at the conditional tokens (the condition's oracle is this market).
    bytes32 public questionId;
    /// @notice The coprocessor request (0 until `resolve`), and when it was made.
    uint256 public requestId;
    uint64 public requestedAt;
    Outcome public outcome;
    bool public liquidityWithdrawn;
    /// @notice The verified output element the rule read (fixed point at the model's output scale; 0
    ///         when Invalid). The whole output is in `MarketResolved`.
    int256 public resolvedValue;

    constructor(
        ICoprocessorCoordinator coordinator,
        PredictionConditionalTokens conditionalTokens,
        IModelRegistry models,
        address factory
    ) CallbackConsumer(coordinator) {
        CONDITIONAL_TOKENS = conditionalTokens;
        MODELS = models;
        FACTORY = factory;
    }

    /// @notice Sets up a fresh clone (factory only): checks the question, prepares the condition and
    ///         splits the `p.liquidity` collateral the factory already moved here into the pool.
    function initialize(address creator_, MarketParams calldata p) external {
        if (msg.sender != FACTORY) revert PredictionNotFactory(msg.sender);
        if (creator != address(0)) revert PredictionAlreadyInitialized();
        _checkParams(p);
        Question calldata q = p.question;
        question = q;
        creator = creator_;
        collateral = p.collateral;
        feeBps = p.feeBps;
        paymentToken = p.paymentToken;
        resolutionFee = p.resolutionFee;
        callbackGasLimit = p.callbackGasLimit;

        PredictionConditionalTokens ct = CONDITIONAL_TOKENS;
        bytes32 qid = keccak256(abi.encode(address(this), q));
        questionId = qid;
        ct.prepareCondition(address(this), qid, 2);
        bytes32 cid = conditionId();
        emit MarketCreated(creator_, cid, q.modelId, q, p.collateral, p.liquidity, p.feeBps, p.text);
        p.collateral.forceApprove(address(ct), type(uint256).max);
        ct.splitPosition(p.collateral, cid, p.liquidity);
    }

    // ----------------------------------------------------------------------------------- trading

    /// @inheritdoc IPredictionMarket
    function buy(uint256 outcomeIndex, uint256 investmentAmount, uint256 minOutcomeTokens)
        external
        nonReentrant
        returns (uint256 outcomeTokens)
    {
        _checkTrading();
        if (investmentAmount == 0) revert PredictionZeroAmount();
        outcomeTokens = calcBuyAmount(outcomeIndex, investmentAmount);
        if (outcomeTokens < minOutcomeTokens) revert PredictionSlippage(outcomeTokens, minOutcomeTokens);
        uint256 fee = investmentAmount * feeBps / BPS;
        emit PositionBought(msg.sender, outcomeIndex, investmentAmount, fee, outcomeTokens);
        IERC20 c = collateral;
        c.safeTransferFrom(msg.sender, address(this), investmentAmount);
        bytes32 cid = conditionId();
        CONDITIONAL_TOKENS.splitPosition(c, cid, investmentAmount - fee);
        CONDITIONAL_TOKENS.safeTransferFrom(
            address(this), msg.sender, _positionId(c, cid, outcomeIndex), outcomeTokens, ""
        );
    }

    /// @inheritdoc IPredictionMarket
    function sell(uint256 outcomeIndex, uint256 returnAmount, uint256 maxOutcomeTokens)
        external
        nonReentrant
        returns (uint256 outcomeTokens)
    {
        _checkTrading();
        if (returnAmount == 0) revert PredictionZeroAmount();
        outcomeTokens = calcSellAmount(outcomeIndex, returnAmount);
        if (outcomeTokens > maxOutcomeTokens) revert PredictionSlippage(outcomeTokens, maxOutcomeTokens);
        uint256 fee = _sellFee(returnAmount);
        emit PositionSold(msg.sender, outcomeIndex, returnAmount, fee, outcomeTokens);
        IERC20 c = collateral;
        bytes32 cid = conditionId();
        CONDITIONAL_TOKENS.safeTransferFrom(
            msg.sender, address(this), _positionId(c, cid, outcomeIndex), outcomeTokens, ""
        );
        CONDITIONAL_TOKENS.mergePositions(c, cid, returnAmount + fee);
        c.safeTransfer(msg.sender, returnAmount);
    }

    // -------------------------------------------------------------------------------- resolution

    /// @inheritdoc IPredictionMarket
    function resolve(int256[] calldata input) external nonReentrant returns (uint256 id) {
        Question memory q = question;
        if (outcome != Outcome.Unresolved) revert PredictionAlreadyResolved(outcome);
        if (requestId != 0) revert PredictionResolutionPending(requestId);
        if (block.timestamp < q.resolutionTime) revert PredictionTooEarly(q.resolutionTime, block.timestamp);
        if (block.timestamp >= q.resolutionDeadline) {
            revert PredictionResolutionWindowClosed(q.resolutionDeadline, block.timestamp);
        }
        bytes32 h = COORDINATOR.inputHashOf(input);
        if (h != q.inputHash) revert PredictionInputMismatch(q.inputHash, h);
        id = _request(
            q.modelId,
            input,
            bytes32(0),
            ICoprocessorCoordinator.Verification.Zk,
            1,
            paymentToken,
            resolutionFee,
            callbackGasLimit,
            q.resolutionDeadline
        );
        requestId = id;
        requestedAt = uint64(block.timestamp);
        emit ResolutionRequested(id, msg.sender, input);
    }

    /// @inheritdoc IPredictionMarket
    function settleAfterDeadline() external nonReentrant {
        if (outcome != Outcome.Unresolved) revert PredictionAlreadyResolved(outcome);
        uint64 deadline = question.resolutionDeadline;
        if (block.timestamp <= deadline) revert PredictionDeadlineNotPassed(deadline, block.timestamp);
        uint256 id = requestId;
        if (id != 0) {
            ICoprocessorCoordinator.Status status = COORDINATOR.getInterval(id, 1).status;
            if (status == ICoprocessorCoordinator.Status.Pending) {
                COORDINATOR.refund(_committedRequest(), 1);
            } else if (status == ICoprocessorCoordinator.Status.Delivered) {
                // Delivered in time but the callback failed (gas): the verified answer stands.
                _resolveWith(id, COORDINATOR.failedResult(id, 1).values);
                return;
            }
        }
        _report(id, Outcome.Invalid, new int256[](0));
    }

    /// @inheritdoc IPredictionMarket
    function withdrawLiquidity() external nonReentrant returns (uint256 collateralAmount, uint256 escrowAmount) {
        if (msg.sender != creator) revert PredictionNotCreator(msg.sender);
        if (outcome == Outcome.Unresolved) revert PredictionNotResolved();
        if (liquidityWithdrawn) revert PredictionLiquidityAlreadyWithdrawn();
        liquidityWithdrawn = true;
        IERC20 c = collateral;
        CONDITIONAL_TOKENS.redeemPositions(c, conditionId());
        collateralAmount = c.balanceOf(address(this));
        address token = paymentToken;
        (escrowAmount,) = COORDINATOR.escrowOf(address(this), token);
        emit LiquidityWithdrawn(msg.sender, collateralAmount, escrowAmount);
        if (escrowAmount > 0) COORDINATOR.withdrawEscrow(token, escrowAmount);
        if (collateralAmount > 0) c.safeTransfer(msg.sender, collateralAmount);
        if (escrowAmount > 0) IERC20(token).safeTransfer(msg.sender, escrowAmount);
    }

    /// @dev The coordinator's callback (CallbackConsumer checked the caller).
    function _onResult(uint256 id, ICoprocessorCoordinator.Output calldata output, address) internal override {
        if (id != requestId) revert PredictionUnexpectedRequest(requestId, id);
        if (outcome != Outcome.Unresolved) revert PredictionAlreadyResolved(outcome);
        _resolveWith(id, output.values);
    }

    function _resolveWith(uint256 id, int256[] memory output) internal {
        Question storage q = question;
        Outcome o = Outcome.Invalid;
        uint8 index = q.outputIndex;
        if (index < output.length) {
            int256 value = output[index];
            resolvedValue = value;
            o = value >= q.threshold ? Outcome.Yes : Outcome.No;
        }
        _report(id, o, output);
    }

    function _report(uint256 id, Outcome o, int256[] memory output) internal {
        outcome = o;
        uint256[] memory payouts = new uint256[](2);
        payouts[0] = o == Outcome.No ? 0 : 1;
        payouts[1] = o == Outcome.Yes ? 0 : 1;
        emit MarketResolved(id, o, output);
        CONDITIONAL_TOKENS.reportPayouts(questionId, payouts);
    }

    // ------------------------------------------------------------------------------------- views

    /// @inheritdoc IPredictionMarket
    function calcBuyAmount(uint256 outcomeIndex, uint256 investmentAmount) public view returns (uint256) {
        if (outcomeIndex > 1) revert PredictionInvalidOutcomeIndex(outcomeIndex);
        (uint256 yes, uint256 no) = poolBalances();
        (uint256 bought, uint256 other) = outcomeIndex == 0 ? (yes, no) : (no, yes);
        uint256 net = investmentAmount - investmentAmount * feeBps / BPS;
        uint256 ending = Math.ceilDiv(bought * ONE * other, other + net);
        return bought + net - Math.ceilDiv(ending, ONE);
    }

    /// @inheritdoc IPredictionMarket
    function calcSellAmount(uint256 outcomeIndex, uint256 returnAmount) public view returns (uint256) {
        if (outcomeIndex > 1) revert PredictionInvalidOutcomeIndex(outcomeIndex);
        (uint256 yes, uint256 no) = poolBalances();
        (uint256 sold, uint256 other) = outcomeIndex == 0 ? (yes, no) : (no, yes);
        uint256 gross = returnAmount + _sellFee(returnAmount);
        if (gross >= other) revert PredictionInsufficientLiquidity(gross, other);
        uint256 ending = Math.ceilDiv(sold * ONE * other, other - gross);
        return gross + Math.ceilDiv(ending, ONE) - sold;
    }

    /// @inheritdoc IPredictionMarket
    function poolBalances() public view returns (uint256 yes, uint256 no) {
        IERC20 c = collateral;
        bytes32 cid = conditionId();
        yes = CONDITIONAL_TOKENS.balanceOf(address(this), _positionId(c, cid, 0));
        no = CONDITIONAL_TOKENS.balanceOf(address(this), _positionId(c, cid, 1));
    }

    /// @inheritdoc IPredictionMarket
    function positionId(uint256 outcomeIndex) external view returns (uint256) {
        if (outcomeIndex > 1) revert PredictionInvalidOutcomeIndex(outcomeIndex);
        return _positionId(collateral, conditionId(), outcomeIndex);
    }

    /// @notice The condition at the conditional tokens: `getConditionId(this, questionId, 2)`.
    function conditionId() public view returns (bytes32) {
        return keccak256(abi.encodePacked(address(this), questionId, uint256(2)));
    }

    /// @notice The committed coprocessor request (what `COORDINATOR.refund` and `deliver` take).
    function committedRequest() external view returns (ICoprocessorCoordinator.Request memory) {
        return _committedRequest();
    }

    // ---------------------------------------------------------------------------------- internal

    function _checkParams(MarketParams calldata p) internal view {
        Question calldata q = p.question;
        if (!(block.timestamp < q.resolutionTime && q.resolutionTime < q.resolutionDeadline)) {
            revert PredictionInvalidSchedule(q.resolutionTime, q.resolutionDeadline, block.timestamp);
        }
        if (!MODELS.exists(q.modelId)) revert PredictionModelNotUsable(q.modelId);
        IModelRegistry.Model memory m = MODELS.getModel(q.modelId);
        if (
            m.deprecated || m.layout.inputVisibility != IModelRegistry.InputVisibility.Public
                || m.layout.outputVisibility != IModelRegistry.OutputVisibility.Public
        ) revert PredictionModelNotUsable(q.modelId);
        if (q.outputIndex >= m.layout.outputSignals) {
            revert PredictionOutputIndexOutOfRange(q.outputIndex, m.layout.outputSignals);
        }
        if (p.feeBps >= BPS) revert PredictionInvalidFee(p.feeBps);
        if (address(p.collateral) == address(0) || p.paymentToken == address(0)) revert PredictionZeroAddress();
        if (p.liquidity == 0 || p.resolutionFee == 0 || q.inputHash == bytes32(0)) revert PredictionZeroAmount();
    }

    /// @dev PredictionConditionalTokens.getPositionId, computed here (no call, nothing stored).
    function _positionId(IERC20 c, bytes32 cid, uint256 index) internal pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(c, cid, index)));
    }

    function _checkTrading() internal view {
        uint64 closesAt = question.resolutionTime;
        if (block.timestamp >= closesAt || outcome != Outcome.Unresolved) {
            revert PredictionTradingClosed(closesAt, outcome);
        }
    }

    function _sellFee(uint256 returnAmount) internal view returns (uint256) {
        return Math.ceilDiv(returnAmount * feeBps, BPS - feeBps);
    }

    function _committedRequest() internal view returns (ICoprocessorCoordinator.Request memory r) {
        r.id = requestId;
        r.owner = address(this);
        r.modelId = question.modelId;
        r.inputHash = question.inputHash;
        r.verification = ICoprocessorCoordinator.Verification.Zk;
        r.redundancy = 1;
        r.paymentToken = paymentToken;
        r.feeCap = resolutionFee;
        r.callbackGasLimit = callbackGasLimit;
        r.activeAt = requestedAt;
        r.period = 0;
        r.frequency = 1;
        // The coordinator committed this very value as a uint32 (it refuses a timeout that does not fit).
        // forge-lint: disable-next-line(unsafe-typecast) fits: the coordinator accepted it
        r.timeout = uint32(question.resolutionDeadline - requestedAt);
    }
}
