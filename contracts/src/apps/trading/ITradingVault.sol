// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ITradingVault
/// @notice A vault that trades one Uniswap v2 pair (BASE against QUOTE) only on a zk-verified model
///         decision. The vault itself reads the features from the pair: the spot price's deviation
///         from a TWAP over its own cumulative-price observation, and its inventory share in BASE.
///         It quantizes them at the model's input scale and requests with `Verification.Zk` and the
///         values inline, so the coordinator computes the input hash on chain: the proven input is
///         the one the vault read. The model answers three logits (buy, sell, hold).
/// @dev Decision flow: the owner calls `trigger()` (owner only: every decision is paid from the
///      vault's coordinator escrow); the coordinator calls back with the proven logits; the callback
///      trades `tradeBps` of the input token's balance through `pair.swap` within two risk limits:
///      - slippage: `amountOutMin` is the quote at the reserves read at request time less
///        `maxSlippageBps`; the amount out at the reserves at execution must reach it. This is also
///        how a stale decision (reserves changed since the request) is handled: a move in the
///        trade's favour executes, a move against it past the bound is skipped.
///      - per period: the QUOTE notional traded (buy: amount in; sell: amount out) in each window of
///        `periodLength` seconds stays within `maxTradePerPeriod`.
///      A decision that would break a limit (or that finds nothing to trade, or a swap that fails) is
///      skipped with `TradeSkipped`: the callback does not revert for it. A decision not delivered by
///      its deadline (`decisionTtl`) is void; the owner may then trigger again.
interface ITradingVault {
    /// @notice The model's decision (the index of its logit).
    enum Action {
        Buy,
        Sell,
        Hold
    }

    /// @notice Why a decided trade did not execute.
    enum SkipReason {
        /// @dev The model did not answer three logits.
        BadOutput,
        /// @dev Nothing of the input token to trade (or the trade rounds to zero out).
        NoBalance,
        /// @dev The amount out at execution is below `amountOutMin`.
        Slippage,
        /// @dev The trade would take the period's notional past `maxTradePerPeriod`.
        PeriodLimit,
        /// @dev The pair refused the swap (nothing moved).
        SwapFailed
    }

    /// @notice What the owner tunes.
    struct Config {
        /// @dev ModelRegistry id of the decision model (2 public inputs, 3 public outputs).
        uint256 modelId;
        /// @dev The model's input scale: a feature x is sent as round(x * 2^inputScale).
        uint8 inputScale;
        /// @dev The coordinator payment token (the vault's escrow there pays each decision).
        address paymentToken;
        /// @dev Most paid per decision (node fee plus protocol fee).
        uint128 feeCap;
        /// @dev Gas for the callback (decision and swap).
        uint32 callbackGasLimit;
        /// @dev Seconds a decision may take to arrive (the request's deadline).
        uint32 decisionTtl;
        /// @dev Shortest TWAP window (seconds since the vault's observation) a decision may use.
        uint32 minTwapWindow;
        /// @dev Share of the input token's balance one trade spends, in basis points (1..10_000).
        uint16 tradeBps;
        /// @dev Most the amount out may fall below the request-time quote, in basis points (< 10_000).
        uint16 maxSlippageBps;
        /// @dev Length of a risk period in seconds (> 0).
        uint32 periodLength;
        /// @dev Most QUOTE notional traded per period.
        uint128 maxTradePerPeriod;
    }

    /// @notice The decision waiting for its delivery.
    struct Pending {
        uint256 requestId;
        uint64 deadline;
        /// @dev The reserves the features were read from.
        uint112 reserveBase;
        uint112 reserveQuote;
    }

    /// @notice The caller is not the owner.
    error TradingVaultNotOwner(address caller);
    /// @notice Only the vault itself calls `executeSwap` (to make a failed swap skippable).
    error TradingVaultNotSelf(address caller);
    /// @notice `token` is neither BASE nor QUOTE.
    error TradingVaultUnknownToken(address token);
    /// @notice The pair does not trade `base` (constructor).
    error TradingVaultTokenNotInPair(address pair, address base);
    /// @notice The amount is zero.
    error TradingVaultZeroAmount();
    /// @notice The vault holds `balance` of `token`, less than `amount`.
    error TradingVaultInsufficientBalance(address token, uint256 amount, uint256 balance);
    /// @notice A config field is out of range.
    error TradingVaultInvalidConfig(string field, uint256 value);
    /// @notice Decision `requestId` is still awaited (until `deadline`).
    error TradingVaultDecisionPending(uint256 requestId, uint256 deadline);
    /// @notice The TWAP window since the vault's observation is `elapsed` seconds, under `minimum`.
    error TradingVaultTwapWindowTooShort(uint256 elapsed, uint256 minimum);
    /// @notice The pair has no liquidity (a zero reserve).
    error TradingVaultEmptyPool(uint256 reserveBase, uint256 reserveQuote);
    /// @notice The vault holds nothing to trade.
    error TradingVaultNothingToTrade();

    /// @notice The owner deposited `amount` of `token`.
    event Deposited(address indexed token, uint256 amount);
    /// @notice The owner withdrew `amount` of `token` to `to`.
    event Withdrawn(address indexed token, address indexed to, uint256 amount);
    /// @notice The owner withdrew `amount` of the vault's coordinator escrow in `token`.
    event EscrowWithdrawn(address indexed token, uint256 amount);
    /// @notice The owner changed the config.
    event ConfigUpdated(Config config);
    /// @notice A decision was requested on `features` (fixed point), read at these reserves; spot
    ///         and TWAP are QUOTE per BASE with 18 decimals.
    event DecisionRequested(
        uint256 indexed requestId,
        int256[] features,
        uint256 reserveBase,
        uint256 reserveQuote,
        uint256 spot,
        uint256 twap,
        uint256 twapWindow
    );
    /// @notice The proven decision arrived: `logits` at the model's output scale.
    event DecisionReceived(uint256 indexed requestId, Action action, int256[] logits);
    /// @notice A result for a request that is not the pending decision (ignored).
    event DecisionIgnored(uint256 indexed requestId);
    /// @notice The decision traded `amountIn` of `tokenIn` for `amountOut` through the pair;
    ///         `periodTraded` is the QUOTE notional of the period after it; `stale`: the reserves had
    ///         changed since the request.
    event TradeExecuted(
        uint256 indexed requestId,
        Action action,
        address indexed tokenIn,
        uint256 amountIn,
        uint256 amountOut,
        uint256 amountOutMin,
        uint256 periodTraded,
        bool stale
    );
    /// @notice The decided trade was skipped for `reason` (amounts as far as they were computed).
    event TradeSkipped(
        uint256 indexed requestId,
        Action action,
        SkipReason reason,
        uint256 amountIn,
        uint256 amountOut,
        uint256 amountOutMin
    );

    /// @notice Pulls `amount` of BASE or QUOTE from the owner.
    function deposit(address token, uint256 amount) external;

    /// @notice Sends `amount` of `token` (any token the vault holds) to the owner.
    function withdraw(address token, uint256 amount) external;

    /// @notice Withdraws `amount` of the vault's coordinator escrow in `token` to the owner.
    function withdrawEscrow(address token, uint256 amount) external;

    /// @notice Replaces the config (owner only).
    function setConfig(Config calldata config) external;

    /// @notice Reads the features from the pair and requests a zk-verified decision (owner only);
    ///         starts the next TWAP window.
    function trigger() external returns (uint256 requestId);

    /// @notice The swap of a decision; callable only by the vault itself (the callback calls it
    ///         through `try`, so a refused swap undoes its transfer and is skipped).
    function executeSwap(address tokenIn, uint256 amountIn, uint256 amountOut) external;

    /// @notice The features `trigger()` would request on now: (deviation, base share) in 1e18 fixed
    ///         point, the quantized values, spot and TWAP (1e18, QUOTE per BASE) and the TWAP window.
    function features()
        external
        view
        returns (int256 deviation, int256 baseShare, int256[] memory values, uint256 spot, uint256 twap, uint256 window);

    /// @notice Uniswap v2's amount out for `amountIn` at reserves (0.3% fee).
    function quote(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256);

    function owner() external view returns (address);
    function pair() external view returns (address);
    function base() external view returns (address);
    function quoteToken() external view returns (address);
    function config() external view returns (Config memory);
    function pending() external view returns (Pending memory);
    /// @notice The vault's cumulative-price observation (Uniswap v2 UQ112x112 cumulative) and its time.
    function observation() external view returns (uint256 cumulative, uint64 timestamp);
    /// @notice The current period index and the QUOTE notional traded in it.
    function periodTraded() external view returns (uint256 period, uint256 traded);
}
