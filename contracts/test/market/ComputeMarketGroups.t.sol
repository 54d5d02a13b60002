// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Replica groups: concurrent replicas on distinct providers (a provider bids on one order
///         of a group only), results committed before any is revealed, reveal windows, and
///         closeAuction closing a replica without a usable bid.
contract ComputeMarketGroupsTest is MarketFixture {
    uint256 internal constant PRICE = 5e14;
    bytes32 internal constant SALT1 = keccak256("salt 1");
    bytes32 internal constant SALT2 = keccak256("salt 2");
    bytes32 internal constant SALT3 = keccak256("salt 3");

    uint256 internal groupId;

    function setUp() public override {
        super.setUp();
        groupId = _createGroup(3);
    }

    // ------------------------------------------------------------ commit, then reveal

    /// @dev A replica cannot copy: results are committed (bound to lease, provider and salt) before
    ///      any is revealed, and no reveal is possible until every replica has committed or ended.
    function test_group_replicasCommitBeforeAnyReveal() public {
        _leaseAll();
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketCommitRevealRequired.selector, groupId));
        market.submitResult(groupId, RESULT_CID, RESULT_HASH, "");

        bytes32 c1 = market.resultCommitment(groupId, RESULT_HASH, RESULT_CID, SALT1, provider1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ResultCommitted(groupId, provider1, c1);
        vm.prank(provider1);
        market.commitResult(groupId, c1);
        IComputeMarket.Lease memory l = market.getLease(groupId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Committed));
        assertEq(l.commitment, c1);
        assertEq(l.held, PRICE * JOB_TIMEOUT);
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketRevealNotOpen.selector, groupId));
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");

        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        assertEq(market.getGroup(groupId).settled, 2);
        assertEq(market.getGroup(groupId).revealEndsAt, 0);
        uint64 revealEndsAt = uint64(block.timestamp + params.disputeWindow());
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.GroupRevealOpened(groupId, revealEndsAt);
        _commit(provider3, groupId + 2, keccak256("another result"), SALT3);
        assertEq(market.getGroup(groupId).revealEndsAt, revealEndsAt);

        // provider1 reveals; provider2 cannot change what it committed to.
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ResultSubmitted(
            groupId, provider1, RESULT_CID, RESULT_HASH, uint64(block.timestamp + params.disputeWindow())
        );
        vm.prank(provider1);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
        vm.prank(provider2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, groupId + 1, IComputeMarket.LeaseState.Committed
            )
        );
        market.commitResult(groupId + 1, keccak256("new"));
        // provider3 committed to another result: revealing provider1's pair does not match.
        vm.prank(provider3);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketCommitmentMismatch.selector, groupId + 2));
        market.revealResult(groupId + 2, RESULT_CID, RESULT_HASH, SALT3, "");

        l = market.getLease(groupId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
        assertEq(l.resultHash, RESULT_HASH);
        // The tenant accepts; the replica is paid its job price, as an ungrouped batch job.
        vm.prank(tenant);
        market.acceptResult(groupId);
        assertEq(_balanceOf(provider1), _net(PRICE * JOB_TIMEOUT, params.takeRateBps()));
        assertEq(_balanceOf(tenant), DEPOSIT - PRICE * JOB_TIMEOUT);
    }

    /// @dev The reveal can be relayed by anyone holding the provider's receipt.
    function test_revealResult_byAnyoneWithReceipt() public {
        _leaseAll();
        _commitAll();
        bytes memory receipt = _signReceipt(provider1Key, groupId, RESULT_HASH, RESULT_CID);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotProvider.selector, groupId, keeper));
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
        bytes memory wrong = _signReceipt(provider2Key, groupId, RESULT_HASH, RESULT_CID);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, groupId));
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, wrong);
        vm.prank(keeper);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, receipt);
        assertEq(uint8(market.getLease(groupId).state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
    }

    /// @dev Reveals are accepted up to revealEndsAt inclusive.
    function test_revealResult_atRevealEnd() public {
        _leaseAll();
        _commitAll();
        vm.warp(market.getGroup(groupId).revealEndsAt);
        vm.prank(provider2);
        market.revealResult(groupId + 1, RESULT_CID, RESULT_HASH, SALT2, "");
        assertEq(uint8(market.getLease(groupId + 1).state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
    }

    /// @dev A lease that commits but does not reveal in time fails like a missed deadline.
    function test_group_unrevealedCommitFails() public {
        _leaseAll();
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        vm.prank(tenant);
        market.closeLease(groupId + 2); // an ended replica counts as settled
        uint64 revealEndsAt = market.getGroup(groupId).revealEndsAt;
        assertGt(revealEndsAt, 0);
        vm.prank(provider1);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");

        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketRevealWindowOpen.selector, groupId + 1, revealEndsAt)
        );
        market.expireLease(groupId + 1);
        vm.warp(revealEndsAt + 1);
        vm.prank(provider2);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketRevealWindowClosed.selector, groupId + 1, revealEndsAt)
        );
        market.revealResult(groupId + 1, RESULT_CID, RESULT_HASH, SALT2, "");

        uint256 tenantBefore = _balanceOf(tenant);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            groupId + 1, provider2, IComputeMarket.LeaseState.Failed, IComputeMarket.CloseReason.RevealMissed, DEPOSIT
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(groupId + 1, provider2, _deadlineSlash());
        vm.prank(keeper);
        market.expireLease(groupId + 1);
        assertEq(_balanceOf(tenant) - tenantBefore, DEPOSIT, "refunded in full");
        assertEq(staking.stakeOf(provider2, PROVIDER_ROLE), PROVIDER_STAKE - _deadlineSlash(), "slashed");
        assertEq(_openLeases(provider2), 0);
    }

    /// @dev Before every replica has committed or ended there is no reveal window to miss.
    function test_expireLease_revertsForCommittedLeaseBeforeRevealOpens() public {
        _leaseAll();
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        skip(JOB_TIMEOUT / 2);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketRevealWindowOpen.selector, groupId, 0));
        market.expireLease(groupId);
    }

    /// @dev An uncommitted replica past its deadline expires as usual and counts as settled.
    function test_expireLease_uncommittedReplicaSettlesGroup() public {
        _leaseAll();
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        vm.warp(market.getLease(groupId + 2).deadline + 1);
        market.expireLease(groupId + 2);
        assertEq(market.getGroup(groupId).settled, 3);
        assertEq(market.getGroup(groupId).revealEndsAt, block.timestamp + params.disputeWindow());
        vm.prank(provider2);
        market.revealResult(groupId + 1, RESULT_CID, RESULT_HASH, SALT2, "");
    }

    /// @dev A canceled replica counts as settled too.
    function test_cancelOrder_replicaSettlesGroup() public {
        _bid(provider1, groupId, PRICE);
        _accept(groupId);
        _bid(provider2, groupId + 1, PRICE);
        _accept(groupId + 1);
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        vm.prank(tenant);
        market.cancelOrder(groupId + 2);
        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(market.getGroup(groupId).settled, 3);
        assertGt(market.getGroup(groupId).revealEndsAt, 0);
    }

    // ------------------------------------------------------------ one order per provider per group

    /// @dev A provider's first bid in a group picks its order; it may lower that bid, but bid on no
    ///      other order of the group, not even once outbid there.
    function test_createBid_oneOrderPerProviderPerGroup() public {
        _bid(provider1, groupId, PRICE);
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderInGroup.selector, groupId, provider1));
        market.createBid(groupId + 1, PRICE);
        _bid(provider1, groupId, PRICE - 1); // lowers its own bid

        _bid(provider2, groupId, PRICE - 2); // provider1 is outbid on its order...
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderInGroup.selector, groupId, provider1));
        market.createBid(groupId + 2, PRICE); // ...and still may not move to another
        vm.prank(provider2);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderInGroup.selector, groupId, provider2));
        market.createBid(groupId + 1, PRICE);

        // Another group is another matter.
        uint256 other = _createGroup(2);
        _bid(provider1, other + 1, PRICE);
        assertEq(market.getOrder(other + 1).bestBidder, provider1);
    }

    /// @dev So the leases of a group go to distinct providers, by acceptBid or closeAuction.
    function test_group_distinctProvidersPerLease() public {
        _bid(provider1, groupId, PRICE);
        _bid(provider2, groupId + 1, PRICE);
        _bid(provider3, groupId + 2, PRICE);
        _accept(groupId);
        skip(BID_WINDOW);
        assertEq(market.closeAuction(groupId + 1), groupId + 1);
        assertEq(market.closeAuction(groupId + 2), groupId + 2);
        assertEq(market.getLease(groupId).provider, provider1);
        assertEq(market.getLease(groupId + 1).provider, provider2);
        assertEq(market.getLease(groupId + 2).provider, provider3);
    }

    // ------------------------------------------------------------ closeAuction

    /// @dev A replica with no bid is closed by closeAuction (anyone, after the window), so the group
    ///      reaches the reveal; its escrow goes back to the tenant's balance.
    function test_closeAuction_closesReplicaWithoutBids() public {
        _bid(provider1, groupId, PRICE);
        _bid(provider2, groupId + 1, PRICE);
        _accept(groupId);
        _accept(groupId + 1);
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);

        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketBidWindowOpen.selector, groupId + 2, market.getOrder(groupId + 2).bidDeadline
            )
        );
        market.closeAuction(groupId + 2);

        skip(BID_WINDOW);
        uint256 marketBefore = token.balanceOf(address(market));
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.OrderCanceled(groupId + 2, tenant, DEPOSIT);
        vm.prank(keeper);
        assertEq(market.closeAuction(groupId + 2), 0);
        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(token.balanceOf(address(market)), marketBefore);
        IComputeMarket.Order memory o = market.getOrder(groupId + 2);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(o.escrow, 0);
        assertEq(market.getGroup(groupId).settled, 3);
        assertGt(market.getGroup(groupId).revealEndsAt, 0);
        vm.prank(provider1);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");

        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketOrderNotOpen.selector, groupId + 2, IComputeMarket.OrderState.Closed
            )
        );
        market.closeAuction(groupId + 2);
    }

    /// @dev A replica whose best bidder no longer has the free stake closes too (no revert).
    function test_closeAuction_closesReplicaWhenBidderLostStake() public {
        _bid(provider1, groupId, PRICE);
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        skip(BID_WINDOW);
        assertEq(market.closeAuction(groupId), 0);
        assertEq(uint8(market.getOrder(groupId).state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(_openLeases(provider1), 0);
        assertEq(market.getGroup(groupId).settled, 1);
    }

    /// @dev Outside a group the same situations revert (the tenant may cancel instead).
    function test_closeAuction_ungroupedRevertsInsteadOfClosing() public {
        uint256 id = _openBatchOrder();
        skip(BID_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNoBids.selector, id));
        market.closeAuction(id);
        assertEq(uint8(market.getOrder(id).state), uint8(IComputeMarket.OrderState.Open));
    }

    /// @dev ...and an ungrouped order whose bidder lost its stake reverts too.
    function test_closeAuction_ungroupedRevertsWhenBidderLostStake() public {
        uint256 id = _openBatchOrder();
        _bid(provider1, id, PRICE);
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        skip(BID_WINDOW);
        uint256 minStake = _minStake();
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInsufficientUnlockedStake.selector, provider1, 0, minStake)
        );
        market.closeAuction(id);
    }

    /// @dev The tenant's acceptBid never closes a replica: it reverts when the bidder lost its stake.
    function test_acceptBid_groupedRevertsWhenBidderLostStake() public {
        _bid(provider1, groupId, PRICE);
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        uint256 minStake = _minStake();
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInsufficientUnlockedStake.selector, provider1, 0, minStake)
        );
        vm.prank(tenant);
        market.acceptBid(groupId);
        assertEq(uint8(market.getOrder(groupId).state), uint8(IComputeMarket.OrderState.Open));
    }

    // ------------------------------------------------------------ createOrderGroup

    function test_createOrderGroup_opensTaggedOrdersAndEscrowsAll() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        uint256 marketBefore = token.balanceOf(address(market));
        uint256 first = market.orderCount() + 1;
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.OrderGroupCreated(first, tenant, first, 4);
        vm.prank(tenant);
        uint256 id = market.createOrderGroup(p, 4);
        assertEq(id, first);
        assertEq(market.orderCount(), first + 3);
        assertEq(token.balanceOf(address(market)) - marketBefore, 4 * DEPOSIT);
        for (uint256 i; i < 4; ++i) {
            IComputeMarket.Order memory o = market.getOrder(id + i);
            assertEq(o.group, id);
            assertEq(o.escrow, DEPOSIT);
            assertEq(o.tenant, tenant);
            assertEq(o.jobTimeout, JOB_TIMEOUT);
            assertEq(o.bestBidder, address(0));
        }
        IComputeMarket.Group memory g = market.getGroup(id);
        assertEq(g.tenant, tenant);
        assertEq(g.size, 4);
        assertEq(g.settled, 0);
        assertEq(g.revealEndsAt, 0);
        assertEq(market.getOrder(_openBatchOrder()).group, 0, "an ungrouped order has group 0");
    }

    /// @dev The group's escrow comes from the tenant's balance first, the rest from its allowance.
    function test_createOrderGroup_paysFromBalanceFirst() public {
        _fundAccount(tenant2, 2 * DEPOSIT + 1 ether);
        uint256 walletBefore = token.balanceOf(tenant2);
        vm.prank(tenant2);
        market.createOrderGroup(_batchParams(), 3);
        assertEq(_balanceOf(tenant2), 0);
        assertEq(token.balanceOf(tenant2), walletBefore - (DEPOSIT - 1 ether));
    }

    function test_createOrderGroup_revertsOnReplicaCount() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        uint256 max = market.MAX_REPLICAS();
        vm.startPrank(tenant);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReplicas.selector, 1, 2, max));
        market.createOrderGroup(p, 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReplicas.selector, max + 1, 2, max));
        market.createOrderGroup(p, max + 1);
        vm.stopPrank();
    }

    function test_createOrderGroup_revertsForServiceOrders() public {
        vm.prank(tenant);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketInvalidJobTimeout.selector, 0, params.maxJobTimeout())
        );
        market.createOrderGroup(_serviceParams(), 2);
    }

    function test_createOrderGroup_revertsOnInvalidParams() public {
        IComputeMarket.OrderParams memory p = _batchParams();
        p.manifestCid = "";
        vm.prank(tenant);
        vm.expectRevert(IComputeMarket.MarketInvalidManifest.selector);
        market.createOrderGroup(p, 2);
    }

    // ------------------------------------------------------------ commitResult

    function test_commitResult_revertsForUngroupedLease() public {
        uint256 id = _batchLease(PRICE);
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotGrouped.selector, id));
        market.commitResult(id, keccak256("c"));
    }

    function test_commitResult_revertsWhenNotProvider() public {
        _leaseAll();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotProvider.selector, groupId, stranger));
        market.commitResult(groupId, keccak256("c"));
        vm.prank(provider2); // the provider of another replica
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotProvider.selector, groupId, provider2));
        market.commitResult(groupId, keccak256("c"));
    }

    function test_commitResult_revertsAfterDeadline() public {
        _leaseAll();
        uint64 deadline = market.getLease(groupId).deadline;
        vm.warp(deadline + 1);
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDeadlinePassed.selector, groupId, deadline));
        market.commitResult(groupId, keccak256("c"));
    }

    function test_commitResult_revertsOnZeroCommitment() public {
        _leaseAll();
        vm.prank(provider1);
        vm.expectRevert(IComputeMarket.MarketInvalidResult.selector);
        market.commitResult(groupId, bytes32(0));
    }

    function test_commitResult_revertsWhenOrderNotLeased() public {
        _bid(provider1, groupId, PRICE);
        vm.prank(provider1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, groupId, IComputeMarket.LeaseState.None
            )
        );
        market.commitResult(groupId, keccak256("c"));
    }

    // ------------------------------------------------------------ revealResult

    function test_revealResult_revertsWhenNotCommitted() public {
        _leaseAll();
        vm.prank(provider1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketNotCommitted.selector, groupId, IComputeMarket.LeaseState.Active
            )
        );
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
    }

    function test_revealResult_revertsOnWrongSaltOrCid() public {
        _leaseAll();
        _commitAll();
        vm.startPrank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketCommitmentMismatch.selector, groupId));
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT2, "");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketCommitmentMismatch.selector, groupId));
        market.revealResult(groupId, "bafkother", RESULT_HASH, SALT1, "");
        vm.stopPrank();
    }

    function test_revealResult_revertsWhenAlreadyRevealed() public {
        _leaseAll();
        _commitAll();
        vm.startPrank(provider1);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketNotCommitted.selector, groupId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
        vm.stopPrank();
    }

    function test_resultCommitment_matchesFormula() public view {
        assertEq(
            market.resultCommitment(7, RESULT_HASH, RESULT_CID, SALT1, provider1),
            keccak256(abi.encode(uint256(7), RESULT_HASH, keccak256(bytes(RESULT_CID)), SALT1, provider1))
        );
    }

    // ------------------------------------------------------------ helpers

    function _createGroup(uint256 replicas) private returns (uint256 id) {
        vm.prank(tenant);
        id = market.createOrderGroup(_batchParams(), replicas);
    }

    /// @dev provider1, provider2, provider3 win the three replicas.
    function _leaseAll() private {
        address[3] memory ps = [provider1, provider2, provider3];
        for (uint256 i; i < 3; ++i) {
            _bid(ps[i], groupId + i, PRICE);
            _accept(groupId + i);
        }
    }

    /// @dev Every replica commits to RESULT_HASH (its own salt): the reveal opens.
    function _commitAll() private {
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        _commit(provider3, groupId + 2, RESULT_HASH, SALT3);
    }

    function _commit(address provider, uint256 leaseId, bytes32 resultHash, bytes32 salt) private {
        bytes32 c = market.resultCommitment(leaseId, resultHash, RESULT_CID, salt, provider);
        vm.prank(provider);
        market.commitResult(leaseId, c);
    }
}
