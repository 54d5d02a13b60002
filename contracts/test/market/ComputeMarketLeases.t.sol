// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice settle, closeLease, escrow exhaustion and the take-rate snapshot.
contract ComputeMarketLeasesTest is MarketFixture {
    uint256 internal constant PRICE = 3e14; // a bid below MAX_PRICE; DEPOSIT / PRICE is not whole

    // ------------------------------------------------------------ settle

    function test_settle_paysProviderLessTakeRate() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        skip(1_000);
        uint256 gross = PRICE * 1_000;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(leaseId, provider1, gross, DEPOSIT - gross);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(gross, rate), _fee(gross, rate));
        vm.prank(keeper); // anyone
        uint256 accrued = market.settle(leaseId);

        assertEq(accrued, gross);
        assertEq(market.earnings(provider1, address(token)), _net(gross, rate));
        assertEq(market.accruedFees(address(token)), _fee(gross, rate));
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT - gross);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.paid, gross);
        assertEq(l.held, 0);
        assertEq(l.settledAt, block.timestamp);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Active));
        // Nothing left the market: escrow + earnings + fees + the winning bid deposit.
        assertEq(token.balanceOf(address(market)), DEPOSIT + BID_DEPOSIT);
    }

    function test_settle_accruesOnlyTheNewTime() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(100);
        assertEq(market.settle(leaseId), PRICE * 100);
        assertEq(market.settle(leaseId), 0); // same second
        skip(50);
        assertEq(market.settle(leaseId), PRICE * 50);
        assertEq(market.getLease(leaseId).paid, PRICE * 150);
    }

    function test_settle_batchHoldsPayment() public {
        // A batch job's price is held when the lease starts; settling accrues nothing more (finding 1).
        uint256 leaseId = _batchLease(PRICE);
        skip(600);
        assertEq(market.settle(leaseId), 0);

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.held, PRICE * JOB_TIMEOUT);
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT - PRICE * JOB_TIMEOUT);
        assertEq(l.paid, 0);
        assertEq(market.earnings(provider1, address(token)), 0);
        assertEq(market.accruedFees(address(token)), 0);
    }

    function test_settle_batchStopsAccruingAtDeadline() public {
        uint256 leaseId = _batchLease(PRICE);
        uint64 deadline = market.getLease(leaseId).deadline;
        skip(JOB_TIMEOUT * 3);
        assertEq(market.settle(leaseId), 0);
        skip(1 days);
        assertEq(market.settle(leaseId), 0);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.held, PRICE * JOB_TIMEOUT);
        assertEq(l.settledAt, l.startedAt);
        assertLt(l.settledAt, deadline);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Active)); // only expireLease ends it
    }

    /// @dev The escrow runs out between two whole seconds: the provider gets everything, the lease
    ///      is settled to the last whole second paid, the bid deposit goes back and nothing is owed.
    function test_settle_serviceLeaseRunsOutOfEscrow() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        uint256 startedAt = block.timestamp;
        uint256 affordable = DEPOSIT / PRICE; // 333_333 s
        assertGt(DEPOSIT % PRICE, 0);
        uint256 tenantBefore = token.balanceOf(tenant);
        uint256 providerBefore = token.balanceOf(provider1);
        skip(affordable + 5_000);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(leaseId, provider1, DEPOSIT, 0);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(DEPOSIT, rate), _fee(DEPOSIT, rate));
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.InsufficientFunds,
            IComputeMarket.CloseReason.InsufficientFunds,
            0
        );
        vm.prank(keeper);
        assertEq(market.settle(leaseId), DEPOSIT);

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.InsufficientFunds));
        assertEq(l.settledAt, startedAt + affordable);
        assertEq(l.closedAt, block.timestamp);
        assertEq(l.paid, DEPOSIT);
        assertLt(l.paid - PRICE * (l.settledAt - l.startedAt), PRICE); // the sub-second remainder
        assertEq(uint8(market.getOrder(leaseId).state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(market.getOrder(leaseId).escrow, 0);

        assertEq(market.earnings(provider1, address(token)), _net(DEPOSIT, rate) + BID_DEPOSIT);
        assertEq(market.accruedFees(address(token)), _fee(DEPOSIT, rate));
        assertEq(token.balanceOf(provider1), providerBefore); // pulled, not pushed
        assertEq(token.balanceOf(tenant), tenantBefore);
        assertEq(token.balanceOf(address(market)), DEPOSIT + BID_DEPOSIT); // earnings + fees only
        (uint256 pending, uint256 escrowLeft) = market.pendingSettlement(leaseId);
        assertEq(pending, 0);
        assertEq(escrowLeft, 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.InsufficientFunds
            )
        );
        market.settle(leaseId);
    }

    function test_settle_escrowRunsOutOnAWholeSecond() public {
        uint256 leaseId = _serviceLease(MAX_PRICE);
        skip(DEPOSIT / MAX_PRICE - 1);
        market.settle(leaseId);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Active));
        skip(1);
        assertEq(market.settle(leaseId), MAX_PRICE);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.InsufficientFunds));
        assertEq(l.settledAt, block.timestamp);
        assertEq(l.paid, DEPOSIT);
    }

    function test_settle_depositBelowOneSecondOfPrice() public {
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.maxPricePerSecond = 2 ether;
        p.deposit = 1.5 ether;
        uint256 leaseId = _lease(p, 2 ether);
        skip(1);
        assertEq(market.settle(leaseId), 1.5 ether);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.InsufficientFunds));
        assertEq(l.settledAt, l.startedAt);
        assertEq(l.paid, 1.5 ether);
    }

    function test_settle_revertsWhenLeaseUnknown() public {
        uint256 orderId = _openServiceOrder(); // an order without a lease has no lease either
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, orderId, IComputeMarket.LeaseState.None
            )
        );
        market.settle(orderId);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 42, IComputeMarket.LeaseState.None)
        );
        market.settle(42);
    }

    function test_settle_revertsWhenLeaseClosed() public {
        uint256 leaseId = _serviceLease(PRICE);
        vm.prank(tenant);
        market.closeLease(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.Closed
            )
        );
        market.settle(leaseId);
    }

    function test_settle_revertsWhenBatchResultSubmitted() public {
        uint256 leaseId = _batchLease(PRICE);
        _submit(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        market.settle(leaseId);
    }

    function test_pendingSettlement_matchesSettle() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(12_345);
        (uint256 pending, uint256 escrowLeft) = market.pendingSettlement(leaseId);
        assertEq(pending, PRICE * 12_345);
        assertEq(escrowLeft, DEPOSIT - PRICE * 12_345);
        assertEq(market.settle(leaseId), pending);
        assertEq(market.getOrder(leaseId).escrow, escrowLeft);

        skip(10_000_000);
        (pending, escrowLeft) = market.pendingSettlement(leaseId);
        assertEq(pending, DEPOSIT - PRICE * 12_345);
        assertEq(escrowLeft, 0);
    }

    function test_getLease_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 1, IComputeMarket.LeaseState.None)
        );
        market.getLease(1);
    }

    // ------------------------------------------------------------ take rate

    function test_settle_usesTakeRateFromLeaseStart() public {
        uint256 leaseId = _serviceLease(PRICE); // starts at the default 2%
        assertEq(market.getLease(leaseId).takeRateBps, 200);
        vm.prank(owner);
        params.setTakeRateBps(1_000);

        skip(1_000);
        market.settle(leaseId);
        uint256 gross = PRICE * 1_000;
        assertEq(market.accruedFees(address(token)), _fee(gross, 200));
        assertEq(market.earnings(provider1, address(token)), _net(gross, 200));

        // A lease started after the change pays the new rate.
        uint256 second = _lease(_serviceParams(), PRICE);
        assertEq(market.getLease(second).takeRateBps, 1_000);
        skip(1_000);
        market.settle(second);
        assertEq(market.accruedFees(address(token)), _fee(gross, 200) + _fee(gross, 1_000));
    }

    function test_settle_takeRateSnapshotAppliesToBatchRelease() public {
        uint256 leaseId = _batchLease(PRICE);
        vm.prank(owner);
        params.setTakeRateBps(5_000);
        skip(100);
        _submit(leaseId);
        vm.prank(tenant);
        market.acceptResult(leaseId);
        assertEq(market.accruedFees(address(token)), _fee(PRICE * JOB_TIMEOUT, 200));
    }

    function test_settle_zeroTakeRateTakesNoFee() public {
        vm.prank(owner);
        params.setTakeRateBps(0);
        uint256 leaseId = _serviceLease(PRICE);
        skip(100);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, PRICE * 100, 0);
        market.settle(leaseId);
        assertEq(market.accruedFees(address(token)), 0);
        assertEq(market.earnings(provider1, address(token)), PRICE * 100);
    }

    // ------------------------------------------------------------ closeLease

    function test_closeLease_byTenantSettlesAndRefunds() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        uint256 tenantBefore = token.balanceOf(tenant);
        uint256 providerBefore = token.balanceOf(provider1);
        skip(4_000);
        uint256 gross = PRICE * 4_000;
        uint256 refund = DEPOSIT - gross;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(leaseId, provider1, gross, refund);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(gross, rate), _fee(gross, rate));
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId, provider1, IComputeMarket.LeaseState.Closed, IComputeMarket.CloseReason.TenantClosed, refund
        );
        vm.prank(tenant);
        market.closeLease(leaseId);

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed, gross);
        assertEq(token.balanceOf(tenant), tenantBefore + refund);
        assertEq(token.balanceOf(provider1), providerBefore); // its bid deposit is credited, not pushed
        _assertEscrowSplit(DEPOSIT, token.balanceOf(tenant) - tenantBefore);
    }

    function test_closeLease_byProviderSettlesAndRefunds() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint256 tenantBefore = token.balanceOf(tenant);
        skip(4_000);
        uint256 gross = PRICE * 4_000;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.Closed,
            IComputeMarket.CloseReason.ProviderClosed,
            DEPOSIT - gross
        );
        vm.prank(provider1);
        market.closeLease(leaseId);

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed, gross);
        _assertEscrowSplit(DEPOSIT, token.balanceOf(tenant) - tenantBefore);
    }

    function test_closeLease_atStartRefundsEverything() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint256 tenantBefore = token.balanceOf(tenant);
        vm.prank(tenant);
        market.closeLease(leaseId);
        assertEq(token.balanceOf(tenant), tenantBefore + DEPOSIT);
        assertEq(market.getLease(leaseId).paid, 0);
        assertEq(token.balanceOf(address(market)), BID_DEPOSIT); // credited to provider1
        assertEq(market.earnings(provider1, address(token)), BID_DEPOSIT);
    }

    function test_closeLease_batchByTenantPaysTimeWorked() public {
        uint256 leaseId = _batchLease(PRICE);
        uint16 rate = params.takeRateBps();
        uint256 tenantBefore = token.balanceOf(tenant);
        uint256 providerBefore = token.balanceOf(provider1);
        skip(600);
        uint256 gross = PRICE * 600;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(gross, rate), _fee(gross, rate));
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.Closed,
            IComputeMarket.CloseReason.TenantClosed,
            DEPOSIT - gross
        );
        vm.prank(tenant);
        market.closeLease(leaseId);

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed, gross);
        assertEq(market.getLease(leaseId).held, 0);
        assertEq(token.balanceOf(provider1), providerBefore);
        _assertEscrowSplit(DEPOSIT, token.balanceOf(tenant) - tenantBefore);
    }

    function test_closeLease_batchByProviderEarnsNothing() public {
        uint256 leaseId = _batchLease(PRICE);
        uint256 tenantBefore = token.balanceOf(tenant);
        uint256 providerBefore = token.balanceOf(provider1);
        uint256 locked = market.getLease(leaseId).stakeLocked;
        skip(600);
        // Giving up costs elapsed / jobTimeout of the bid deposit (to the tenant) and of the locked
        // stake (finding 4).
        uint256 forfeit = BID_DEPOSIT * 600 / JOB_TIMEOUT;
        uint256 slash = locked * 600 / JOB_TIMEOUT;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, forfeit, slash);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.Closed,
            IComputeMarket.CloseReason.ProviderClosed,
            DEPOSIT + forfeit
        );
        vm.prank(provider1);
        market.closeLease(leaseId);

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed, 0);
        assertEq(market.getLease(leaseId).held, 0);
        assertEq(token.balanceOf(tenant), tenantBefore + DEPOSIT + forfeit);
        assertEq(token.balanceOf(provider1), providerBefore);
        assertEq(market.earnings(provider1, address(token)), BID_DEPOSIT - forfeit);
        assertEq(token.balanceOf(address(market)), BID_DEPOSIT - forfeit);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - slash);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0);
    }

    function test_closeLease_batchByTenantAfterDeadlinePaysUpToDeadline() public {
        uint256 leaseId = _batchLease(PRICE);
        uint256 tenantBefore = token.balanceOf(tenant);
        skip(JOB_TIMEOUT + 100);
        vm.prank(tenant);
        market.closeLease(leaseId);
        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed, PRICE * JOB_TIMEOUT);
        assertEq(token.balanceOf(tenant), tenantBefore + DEPOSIT - PRICE * JOB_TIMEOUT);
    }

    /// @dev A provider past its deadline must not walk away with its bid deposit (and unslashed):
    ///      only expireLease, or the tenant, ends that lease.
    function test_closeLease_revertsWhenProviderClosesAfterMissedDeadline() public {
        uint256 leaseId = _batchLease(PRICE);
        uint64 deadline = market.getLease(leaseId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDeadlinePassed.selector, leaseId, deadline));
        vm.prank(provider1);
        market.closeLease(leaseId);

        vm.warp(deadline); // still in time: the provider may give up
        vm.prank(provider1);
        market.closeLease(leaseId);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Closed));
    }

    function test_closeLease_whenEscrowRanOutEndsAsInsufficientFunds() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint256 tenantBefore = token.balanceOf(tenant);
        skip(DEPOSIT / PRICE + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.InsufficientFunds,
            IComputeMarket.CloseReason.InsufficientFunds,
            0
        );
        vm.prank(tenant);
        market.closeLease(leaseId);
        _assertClosed(leaseId, IComputeMarket.LeaseState.InsufficientFunds, DEPOSIT);
        assertEq(token.balanceOf(tenant), tenantBefore);
    }

    function test_closeLease_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 7, IComputeMarket.LeaseState.None)
        );
        vm.prank(tenant);
        market.closeLease(7);
    }

    function test_closeLease_revertsWhenNotLeaseParty() public {
        uint256 leaseId = _serviceLease(PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotLeaseParty.selector, leaseId, stranger));
        vm.prank(stranger);
        market.closeLease(leaseId);
        // A losing bidder is no party either.
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotLeaseParty.selector, leaseId, provider2));
        vm.prank(provider2);
        market.closeLease(leaseId);
    }

    function test_closeLease_revertsWhenAlreadyClosed() public {
        uint256 leaseId = _serviceLease(PRICE);
        vm.prank(tenant);
        market.closeLease(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.Closed
            )
        );
        vm.prank(provider1);
        market.closeLease(leaseId);
    }

    // ------------------------------------------------------------ helpers

    function _assertClosed(uint256 leaseId, IComputeMarket.LeaseState state, uint256 paid) private view {
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(state));
        assertEq(l.closedAt, block.timestamp);
        assertEq(l.paid, paid);
        IComputeMarket.Order memory o = market.getOrder(leaseId);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(o.escrow, 0);
    }

    /// @dev Escrow in == provider pay + fees + tenant refund, and the market holds exactly the
    ///      provider's earnings (pay and its bid deposit, credited back) and the fees (single ended
    ///      lease, nothing withdrawn yet).
    function _assertEscrowSplit(uint256 escrowIn, uint256 refund) private view {
        uint256 earned = market.earnings(provider1, address(token)) - BID_DEPOSIT;
        uint256 fees = market.accruedFees(address(token));
        assertEq(earned + fees + refund, escrowIn);
        assertEq(token.balanceOf(address(market)), earned + fees + BID_DEPOSIT);
    }
}
