// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProtocolParams} from "../../src/config/IProtocolParams.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";

contract ProtocolParamsTest is Test {
    ProtocolParams internal params;
    address internal owner = makeAddr("owner");
    address internal treasury = makeAddr("treasury");
    address internal stranger = makeAddr("stranger");
    address internal usdc = makeAddr("usdc");

    function setUp() public {
        params = new ProtocolParams(owner, treasury);
    }

    // ---- constructor and defaults ----

    function test_constructor_setsDefaults() public view {
        assertEq(params.owner(), owner);
        assertEq(params.pendingOwner(), address(0));
        assertEq(params.treasury(), treasury);
        assertEq(params.arbiter(), owner);
        assertEq(params.takeRateBps(), 200);
        assertEq(params.minBidWindow(), 10);
        assertEq(params.maxBidWindow(), 1 days);
        assertEq(params.maxBidsPerOrder(), 20);
        assertEq(params.disputeWindow(), 1 hours);
        assertEq(params.maxJobTimeout(), 30 days);
        assertEq(params.minProviderStake(), 100 ether);
        assertEq(params.missedDeadlineSlashBps(), 1000);
        assertEq(params.reporterRewardBps(), 1000);
        assertEq(params.unbondingPeriod(), 7 days);
        assertEq(params.MAX_TAKE_RATE_BPS(), 5000);
        assertEq(params.MAX_BIDS_LIMIT(), 100);
    }

    function test_constructor_unlistedTokenIsEmpty() public view {
        IProtocolParams.PaymentToken memory pt = params.paymentToken(usdc);
        assertFalse(pt.allowed);
        assertEq(pt.minOrderDeposit, 0);
        assertEq(pt.minBidDeposit, 0);
    }

    function test_constructor_revertsOnZeroTreasury() public {
        vm.expectRevert(abi.encodeWithSelector(IProtocolParams.ParamsZeroAddress.selector, bytes32("treasury")));
        new ProtocolParams(owner, address(0));
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new ProtocolParams(address(0), treasury);
    }

    // ---- setTreasury ----

    function test_setTreasury_updatesAndEmits() public {
        address next = makeAddr("next");
        vm.expectEmit(true, true, false, true, address(params));
        emit IProtocolParams.TreasuryUpdated(treasury, next);
        vm.prank(owner);
        params.setTreasury(next);
        assertEq(params.treasury(), next);
    }

    function test_setTreasury_revertsOnZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IProtocolParams.ParamsZeroAddress.selector, bytes32("treasury")));
        vm.prank(owner);
        params.setTreasury(address(0));
    }

    function test_setTreasury_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setTreasury(stranger);
    }

    // ---- setArbiter ----

    function test_setArbiter_updatesAndEmits() public {
        address next = makeAddr("arbiter");
        vm.expectEmit(true, true, false, true, address(params));
        emit IProtocolParams.ArbiterUpdated(owner, next);
        vm.prank(owner);
        params.setArbiter(next);
        assertEq(params.arbiter(), next);
    }

    function test_setArbiter_revertsOnZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IProtocolParams.ParamsZeroAddress.selector, bytes32("arbiter")));
        vm.prank(owner);
        params.setArbiter(address(0));
    }

    function test_setArbiter_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setArbiter(stranger);
    }

    // ---- setTakeRateBps ----

    function test_setTakeRateBps_updatesAndEmits() public {
        _expectParamUpdated("takeRateBps", 200, 300);
        vm.prank(owner);
        params.setTakeRateBps(300);
        assertEq(params.takeRateBps(), 300);
    }

    function test_setTakeRateBps_acceptsBounds() public {
        vm.startPrank(owner);
        params.setTakeRateBps(0);
        assertEq(params.takeRateBps(), 0);
        params.setTakeRateBps(5000);
        assertEq(params.takeRateBps(), 5000);
        vm.stopPrank();
    }

    function test_setTakeRateBps_revertsAboveMax() public {
        _expectOutOfRange("takeRateBps", 5001, 0, 5000);
        vm.prank(owner);
        params.setTakeRateBps(5001);
    }

    function test_setTakeRateBps_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setTakeRateBps(100);
    }

    function testFuzz_setTakeRateBps_range(uint16 value) public {
        if (value > 5000) _expectOutOfRange("takeRateBps", value, 0, 5000);
        vm.prank(owner);
        params.setTakeRateBps(value);
        if (value <= 5000) assertEq(params.takeRateBps(), value);
    }

    // ---- setBidWindowBounds ----

    function test_setBidWindowBounds_updatesAndEmits() public {
        _expectParamUpdated("minBidWindow", 10, 30);
        _expectParamUpdated("maxBidWindow", 1 days, 2 days);
        vm.prank(owner);
        params.setBidWindowBounds(30, 2 days);
        assertEq(params.minBidWindow(), 30);
        assertEq(params.maxBidWindow(), 2 days);
    }

    function test_setBidWindowBounds_acceptsBoundsAndEqualMinMax() public {
        vm.startPrank(owner);
        params.setBidWindowBounds(1, 1);
        assertEq(params.minBidWindow(), 1);
        assertEq(params.maxBidWindow(), 1);
        params.setBidWindowBounds(30 days, 30 days);
        assertEq(params.minBidWindow(), 30 days);
        assertEq(params.maxBidWindow(), 30 days);
        vm.stopPrank();
    }

    function test_setBidWindowBounds_revertsOnZeroMin() public {
        _expectOutOfRange("minBidWindow", 0, 1, 30 days);
        vm.prank(owner);
        params.setBidWindowBounds(0, 1 days);
    }

    function test_setBidWindowBounds_revertsOnMinAboveLimit() public {
        _expectOutOfRange("minBidWindow", 30 days + 1, 1, 30 days);
        vm.prank(owner);
        params.setBidWindowBounds(30 days + 1, 30 days + 1);
    }

    function test_setBidWindowBounds_revertsOnMaxBelowMin() public {
        _expectOutOfRange("maxBidWindow", 59, 60, 30 days);
        vm.prank(owner);
        params.setBidWindowBounds(60, 59);
    }

    function test_setBidWindowBounds_revertsOnMaxAboveLimit() public {
        _expectOutOfRange("maxBidWindow", 30 days + 1, 10, 30 days);
        vm.prank(owner);
        params.setBidWindowBounds(10, 30 days + 1);
    }

    function test_setBidWindowBounds_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setBidWindowBounds(10, 100);
    }

    // ---- setMaxBidsPerOrder ----

    function test_setMaxBidsPerOrder_updatesAndEmits() public {
        _expectParamUpdated("maxBidsPerOrder", 20, 50);
        vm.prank(owner);
        params.setMaxBidsPerOrder(50);
        assertEq(params.maxBidsPerOrder(), 50);
    }

    function test_setMaxBidsPerOrder_acceptsBounds() public {
        vm.startPrank(owner);
        params.setMaxBidsPerOrder(1);
        assertEq(params.maxBidsPerOrder(), 1);
        params.setMaxBidsPerOrder(100);
        assertEq(params.maxBidsPerOrder(), 100);
        vm.stopPrank();
    }

    function test_setMaxBidsPerOrder_revertsOnZero() public {
        _expectOutOfRange("maxBidsPerOrder", 0, 1, 100);
        vm.prank(owner);
        params.setMaxBidsPerOrder(0);
    }

    function test_setMaxBidsPerOrder_revertsAboveLimit() public {
        _expectOutOfRange("maxBidsPerOrder", 101, 1, 100);
        vm.prank(owner);
        params.setMaxBidsPerOrder(101);
    }

    function test_setMaxBidsPerOrder_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setMaxBidsPerOrder(10);
    }

    // ---- setDisputeWindow ----

    function test_setDisputeWindow_updatesAndEmits() public {
        _expectParamUpdated("disputeWindow", 1 hours, 2 hours);
        vm.prank(owner);
        params.setDisputeWindow(2 hours);
        assertEq(params.disputeWindow(), 2 hours);
    }

    function test_setDisputeWindow_acceptsBounds() public {
        vm.startPrank(owner);
        params.setDisputeWindow(1);
        assertEq(params.disputeWindow(), 1);
        params.setDisputeWindow(30 days);
        assertEq(params.disputeWindow(), 30 days);
        vm.stopPrank();
    }

    function test_setDisputeWindow_revertsOnZero() public {
        _expectOutOfRange("disputeWindow", 0, 1, 30 days);
        vm.prank(owner);
        params.setDisputeWindow(0);
    }

    function test_setDisputeWindow_revertsAboveLimit() public {
        _expectOutOfRange("disputeWindow", 30 days + 1, 1, 30 days);
        vm.prank(owner);
        params.setDisputeWindow(30 days + 1);
    }

    function test_setDisputeWindow_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setDisputeWindow(1 hours);
    }

    // ---- setMaxJobTimeout ----

    function test_setMaxJobTimeout_updatesAndEmits() public {
        _expectParamUpdated("maxJobTimeout", 30 days, 60 days);
        vm.prank(owner);
        params.setMaxJobTimeout(60 days);
        assertEq(params.maxJobTimeout(), 60 days);
    }

    function test_setMaxJobTimeout_acceptsBounds() public {
        vm.startPrank(owner);
        params.setMaxJobTimeout(1);
        assertEq(params.maxJobTimeout(), 1);
        params.setMaxJobTimeout(365 days);
        assertEq(params.maxJobTimeout(), 365 days);
        vm.stopPrank();
    }

    function test_setMaxJobTimeout_revertsOnZero() public {
        _expectOutOfRange("maxJobTimeout", 0, 1, 365 days);
        vm.prank(owner);
        params.setMaxJobTimeout(0);
    }

    function test_setMaxJobTimeout_revertsAboveLimit() public {
        _expectOutOfRange("maxJobTimeout", 365 days + 1, 1, 365 days);
        vm.prank(owner);
        params.setMaxJobTimeout(365 days + 1);
    }

    function test_setMaxJobTimeout_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setMaxJobTimeout(1 days);
    }

    // ---- setMinProviderStake (unbounded) ----

    function test_setMinProviderStake_updatesAndEmits() public {
        _expectParamUpdated("minProviderStake", 100 ether, 500 ether);
        vm.prank(owner);
        params.setMinProviderStake(500 ether);
        assertEq(params.minProviderStake(), 500 ether);
    }

    function testFuzz_setMinProviderStake_anyValue(uint256 value) public {
        vm.prank(owner);
        params.setMinProviderStake(value);
        assertEq(params.minProviderStake(), value);
    }

    function test_setMinProviderStake_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setMinProviderStake(0);
    }

    // ---- setMissedDeadlineSlashBps ----

    function test_setMissedDeadlineSlashBps_updatesAndEmits() public {
        _expectParamUpdated("missedDeadlineSlashBps", 1000, 2500);
        vm.prank(owner);
        params.setMissedDeadlineSlashBps(2500);
        assertEq(params.missedDeadlineSlashBps(), 2500);
    }

    function test_setMissedDeadlineSlashBps_acceptsBounds() public {
        vm.startPrank(owner);
        params.setMissedDeadlineSlashBps(0);
        assertEq(params.missedDeadlineSlashBps(), 0);
        params.setMissedDeadlineSlashBps(10_000);
        assertEq(params.missedDeadlineSlashBps(), 10_000);
        vm.stopPrank();
    }

    function test_setMissedDeadlineSlashBps_revertsAboveMax() public {
        _expectOutOfRange("missedDeadlineSlashBps", 10_001, 0, 10_000);
        vm.prank(owner);
        params.setMissedDeadlineSlashBps(10_001);
    }

    function test_setMissedDeadlineSlashBps_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setMissedDeadlineSlashBps(0);
    }

    // ---- setReporterRewardBps ----

    function test_setReporterRewardBps_updatesAndEmits() public {
        _expectParamUpdated("reporterRewardBps", 1000, 0);
        vm.prank(owner);
        params.setReporterRewardBps(0);
        assertEq(params.reporterRewardBps(), 0);
    }

    function test_setReporterRewardBps_acceptsMax() public {
        vm.prank(owner);
        params.setReporterRewardBps(10_000);
        assertEq(params.reporterRewardBps(), 10_000);
    }

    function test_setReporterRewardBps_revertsAboveMax() public {
        _expectOutOfRange("reporterRewardBps", 10_001, 0, 10_000);
        vm.prank(owner);
        params.setReporterRewardBps(10_001);
    }

    function test_setReporterRewardBps_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setReporterRewardBps(0);
    }

    // ---- setUnbondingPeriod ----

    function test_setUnbondingPeriod_updatesAndEmits() public {
        _expectParamUpdated("unbondingPeriod", 7 days, 14 days);
        vm.prank(owner);
        params.setUnbondingPeriod(14 days);
        assertEq(params.unbondingPeriod(), 14 days);
    }

    function test_setUnbondingPeriod_acceptsBounds() public {
        vm.startPrank(owner);
        params.setUnbondingPeriod(0);
        assertEq(params.unbondingPeriod(), 0);
        params.setUnbondingPeriod(90 days);
        assertEq(params.unbondingPeriod(), 90 days);
        vm.stopPrank();
    }

    function test_setUnbondingPeriod_revertsAboveMax() public {
        _expectOutOfRange("unbondingPeriod", 90 days + 1, 0, 90 days);
        vm.prank(owner);
        params.setUnbondingPeriod(90 days + 1);
    }

    function test_setUnbondingPeriod_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setUnbondingPeriod(1 days);
    }

    function testFuzz_setUnbondingPeriod_range(uint32 value) public {
        if (value > 90 days) _expectOutOfRange("unbondingPeriod", value, 0, 90 days);
        vm.prank(owner);
        params.setUnbondingPeriod(value);
        if (value <= 90 days) assertEq(params.unbondingPeriod(), value);
    }

    // ---- setPaymentToken ----

    function test_setPaymentToken_listsAndEmits() public {
        vm.expectEmit(true, false, false, true, address(params));
        emit IProtocolParams.PaymentTokenUpdated(usdc, true, 10e6, 1e6);
        vm.prank(owner);
        params.setPaymentToken(usdc, true, 10e6, 1e6);
        IProtocolParams.PaymentToken memory pt = params.paymentToken(usdc);
        assertTrue(pt.allowed);
        assertEq(pt.minOrderDeposit, 10e6);
        assertEq(pt.minBidDeposit, 1e6);
    }

    function test_setPaymentToken_delists() public {
        vm.startPrank(owner);
        params.setPaymentToken(usdc, true, 10e6, 1e6);
        vm.expectEmit(true, false, false, true, address(params));
        emit IProtocolParams.PaymentTokenUpdated(usdc, false, 0, 0);
        params.setPaymentToken(usdc, false, 0, 0);
        vm.stopPrank();
        IProtocolParams.PaymentToken memory pt = params.paymentToken(usdc);
        assertFalse(pt.allowed);
        assertEq(pt.minOrderDeposit, 0);
        assertEq(pt.minBidDeposit, 0);
    }

    function test_setPaymentToken_revertsOnZeroToken() public {
        vm.expectRevert(abi.encodeWithSelector(IProtocolParams.ParamsZeroAddress.selector, bytes32("token")));
        vm.prank(owner);
        params.setPaymentToken(address(0), true, 1, 1);
    }

    function test_setPaymentToken_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.setPaymentToken(usdc, true, 1, 1);
    }

    // ---- Ownable2Step ----

    function test_transferOwnership_twoStep() public {
        address next = makeAddr("governor");
        vm.expectEmit(true, true, false, false, address(params));
        emit Ownable2Step.OwnershipTransferStarted(owner, next);
        vm.prank(owner);
        params.transferOwnership(next);
        assertEq(params.owner(), owner);
        assertEq(params.pendingOwner(), next);

        vm.expectEmit(true, true, false, false, address(params));
        emit Ownable.OwnershipTransferred(owner, next);
        vm.prank(next);
        params.acceptOwnership();
        assertEq(params.owner(), next);
        assertEq(params.pendingOwner(), address(0));

        // The new owner sets, the old one cannot.
        vm.prank(next);
        params.setTakeRateBps(100);
        assertEq(params.takeRateBps(), 100);
        _expectNotOwner(owner);
        vm.prank(owner);
        params.setTakeRateBps(50);
    }

    function test_transferOwnership_revertsForNonOwner() public {
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.transferOwnership(stranger);
    }

    function test_acceptOwnership_revertsForNonPending() public {
        address next = makeAddr("governor");
        vm.prank(owner);
        params.transferOwnership(next);
        _expectNotOwner(stranger);
        vm.prank(stranger);
        params.acceptOwnership();
    }

    function test_transferOwnership_pendingOwnerHasNoPowerBeforeAccepting() public {
        address next = makeAddr("governor");
        vm.prank(owner);
        params.transferOwnership(next);
        _expectNotOwner(next);
        vm.prank(next);
        params.setTakeRateBps(100);
    }

    function test_renounceOwnership_freezesParams() public {
        vm.prank(owner);
        params.renounceOwnership();
        assertEq(params.owner(), address(0));
        _expectNotOwner(owner);
        vm.prank(owner);
        params.setTakeRateBps(100);
    }

    // ---- helpers ----

    function _expectNotOwner(address account) internal {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, account));
    }

    function _expectOutOfRange(bytes32 name, uint256 value, uint256 min, uint256 max) internal {
        vm.expectRevert(abi.encodeWithSelector(IProtocolParams.ParamsOutOfRange.selector, name, value, min, max));
    }

    function _expectParamUpdated(bytes32 name, uint256 oldValue, uint256 newValue) internal {
        vm.expectEmit(true, false, false, true, address(params));
        emit IProtocolParams.ParamUpdated(name, oldValue, newValue);
    }
}
