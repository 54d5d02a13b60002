// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice settle, closeLease, top-ups of a running lease, escrow exhaustion, the take-rate
///         snapshot and the stake a lease keeps locked. Pay goes to the provider's market balance,
///         the escrow left to the tenant's.
contract ComputeMarketLeasesTest is MarketFixture {
    uint256 internal constant PRICE = 3e14; // a bid below MAX_PRICE; DEPOSIT / PRICE is not whole

    // ------------------------------------------------------------ settle

    function test_settle_creditsProviderLessTakeRate() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        uint256 walletBefore = token.balanceOf(provider1);
        skip(1_000);
        uint256 gross = PRICE * 1_000;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(leaseId, provider1, gross, DEPOSIT - gross);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(gross, rate), _fee(gross, rate));
        vm.prank(keeper); // anyone
        uint256 accrued = market.settle(leaseId);

        assertEq(accrued, gross);
        assertEq(_balanceOf(provider1), _net(gross, rate));
        assertEq(token.balanceOf(provider1), walletBefore); // credited, not pushed
        assertEq(market.accruedFees(address(token)), _fee(gross, rate));
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT - gross);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.held, 0);
        assertEq(l.settledAt, block.timestamp);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Active));
        // Nothing left the market: escrow + provider balance + fees.
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_settle_accruesOnlyTheNewTime() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        skip(100);
        assertEq(market.settle(leaseId), PRICE * 100);
        assertEq(market.settle(leaseId), 0); // same second
        skip(50);
        assertEq(market.settle(leaseId), PRICE * 50);
        assertEq(_balanceOf(provider1), _net(PRICE * 100, rate) + _net(PRICE * 50, rate));
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT - PRICE * 150);
    }

    function test_settle_batchAccruesNothing() public {
        // A batch job's price is held in the escrow from the start; settling pays nothing.
        uint256 leaseId = _batchLease(PRICE);
        skip(600);
        assertEq(market.settle(leaseId), 0);

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.held, PRICE * JOB_TIMEOUT);
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT);
        assertEq(_balanceOf(provider1), 0);
        assertEq(market.accruedFees(address(token)), 0);
        (uint256 pending, uint256 escrowLeft) = market.pendingSettlement(leaseId);
        assertEq(pending, 0);
        assertEq(escrowLeft, DEPOSIT);
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
    ///      is settled to the last whole second paid, and nothing is owed or refunded.
    function test_settle_serviceLeaseRunsOutOfEscrow() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        uint256 startedAt = block.timestamp;
        uint256 affordable = DEPOSIT / PRICE; // 333_333 s
        assertGt(DEPOSIT % PRICE, 0);
        uint256 tenantWallet = token.balanceOf(tenant);
        uint256 providerWallet = token.balanceOf(provider1);
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
        assertLt(DEPOSIT - PRICE * (l.settledAt - l.startedAt), PRICE); // the sub-second remainder
        assertEq(uint8(market.getOrder(leaseId).state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(market.getOrder(leaseId).escrow, 0);

        assertEq(_balanceOf(provider1), _net(DEPOSIT, rate));
        assertEq(_balanceOf(tenant), 0);
        assertEq(market.accruedFees(address(token)), _fee(DEPOSIT, rate));
        assertEq(token.balanceOf(provider1), providerWallet); // pulled, not pushed
        assertEq(token.balanceOf(tenant), tenantWallet);
        assertEq(token.balanceOf(address(market)), DEPOSIT); // provider balance + fees only
        assertEq(_openLeases(provider1), 0);
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
        assertEq(_balanceOf(provider1), _net(DEPOSIT, l.takeRateBps));
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
        assertEq(_balanceOf(provider1), _net(1.5 ether, l.takeRateBps));
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

    // ------------------------------------------------------------ top-ups of a running lease

    /// @dev A top-up settles the lease first, then extends its escrow; it comes from the caller's
    ///      balance first, the rest from its allowance.
    function test_deposit_settlesLeaseFirstThenExtends() public {
        uint256 leaseId = _serviceLease(PRICE);
        _fundAccount(tenant, 3 ether);
        uint16 rate = params.takeRateBps();
        uint256 walletBefore = token.balanceOf(tenant);
        skip(1_000);
        uint256 gross = PRICE * 1_000;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseSettled(leaseId, provider1, gross, DEPOSIT - gross);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.EscrowDeposited(leaseId, tenant, 5 ether);
        vm.prank(tenant);
        market.deposit(leaseId, 5 ether);

        assertEq(market.getOrder(leaseId).escrow, DEPOSIT - gross + 5 ether);
        assertEq(_balanceOf(provider1), _net(gross, rate));
        assertEq(_balanceOf(tenant), 0); // the 3 NOOS balance went first
        assertEq(token.balanceOf(tenant), walletBefore - 2 ether);
        assertEq(market.getLease(leaseId).settledAt, block.timestamp);
        (uint256 pending, uint256 escrowLeft) = market.pendingSettlement(leaseId);
        assertEq(pending, 0);
        assertEq(escrowLeft, DEPOSIT - gross + 5 ether);
    }

    /// @dev A lease whose escrow already ran out is not revived by a top-up.
    function test_deposit_revertsWhenEscrowRanOut() public {
        uint256 leaseId = _serviceLease(PRICE);
        skip(DEPOSIT / PRICE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.InsufficientFunds
            )
        );
        vm.prank(tenant);
        market.deposit(leaseId, 5 ether);
        // Nothing happened: the lease still runs until someone settles it.
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Active));
    }

    function test_deposit_revertsWhenLeaseClosed() public {
        uint256 leaseId = _serviceLease(PRICE);
        vm.prank(tenant);
        market.closeLease(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, leaseId, IComputeMarket.OrderState.Closed
            )
        );
        vm.prank(tenant);
        market.deposit(leaseId, 5 ether);
    }

    // ------------------------------------------------------------ take rate

    function test_settle_usesLeaseTakeRate() public {
        uint256 leaseId = _serviceLease(PRICE); // at the default 2%
        assertEq(market.getLease(leaseId).takeRateBps, 200);
        vm.prank(owner);
        params.setTakeRateBps(1_000);

        skip(1_000);
        market.settle(leaseId);
        uint256 gross = PRICE * 1_000;
        assertEq(market.accruedFees(address(token)), _fee(gross, 200));
        assertEq(_balanceOf(provider1), _net(gross, 200));

        // A lease opened after the change pays the new rate.
        uint256 second = _lease(_serviceParams(), PRICE);
        assertEq(market.getLease(second).takeRateBps, 1_000);
        skip(1_000);
        market.settle(second);
        assertEq(market.accruedFees(address(token)), _fee(gross, 200) + _fee(gross, 1_000));
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
        assertEq(_balanceOf(provider1), PRICE * 100);
    }

    // ------------------------------------------------------------ closeLease

    function test_closeLease_byTenantSettlesAndRefunds() public {
        uint256 leaseId = _serviceLease(PRICE);
        uint16 rate = params.takeRateBps();
        uint256 tenantWallet = token.balanceOf(tenant);
        uint256 providerWallet = token.balanceOf(provider1);
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

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed);
        assertEq(_balanceOf(tenant), refund);
        assertEq(token.balanceOf(tenant), tenantWallet); // credited, not pushed
        assertEq(token.balanceOf(provider1), providerWallet);
        _assertEscrowSplit(DEPOSIT, gross);
    }

    function test_closeLease_byProviderSettlesAndRefunds() public {
        uint256 leaseId = _serviceLease(PRICE);
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

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed);
        _assertEscrowSplit(DEPOSIT, gross);
        // Closing a service lease costs the provider no stake.
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE);
    }

    function test_closeLease_atStartRefundsEverything() public {
        uint256 leaseId = _serviceLease(PRICE);
        vm.prank(tenant);
        market.closeLease(leaseId);
        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(_balanceOf(provider1), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT); // the tenant's balance
    }

    /// @dev A tenant closing a batch job early pays pricePerSecond x the time worked.
    function test_closeLease_batchByTenantPaysTimeWorked() public {
        uint256 leaseId = _batchLease(PRICE);
        uint16 rate = params.takeRateBps();
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

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed);
        assertEq(market.getLease(leaseId).held, 0);
        assertEq(_balanceOf(tenant), DEPOSIT - gross);
        _assertEscrowSplit(DEPOSIT, gross);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE);
    }

    /// @dev A provider giving a batch job up is paid nothing and loses elapsed / jobTimeout of the
    ///      missed-deadline slash; the tenant gets its whole escrow back.
    function test_closeLease_batchByProviderSlashedProRata() public {
        uint256 leaseId = _batchLease(PRICE);
        uint256 treasuryBefore = token.balanceOf(treasury);
        skip(600);
        uint256 slash = _deadlineSlash() * 600 / JOB_TIMEOUT;
        assertGt(slash, 0);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId, provider1, IComputeMarket.LeaseState.Closed, IComputeMarket.CloseReason.ProviderClosed, DEPOSIT
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, slash);
        vm.prank(provider1);
        market.closeLease(leaseId);

        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed);
        assertEq(market.getLease(leaseId).held, 0);
        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(_balanceOf(provider1), 0);
        assertEq(market.accruedFees(address(token)), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - slash);
        assertEq(token.balanceOf(treasury), treasuryBefore + slash); // no reporter
        assertEq(_openLeases(provider1), 0);
    }

    function test_closeLease_batchByProviderAtDeadlineSlashedInFull() public {
        uint256 leaseId = _batchLease(PRICE);
        vm.warp(market.getLease(leaseId).deadline);
        vm.prank(provider1);
        market.closeLease(leaseId);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - _deadlineSlash());
    }

    function test_closeLease_batchByProviderAtStartSlashesNothing() public {
        uint256 leaseId = _batchLease(PRICE);
        vm.prank(provider1);
        market.closeLease(leaseId);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE);
        assertEq(_balanceOf(tenant), DEPOSIT);
    }

    function test_closeLease_batchByTenantAfterDeadlinePaysUpToDeadline() public {
        uint256 leaseId = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 100);
        vm.prank(tenant);
        market.closeLease(leaseId);
        _assertClosed(leaseId, IComputeMarket.LeaseState.Closed);
        assertEq(_balanceOf(tenant), DEPOSIT - PRICE * JOB_TIMEOUT);
        assertEq(_balanceOf(provider1), _net(PRICE * JOB_TIMEOUT, params.takeRateBps()));
    }

    /// @dev A provider past its deadline must not walk away unslashed at the pro-rata rate: only
    ///      expireLease, or the tenant, ends that lease.
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
        _assertClosed(leaseId, IComputeMarket.LeaseState.InsufficientFunds);
        assertEq(_balanceOf(tenant), 0);
        _assertEscrowSplit(DEPOSIT, DEPOSIT);
    }

    function test_closeLease_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 7, IComputeMarket.LeaseState.None)
        );
        vm.prank(tenant);
        market.closeLease(7);
    }

    function test_closeLease_revertsWhenNotLeaseParty() public {
        uint256 orderId = _openServiceOrder();
        _bid(provider2, orderId, PRICE);
        _bid(provider1, orderId, PRICE - 1);
        uint256 leaseId = _accept(orderId);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotLeaseParty.selector, leaseId, stranger));
        vm.prank(stranger);
        market.closeLease(leaseId);
        // The outbid provider is no party either.
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

    function test_closeLease_revertsWhenBatchResultSubmitted() public {
        uint256 leaseId = _batchLease(PRICE);
        _submit(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        vm.prank(tenant);
        market.closeLease(leaseId);
    }

    // ------------------------------------------------------------ stake held by leases

    /// @dev The first lease locks minProviderStake in Staking; the lock outlives the lease, so the
    ///      provider's next lease locks nothing more; releaseStake frees what no open lease needs.
    function test_stake_lockKeptAfterLeaseThenReleased() public {
        uint256 leaseId = _serviceLease(PRICE);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());
        vm.prank(tenant);
        market.closeLease(leaseId);
        (uint256 open, uint256 locked) = market.providerStake(provider1);
        assertEq(open, 0);
        assertEq(locked, _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());

        // A returning provider: its lock covers the next lease.
        uint256 second = _serviceLease(PRICE);
        (open, locked) = market.providerStake(provider1);
        assertEq(open, 1);
        assertEq(locked, _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());

        // While the lease runs there is nothing to release.
        vm.prank(provider1);
        assertEq(market.releaseStake(), 0);
        vm.prank(tenant);
        market.closeLease(second);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.StakeReleased(provider1, _minStake());
        vm.prank(provider1);
        assertEq(market.releaseStake(), _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0);
        assertEq(_lockedByMarket(provider1), 0);
        vm.prank(provider1);
        assertEq(market.releaseStake(), 0);
        // Now it can unstake everything.
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
    }

    /// @dev Two open leases lock twice minProviderStake; the one left running keeps its share.
    function test_stake_lockGrowsWithOpenLeasesAndReleasesOnlyTheExcess() public {
        uint256 a = _serviceLease(PRICE);
        _serviceLease(PRICE);
        assertEq(_openLeases(provider1), 2);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 2 * _minStake());
        uint256 unlocked = PROVIDER_STAKE - 2 * _minStake();
        vm.prank(provider1);
        vm.expectRevert(); // Staking refuses to unstake locked stake
        staking.requestUnstake(PROVIDER_ROLE, unlocked + 1);
        vm.prank(tenant);
        market.closeLease(a);
        vm.prank(provider1);
        assertEq(market.releaseStake(), _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());
        assertEq(_openLeases(provider1), 1);
    }

    /// @dev "Free" stake counts what the market holds locked only as far as Staking still locks it.
    ///      Here a slash cut Staking's lock (95 NOOS, all that is staked) below the 100 the market
    ///      locked: the bidder has 95 free, under minProviderStake, so acceptBid must refuse its
    ///      earlier bid (IComputeMarket: MarketInsufficientUnlockedStake), as createBid refuses a new one.
    function test_acceptBid_revertsWhenSlashCutStakingLockBelowMinStake() public {
        uint256 batch = _batchLease(PRICE);
        uint256 next = _openServiceOrder();
        _bid(provider1, next, PRICE); // free then: 900
        uint256 unstake = PROVIDER_STAKE - _minStake() - 5 ether;
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, unstake); // staked 105, locked 100
        vm.warp(market.getLease(batch).deadline + 1);
        market.expireLease(batch); // slash 10: staked 95, Staking clamps its lock to 95
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), 95 ether);
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 95 ether);
        // What the market holds locked in Staking for the provider: 95, not the 100 it locked.
        assertEq(_lockedByMarket(provider1), 95 ether);

        uint256 other = _openServiceOrder();
        bytes memory insufficient = abi.encodeWithSelector(
            IComputeMarket.MarketInsufficientUnlockedStake.selector, provider1, 95 ether, _minStake()
        );
        // A new bid is refused (the registry no longer finds 95 NOOS staked enough)...
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderNotEligible.selector, provider1));
        vm.prank(provider1);
        market.createBid(other, PRICE);

        // ...and so must the lease on its earlier bid be.

        vm.expectRevert(insufficient);
        vm.prank(tenant);
        market.acceptBid(next);
    }

    // ------------------------------------------------------------ helpers

    function _assertClosed(uint256 leaseId, IComputeMarket.LeaseState state) private view {
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(state));
        assertEq(l.closedAt, block.timestamp);
        IComputeMarket.Order memory o = market.getOrder(leaseId);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(o.escrow, 0);
        assertEq(_openLeases(l.provider), 0);
    }

    /// @dev Escrow in == provider pay + fees + tenant refund, all credited in the market, which
    ///      still holds every token (single ended lease, nothing withdrawn yet).
    function _assertEscrowSplit(uint256 escrowIn, uint256 gross) private view {
        uint16 rate = params.takeRateBps();
        assertEq(_balanceOf(provider1), _net(gross, rate));
        assertEq(market.accruedFees(address(token)), _fee(gross, rate));
        assertEq(_balanceOf(provider1) + market.accruedFees(address(token)) + _balanceOf(tenant), escrowIn);
        assertEq(token.balanceOf(address(market)), escrowIn);
    }
}
