// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Fuzzed accrual: for any price, deposit, take rate and settle sequence, each release
///         credits the provider gross - fee with fee = floor(gross * takeRate / 10_000), and in the
///         end the provider's balance + fees + the tenant's balance (its refunds) == what the tenant
///         deposited, all of it held by the market (nothing pushed).
contract ComputeMarketAccrualTest is MarketFixture {
    uint256 internal constant MAX_LIFETIME = 100_000_000; // ~3 years of escrow at the bid price

    struct Run {
        uint256 leaseId;
        uint16 rate;
        uint256 price;
        uint256 deposited;
        uint256 tenantBefore;
        uint256 providerBefore;
        /// @dev Reporter reward the tenant got (in its wallet, from Staking) when it won a dispute.
        uint256 tenantReward;
    }

    // ------------------------------------------------------------ service leases

    function testFuzz_serviceAccrual_conservesDeposit(
        uint256 price,
        uint256 deposit,
        uint16 takeRate,
        uint32[6] memory steps,
        bool closeByProvider
    ) public {
        Run memory run = _startService(price, deposit, takeRate);
        uint256 lifetime = run.deposited / run.price + 1;
        for (uint256 i; i < steps.length; ++i) {
            skip(bound(steps[i], 0, lifetime / 3 + 1));
            if (!_active(run.leaseId)) break;
            _settleAndCheck(run);
        }
        _closeIfActive(run, closeByProvider);
        _assertConserved(run);
    }

    function testFuzz_serviceAccrual_withTopUps(
        uint256 price,
        uint256 deposit,
        uint16 takeRate,
        uint32[6] memory steps,
        uint256[6] memory topUps
    ) public {
        Run memory run = _startService(price, deposit, takeRate);
        uint256 lifetime = run.deposited / run.price + 1;
        for (uint256 i; i < steps.length; ++i) {
            skip(bound(steps[i], 0, lifetime / 2 + 1));
            if (!_active(run.leaseId)) break;
            uint256 amount = bound(topUps[i], 0, 1e22);
            if (amount == 0) {
                _settleAndCheck(run);
                continue;
            }
            (, uint256 escrowLeft) = market.pendingSettlement(run.leaseId);
            if (escrowLeft == 0) {
                // The escrow ran out before the top-up: the lease is over and is not revived.
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IComputeMarket.MarketLeaseNotActive.selector,
                        run.leaseId,
                        IComputeMarket.LeaseState.InsufficientFunds
                    )
                );
                vm.prank(tenant);
                market.deposit(run.leaseId, amount);
                _settleAndCheck(run);
                break;
            }
            uint256 paidBefore = _paid();
            uint256 feesBefore = market.accruedFees(address(token));
            vm.prank(tenant);
            market.deposit(run.leaseId, amount);
            run.deposited += amount;
            uint256 released = _paid() - paidBefore;
            assertEq(market.accruedFees(address(token)) - feesBefore, _fee(released, run.rate), "fee on top-up settle");
            assertEq(market.getOrder(run.leaseId).escrow, escrowLeft + amount);
        }
        _closeIfActive(run, false);
        _assertConserved(run);
    }

    /// @dev Exhaustion at any price: the whole deposit is paid, settledAt is the last whole second
    ///      the escrow paid for, and the unpaid remainder of that second is below one second's price.
    function testFuzz_serviceAccrual_exhaustion(uint256 price, uint256 deposit, uint16 takeRate, uint256 late) public {
        Run memory run = _startService(price, deposit, takeRate);
        uint256 affordable = run.deposited / run.price;
        skip(affordable + bound(late, 1, 1_000_000));
        assertEq(market.settle(run.leaseId), run.deposited);

        IComputeMarket.Lease memory l = market.getLease(run.leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.InsufficientFunds));
        assertEq(_paid(), run.deposited);
        assertEq(l.settledAt, l.startedAt + affordable);
        assertEq(_paid() - run.price * (l.settledAt - l.startedAt), run.deposited % run.price);
        assertEq(market.accruedFees(address(token)), _fee(run.deposited, run.rate));
        _assertConserved(run);
    }

    // ------------------------------------------------------------ batch jobs

    enum Outcome {
        AcceptedByTenant,
        AcceptedAfterWindow,
        DisputeWon,
        DisputeLost,
        Expired,
        ClosedByTenant,
        ClosedByProvider
    }

    function testFuzz_batchAccrual_conservesDeposit(
        uint256 price,
        uint32 jobTimeout,
        uint256 extra,
        uint16 takeRate,
        uint32[4] memory steps,
        uint8 outcomeSeed
    ) public {
        Run memory run;
        run.rate = uint16(bound(takeRate, 0, params.MAX_TAKE_RATE_BPS()));
        vm.prank(owner);
        params.setTakeRateBps(run.rate);
        jobTimeout = uint32(bound(jobTimeout, 1, params.maxJobTimeout()));
        run.price = bound(price, 1, 1e22 / jobTimeout);
        run.deposited = run.price * jobTimeout + bound(extra, 0, 1e22);
        if (run.deposited < MIN_ORDER_DEPOSIT) run.deposited = MIN_ORDER_DEPOSIT;

        IComputeMarket.OrderParams memory p = _batchParams();
        p.jobTimeout = jobTimeout;
        p.maxPricePerSecond = run.price;
        p.deposit = run.deposited;
        _snapshotBalances(run);
        run.leaseId = _lease(p, run.price);

        Outcome outcome = Outcome(bound(outcomeSeed, 0, uint256(type(Outcome).max)));
        bool late = outcome == Outcome.Expired;
        for (uint256 i; i < steps.length; ++i) {
            skip(bound(steps[i], 0, late ? uint256(jobTimeout) : uint256(jobTimeout) / 5));
            _settleAndCheck(run); // held, not paid: no fee until release
        }
        uint256 gross = _finishBatch(run, outcome, jobTimeout);
        IComputeMarket.Lease memory l = market.getLease(run.leaseId);
        assertEq(l.held, 0);
        assertEq(_paid(), gross);
        assertLe(_paid(), run.price * jobTimeout); // never more than the job's price
        assertEq(market.accruedFees(address(token)), _fee(gross, run.rate));
        assertEq(_openLeases(provider1), 0);
        _assertConserved(run);
    }

    // ------------------------------------------------------------ accounts and stake

    /// @dev Any mix of fund, createOrder (balance first), deposit, cancelOrder and withdraw by two
    ///      tenants: the market holds exactly their balances plus the open escrows, and every wallet
    ///      + balance + escrow it paid into is conserved.
    function testFuzz_accounts_conserveAcrossFundOrderCancelWithdraw(uint256[8] memory amounts, uint256 opsSeed)
        public
    {
        address[2] memory who = [tenant, tenant2];
        uint256[] memory open = new uint256[](8);
        uint256 opened;
        uint256 total0 = token.balanceOf(tenant) + token.balanceOf(tenant2);
        for (uint256 i; i < amounts.length; ++i) {
            address a = who[(opsSeed >> (i * 4)) & 1];
            uint256 op = (opsSeed >> (i * 4 + 1)) % 5;
            uint256 amount = bound(amounts[i], MIN_ORDER_DEPOSIT, 3 * DEPOSIT);
            if (op == 0) {
                _fundAccount(a, amount);
            } else if (op == 1) {
                IComputeMarket.OrderParams memory p = _serviceParams();
                p.deposit = amount;
                uint256 before = _balanceOf(a);
                uint256 walletBefore = token.balanceOf(a);
                open[opened++] = _createOrder(a, p);
                uint256 used = before < amount ? before : amount;
                assertEq(_balanceOf(a), before - used, "balance first");
                assertEq(walletBefore - token.balanceOf(a), amount - used, "then the wallet");
            } else if (op == 2 && opened != 0) {
                uint256 id = open[amount % opened];
                if (market.getOrder(id).state != IComputeMarket.OrderState.Open) continue;
                vm.prank(a);
                market.deposit(id, amount);
            } else if (op == 3 && opened != 0) {
                uint256 id = open[amount % opened];
                IComputeMarket.Order memory o = market.getOrder(id);
                if (o.state != IComputeMarket.OrderState.Open) continue;
                uint256 before = _balanceOf(o.tenant);
                vm.prank(o.tenant);
                market.cancelOrder(id);
                assertEq(_balanceOf(o.tenant), before + o.escrow, "refund credited");
            } else if (op == 4 && _balanceOf(a) != 0) {
                vm.prank(a);
                market.withdraw(address(token));
                assertEq(_balanceOf(a), 0);
            }
        }
        uint256 escrows;
        for (uint256 i; i < opened; ++i) {
            escrows += market.getOrder(open[i]).escrow;
        }
        uint256 balances = _balanceOf(tenant) + _balanceOf(tenant2);
        assertEq(token.balanceOf(address(market)), balances + escrows, "market holds balances + escrows");
        assertEq(token.balanceOf(tenant) + token.balanceOf(tenant2) + balances + escrows, total0, "conserved");
    }

    /// @dev A provider with stake `s` wins floor(s / minProviderStake) concurrent leases; the next
    ///      acceptBid reports the free stake left. Ending them keeps the lock; releaseStake frees it.
    function testFuzz_stakeLock_leasesUpToStake(uint256 stake, uint8 orders) public {
        uint256 minStake = _minStake();
        stake = bound(stake, minStake, 4 * minStake);
        uint256 n = bound(orders, 1, 5);
        address p = makeAddr("fuzzProvider");
        _registerProvider(p, _attrs1("region", "eu"), stake);
        uint256[] memory ids = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = _openServiceOrder();
            _bid(p, ids[i], MAX_PRICE); // one free stake is enough to bid while nothing is leased
        }
        uint256 fits = stake / minStake;
        uint256 leased;
        for (uint256 i; i < n; ++i) {
            if (leased < fits) {
                _accept(ids[i]);
                ++leased;
            } else {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IComputeMarket.MarketInsufficientUnlockedStake.selector, p, stake - leased * minStake, minStake
                    )
                );
                vm.prank(tenant);
                market.acceptBid(ids[i]);
            }
        }
        assertEq(staking.lockedOf(p, PROVIDER_ROLE), leased * minStake);
        (uint256 openLeases, uint256 locked) = market.providerStake(p);
        assertEq(openLeases, leased);
        assertEq(locked, leased * minStake);
        for (uint256 i; i < leased; ++i) {
            vm.prank(tenant);
            market.closeLease(ids[i]);
        }
        assertEq(staking.lockedOf(p, PROVIDER_ROLE), leased * minStake, "kept after the leases end");
        vm.prank(p);
        assertEq(market.releaseStake(), leased * minStake);
        assertEq(staking.lockedOf(p, PROVIDER_ROLE), 0);
    }

    // ------------------------------------------------------------ helpers

    function _startService(uint256 price, uint256 deposit, uint16 takeRate) private returns (Run memory run) {
        run.rate = uint16(bound(takeRate, 0, params.MAX_TAKE_RATE_BPS()));
        vm.prank(owner);
        params.setTakeRateBps(run.rate);
        run.deposited = bound(deposit, MIN_ORDER_DEPOSIT, 1e23);
        // From under one second of escrow up to MAX_LIFETIME seconds of it.
        run.price = bound(price, run.deposited / MAX_LIFETIME + 1, run.deposited * 2);
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.maxPricePerSecond = run.price;
        p.deposit = run.deposited;
        _snapshotBalances(run);
        run.leaseId = _lease(p, run.price);
    }

    function _snapshotBalances(Run memory run) private view {
        run.tenantBefore = token.balanceOf(tenant);
        run.providerBefore = token.balanceOf(provider1);
    }

    function _active(uint256 leaseId) private view returns (bool) {
        return market.getLease(leaseId).state == IComputeMarket.LeaseState.Active;
    }

    /// @dev Settles and checks the one release against the price, the escrow and the take rate.
    function _settleAndCheck(Run memory run) private {
        IComputeMarket.Lease memory before = market.getLease(run.leaseId);
        uint256 escrowBefore = market.getOrder(run.leaseId).escrow;
        uint256 feesBefore = market.accruedFees(address(token));
        uint256 earnedBefore = _balanceOf(provider1);
        uint256 paidBefore = _paid();
        uint256 end = block.timestamp;
        if (before.deadline != 0 && end > before.deadline) end = before.deadline;
        // A batch job accrues nothing by time: its price was held when it started.
        uint256 owed = before.deadline == 0 && end > before.settledAt ? run.price * (end - before.settledAt) : 0;
        uint256 expected = owed < escrowBefore ? owed : escrowBefore;

        uint256 accrued = market.settle(run.leaseId);

        assertEq(accrued, expected, "accrued");
        IComputeMarket.Lease memory l = market.getLease(run.leaseId);
        assertEq(market.getOrder(run.leaseId).escrow, escrowBefore - accrued, "escrow");
        if (l.deadline != 0) {
            assertEq(l.held - before.held, accrued, "held");
            assertEq(market.accruedFees(address(token)), feesBefore, "no fee before release");
            return;
        }
        uint256 fee = market.accruedFees(address(token)) - feesBefore;
        assertEq(_paid() - paidBefore, accrued, "paid");
        assertEq(fee, accrued * run.rate / BPS, "fee = floor(gross * rate / BPS)");
        assertEq(_balanceOf(provider1) - earnedBefore, accrued - fee, "net credited");
        if (l.state == IComputeMarket.LeaseState.Active) {
            assertEq(_paid(), run.price * (l.settledAt - l.startedAt), "paid by the second");
        } else {
            assertLt(_paid() - run.price * (l.settledAt - l.startedAt), run.price, "remainder < 1 s");
        }
    }

    function _closeIfActive(Run memory run, bool byProvider) private {
        if (!_active(run.leaseId)) return;
        uint256 paidBefore = _paid();
        uint256 feesBefore = market.accruedFees(address(token));
        vm.prank(byProvider ? provider1 : tenant);
        market.closeLease(run.leaseId);
        uint256 released = _paid() - paidBefore;
        assertEq(market.accruedFees(address(token)) - feesBefore, _fee(released, run.rate), "fee on close");
    }

    /// @dev Ends the batch lease as `outcome` says; returns the gross the provider should be paid.
    function _finishBatch(Run memory run, Outcome outcome, uint32 jobTimeout) private returns (uint256 gross) {
        uint256 leaseId = run.leaseId;
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.held, run.price * jobTimeout, "the job price is held from the start");
        if (outcome == Outcome.Expired) {
            vm.warp(l.deadline + 1 + (block.timestamp > l.deadline ? block.timestamp - l.deadline : 0));
            market.expireLease(leaseId);
            return 0;
        }
        if (outcome == Outcome.ClosedByTenant || outcome == Outcome.ClosedByProvider) {
            uint256 elapsed = (block.timestamp < l.deadline ? block.timestamp : l.deadline) - l.startedAt;
            vm.prank(outcome == Outcome.ClosedByTenant ? tenant : provider1);
            market.closeLease(leaseId);
            return outcome == Outcome.ClosedByTenant ? run.price * elapsed : 0; // pro rata / nothing
        }
        if (block.timestamp > l.deadline) vm.warp(l.deadline); // still in time
        _submit(leaseId);
        gross = run.price * jobTimeout; // the fixed job price, whenever the result came
        if (outcome == Outcome.AcceptedByTenant) {
            vm.prank(tenant);
            market.acceptResult(leaseId);
        } else if (outcome == Outcome.AcceptedAfterWindow) {
            vm.warp(market.getLease(leaseId).disputeEndsAt);
            vm.prank(keeper);
            market.acceptResult(leaseId);
        } else {
            vm.prank(tenant);
            market.disputeResult(leaseId);
            uint256 stakeBefore = staking.stakeOf(provider1, PROVIDER_ROLE);
            vm.prank(owner);
            market.resolveDispute(leaseId, outcome == Outcome.DisputeWon);
            uint256 slashed = stakeBefore - staking.stakeOf(provider1, PROVIDER_ROLE);
            run.tenantReward = slashed * params.reporterRewardBps() / BPS;
            if (outcome == Outcome.DisputeLost) gross = 0;
        }
    }

    /// @dev What the provider was paid, gross: its balance (net) + the fees (only this lease pays any).
    function _paid() private view returns (uint256) {
        return _balanceOf(provider1) + market.accruedFees(address(token));
    }

    /// @dev provider pay + fees + the tenant's refunds == deposited; the market holds exactly the
    ///      balances and the fees; the escrow is empty; nothing was pushed to either party.
    function _assertConserved(Run memory run) private view {
        uint256 pay = _balanceOf(provider1);
        uint256 fees = market.accruedFees(address(token));
        uint256 refund = _balanceOf(tenant);
        assertEq(pay + fees + refund, run.deposited, "pay + fees + refund == deposited");
        assertEq(token.balanceOf(address(market)), pay + fees + refund, "market holds balances + fees");
        assertEq(
            token.balanceOf(tenant),
            run.tenantBefore - run.deposited + run.tenantReward,
            "refunds are credited, not pushed"
        );
        assertEq(token.balanceOf(provider1), run.providerBefore, "pay is credited, not pushed");
        assertEq(market.getOrder(run.leaseId).escrow, 0);
    }
}
