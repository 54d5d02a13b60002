// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPredictionMarket} from "../../../src/apps/prediction/IPredictionMarket.sol";
import {PredictionMarket} from "../../../src/apps/prediction/PredictionMarket.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {NoosToken} from "../../../src/token/NoosToken.sol";
import {LinregFixtures} from "./fixtures/LinregFixtures.sol";
import {PredictionFixture} from "./PredictionFixture.sol";

contract PredictionMarketTest is PredictionFixture {
    // ------------------------------------------------------------------------------- creation

    function test_createMarket_fixesQuestionAndFundsPoolAndEscrow() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        uint256 before = token.balanceOf(creator);
        vm.prank(creator);
        uint256 g = gasleft();
        PredictionMarket m = PredictionMarket(factory.createMarket(p));
        emit log_named_uint("gas createMarket", g - gasleft());
        _checkQuestion(m, p.question);
        assertEq(m.creator(), creator);
        (uint256 yes, uint256 no) = m.poolBalances();
        assertEq(yes, LIQUIDITY);
        assertEq(no, LIQUIDITY);
        assertEq(ct.getOutcomeSlotCount(m.conditionId()), 2);
        assertEq(ct.getConditionId(address(m), m.questionId(), 2), m.conditionId());
        assertEq(token.balanceOf(address(ct)), LIQUIDITY);
        (uint256 available, uint256 locked) = _escrow(address(m));
        assertEq(available, FEE_CAP);
        assertEq(locked, 0);
        assertEq(token.balanceOf(creator), before - LIQUIDITY - FEE_CAP);
        assertEq(factory.marketCount(), 1);
        assertEq(factory.markets(0), address(m));
    }

    function test_createMarket_revertsOnBadSchedule() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        p.question.resolutionTime = uint64(block.timestamp);
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(
                IPredictionMarket.PredictionInvalidSchedule.selector,
                p.question.resolutionTime,
                p.question.resolutionDeadline,
                block.timestamp
            )
        );
        p = _marketParams(LinregFixtures.highInput());
        p.question.resolutionDeadline = p.question.resolutionTime;
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(
                IPredictionMarket.PredictionInvalidSchedule.selector,
                p.question.resolutionTime,
                p.question.resolutionDeadline,
                block.timestamp
            )
        );
    }

    function test_createMarket_revertsOnUnusableModel() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        uint256[3] memory bad = [hashedInputModel, publicInputModel, 999];
        for (uint256 i; i < 3; ++i) {
            p.question.modelId = bad[i];
            _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionModelNotUsable.selector, bad[i]));
        }
        vm.prank(owner);
        models.deprecateModel(linregModel);
        p.question.modelId = linregModel;
        _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionModelNotUsable.selector, linregModel));
    }

    function test_createMarket_revertsOnOutputIndexOutOfRange() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        p.question.outputIndex = 1;
        _expectCreateRevert(
            p, abi.encodeWithSelector(IPredictionMarket.PredictionOutputIndexOutOfRange.selector, uint8(1), uint8(1))
        );
    }

    function test_createMarket_revertsOnBadFeeZeroAmountsAndZeroAddresses() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        p.feeBps = 10_000;
        _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionInvalidFee.selector, uint16(10_000)));
        p = _marketParams(LinregFixtures.highInput());
        p.liquidity = 0;
        _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionZeroAmount.selector));
        p = _marketParams(LinregFixtures.highInput());
        p.resolutionFee = 0;
        _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionZeroAmount.selector));
        p = _marketParams(LinregFixtures.highInput());
        p.question.inputHash = bytes32(0);
        _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionZeroAmount.selector));
        p = _marketParams(LinregFixtures.highInput());
        p.paymentToken = address(0);
        _expectCreateRevert(p, abi.encodeWithSelector(IPredictionMarket.PredictionZeroAddress.selector));
    }

    function test_createMarket_revertsOnUnlistedPaymentTokenOrMissingAllowance() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        NoosToken other = new NoosToken(creator, creator, 1000 ether);
        vm.prank(creator);
        other.approve(address(factory), type(uint256).max);
        p.paymentToken = address(other);
        _expectCreateRevert(
            p, abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorTokenNotAllowed.selector, address(other))
        );
        p = _marketParams(LinregFixtures.highInput());
        vm.prank(creator);
        token.approve(address(factory), LIQUIDITY);
        _expectCreateRevert(
            p,
            abi.encodeWithSignature(
                "ERC20InsufficientAllowance(address,uint256,uint256)", address(factory), uint256(0), uint256(FEE_CAP)
            )
        );
        assertEq(factory.marketCount(), 0);
    }

    function test_initialize_revertsWhenNotFactoryOrTwice() public {
        PredictionMarket m = _createHigh();
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionNotFactory.selector, stranger));
        vm.prank(stranger);
        m.initialize(stranger, p);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionAlreadyInitialized.selector));
        vm.prank(address(factory));
        m.initialize(stranger, p);
        // The implementation itself is never initialized and only takes the factory.
        PredictionMarket impl = factory.IMPLEMENTATION();
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionNotFactory.selector, stranger));
        vm.prank(stranger);
        impl.initialize(stranger, p);
    }

    // -------------------------------------------------------------------------------- trading

    function test_buy_givesOutcomeTokensAndMovesThePrice() public {
        PredictionMarket m = _createHigh();
        uint256 quote = m.calcBuyAmount(0, 10 ether);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        uint256 g = gasleft();
        uint256 got = m.buy(0, 10 ether, quote);
        emit log_named_uint("gas buy", g - gasleft());
        assertEq(got, quote);
        assertEq(_bal(m, alice, 0), got);
        assertEq(token.balanceOf(alice), before - 10 ether);
        // 10 in, 1% fee: 9.9 split; constant product 100*100 = yes' * 109.9.
        (uint256 yes, uint256 no) = m.poolBalances();
        assertEq(no, LIQUIDITY + 9.9 ether);
        assertEq(yes, LIQUIDITY + 9.9 ether - got);
        assertGe(yes * no, LIQUIDITY * LIQUIDITY);
        assertApproxEqRel(yes * no, LIQUIDITY * LIQUIDITY, 1e6);
        assertGt(got, 10 ether, "YES was cheaper than 1");
        // YES got dearer: the same money buys fewer YES now, more NO.
        assertLt(m.calcBuyAmount(0, 10 ether), got);
        assertGt(m.calcBuyAmount(1, 10 ether), got);
        // The fee stayed in the market.
        assertEq(token.balanceOf(address(m)), 0.1 ether);
    }

    function test_buy_revertsOnSlippageZeroAmountAndBadOutcome() public {
        PredictionMarket m = _createHigh();
        uint256 quote = m.calcBuyAmount(1, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionSlippage.selector, quote, quote + 1));
        vm.prank(alice);
        m.buy(1, 5 ether, quote + 1);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionZeroAmount.selector));
        vm.prank(alice);
        m.buy(1, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionInvalidOutcomeIndex.selector, 2));
        vm.prank(alice);
        m.buy(2, 5 ether, 0);
    }

    function test_buy_revertsAtResolutionTimeAndAfterResolution() public {
        PredictionMarket m = _createHigh();
        (,,,, uint64 t,) = m.question();
        vm.warp(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPredictionMarket.PredictionTradingClosed.selector, t, IPredictionMarket.Outcome.Unresolved
            )
        );
        vm.prank(alice);
        m.buy(0, 1 ether, 0);
        vm.prank(stranger);
        m.resolve(LinregFixtures.highInput());
        _deliverHigh(m);
        vm.expectRevert(
            abi.encodeWithSelector(IPredictionMarket.PredictionTradingClosed.selector, t, IPredictionMarket.Outcome.Yes)
        );
        vm.prank(bob);
        m.buy(1, 1 ether, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IPredictionMarket.PredictionTradingClosed.selector, t, IPredictionMarket.Outcome.Yes)
        );
        vm.prank(bob);
        m.sell(1, 1 ether, type(uint256).max);
    }

    function test_sell_returnsCollateralForOutcomeTokens() public {
        PredictionMarket m = _createHigh();
        uint256 got = _buy(m, alice, 0, 20 ether);
        uint256 needed = m.calcSellAmount(0, 10 ether);
        assertLt(needed, got);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        uint256 g = gasleft();
        uint256 sold = m.sell(0, 10 ether, needed);
        emit log_named_uint("gas sell", g - gasleft());
        assertEq(sold, needed);
        assertEq(token.balanceOf(alice), before + 10 ether);
        assertEq(_bal(m, alice, 0), got - sold);
        // YES trades below 1 (and the fee is on top): 10 back costs more than 10 YES.
        assertGt(sold, 10 ether);
    }

    function test_sell_revertsOnSlippageZeroInsufficientLiquidityAndBadOutcome() public {
        PredictionMarket m = _createHigh();
        _buy(m, alice, 0, 20 ether);
        uint256 needed = m.calcSellAmount(0, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionSlippage.selector, needed, needed - 1));
        vm.prank(alice);
        m.sell(0, 5 ether, needed - 1);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionZeroAmount.selector));
        vm.prank(alice);
        m.sell(0, 0, 0);
        (, uint256 no) = m.poolBalances();
        uint256 gross = no + 1 ether; // returnAmount with its 1% fee above the pool's NO
        uint256 ret = gross * 99 / 100;
        uint256 fee = (ret * FEE_BPS + 9_900 - 1) / 9_900;
        vm.expectRevert(
            abi.encodeWithSelector(IPredictionMarket.PredictionInsufficientLiquidity.selector, ret + fee, no)
        );
        vm.prank(alice);
        m.sell(0, ret, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionInvalidOutcomeIndex.selector, 7));
        vm.prank(alice);
        m.sell(7, 1 ether, type(uint256).max);
    }

    function test_sell_revertsWithoutOperatorApproval() public {
        PredictionMarket m = _createHigh();
        _buy(m, alice, 0, 20 ether);
        vm.prank(alice);
        ct.setApprovalForAll(address(m), false);
        vm.expectRevert(abi.encodeWithSignature("ERC1155MissingApprovalForAll(address,address)", address(m), alice));
        vm.prank(alice);
        m.sell(0, 1 ether, type(uint256).max);
    }

    // ----------------------------------------------------------------------------- resolution

    function test_resolve_zkDeliveryResolvesYesAndTradersRedeem() public {
        PredictionMarket m = _createHigh();
        uint256 yesTokens = _buy(m, alice, 0, 30 ether);
        uint256 noTokens = _buy(m, bob, 1, 30 ether);
        _warpToResolution(m);
        vm.prank(stranger);
        uint256 g = gasleft();
        uint256 id = m.resolve(LinregFixtures.highInput());
        emit log_named_uint("gas resolve", g - gasleft());
        assertEq(m.requestId(), id);
        (, uint256 locked) = _escrow(address(m));
        assertEq(locked, FEE_CAP);
        g = gasleft();
        _deliverHigh(m);
        emit log_named_uint("gas delivery (zk, with the market's callback)", g - gasleft());
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Yes));
        assertEq(m.resolvedValue(), LinregFixtures.highOutput()[0]);
        assertFalse(coordinator.getInterval(id, 1).callbackFailed);
        assertEq(ct.payoutNumerators(m.conditionId(), 0), 1);
        assertEq(ct.payoutNumerators(m.conditionId(), 1), 0);
        uint256 before = token.balanceOf(alice);
        bytes32 cid = m.conditionId();
        vm.prank(alice);
        g = gasleft();
        uint256 paid = ct.redeemPositions(IERC20(address(token)), cid);
        emit log_named_uint("gas redeem", g - gasleft());
        assertEq(paid, yesTokens);
        assertEq(token.balanceOf(alice), before + yesTokens);
        assertEq(_redeem(m, bob), 0);
        assertEq(_bal(m, bob, 1), 0, "losing tokens burned");
        assertGt(noTokens, 0);
    }

    function test_resolve_zkDeliveryResolvesNo() public {
        PredictionMarket m = _create(_marketParams(LinregFixtures.lowInput()));
        _buy(m, alice, 0, 10 ether);
        uint256 noTokens = _buy(m, bob, 1, 10 ether);
        _resolve(m, LinregFixtures.lowInput());
        _deliverLow(m);
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.No));
        assertEq(m.resolvedValue(), LinregFixtures.lowOutput()[0]);
        assertEq(_redeem(m, alice), 0);
        assertEq(_redeem(m, bob), noTokens);
    }

    function test_resolve_revertsBeforeResolutionTime() public {
        PredictionMarket m = _createHigh();
        (,,,, uint64 t,) = m.question();
        vm.warp(t - 1);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionTooEarly.selector, t, t - 1));
        m.resolve(LinregFixtures.highInput());
    }

    function test_resolve_revertsOnAnotherInput() public {
        PredictionMarket m = _createHigh();
        _warpToResolution(m);
        int256[] memory other = LinregFixtures.lowInput();
        vm.expectRevert(
            abi.encodeWithSelector(
                IPredictionMarket.PredictionInputMismatch.selector,
                coordinator.inputHashOf(LinregFixtures.highInput()),
                coordinator.inputHashOf(other)
            )
        );
        m.resolve(other);
    }

    function test_resolve_revertsTwiceAndAfterResolution() public {
        PredictionMarket m = _createHigh();
        uint256 id = _resolve(m, LinregFixtures.highInput());
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionResolutionPending.selector, id));
        m.resolve(LinregFixtures.highInput());
        _deliverHigh(m);
        vm.expectRevert(
            abi.encodeWithSelector(IPredictionMarket.PredictionAlreadyResolved.selector, IPredictionMarket.Outcome.Yes)
        );
        m.resolve(LinregFixtures.highInput());
    }

    function test_resolve_revertsAtTheDeadline() public {
        PredictionMarket m = _createHigh();
        (,,,,, uint64 d) = m.question();
        vm.warp(d);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionResolutionWindowClosed.selector, d, d));
        m.resolve(LinregFixtures.highInput());
    }

    function test_resolve_revertsWhenEscrowWasTaken() public {
        // The fee is prepaid at creation; without it the coordinator refuses the request.
        PredictionMarket m = _createHigh();
        _warpToResolution(m);
        vm.prank(address(m));
        coordinator.withdrawEscrow(address(token), FEE_CAP);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector, address(m), address(token), FEE_CAP, 0
            )
        );
        m.resolve(LinregFixtures.highInput());
    }

    function test_deliver_proofForAnotherInputIsRejected() public {
        PredictionMarket m = _createHigh();
        uint256 id = _resolve(m, LinregFixtures.highInput());
        ICoprocessorCoordinator.Request memory r = m.committedRequest();
        ICoprocessorCoordinator.Output memory o;
        o.values = LinregFixtures.lowOutput();
        bytes32 proven = keccak256(abi.encodePacked(_slice10(LinregFixtures.lowSignals())));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector, id, r.inputHash, proven
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(LinregFixtures.lowProof(), LinregFixtures.lowSignals()));
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Unresolved));
    }

    function test_callback_revertsFromAnyoneButTheCoordinator() public {
        PredictionMarket m = _createHigh();
        uint256 id = _resolve(m, LinregFixtures.highInput());
        ICoprocessorCoordinator.Output memory o;
        o.values = LinregFixtures.lowOutput();
        vm.expectRevert(abi.encodeWithSignature("CoprocessorConsumerNotCoordinator(address)", stranger));
        vm.prank(stranger);
        m.receiveCoprocessorResult(id, 1, o, bytes32(0), stranger);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionUnexpectedRequest.selector, id, id + 1));
        vm.prank(address(coordinator));
        m.receiveCoprocessorResult(id + 1, 1, o, bytes32(0), node1);
        _deliverHigh(m);
        vm.expectRevert(
            abi.encodeWithSelector(IPredictionMarket.PredictionAlreadyResolved.selector, IPredictionMarket.Outcome.Yes)
        );
        vm.prank(address(coordinator));
        m.receiveCoprocessorResult(id, 1, o, bytes32(0), node1);
    }

    function test_callback_reportsWellWithinItsGasLimit() public {
        PredictionMarket m = _createHigh();
        uint256 id = _resolve(m, LinregFixtures.highInput());
        ICoprocessorCoordinator.Output memory o;
        o.values = LinregFixtures.highOutput();
        vm.prank(address(coordinator));
        uint256 g = gasleft();
        m.receiveCoprocessorResult(id, 1, o, bytes32(0), node1);
        uint256 used = g - gasleft();
        emit log_named_uint("gas of the market's callback", used);
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Yes));
        assertLt(used, CALLBACK_GAS / 2, "the demo's callback gas limit has 2x headroom");
    }

    // ------------------------------------------------------------------------- after deadline

    function test_settleAfterDeadline_invalidRefundsHalfAndTheFee() public {
        PredictionMarket m = _createHigh();
        uint256 yesTokens = _buy(m, alice, 0, 10 ether);
        uint256 noTokens = _buy(m, bob, 1, 25 ether);
        uint256 id = _resolve(m, LinregFixtures.highInput());
        _warpPastDeadline(m);
        vm.prank(stranger);
        uint256 g = gasleft();
        m.settleAfterDeadline();
        emit log_named_uint("gas settleAfterDeadline (refund + invalid)", g - gasleft());
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Invalid));
        assertEq(uint8(coordinator.getInterval(id, 1).status), uint8(ICoprocessorCoordinator.Status.Refunded));
        (uint256 available, uint256 locked) = _escrow(address(m));
        assertEq(available, FEE_CAP, "fee back in the market's escrow");
        assertEq(locked, 0);
        assertEq(_redeem(m, alice), yesTokens / 2);
        assertEq(_redeem(m, bob), noTokens / 2);
        uint256 before = token.balanceOf(creator);
        vm.prank(creator);
        (, uint256 escrowAmount) = m.withdrawLiquidity();
        assertEq(escrowAmount, FEE_CAP);
        assertGt(token.balanceOf(creator), before + FEE_CAP);
    }

    function test_settleAfterDeadline_invalidWhenNobodyTriggered() public {
        PredictionMarket m = _createHigh();
        _warpPastDeadline(m);
        m.settleAfterDeadline();
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Invalid));
        assertEq(m.resolvedValue(), 0);
    }

    function test_settleAfterDeadline_invalidWhenTheCoordinatorRefundedFirst() public {
        PredictionMarket m = _createHigh();
        _resolve(m, LinregFixtures.highInput());
        _warpPastDeadline(m);
        ICoprocessorCoordinator.Request memory r = m.committedRequest();
        vm.prank(stranger);
        coordinator.refund(r, 1);
        m.settleAfterDeadline();
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Invalid));
    }

    function test_settleAfterDeadline_usesADeliveredAnswerWhoseCallbackFailed() public {
        IPredictionMarket.MarketParams memory p = _marketParams(LinregFixtures.highInput());
        p.callbackGasLimit = 5_000; // too little to report the payouts
        PredictionMarket m = _create(p);
        uint256 id = _resolve(m, LinregFixtures.highInput());
        _deliverHigh(m);
        assertTrue(coordinator.getInterval(id, 1).callbackFailed);
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Unresolved));
        _warpPastDeadline(m);
        m.settleAfterDeadline();
        assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Yes));
        assertEq(m.resolvedValue(), LinregFixtures.highOutput()[0]);
    }

    function test_settleAfterDeadline_revertsBeforeDeadlineAndWhenResolved() public {
        PredictionMarket m = _createHigh();
        _resolve(m, LinregFixtures.highInput());
        (,,,,, uint64 d) = m.question();
        vm.warp(d);
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionDeadlineNotPassed.selector, d, d));
        m.settleAfterDeadline();
        _deliverHigh(m); // still in time at the deadline itself
        _warpPastDeadline(m);
        vm.expectRevert(
            abi.encodeWithSelector(IPredictionMarket.PredictionAlreadyResolved.selector, IPredictionMarket.Outcome.Yes)
        );
        m.settleAfterDeadline();
    }

    function test_deliver_afterTheDeadlineIsRejected() public {
        PredictionMarket m = _createHigh();
        uint256 id = _resolve(m, LinregFixtures.highInput());
        (,,,,, uint64 d) = m.question();
        _warpPastDeadline(m);
        ICoprocessorCoordinator.Output memory o;
        o.values = LinregFixtures.highOutput();
        ICoprocessorCoordinator.Request memory r = m.committedRequest();
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorDeadlinePassed.selector, id, 1, d));
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(LinregFixtures.highProof(), LinregFixtures.highSignals()));
    }

    // ------------------------------------------------------------------------------ liquidity

    function test_withdrawLiquidity_paysPoolFeesAndUnspentEscrow() public {
        PredictionMarket m = _createHigh();
        _buy(m, alice, 0, 30 ether);
        _buy(m, bob, 1, 10 ether);
        _resolve(m, LinregFixtures.highInput());
        _deliverHigh(m);
        (uint256 poolYes,) = m.poolBalances();
        uint256 fees = token.balanceOf(address(m));
        assertEq(fees, 0.4 ether);
        uint256 before = token.balanceOf(creator);
        vm.prank(creator);
        (uint256 collateralAmount, uint256 escrowAmount) = m.withdrawLiquidity();
        uint256 spent = FEE + _protocolFee(FEE);
        assertEq(escrowAmount, FEE_CAP - spent);
        assertEq(collateralAmount, poolYes + fees);
        assertEq(token.balanceOf(creator), before + collateralAmount + escrowAmount);
        assertEq(token.balanceOf(address(m)), 0);
        (uint256 available,) = _escrow(address(m));
        assertEq(available, 0);
    }

    function test_withdrawLiquidity_revertsForOthersBeforeResolutionAndTwice() public {
        PredictionMarket m = _createHigh();
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionNotCreator.selector, alice));
        vm.prank(alice);
        m.withdrawLiquidity();
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionNotResolved.selector));
        vm.prank(creator);
        m.withdrawLiquidity();
        _resolve(m, LinregFixtures.highInput());
        _deliverHigh(m);
        vm.prank(creator);
        m.withdrawLiquidity();
        vm.expectRevert(abi.encodeWithSelector(IPredictionMarket.PredictionLiquidityAlreadyWithdrawn.selector));
        vm.prank(creator);
        m.withdrawLiquidity();
    }

    // ------------------------------------------------------------------------- conservation

    /// @dev Collateral in (liquidity + trades + prepaid fee) = redeemed + withdrawn + node/protocol fee
    ///      + still held (rounding dust at the conditional tokens, at most one unit per redeemer), for
    ///      YES, NO and Invalid.
    function testFuzz_market_collateralConserved(
        uint256 aliceIn,
        uint256 bobIn,
        uint256 aliceSell,
        uint16 feeBps,
        uint8 ending
    ) public {
        aliceIn = bound(aliceIn, 1, 1000 ether);
        bobIn = bound(bobIn, 1, 1000 ether);
        feeBps = uint16(bound(feeBps, 0, 1000));
        ending = uint8(bound(ending, 0, 3)); // 0 YES, 1 NO, 2 Invalid untriggered, 3 Invalid undelivered
        IPredictionMarket.MarketParams memory p =
            _marketParams(ending == 1 ? LinregFixtures.lowInput() : LinregFixtures.highInput());
        p.feeBps = feeBps;
        uint256 total = token.balanceOf(creator) + token.balanceOf(alice) + token.balanceOf(bob);
        uint256 ctBefore = token.balanceOf(address(ct));
        PredictionMarket m = _create(p);
        uint256 aliceTokens = _buy(m, alice, 0, aliceIn);
        _buy(m, bob, 1, bobIn);
        // Alice sells part back when the pool can pay it.
        (, uint256 poolNo) = m.poolBalances();
        aliceSell = bound(aliceSell, 0, aliceIn / 2);
        if (aliceSell > 0 && aliceSell * 2 < poolNo) {
            uint256 need = m.calcSellAmount(0, aliceSell);
            if (need <= aliceTokens) {
                vm.prank(alice);
                m.sell(0, aliceSell, need);
            }
        }
        // The conditional tokens hold exactly the outstanding full sets.
        (uint256 yes, uint256 no) = m.poolBalances();
        uint256 outstanding = yes + _bal(m, alice, 0) + _bal(m, bob, 0);
        assertEq(outstanding, no + _bal(m, alice, 1) + _bal(m, bob, 1), "full sets");
        assertEq(token.balanceOf(address(ct)) - ctBefore, outstanding, "collateral backs the sets");

        uint256 feePaid;
        if (ending >= 2) {
            if (ending == 3) _resolve(m, LinregFixtures.highInput());
            _warpPastDeadline(m);
            m.settleAfterDeadline();
            assertEq(uint8(m.outcome()), uint8(IPredictionMarket.Outcome.Invalid));
        } else {
            _resolve(m, ending == 1 ? LinregFixtures.lowInput() : LinregFixtures.highInput());
            if (ending == 1) _deliverLow(m);
            else _deliverHigh(m);
            feePaid = FEE + _protocolFee(FEE);
        }
        _redeem(m, alice);
        _redeem(m, bob);
        vm.prank(creator);
        m.withdrawLiquidity();
        uint256 dust = token.balanceOf(address(ct)) - ctBefore;
        assertLe(dust, 3, "at most a unit per redeemer stays");
        assertEq(token.balanceOf(address(m)), 0);
        assertEq(
            token.balanceOf(creator) + token.balanceOf(alice) + token.balanceOf(bob) + feePaid + dust,
            total,
            "conserved"
        );
    }

    // -------------------------------------------------------------------------------- helpers

    function _checkQuestion(PredictionMarket m, IPredictionMarket.Question memory q) internal view {
        (uint256 modelId, bytes32 inputHash, uint8 idx, int256 threshold, uint64 t, uint64 d) = m.question();
        assertEq(modelId, linregModel);
        assertEq(inputHash, coordinator.inputHashOf(LinregFixtures.highInput()));
        assertEq(idx, 0);
        assertEq(threshold, THRESHOLD);
        assertEq(t, q.resolutionTime);
        assertEq(d, q.resolutionDeadline);
    }

    function _expectCreateRevert(IPredictionMarket.MarketParams memory p, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(creator);
        factory.createMarket(p);
    }

    function _slice10(uint256[] memory s) internal pure returns (uint256[] memory part) {
        part = new uint256[](10);
        for (uint256 i; i < 10; ++i) {
            part[i] = s[i];
        }
    }
}
