// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CallbackConsumer} from "../../coprocessor/CallbackConsumer.sol";
import {ICoprocessorCoordinator} from "../../coprocessor/ICoprocessorCoordinator.sol";
import {ITradingVault} from "./ITradingVault.sol";
import {IUniswapV2PairLike} from "./IUniswapV2PairLike.sol";

/// @title TradingVault
/// @notice A zk-verified trading agent on a Uniswap v2 pair: see ITradingVault.
contract TradingVault is ITradingVault, CallbackConsumer {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint256 private constant ONE = 1e18;
    int256 private constant S_ONE = 1e18;
    int256 private constant S_HALF = 5e17;
    uint256 private constant BPS = 10_000;
    uint256 private constant Q112 = 2 ** 112;
    /// @dev Inputs are clipped to [-1, 1] (deviation) and [0, 1] (share), so x * 2^32 stays far from overflow.
    uint8 private constant MAX_INPUT_SCALE = 32;

    address private immutable _OWNER;
    IUniswapV2PairLike private immutable _PAIR;
    address private immutable _BASE;
    address private immutable _QUOTE;
    bool private immutable _BASE_IS_TOKEN0;

    Config private _config;
    Pending private _pending;
    uint256 private _obsCumulative;
    uint64 private _obsTimestamp;
    uint256 private _period;
    uint256 private _traded;

    modifier onlyOwner() {
        if (msg.sender != _OWNER) revert TradingVaultNotOwner(msg.sender);
        _;
    }

    /// @param coordinator The coprocessor coordinator.
    /// @param pair_ A Uniswap v2 pair with liquidity.
    /// @param base_ The pair token the vault buys and sells; the other one is QUOTE.
    /// @param owner_ Deposits, withdraws, configures and triggers.
    /// @param config_ The initial config (see `setConfig`).
    constructor(
        ICoprocessorCoordinator coordinator,
        IUniswapV2PairLike pair_,
        address base_,
        address owner_,
        Config memory config_
    ) CallbackConsumer(coordinator) {
        address t0 = pair_.token0();
        address t1 = pair_.token1();
        if (base_ != t0 && base_ != t1) revert TradingVaultTokenNotInPair(address(pair_), base_);
        _OWNER = owner_;
        _PAIR = pair_;
        _BASE = base_;
        _BASE_IS_TOKEN0 = base_ == t0;
        _QUOTE = base_ == t0 ? t1 : t0;
        _setConfig(config_);
        (uint256 rBase, uint256 rQuote) = _reserves();
        if (rBase == 0 || rQuote == 0) revert TradingVaultEmptyPool(rBase, rQuote);
        _obsCumulative = _currentCumulative(rBase, rQuote);
        _obsTimestamp = block.timestamp.toUint64();
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc ITradingVault
    function deposit(address token, uint256 amount) external onlyOwner {
        if (token != _BASE && token != _QUOTE) revert TradingVaultUnknownToken(token);
        if (amount == 0) revert TradingVaultZeroAmount();
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(token, amount);
    }

    /// @inheritdoc ITradingVault
    function withdraw(address token, uint256 amount) external onlyOwner {
        if (amount == 0) revert TradingVaultZeroAmount();
        uint256 balance = IERC20(token).balanceOf(address(this));
        if (amount > balance) revert TradingVaultInsufficientBalance(token, amount, balance);
        IERC20(token).safeTransfer(_OWNER, amount);
        emit Withdrawn(token, _OWNER, amount);
    }

    /// @inheritdoc ITradingVault
    function withdrawEscrow(address token, uint256 amount) external onlyOwner {
        // The coordinator names the shortfall (CoprocessorInsufficientEscrow / CoprocessorZeroAmount).
        COORDINATOR.withdrawEscrow(token, amount);
        IERC20(token).safeTransfer(_OWNER, amount);
        emit EscrowWithdrawn(token, amount);
    }

    /// @inheritdoc ITradingVault
    function setConfig(Config calldata config_) external onlyOwner {
        _setConfig(config_);
    }

    /// @inheritdoc ITradingVault
    function trigger() external onlyOwner returns (uint256 requestId) {
        Pending memory p = _pending;
        if (p.requestId != 0 && block.timestamp <= p.deadline) {
            revert TradingVaultDecisionPending(p.requestId, p.deadline);
        }
        Config memory c = _config;
        Snapshot memory s = _snapshot();
        if (s.window < c.minTwapWindow) revert TradingVaultTwapWindowTooShort(s.window, c.minTwapWindow);
        if (s.empty) revert TradingVaultNothingToTrade();
        int256[] memory values = _quantize(s.deviation, s.share, c.inputScale);
        uint64 deadline = (block.timestamp + c.decisionTtl).toUint64();
        requestId = _request(
            c.modelId,
            values,
            bytes32(0),
            ICoprocessorCoordinator.Verification.Zk,
            1,
            c.paymentToken,
            c.feeCap,
            c.callbackGasLimit,
            deadline
        );
        _pending = Pending({
            requestId: requestId,
            deadline: deadline,
            reserveBase: s.rBase.toUint112(),
            reserveQuote: s.rQuote.toUint112()
        });
        _obsCumulative = s.cumulative;
        _obsTimestamp = block.timestamp.toUint64();
        emit DecisionRequested(requestId, values, s.rBase, s.rQuote, s.spot, s.twap, s.window);
    }

    // ---------------------------------------------------------------- callback

    function _onResult(uint256 requestId, ICoprocessorCoordinator.Output calldata output, address) internal override {
        Pending memory p = _pending;
        if (requestId != p.requestId || requestId == 0) {
            emit DecisionIgnored(requestId);
            return;
        }
        delete _pending;
        if (output.values.length != 3) {
            emit TradeSkipped(requestId, Action.Hold, SkipReason.BadOutput, 0, 0, 0);
            return;
        }
        Action action = _argmax(output.values);
        emit DecisionReceived(requestId, action, output.values);
        if (action == Action.Hold) return;
        _trade(requestId, action, p);
    }

    /// @dev A decided trade, sized and quoted.
    struct Plan {
        address tokenIn;
        uint256 amountIn;
        /// @dev At the reserves at execution.
        uint256 amountOut;
        /// @dev The request-time quote less the slippage bound.
        uint256 amountOutMin;
        /// @dev QUOTE notional: buy: amount in; sell: amount out.
        uint256 notional;
        /// @dev The reserves changed since the request.
        bool stale;
    }

    /// @dev Trades a Buy/Sell decision within the limits, or emits why not.
    function _trade(uint256 requestId, Action action, Pending memory p) private {
        Config memory c = _config;
        Plan memory t = _plan(action, p, c);
        if (t.amountIn == 0 || t.amountOut == 0) {
            emit TradeSkipped(requestId, action, SkipReason.NoBalance, t.amountIn, t.amountOut, t.amountOutMin);
            return;
        }
        if (t.amountOut < t.amountOutMin) {
            emit TradeSkipped(requestId, action, SkipReason.Slippage, t.amountIn, t.amountOut, t.amountOutMin);
            return;
        }
        uint256 period = block.timestamp / c.periodLength;
        uint256 traded = (period == _period ? _traded : 0) + t.notional;
        if (traded > c.maxTradePerPeriod) {
            emit TradeSkipped(requestId, action, SkipReason.PeriodLimit, t.amountIn, t.amountOut, t.amountOutMin);
            return;
        }
        try this.executeSwap(t.tokenIn, t.amountIn, t.amountOut) {
            _period = period;
            _traded = traded;
            emit TradeExecuted(requestId, action, t.tokenIn, t.amountIn, t.amountOut, t.amountOutMin, traded, t.stale);
        } catch {
            emit TradeSkipped(requestId, action, SkipReason.SwapFailed, t.amountIn, t.amountOut, t.amountOutMin);
        }
    }

    /// @dev Sizes a Buy/Sell: `tradeBps` of the input token's balance, quoted at the reserves now
    ///      and, for `amountOutMin`, at the reserves the decision was read from.
    function _plan(Action action, Pending memory p, Config memory c) private view returns (Plan memory t) {
        bool buy = action == Action.Buy;
        t.tokenIn = buy ? _QUOTE : _BASE;
        t.amountIn = IERC20(t.tokenIn).balanceOf(address(this)) * c.tradeBps / BPS;
        (uint256 rBase, uint256 rQuote) = _reserves();
        t.stale = rBase != p.reserveBase || rQuote != p.reserveQuote;
        if (buy) {
            t.amountOutMin = _quote(t.amountIn, p.reserveQuote, p.reserveBase) * (BPS - c.maxSlippageBps) / BPS;
            t.amountOut = _quote(t.amountIn, rQuote, rBase);
            t.notional = t.amountIn;
        } else {
            t.amountOutMin = _quote(t.amountIn, p.reserveBase, p.reserveQuote) * (BPS - c.maxSlippageBps) / BPS;
            t.amountOut = _quote(t.amountIn, rBase, rQuote);
            t.notional = t.amountOut;
        }
    }

    /// @inheritdoc ITradingVault
    function executeSwap(address tokenIn, uint256 amountIn, uint256 amountOut) external {
        if (msg.sender != address(this)) revert TradingVaultNotSelf(msg.sender);
        IERC20(tokenIn).safeTransfer(address(_PAIR), amountIn);
        bool outIsToken0 = (tokenIn == _BASE) != _BASE_IS_TOKEN0;
        (uint256 out0, uint256 out1) = outIsToken0 ? (amountOut, uint256(0)) : (uint256(0), amountOut);
        _PAIR.swap(out0, out1, address(this), "");
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ITradingVault
    function features()
        external
        view
        returns (int256 deviation, int256 baseShare, int256[] memory values, uint256 spot, uint256 twap, uint256 window)
    {
        Snapshot memory s = _snapshot();
        values = _quantize(s.deviation, s.share, _config.inputScale);
        return (s.deviation, s.share, values, s.spot, s.twap, s.window);
    }

    /// @inheritdoc ITradingVault
    function quote(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256) {
        return _quote(amountIn, reserveIn, reserveOut);
    }

    /// @inheritdoc ITradingVault
    function owner() external view returns (address) {
        return _OWNER;
    }

    /// @inheritdoc ITradingVault
    function pair() external view returns (address) {
        return address(_PAIR);
    }

    /// @inheritdoc ITradingVault
    function base() external view returns (address) {
        return _BASE;
    }

    /// @inheritdoc ITradingVault
    function quoteToken() external view returns (address) {
        return _QUOTE;
    }

    /// @inheritdoc ITradingVault
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @inheritdoc ITradingVault
    function pending() external view returns (Pending memory) {
        return _pending;
    }

    /// @inheritdoc ITradingVault
    function observation() external view returns (uint256 cumulative, uint64 timestamp) {
        return (_obsCumulative, _obsTimestamp);
    }

    /// @inheritdoc ITradingVault
    function periodTraded() external view returns (uint256 period, uint256 traded) {
        period = block.timestamp / _config.periodLength;
        traded = period == _period ? _traded : 0;
    }

    // ---------------------------------------------------------------- internals

    function _setConfig(Config memory c) private {
        if (c.inputScale > MAX_INPUT_SCALE) revert TradingVaultInvalidConfig("inputScale", c.inputScale);
        if (c.paymentToken == address(0)) revert TradingVaultInvalidConfig("paymentToken", 0);
        if (c.callbackGasLimit == 0) revert TradingVaultInvalidConfig("callbackGasLimit", 0);
        if (c.decisionTtl == 0) revert TradingVaultInvalidConfig("decisionTtl", 0);
        if (c.tradeBps == 0 || c.tradeBps > BPS) revert TradingVaultInvalidConfig("tradeBps", c.tradeBps);
        if (c.maxSlippageBps >= BPS) revert TradingVaultInvalidConfig("maxSlippageBps", c.maxSlippageBps);
        if (c.periodLength == 0) revert TradingVaultInvalidConfig("periodLength", 0);
        if (c.maxTradePerPeriod == 0) revert TradingVaultInvalidConfig("maxTradePerPeriod", 0);
        _config = c;
        emit ConfigUpdated(c);
    }

    /// @dev The pair's reserves as (BASE, QUOTE).
    function _reserves() private view returns (uint256 rBase, uint256 rQuote) {
        (uint112 r0, uint112 r1,) = _PAIR.getReserves();
        (rBase, rQuote) = _BASE_IS_TOKEN0 ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
    }

    /// @dev The pair's cumulative price of BASE in QUOTE (UQ112x112 seconds) at this block, counting
    ///      the time since the pair's last update at its current reserves (UniswapV2OracleLibrary).
    function _currentCumulative(uint256 rBase, uint256 rQuote) private view returns (uint256 cumulative) {
        cumulative = _BASE_IS_TOKEN0 ? _PAIR.price0CumulativeLast() : _PAIR.price1CumulativeLast();
        (,, uint32 last) = _PAIR.getReserves();
        // Bound: Uniswap v2's cumulative prices and 32-bit timestamps wrap by design; only
        // differences are meaningful, so wrapping arithmetic is intended here.
        unchecked {
            uint32 elapsed = uint32(block.timestamp) - last;
            // The pair's own accumulation: UQ112x112 price (a truncating division), times seconds.
            // forge-lint: disable-next-line(divide-before-multiply)
            if (elapsed > 0) cumulative += (rQuote * Q112 / rBase) * elapsed;
        }
    }

    /// @dev What a decision is read from, now.
    struct Snapshot {
        uint256 rBase;
        uint256 rQuote;
        /// @dev The pair's cumulative price of BASE now (see _currentCumulative).
        uint256 cumulative;
        /// @dev Seconds since the vault's observation.
        uint256 window;
        /// @dev QUOTE per BASE, 1e18: at the reserves, and averaged over the window.
        uint256 spot;
        uint256 twap;
        /// @dev spot/twap - 1 clipped to [-1, 1], 1e18.
        int256 deviation;
        /// @dev The vault's BASE share of its value at spot, 1e18 (0 when empty).
        int256 share;
        bool empty;
    }

    /// @dev Reads the pair and the vault's balances into the decision features.
    function _snapshot() private view returns (Snapshot memory s) {
        (s.rBase, s.rQuote) = _reserves();
        if (s.rBase == 0 || s.rQuote == 0) revert TradingVaultEmptyPool(s.rBase, s.rQuote);
        s.cumulative = _currentCumulative(s.rBase, s.rQuote);
        s.window = block.timestamp - _obsTimestamp;
        s.spot = Math.mulDiv(s.rQuote, ONE, s.rBase);
        if (s.window == 0) {
            s.twap = s.spot;
        } else {
            uint256 avg;
            // Bound: the difference of two wrapping cumulative prices (see _currentCumulative).
            unchecked {
                avg = (s.cumulative - _obsCumulative) / s.window;
            }
            s.twap = Math.mulDiv(avg, ONE, Q112);
        }
        if (s.twap == 0) {
            s.deviation = S_ONE;
        } else {
            int256 d = (s.spot.toInt256() - s.twap.toInt256()) * S_ONE / s.twap.toInt256();
            s.deviation = d > S_ONE ? S_ONE : d < -S_ONE ? -S_ONE : d;
        }
        uint256 valueBase = Math.mulDiv(IERC20(_BASE).balanceOf(address(this)), s.rQuote, s.rBase);
        uint256 total = valueBase + IERC20(_QUOTE).balanceOf(address(this));
        s.empty = total == 0;
        s.share = s.empty ? int256(0) : Math.mulDiv(valueBase, ONE, total).toInt256();
    }

    /// @dev Fixed point at 2^scale, rounded half away from zero (inputs are within [-1, 1] in 1e18).
    function _quantize(int256 deviation, int256 share, uint8 scale) private pure returns (int256[] memory v) {
        v = new int256[](2);
        v[0] = _fixed(deviation, scale);
        v[1] = _fixed(share, scale);
    }

    function _fixed(int256 x, uint8 scale) private pure returns (int256) {
        int256 half = x >= 0 ? S_HALF : -S_HALF;
        return (x * (2 ** uint256(scale)).toInt256() + half) / S_ONE;
    }

    /// @dev Buy or Sell only when its logit is strictly the highest; ties hold.
    function _argmax(int256[] calldata logits) private pure returns (Action) {
        int256 buy = logits[uint256(Action.Buy)];
        int256 sell = logits[uint256(Action.Sell)];
        int256 hold = logits[uint256(Action.Hold)];
        if (buy > sell && buy > hold) return Action.Buy;
        if (sell > buy && sell > hold) return Action.Sell;
        return Action.Hold;
    }

    function _quote(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) private pure returns (uint256) {
        if (amountIn == 0 || reserveIn == 0 || reserveOut == 0) return 0;
        uint256 inWithFee = amountIn * 997;
        return inWithFee * reserveOut / (reserveIn * 1000 + inWithFee);
    }
}
