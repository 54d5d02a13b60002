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

    /// @dev What the market's own books say it holds, summed over every order.
    struct Books {
        uint256 escrow; // open escrow, all orders
        uint256 held; // batch job prices held, not yet released
        uint256 bidDeposits; // bids Open, or Won with a lease still running
        uint256 earnings; // all providers: pay and bid deposits credited back
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

        // Every run starts with a few orders in flight: two service and two batch leases, and an
        // open service order with a bid.
        for (uint256 i; i < 5; ++i) {
            if (i % 2 == 0) handler.createServiceOrder(i, 10 ether + i, 6 hours * (i + 1), 1 hours);
            else handler.createBatchOrder(i, 20 ether + i, 4 hours * i, 1 hours);
            handler.createBid(i, i, type(uint256).max, 0);
            if (i < 4) handler.acceptBid(i, 0);
        }

        bytes4[] memory selectors = new bytes4[](26);
        selectors[0] = MarketHandler.createServiceOrder.selector;
        selectors[1] = MarketHandler.createBatchOrder.selector;
        selectors[2] = MarketHandler.deposit.selector;
        selectors[3] = MarketHandler.cancelOrder.selector;
        selectors[4] = MarketHandler.createBid.selector;
        selectors[5] = MarketHandler.cancelBid.selector;
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
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice The market holds exactly what its books say it owes.
    function invariant_escrowConserved() public view {
        Books memory b = _books();
        assertEq(
            token.balanceOf(address(market)),
            b.escrow + b.held + b.bidDeposits + b.earnings + b.fees,
            "balance == escrow + held + live bid deposits + earnings + fees"
        );
    }

    /// @notice Everything that came in either went out (to providers, tenants, bidders, the
    ///         treasury) or is still accounted for in the market.
    function invariant_moneyConserved() public view {
        Books memory b = _books();
        uint256 stillHeld = b.escrow + b.held + b.bidDeposits;
        assertEq(
            handler.totalIn(),
            handler.ghost_withdrawn() + b.earnings + handler.ghost_tenantRefunds() + handler.ghost_bidRefunds()
                + handler.ghost_feesSwept() + b.fees + stillHeld,
            "in == provider payouts + refunds + bid refunds + fees + still held"
        );
        assertEq(handler.totalIn() - handler.totalOut(), token.balanceOf(address(market)), "in - out == balance");
    }

    /// @notice No lease pays more than its price for the time settled (plus, when the escrow ran
    ///         out, the sub-second remainder), nor more than was deposited for its order.
    function invariant_noOverpay() public view {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            if (_noLease(id)) continue;
            IComputeMarket.Lease memory l = market.getLease(id);
            uint256 byTime = l.pricePerSecond * (l.settledAt - l.startedAt);
            uint256 funded = handler.ghost_funded(id);
            if (l.deadline != 0) {
                // A batch job is priced per job: held from the start, never more (finding 1).
                uint256 jobPrice = l.pricePerSecond * market.getOrder(id).jobTimeout;
                assertLe(l.paid + l.held, jobPrice, "batch: paid + held <= the job price");
                assertEq(l.settledAt, l.startedAt, "batch: no accrual by time");
            } else if (l.state == IComputeMarket.LeaseState.InsufficientFunds) {
                assertEq(l.paid, funded, "an exhausted lease paid exactly its escrow");
                assertLe(byTime, l.paid, "settled only up to the last whole second paid");
                assertLt(l.paid - byTime, l.pricePerSecond, "remainder under one second");
            } else {
                assertLe(l.paid + l.held, byTime, "paid + held <= price x settled time");
            }
            assertLe(l.paid + l.held, funded, "never more than deposited");
        }
    }

    /// @notice Fees are exactly floor(gross x lease take rate / 10_000) per release, plus
    ///         forfeited bid deposits.
    function invariant_feesMatchTakeRate() public view {
        assertEq(
            handler.ghost_feesSwept() + market.accruedFees(address(token)),
            handler.ghost_expectedFees(),
            "swept + unswept fees == expected"
        );
    }

    /// @notice Closed orders and terminal leases hold nothing, and only an open order has open bids
    ///         (a lease or a cancel refunds the others at once).
    function invariant_closedHoldNothing() public view {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            IComputeMarket.Order memory o = market.getOrder(id);
            if (o.state == IComputeMarket.OrderState.Open) continue;
            IComputeMarket.Bid[] memory bids = market.getBids(id);
            for (uint256 i; i < bids.length; ++i) {
                assertTrue(bids[i].state != IComputeMarket.BidState.Open, "open bid on a leased or closed order");
            }
            if (o.state != IComputeMarket.OrderState.Closed) continue;
            assertEq(o.escrow, 0, "closed order escrow");
            if (!_noLease(id)) assertEq(market.getLease(id).held, 0, "closed lease held");
        }
    }

    /// @notice Locked stake (finding 5): per provider, locked <= staked, and the lock is exactly the
    ///         sum of what its running leases locked; unstaking above the unlocked part never works.
    function invariant_stakeLockedByRunningLeases() public view {
        address[] memory providers = handler.providers();
        uint256 n = market.orderCount();
        for (uint256 p; p < providers.length; ++p) {
            uint256 locked = staking.lockedOf(providers[p], PROVIDER_ROLE);
            assertLe(locked, staking.stakeOf(providers[p], PROVIDER_ROLE), "locked <= staked");
            uint256 sum;
            for (uint256 id = 1; id <= n; ++id) {
                if (_noLease(id)) continue;
                IComputeMarket.Lease memory l = market.getLease(id);
                if (l.provider == providers[p] && _running(l.state)) sum += l.stakeLocked;
            }
            assertEq(locked, sum, "lock == sum over the provider's running leases");
        }
        assertEq(handler.ghost_lockBreaches(), 0, "unstaked locked stake");
    }

    /// @notice Pull refunds (finding 8): providers get tokens only through withdraw; no bid deposit
    ///         is ever pushed to a bidder.
    function invariant_noPushToBidders() public view {
        assertEq(handler.ghost_bidRefunds(), 0, "a bid deposit was pushed");
    }

    /// @notice Slot accounting (finding 3): an open order's bidCount is its number of open bids, at
    ///         most maxBids, and every bid list stays within maxBids x BID_LIST_FACTOR.
    function invariant_bidSlotsAccounted() public view {
        uint256 n = market.orderCount();
        for (uint256 id = 1; id <= n; ++id) {
            IComputeMarket.Order memory o = market.getOrder(id);
            IComputeMarket.Bid[] memory bids = market.getBids(id);
            assertLe(bids.length, uint256(o.maxBids) * market.BID_LIST_FACTOR(), "bid list bounded");
            assertLe(o.bidCount, o.maxBids, "bidCount <= maxBids");
            if (o.state != IComputeMarket.OrderState.Open) continue;
            uint256 open;
            for (uint256 i; i < bids.length; ++i) {
                if (bids[i].state == IComputeMarket.BidState.Open) ++open;
            }
            assertEq(o.bidCount, open, "bidCount == open bids");
        }
    }

    /// @notice Replica groups (finding 2): the reveal opens exactly when every order of the group has
    ///         committed or ended; no two leases of a group share a provider.
    function invariant_groupsConsistent() public view {
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
                if (_noLease(j)) {
                    ++settled; // canceled, or closed for lack of an eligible bid
                    continue;
                }
                IComputeMarket.Lease memory l = market.getLease(j);
                if (l.state != IComputeMarket.LeaseState.Active) ++settled;
                for (uint256 k = id; k < j; ++k) {
                    if (!_noLease(k)) assertTrue(market.getLease(k).provider != l.provider, "distinct providers");
                }
            }
            assertEq(g.settled, settled, "settled == committed or ended");
            assertEq(g.revealEndsAt != 0, settled == g.size, "reveal opens when all settled");
        }
    }

    /// @notice The handler only makes calls that should succeed: none may revert.
    function invariant_handlerCallsSucceed() public view {
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
            IComputeMarket.Order memory o = market.getOrder(id);
            b.escrow += o.escrow;
            bool leaseRunning;
            if (!_noLease(id)) {
                IComputeMarket.Lease memory l = market.getLease(id);
                b.held += l.held;
                leaseRunning = _running(l.state);
            }
            IComputeMarket.Bid[] memory bids = market.getBids(id);
            for (uint256 i; i < bids.length; ++i) {
                if (
                    bids[i].state == IComputeMarket.BidState.Open
                        || (bids[i].state == IComputeMarket.BidState.Won && leaseRunning)
                ) b.bidDeposits += bids[i].deposit;
            }
        }
        address[] memory providers = handler.providers();
        for (uint256 i; i < providers.length; ++i) {
            b.earnings += market.earnings(providers[i], address(token));
        }
        b.fees = market.accruedFees(address(token));
    }

    /// @dev A lease not yet ended: it holds its winner's bid deposit and its locked stake.
    function _running(IComputeMarket.LeaseState state) private pure returns (bool) {
        return state == IComputeMarket.LeaseState.Active || state == IComputeMarket.LeaseState.ResultSubmitted
            || state == IComputeMarket.LeaseState.Disputed || state == IComputeMarket.LeaseState.Committed;
    }

    /// @dev An order has a lease once a bid won.
    function _noLease(uint256 id) private view returns (bool) {
        IComputeMarket.Bid[] memory bids = market.getBids(id);
        for (uint256 i; i < bids.length; ++i) {
            if (bids[i].state == IComputeMarket.BidState.Won) return false;
        }
        return true;
    }
}
