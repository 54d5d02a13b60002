// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";
import {MarketHandler} from "./MarketHandler.sol";

/// @notice Money invariants of ComputeMarket under random call sequences (see MarketHandler).
///         CI runs them with the `ci` profile: 256 runs x depth 50.
contract MarketInvariantsTest is MarketFixture {
    MarketHandler internal handler;
    address internal tenant3 = makeAddr("tenant3");

    /// @dev What the market's own books say it owes, per token (one token here).
    struct Books {
        uint256 escrow; // every order's escrow (a batch lease's job price included until it ends)
        uint256 tenantBalances;
        uint256 providerBalances;
        uint256 fees; // unswept
    }

    function setUp() public override {
        super.setUp();
        _fund(tenant3, TENANT_FUNDS);

        address[] memory tenants = new address[](3);
        tenants[0] = tenant;
        tenants[1] = tenant2;
        tenants[2] = tenant3;
        address[] memory providers = new address[](3);
        providers[0] = provider1;
        providers[1] = provider2;
        providers[2] = provider3;
        uint256[] memory keys = new uint256[](3);
        keys[0] = provider1Key;
        keys[1] = provider2Key;
        keys[2] = provider3Key;
        handler = new MarketHandler(market, token, params, staking, registry, keeper, tenants, providers, keys);

        // Every run starts with a few orders in flight: two service and two batch leases, an open
        // service order with a bid, and a tenant with a balance.
        handler.fund(1, 30 ether);
        for (uint256 i; i < 5; ++i) {
            if (i % 2 == 0) handler.createServiceOrder(i, 10 ether + i, 6 hours * (i + 1), 1 hours);
            else handler.createBatchOrder(i, 20 ether + i, 4 hours * i, 1 hours);
            handler.createBid(i, i, type(uint256).max);
            if (i < 4) handler.acceptBid(i, 0);
        }
        require(handler.ghost_unexpectedReverts() == 0 && handler.ghost_mismatches() == 0, "setUp");

        bytes4[] memory selectors = new bytes4[](28);
        selectors[0] = MarketHandler.createServiceOrder.selector;
        selectors[1] = MarketHandler.createBatchOrder.selector;
        selectors[2] = MarketHandler.deposit.selector;
        selectors[3] = MarketHandler.cancelOrder.selector;
        selectors[4] = MarketHandler.createBid.selector;
        selectors[5] = MarketHandler.fund.selector;
        selectors[6] = MarketHandler.acceptBid.selector;
        selectors[7] = MarketHandler.closeAuction.selector;
        selectors[8] = MarketHandler.settle.selector;
        selectors[9] = MarketHandler.closeLease.selector;
        selectors[10] = MarketHandler.submitResult.selector;
        selectors[11] = MarketHandler.acceptResult.selector;
        selectors[12] = MarketHandler.disputeResult.selector;
        selectors[13] = MarketHandler.resolveDispute.selector;
        selectors[14] = MarketHandler.expireLease.selector;
        selectors[15] = MarketHandler.withdraw.selector;
        selectors[16] = MarketHandler.sweepFees.selector;
        selectors[17] = MarketHandler.warp.selector;
        selectors[18] = MarketHandler.setTakeRate.selector;
        // Listed twice: bids feed every later stage.
        selectors[19] = MarketHandler.createBid.selector;
        selectors[20] = MarketHandler.requestUnstake.selector;
        selectors[21] = MarketHandler.restake.selector;
        selectors[22] = MarketHandler.createOrderGroup.selector;
        selectors[23] = MarketHandler.commitResult.selector;
        selectors[24] = MarketHandler.revealResult.selector;
        selectors[25] = MarketHandler.expireUnrevealed.selector;
        selectors[26] = MarketHandler.releaseStake.selector;
        selectors[27] = MarketHandler.acceptBid.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // Four campaigns (each invariant_ function runs its own): every property is checked after
    // every call of each campaign it belongs to.

    /// @notice Money: the books cover the balance, in == out + held, each side's balances add up,
    ///         and the fees are exactly the take rate of what was released.
    function invariant_moneyConserved() public view {
        _balanceCoversBooks();
        _inEqualsOutPlusHeld();
        _balancesAccounted();
        _feesMatchTakeRate();
    }

    /// @notice Every handler call succeeded and moved exactly what it should have.
    function invariant_callsAsExpected() public view {
        _handlerCallsSucceed();
        _callsMoveExpectedAmounts();
    }

    /// @notice Orders and leases: no overpay, escrow == in - paid, best bids and groups consistent.
    function invariant_ordersAndLeasesConsistent() public view {
        _noOverpay();
        _bestBidConsistent();
        _groupsConsistent();
    }

    /// @notice The market holds exactly what its books say it owes: every balance, the escrow of
    ///         orders and leases not ended, and the unswept fees.
    function _balanceCoversBooks() private view {
        Books memory b = _books();
        assertEq(
            token.balanceOf(address(market)),
            b.escrow + b.tenantBalances + b.providerBalances + b.fees,
            "token balance == escrow + balances + fees"
        );
    }

    /// @notice Everything that came in (funds, the wallet part of deposits) went out (withdrawals,
    ///         sweeps) or is still held; and the tokens moved exactly as the handler recorded.
    function _inEqualsOutPlusHeld() private view {
        Books memory b = _books();
        assertEq(
            handler.totalIn(),
            handler.totalOut() + b.escrow + b.tenantBalances + b.providerBalances + b.fees,
            "in == withdrawn + swept + still held"
        );
        assertEq(handler.totalIn() - handler.totalOut(), token.balanceOf(address(market)), "in - out == balance");
    }

    /// @notice Per side: a provider's balance is its pay net of fees less what it withdrew; a
    ///         tenant's is its funds plus its refunds less what it spent from it and withdrew.
    function _balancesAccounted() private view {
        Books memory b = _books();
        assertEq(
            b.providerBalances + handler.ghost_providerWithdrawn(),
            handler.ghost_providerCredits(),
            "providers: balances + withdrawn == gross - fees"
        );
        assertEq(
            b.tenantBalances + handler.ghost_tenantWithdrawn() + handler.ghost_balanceUsed(),
            handler.ghost_funded() + handler.ghost_tenantCredits(),
            "tenants: balances + withdrawn + spent == funded + refunds"
        );
    }

    /// @notice Every call that moved money moved what the handler expected (see MarketHandler).
    function _callsMoveExpectedAmounts() private view {
        assertEq(handler.ghost_mismatches(), 0, handler.ghost_lastMismatch());
    }

    /// @notice No lease pays more than its price for the time settled (plus, when the escrow ran
    ///         out, the sub-second remainder), nor more than was deposited for its order; an order's
    ///         escrow is what came in less what was paid until it ends, then 0.
    function _noOverpay() private view {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            IComputeMarket.Order memory o = market.getOrder(id);
            uint256 paid = handler.ghost_paid(id);
            uint256 funded = handler.ghost_escrowIn(id);
            assertLe(paid, funded, "never more than deposited");
            if (o.state == IComputeMarket.OrderState.Closed) assertEq(o.escrow, 0, "a closed order holds nothing");
            else assertEq(o.escrow, funded - paid, "escrow == in - paid");
            if (!handler.ghost_hasLease(id)) continue;
            IComputeMarket.Lease memory l = market.getLease(id);
            uint256 byTime = l.pricePerSecond * (l.settledAt - l.startedAt);
            if (l.deadline != 0) {
                // A batch job is priced per job: held from the start, paid at most once.
                uint256 jobPrice = l.pricePerSecond * o.jobTimeout;
                assertLe(paid, jobPrice, "batch: paid <= the job price");
                assertEq(l.held, _running(l.state) ? jobPrice : 0, "batch: the job price held while running");
                assertEq(l.settledAt, l.startedAt, "batch: no accrual by time");
            } else if (l.state == IComputeMarket.LeaseState.InsufficientFunds) {
                assertEq(paid, funded, "an exhausted lease paid exactly its escrow");
                assertLe(byTime, paid, "settled only up to the last whole second paid");
                assertLt(paid - byTime, l.pricePerSecond, "remainder under one second");
            } else {
                assertEq(paid, byTime, "service: paid == price x settled time");
                assertEq(l.held, 0, "service: nothing held");
            }
        }
    }

    /// @notice Fees are exactly floor(gross x lease take rate / 10_000) per release.
    function _feesMatchTakeRate() private view {
        assertEq(
            handler.ghost_feesSwept() + market.accruedFees(address(token)),
            handler.ghost_expectedFees(),
            "swept + unswept fees == expected"
        );
    }

    /// @notice Stake: per provider, the market counts its running leases, holds at least
    ///         minProviderStake locked for each, Staking's lock is exactly that record (the market
    ///         is the only locker and slasher here) and never exceeds the stake, and unstaking
    ///         above the unlocked part never works.
    function invariant_stakeLockedForOpenLeases() public view {
        address[] memory providers = handler.providers();
        uint256 n = market.orderCount();
        for (uint256 p; p < providers.length; ++p) {
            (uint256 open, uint256 locked) = market.providerStake(providers[p]);
            uint256 running;
            for (uint256 id = 1; id <= n; ++id) {
                if (!handler.ghost_hasLease(id)) continue;
                IComputeMarket.Lease memory l = market.getLease(id);
                if (l.provider == providers[p] && _running(l.state)) ++running;
            }
            assertEq(open, running, "openLeases == the provider's running leases");
            assertGe(locked, open * params.minProviderStake(), "locked >= minProviderStake per open lease");
            uint256 stakingLocked = staking.lockedOf(providers[p], PROVIDER_ROLE);
            assertEq(stakingLocked, locked, "Staking's lock == the market's record (its only locker and slasher)");
            assertLe(stakingLocked, staking.stakeOf(providers[p], PROVIDER_ROLE), "locked <= staked");
        }
        assertEq(handler.ghost_lockBreaches(), 0, "unstaked locked stake");
    }

    /// @notice The best bid of an order is below its max price; a leased order's lease is on it.
    function _bestBidConsistent() private view {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            IComputeMarket.Order memory o = market.getOrder(id);
            if (o.bestBidder == address(0)) {
                assertEq(o.bestPricePerSecond, 0, "no bidder, no price");
                assertFalse(handler.ghost_hasLease(id), "a lease needs a bid");
                continue;
            }
            assertGt(o.bestPricePerSecond, 0, "a bid has a price");
            assertLe(o.bestPricePerSecond, o.maxPricePerSecond, "best bid <= max price");
            if (!handler.ghost_hasLease(id)) continue;
            IComputeMarket.Lease memory l = market.getLease(id);
            assertEq(l.provider, o.bestBidder, "leased to the best bidder");
            assertEq(l.pricePerSecond, o.bestPricePerSecond, "at the best price");
        }
    }

    /// @notice Replica groups: the reveal opens exactly when every order of the group has
    ///         committed or ended; no two leases of a group share a provider.
    function _groupsConsistent() private view {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            IComputeMarket.Order memory o = market.getOrder(id);
            if (o.group != id) continue; // visit each group once, at its first order
            IComputeMarket.Group memory g = market.getGroup(id);
            uint256 settled;
            for (uint256 j = id; j < id + g.size; ++j) {
                IComputeMarket.Order memory r = market.getOrder(j);
                assertEq(r.group, id, "group tag");
                if (r.state == IComputeMarket.OrderState.Open) continue;
                if (!handler.ghost_hasLease(j)) {
                    ++settled; // canceled, or closed for lack of a usable bid
                    continue;
                }
                IComputeMarket.Lease memory l = market.getLease(j);
                if (l.state != IComputeMarket.LeaseState.Active) ++settled;
                for (uint256 k = id; k < j; ++k) {
                    if (handler.ghost_hasLease(k)) {
                        assertTrue(market.getLease(k).provider != l.provider, "distinct providers");
                    }
                }
            }
            assertEq(g.settled, settled, "settled == committed or ended");
            assertEq(g.revealEndsAt != 0, settled == g.size, "reveal opens when all settled");
        }
    }

    /// @notice The handler only makes calls that should succeed: none may revert.
    function _handlerCallsSucceed() private view {
        assertEq(
            handler.ghost_unexpectedReverts(),
            0,
            string.concat(
                "unexpected revert in ",
                handler.ghost_lastRevertCall(),
                ": ",
                vm.toString(handler.ghost_lastRevertData())
            )
        );
    }

    // ------------------------------------------------------------ helpers

    function _books() private view returns (Books memory b) {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            b.escrow += market.getOrder(id).escrow;
        }
        address[] memory tenants = handler.tenants();
        for (uint256 i; i < tenants.length; ++i) {
            b.tenantBalances += market.balanceOf(tenants[i], address(token));
        }
        address[] memory providers = handler.providers();
        for (uint256 i; i < providers.length; ++i) {
            b.providerBalances += market.balanceOf(providers[i], address(token));
        }
        b.fees = market.accruedFees(address(token));
    }

    /// @dev A lease not yet ended.
    function _running(IComputeMarket.LeaseState state) private pure returns (bool) {
        return state == IComputeMarket.LeaseState.Active || state == IComputeMarket.LeaseState.ResultSubmitted
            || state == IComputeMarket.LeaseState.Disputed || state == IComputeMarket.LeaseState.Committed;
    }
}
