// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ITradingVault} from "../../../src/apps/trading/ITradingVault.sol";
import {IUniswapV2PairLike} from "../../../src/apps/trading/IUniswapV2PairLike.sol";
import {TradingVault} from "../../../src/apps/trading/TradingVault.sol";
import {CoprocessorConsumerBase} from "../../../src/coprocessor/CoprocessorConsumerBase.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {IUniswapV2PairFull, TestToken, TradingVaultFixture} from "./TradingVaultFixture.sol";

contract TradingVaultTest is TradingVaultFixture {
    ITradingVault.Action internal constant BUY = ITradingVault.Action.Buy;
    ITradingVault.Action internal constant SELL = ITradingVault.Action.Sell;
    ITradingVault.Action internal constant HOLD = ITradingVault.Action.Hold;

    // ------------------------------------------------------------------------------ setup

    function test_setup_realUniswapPair() public view {
        assertEq(factory.getPair(address(baseToken), address(quoteTok)), address(pair));
        assertEq(IUniswapV2PairFull(address(pair)).factory(), address(factory));
        assertEq(vault.pair(), address(pair));
        assertEq(vault.base(), address(baseToken));
        assertEq(vault.quoteToken(), address(quoteTok));
        assertEq(vault.owner(), trader);
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
    }

    function test_constructor_revertsWhenBaseIsNotInThePair() public {
        TestToken other = new TestToken("OTHER");
        vm.expectRevert(
            abi.encodeWithSelector(ITradingVault.TradingVaultTokenNotInPair.selector, address(pair), address(other))
        );
        new TradingVault(coordinator, pair, address(other), trader, _config());
    }

    function test_constructor_revertsOnAnEmptyPool() public {
        TestToken a = new TestToken("A");
        IUniswapV2PairLike empty = IUniswapV2PairLike(factory.createPair(address(a), address(quoteTok)));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultEmptyPool.selector, 0, 0));
        new TradingVault(coordinator, empty, address(a), trader, _config());
    }

    function test_constructor_worksWithBaseAsEitherPairToken() public {
        TradingVault flipped = new TradingVault(coordinator, pair, address(quoteTok), trader, _config());
        assertEq(flipped.base(), address(quoteTok));
        assertEq(flipped.quoteToken(), address(baseToken));
    }

    // ------------------------------------------------------------------------------ features

    function test_features_readThePairsSpotAndTwap() public {
        _moveAfterWindow(500 ether, 0); // BASE price up ~10%
        (int256 deviation, int256 share, int256[] memory values, uint256 spot, uint256 twap, uint256 window) =
            vault.features();
        (uint256 rBase, uint256 rQuote) = _reserves();
        assertEq(spot, rQuote * 1e18 / rBase);
        // The window saw 600 s at 1.0 and 12 s at the new spot.
        uint256 expectedTwap = (600 * 1e18 + 12 * spot) / 612;
        assertApproxEqRel(twap, expectedTwap, 1e12);
        assertEq(window, 612);
        assertGt(deviation, 0.05e18);
        assertEq(deviation, (int256(spot) - int256(twap)) * 1e18 / int256(twap));
        // Holding 1000 BASE and 1000 QUOTE at a spot above 1: more than half in BASE.
        assertGt(share, 0.5e18);
        assertEq(values.length, 2);
        assertEq(values[0], (deviation * 128 + 0.5e18) / 1e18);
        assertEq(values[1], (share * 128 + 0.5e18) / 1e18);
    }

    function test_features_deviationNegativeAfterADrop() public {
        _moveAfterWindow(0, 500 ether);
        (int256 deviation,, int256[] memory values,,,) = vault.features();
        assertLt(deviation, -0.05e18);
        assertLt(values[0], 0);
        assertEq(values[0], (deviation * 128 - 0.5e18) / 1e18);
    }

    function testFuzz_features_quantizedWithinTheModelsRange(uint256 quoteIn, uint256 baseIn, uint256 wait) public {
        quoteIn = bound(quoteIn, 0, 1_000_000 ether);
        baseIn = quoteIn == 0 ? bound(baseIn, 0, 1_000_000 ether) : 0;
        vm.warp(block.timestamp + bound(wait, 0, 30 days));
        _whaleSwap(quoteIn, baseIn);
        vm.warp(block.timestamp + 1);
        (int256 deviation, int256 share, int256[] memory values,,,) = vault.features();
        assertLe(deviation, 1e18);
        assertGe(deviation, -1e18);
        assertGe(share, 0);
        assertLe(share, 1e18);
        assertLe(values[0], 128);
        assertGe(values[0], -128);
        assertGe(values[1], 0);
        assertLe(values[1], 128);
    }

    // ------------------------------------------------------------------------------ trigger

    function test_trigger_requestsZkWithTheFeaturesAsThePublicInput() public {
        _moveAfterWindow(500 ether, 0);
        (,, int256[] memory values, uint256 spot, uint256 twap, uint256 window) = vault.features();
        (uint256 rBase, uint256 rQuote) = _reserves();
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionRequested(1, values, rBase, rQuote, spot, twap, window);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        emit log_named_uint("trigger gas", vm.lastCallGas().gasTotalUsed);
        // _committed checked the commitment: the vault asked for Zk on exactly these inline values,
        // and the coordinator bound the input hash to them on chain.
        assertEq(r.inputHash, coordinator.inputHashOf(values));
        assertEq(uint8(r.verification), uint8(ICoprocessorCoordinator.Verification.Zk));
        assertEq(r.owner, address(vault));
        ITradingVault.Pending memory p = vault.pending();
        assertEq(p.requestId, r.id);
        assertEq(p.reserveBase, rBase);
        assertEq(p.reserveQuote, rQuote);
        assertEq(p.deadline, block.timestamp + 1 hours);
        (uint256 cumulative, uint64 ts) = vault.observation();
        assertEq(ts, block.timestamp);
        assertGt(cumulative, 0);
        (uint256 available, uint256 locked) = _escrow(address(vault));
        assertEq(locked, FEE_CAP);
        assertEq(available, 100 ether - FEE_CAP);
    }

    function test_trigger_revertsForOthers() public {
        vm.warp(block.timestamp + 10 minutes);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultNotOwner.selector, stranger));
        vm.prank(stranger);
        vault.trigger();
    }

    function test_trigger_revertsWhileADecisionIsPending() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        vm.warp(block.timestamp + 10 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradingVault.TradingVaultDecisionPending.selector, r.id, uint256(r.activeAt) + 1 hours
            )
        );
        vm.prank(trader);
        vault.trigger();
    }

    function test_trigger_afterAnUndeliveredDecisionExpires() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        vm.warp(block.timestamp + 1 hours + 1);
        vm.prank(trader);
        uint256 second = vault.trigger();
        assertEq(second, r.id + 1);
        assertEq(vault.pending().requestId, second);
        // The expired request is refunded at the coordinator; a late delivery is refused.
        coordinator.refund(r, 1);
        int256[] memory logits = _logits(10, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorDeadlinePassed.selector, r.id, 1, uint256(r.activeAt) + 1 hours
            )
        );
        this.deliverExternal(r, values, logits);
    }

    function deliverExternal(ICoprocessorCoordinator.Request memory r, int256[] memory v, int256[] memory l) external {
        _deliver(r, v, l);
    }

    function test_trigger_revertsWhenTheTwapWindowIsTooShort() public {
        vm.warp(block.timestamp + 59);
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultTwapWindowTooShort.selector, 59, 60));
        vm.prank(trader);
        vault.trigger();
    }

    function test_trigger_startsTheNextTwapWindow() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        _deliver(r, values, _logits(0, 0, 10));
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultTwapWindowTooShort.selector, 0, 60));
        vm.prank(trader);
        vault.trigger();
    }

    function test_trigger_revertsWhenTheVaultIsEmpty() public {
        vm.startPrank(trader);
        vault.withdraw(address(baseToken), DEPOSIT);
        vault.withdraw(address(quoteTok), DEPOSIT);
        vm.stopPrank();
        vm.warp(block.timestamp + 10 minutes);
        vm.expectRevert(ITradingVault.TradingVaultNothingToTrade.selector);
        vm.prank(trader);
        vault.trigger();
    }

    function test_trigger_revertsWithoutEscrow() public {
        vm.prank(trader);
        vault.withdrawEscrow(address(token), 100 ether);
        vm.warp(block.timestamp + 10 minutes);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector,
                address(vault),
                address(token),
                FEE_CAP,
                0
            )
        );
        vm.prank(trader);
        vault.trigger();
    }

    // ------------------------------------------------------------------------------ decisions

    function test_decision_buyAfterADropSwapsThroughThePair() public {
        _moveAfterWindow(0, 500 ether); // BASE cheap against its TWAP: mean reversion buys
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountIn = DEPOSIT / 10;
        uint256 amountOut = vault.quote(amountIn, rQuote, rBase);
        uint256 amountOutMin = amountOut * 9_900 / 10_000;
        int256[] memory logits = _logits(300, -100, 50);
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionReceived(r.id, BUY, logits);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeExecuted(
            r.id, BUY, address(quoteTok), amountIn, amountOut, amountOutMin, amountIn, false
        );
        emit log_named_uint("zk delivery + decision + swap gas", _deliver(r, values, logits));
        Snap memory s1 = _snap();
        assertEq(s1.b, DEPOSIT + amountOut);
        assertEq(s1.q, DEPOSIT - amountIn);
        assertEq(s1.rBase, rBase - amountOut);
        assertEq(s1.rQuote, rQuote + amountIn);
        (, uint256 traded) = vault.periodTraded();
        assertEq(traded, amountIn);
        assertEq(vault.pending().requestId, 0);
        assertFalse(coordinator.getInterval(r.id, 1).callbackFailed);
        _checkPaid();
    }

    /// @dev Paid: the node its fee, the treasury its cut, the rest of the lock back to the vault.
    function _checkPaid() internal view {
        (uint256 available, uint256 locked) = _escrow(address(vault));
        assertEq(locked, 0);
        assertEq(available, 100 ether - FEE - _protocolFee(FEE));
        assertEq(_earned(node1), FEE);
    }

    function test_decision_sellAfterARiseSwapsThroughThePair() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountIn = DEPOSIT / 10;
        uint256 amountOut = vault.quote(amountIn, rBase, rQuote);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeExecuted(
            r.id, SELL, address(baseToken), amountIn, amountOut, amountOut * 9_900 / 10_000, amountOut, false
        );
        _deliver(r, values, _logits(-100, 300, 50));
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT - amountIn);
        assertEq(q, DEPOSIT + amountOut);
        (, uint256 traded) = vault.periodTraded();
        assertEq(traded, amountOut, "a sell's notional is its QUOTE out");
    }

    function test_decision_holdDoesNotTrade() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        (uint256 rBase, uint256 rQuote) = _reserves();
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionReceived(r.id, HOLD, _logits(1, 2, 3));
        _deliver(r, values, _logits(1, 2, 3));
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
        (uint256 rBase2, uint256 rQuote2) = _reserves();
        assertEq(rBase2, rBase);
        assertEq(rQuote2, rQuote);
        assertEq(vault.pending().requestId, 0);
    }

    function test_decision_tiesHold() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionReceived(r.id, HOLD, _logits(5, 5, 1));
        _deliver(r, values, _logits(5, 5, 1));
        (uint256 b,) = _balances();
        assertEq(b, DEPOSIT);
    }

    function test_decision_skipsWhenThePriceMovedPastTheSlippageBound() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountIn = DEPOSIT / 10;
        uint256 amountOutMin = vault.quote(amountIn, rQuote, rBase) * 9_900 / 10_000;
        _whaleSwap(200 ether, 0); // someone buys BASE first: our buy would get ~4% less
        (uint256 rBase2, uint256 rQuote2) = _reserves();
        uint256 amountOut = vault.quote(amountIn, rQuote2, rBase2);
        assertLt(amountOut, amountOutMin);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeSkipped(r.id, BUY, ITradingVault.SkipReason.Slippage, amountIn, amountOut, amountOutMin);
        _deliver(r, values, _logits(300, 0, 0));
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
        assertFalse(coordinator.getInterval(r.id, 1).callbackFailed, "skipping never reverts the callback");
    }

    function test_decision_staleButFavourableExecutes() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountIn = DEPOSIT / 10;
        uint256 amountOutMin = vault.quote(amountIn, rQuote, rBase) * 9_900 / 10_000;
        _whaleSwap(0, 100 ether); // BASE even cheaper: the buy gets more
        (uint256 rBase2, uint256 rQuote2) = _reserves();
        uint256 amountOut = vault.quote(amountIn, rQuote2, rBase2);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeExecuted(
            r.id, BUY, address(quoteTok), amountIn, amountOut, amountOutMin, amountIn, true
        );
        _deliver(r, values, _logits(300, 0, 0));
    }

    function test_decision_skipsPastThePeriodLimit() public {
        ITradingVault.Config memory c = _config();
        c.maxTradePerPeriod = 150 ether; // one 100-QUOTE buy fits, a second does not
        vm.prank(trader);
        vault.setConfig(c);
        vm.warp(START_TIME + 1 days - 2 hours); // start of day 1 period is at a multiple of 1 day
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        _deliver(r, values, _logits(300, 0, 0));
        (, uint256 traded) = vault.periodTraded();
        assertEq(traded, 100 ether);

        _moveAfterWindow(0, 300 ether);
        (r, values) = _trigger();
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountIn = quoteTok.balanceOf(address(vault)) / 10;
        uint256 amountOut = vault.quote(amountIn, rQuote, rBase);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeSkipped(
            r.id, BUY, ITradingVault.SkipReason.PeriodLimit, amountIn, amountOut, amountOut * 9_900 / 10_000
        );
        _deliver(r, values, _logits(300, 0, 0));
        (, traded) = vault.periodTraded();
        assertEq(traded, 100 ether);

        // The next period starts from zero.
        vm.warp((block.timestamp / 1 days + 1) * 1 days);
        _moveAfterWindow(0, 300 ether);
        (r, values) = _trigger();
        _deliver(r, values, _logits(300, 0, 0));
        (, traded) = vault.periodTraded();
        assertEq(traded, amountIn);
    }

    function test_decision_skipsWhenNothingIsLeftToSell() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        vm.prank(trader);
        vault.withdraw(address(baseToken), DEPOSIT); // the owner may withdraw while a decision is pending
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeSkipped(r.id, SELL, ITradingVault.SkipReason.NoBalance, 0, 0, 0);
        _deliver(r, values, _logits(0, 300, 0));
    }

    function test_decision_skipsAFailedSwapAndKeepsTheTokens() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        quoteTok.blockTransfersTo(address(pair));
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountIn = DEPOSIT / 10;
        uint256 amountOut = vault.quote(amountIn, rQuote, rBase);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeSkipped(
            r.id, BUY, ITradingVault.SkipReason.SwapFailed, amountIn, amountOut, amountOut * 9_900 / 10_000
        );
        _deliver(r, values, _logits(300, 0, 0));
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
        (, uint256 traded) = vault.periodTraded();
        assertEq(traded, 0);
        assertFalse(coordinator.getInterval(r.id, 1).callbackFailed);
    }

    function test_decision_skipsAnOutputThatIsNotThreeLogits() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        ICoprocessorCoordinator.Output memory o;
        o.values = _values(1, 2);
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeSkipped(r.id, HOLD, ITradingVault.SkipReason.BadOutput, 0, 0, 0);
        vm.prank(address(coordinator));
        vault.receiveCoprocessorResult(r.id, 1, o, bytes32(0), node1);
        assertEq(vault.pending().requestId, 0);
    }

    function test_decision_ignoresAResultForAnotherRequest() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        ICoprocessorCoordinator.Output memory o;
        o.values = _logits(300, 0, 0);
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionIgnored(r.id + 7);
        vm.prank(address(coordinator));
        vault.receiveCoprocessorResult(r.id + 7, 1, o, bytes32(0), node1);
        assertEq(vault.pending().requestId, r.id, "the pending decision stays");
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
    }

    function test_decision_revertsFromAnyoneButTheCoordinator() public {
        ICoprocessorCoordinator.Output memory o;
        o.values = _logits(300, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(CoprocessorConsumerBase.CoprocessorConsumerNotCoordinator.selector, trader)
        );
        vm.prank(trader);
        vault.receiveCoprocessorResult(1, 1, o, bytes32(0), trader);
    }

    function test_decision_aProofForOtherFeaturesIsRefused() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        int256[] memory forged = new int256[](2);
        (forged[0], forged[1]) = (values[0] + 1, values[1]);
        // The signals state other inputs than the vault read: the coordinator's input hash check fails.
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector,
                r.id,
                r.inputHash,
                coordinator.inputHashOf(forged)
            )
        );
        this.deliverExternal(r, forged, _logits(300, 0, 0));
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
    }

    function test_executeSwap_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultNotSelf.selector, trader));
        vm.prank(trader);
        vault.executeSwap(address(quoteTok), 1 ether, 0.9 ether);
    }

    struct Snap {
        uint256 b;
        uint256 q;
        uint256 rBase;
        uint256 rQuote;
    }

    function _snap() internal view returns (Snap memory s) {
        (s.b, s.q) = _balances();
        (s.rBase, s.rQuote) = _reserves();
    }

    /// @dev Any decision, any price move between request and delivery, any limits: the delivery
    ///      never reverts, a trade only ever happens through the pair within both limits, and
    ///      otherwise nothing moves.
    function testFuzz_decision_respectsTheLimits(
        int256 buyLogit,
        int256 sellLogit,
        uint256 move,
        bool moveUp,
        uint16 tradeBps,
        uint16 slippageBps,
        uint128 maxPerPeriod
    ) public {
        ITradingVault.Config memory c = _config();
        c.tradeBps = uint16(bound(tradeBps, 1, 10_000));
        c.maxSlippageBps = uint16(bound(slippageBps, 0, 9_999));
        c.maxTradePerPeriod = uint128(bound(maxPerPeriod, 1, 2_000 ether));
        _runDecision(
            c, _logits(bound(buyLogit, -1e6, 1e6), bound(sellLogit, -1e6, 1e6), 0), bound(move, 0, 2_000 ether), moveUp
        );
    }

    function _runDecision(ITradingVault.Config memory c, int256[] memory logits, uint256 move, bool moveUp) internal {
        vm.prank(trader);
        vault.setConfig(c);
        _moveAfterWindow(300 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        if (moveUp) _whaleSwap(move, 0);
        else _whaleSwap(0, move);
        ITradingVault.Pending memory p = vault.pending();
        Snap memory s0 = _snap();
        _deliver(r, values, logits);
        assertFalse(coordinator.getInterval(r.id, 1).callbackFailed, "the callback never reverts");
        _checkTrade(c, p, s0, _snap());
    }

    function _checkTrade(ITradingVault.Config memory c, ITradingVault.Pending memory p, Snap memory s0, Snap memory s1)
        internal
        view
    {
        (, uint256 traded) = vault.periodTraded();
        assertLe(traded, c.maxTradePerPeriod, "per-period limit");
        if (s1.b == s0.b && s1.q == s0.q) {
            assertEq(traded, 0);
            assertEq(s1.rBase, s0.rBase);
            assertEq(s1.rQuote, s0.rQuote);
            return;
        }
        assertGe(s1.rBase * s1.rQuote, s0.rBase * s0.rQuote, "the pair's invariant holds");
        uint256 bps = 10_000 - c.maxSlippageBps;
        if (s1.b > s0.b) {
            // A buy: QUOTE in, BASE out at the pair, within the slippage bound from request-time reserves.
            uint256 amountIn = s0.q - s1.q;
            uint256 amountOut = s1.b - s0.b;
            assertEq(amountIn, s0.q * c.tradeBps / 10_000);
            assertEq(s1.rQuote - s0.rQuote, amountIn);
            assertEq(s0.rBase - s1.rBase, amountOut);
            assertGe(amountOut, vault.quote(amountIn, p.reserveQuote, p.reserveBase) * bps / 10_000);
            assertEq(traded, amountIn);
        } else {
            uint256 amountIn = s0.b - s1.b;
            uint256 amountOut = s1.q - s0.q;
            assertEq(amountIn, s0.b * c.tradeBps / 10_000);
            assertEq(s1.rBase - s0.rBase, amountIn);
            assertEq(s0.rQuote - s1.rQuote, amountOut);
            assertGe(amountOut, vault.quote(amountIn, p.reserveBase, p.reserveQuote) * bps / 10_000);
            assertEq(traded, amountOut);
        }
    }

    // ------------------------------------------------------------------------------ owner

    function test_deposit_pullsBaseOrQuoteFromTheOwner() public {
        baseToken.mint(trader, 5 ether);
        vm.expectEmit(address(vault));
        emit ITradingVault.Deposited(address(baseToken), 5 ether);
        vm.prank(trader);
        vault.deposit(address(baseToken), 5 ether);
        (uint256 b,) = _balances();
        assertEq(b, DEPOSIT + 5 ether);
    }

    function test_deposit_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultNotOwner.selector, stranger));
        vm.prank(stranger);
        vault.deposit(address(baseToken), 1);
    }

    function test_deposit_revertsOnAnotherToken() public {
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultUnknownToken.selector, address(token)));
        vm.prank(trader);
        vault.deposit(address(token), 1);
    }

    function test_deposit_revertsOnZero() public {
        vm.expectRevert(ITradingVault.TradingVaultZeroAmount.selector);
        vm.prank(trader);
        vault.deposit(address(baseToken), 0);
    }

    function test_withdraw_sendsToTheOwner() public {
        vm.expectEmit(address(vault));
        emit ITradingVault.Withdrawn(address(quoteTok), trader, 400 ether);
        vm.prank(trader);
        vault.withdraw(address(quoteTok), 400 ether);
        assertEq(quoteTok.balanceOf(trader), 400 ether);
        (, uint256 q) = _balances();
        assertEq(q, DEPOSIT - 400 ether);
    }

    function test_withdraw_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultNotOwner.selector, stranger));
        vm.prank(stranger);
        vault.withdraw(address(baseToken), 1);
    }

    function test_withdraw_revertsAboveTheBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradingVault.TradingVaultInsufficientBalance.selector, address(baseToken), DEPOSIT + 1, DEPOSIT
            )
        );
        vm.prank(trader);
        vault.withdraw(address(baseToken), DEPOSIT + 1);
    }

    function test_withdraw_revertsOnZero() public {
        vm.expectRevert(ITradingVault.TradingVaultZeroAmount.selector);
        vm.prank(trader);
        vault.withdraw(address(baseToken), 0);
    }

    function test_withdrawEscrow_returnsUnusedFeesToTheOwner() public {
        vm.expectEmit(address(vault));
        emit ITradingVault.EscrowWithdrawn(address(token), 40 ether);
        vm.prank(trader);
        vault.withdrawEscrow(address(token), 40 ether);
        assertEq(token.balanceOf(trader), 40 ether);
        (uint256 available,) = _escrow(address(vault));
        assertEq(available, 60 ether);
    }

    function test_withdrawEscrow_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultNotOwner.selector, stranger));
        vm.prank(stranger);
        vault.withdrawEscrow(address(token), 1);
    }

    function test_withdrawEscrow_revertsAboveTheEscrow() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector,
                address(vault),
                address(token),
                101 ether,
                100 ether
            )
        );
        vm.prank(trader);
        vault.withdrawEscrow(address(token), 101 ether);
    }

    function test_setConfig_replacesTheConfig() public {
        ITradingVault.Config memory c = _config();
        c.tradeBps = 2_500;
        c.maxTradePerPeriod = 7 ether;
        vm.expectEmit(address(vault));
        emit ITradingVault.ConfigUpdated(c);
        vm.prank(trader);
        vault.setConfig(c);
        assertEq(vault.config().tradeBps, 2_500);
        assertEq(vault.config().maxTradePerPeriod, 7 ether);
    }

    function test_setConfig_revertsForOthers() public {
        ITradingVault.Config memory c = _config();
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultNotOwner.selector, stranger));
        vm.prank(stranger);
        vault.setConfig(c);
    }

    function test_setConfig_revertsOnEachInvalidField() public {
        ITradingVault.Config memory c;
        c = _config();
        c.inputScale = 33;
        _expectInvalid(c, "inputScale", 33);
        c = _config();
        c.paymentToken = address(0);
        _expectInvalid(c, "paymentToken", 0);
        c = _config();
        c.callbackGasLimit = 0;
        _expectInvalid(c, "callbackGasLimit", 0);
        c = _config();
        c.decisionTtl = 0;
        _expectInvalid(c, "decisionTtl", 0);
        c = _config();
        c.tradeBps = 0;
        _expectInvalid(c, "tradeBps", 0);
        c.tradeBps = 10_001;
        _expectInvalid(c, "tradeBps", 10_001);
        c = _config();
        c.maxSlippageBps = 10_000;
        _expectInvalid(c, "maxSlippageBps", 10_000);
        c = _config();
        c.periodLength = 0;
        _expectInvalid(c, "periodLength", 0);
        c = _config();
        c.maxTradePerPeriod = 0;
        _expectInvalid(c, "maxTradePerPeriod", 0);
    }

    function _expectInvalid(ITradingVault.Config memory c, string memory field, uint256 value) internal {
        vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradingVaultInvalidConfig.selector, field, value));
        vm.prank(trader);
        vault.setConfig(c);
    }
}
