// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Replica groups (finding 2): concurrent replicas on distinct providers, results committed
///         before any is revealed.
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

    // ------------------------------------------------------------ finding 2

    /// @dev A replica cannot copy: results are committed (bound to lease, provider and salt) before
    ///      any is revealed, and no reveal is possible until every replica has committed or ended.
    function test_finding2_replicasCommitBeforeAnyReveal() public {
        _leaseAll();
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketCommitRevealRequired.selector, groupId));
        market.submitResult(groupId, RESULT_CID, RESULT_HASH, "");

        _commit(provider1, groupId, RESULT_HASH, SALT1);
        vm.prank(provider1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketRevealNotOpen.selector, groupId));
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");

        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
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

        IComputeMarket.Lease memory l = market.getLease(groupId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
        assertEq(l.resultHash, RESULT_HASH);
        // The tenant accepts; the replica is paid its job price, as an ungrouped batch job.
        vm.prank(tenant);
        market.acceptResult(groupId);
        assertEq(market.getLease(groupId).paid, PRICE * JOB_TIMEOUT);
    }

    /// @dev A provider may bid on several replicas but wins at most one lease of the group, by the
    ///      tenant's acceptBid or by anyone's closeAuction.
    function test_finding2_distinctProvidersPerGroup() public {
        _bid(provider1, groupId, PRICE);
        uint256 b1 = _bid(provider1, groupId + 1, PRICE / 2); // cheapest on the second replica
        uint256 b2 = _bid(provider2, groupId + 1, PRICE);
        _accept(groupId, 0);

        vm.prank(tenant);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketProviderInGroup.selector, groupId, provider1));
        market.acceptBid(groupId + 1, b1);

        skip(BID_WINDOW);
        market.closeAuction(groupId + 1); // skips provider1's cheaper bid
        IComputeMarket.Lease memory l = market.getLease(groupId + 1);
        assertEq(l.provider, provider2);
        assertEq(l.bidIndex, b2);
        assertEq(market.earnings(provider1, address(token)), BID_DEPOSIT, "its losing deposit is credited");
    }

    /// @dev A replica with no eligible bid is closed by closeAuction, so the group reaches the reveal.
    function test_finding2_closeAuctionClosesReplicaWithoutEligibleBid() public {
        _bid(provider1, groupId, PRICE);
        _bid(provider2, groupId + 1, PRICE);
        _bid(provider1, groupId + 2, PRICE); // provider1 will hold groupId
        _accept(groupId, 0);
        _accept(groupId + 1, 0);
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        skip(BID_WINDOW);
        uint256 tenantBefore = token.balanceOf(tenant);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.OrderCanceled(groupId + 2, tenant, DEPOSIT);
        assertEq(market.closeAuction(groupId + 2), 0);
        assertEq(token.balanceOf(tenant) - tenantBefore, DEPOSIT);
        assertEq(uint8(market.getOrder(groupId + 2).state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(market.getGroup(groupId).settled, 3);
        assertGt(market.getGroup(groupId).revealEndsAt, 0);
        vm.prank(provider1);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
    }

    /// @dev A lease that commits but does not reveal in time fails like a missed deadline.
    function test_finding2_unrevealedCommitFails() public {
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

        uint256 tenantBefore = token.balanceOf(tenant);
        uint256 locked = market.getLease(groupId + 1).stakeLocked;
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            groupId + 1, provider2, IComputeMarket.LeaseState.Failed, IComputeMarket.CloseReason.RevealMissed, DEPOSIT
        );
        vm.prank(keeper);
        market.expireLease(groupId + 1);
        assertEq(token.balanceOf(tenant) - tenantBefore, DEPOSIT, "refunded in full");
        assertEq(staking.stakeOf(provider2, PROVIDER_ROLE), PROVIDER_STAKE - locked, "locked stake slashed");
        assertEq(staking.lockedOf(provider2, PROVIDER_ROLE), 0);
    }

    /// @dev The reveal can be relayed by anyone holding the provider's receipt.
    function test_revealResult_byAnyoneWithReceipt() public {
        _leaseAll();
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        _commit(provider3, groupId + 2, RESULT_HASH, SALT3);
        bytes memory receipt = _signReceipt(provider1Key, groupId, RESULT_HASH, RESULT_CID);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotProvider.selector, groupId, keeper));
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, "");
        vm.prank(keeper);
        market.revealResult(groupId, RESULT_CID, RESULT_HASH, SALT1, receipt);
        assertEq(uint8(market.getLease(groupId).state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
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
        assertEq(token.balanceOf(address(market)) - marketBefore, 4 * DEPOSIT);
        for (uint256 i; i < 4; ++i) {
            IComputeMarket.Order memory o = market.getOrder(id + i);
            assertEq(o.group, id);
            assertEq(o.escrow, DEPOSIT);
            assertEq(o.tenant, tenant);
        }
        IComputeMarket.Group memory g = market.getGroup(id);
        assertEq(g.tenant, tenant);
        assertEq(g.size, 4);
        assertEq(g.settled, 0);
        assertEq(g.revealEndsAt, 0);
        assertEq(market.getOrder(_openBatchOrder()).group, 0, "an ungrouped order has group 0");
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

    /// @dev An uncommitted replica past its deadline expires as usual and counts as settled.
    function test_expireLease_uncommittedReplicaSettlesGroup() public {
        _leaseAll();
        _commit(provider1, groupId, RESULT_HASH, SALT1);
        _commit(provider2, groupId + 1, RESULT_HASH, SALT2);
        vm.warp(market.getLease(groupId + 2).deadline + 1);
        market.expireLease(groupId + 2);
        assertEq(market.getGroup(groupId).settled, 3);
        vm.prank(provider2);
        market.revealResult(groupId + 1, RESULT_CID, RESULT_HASH, SALT2, "");
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
            _accept(groupId + i, 0);
        }
    }

    function _commit(address provider, uint256 leaseId, bytes32 resultHash, bytes32 salt) private {
        bytes32 c = market.resultCommitment(leaseId, resultHash, RESULT_CID, salt, provider);
        vm.prank(provider);
        market.commitResult(leaseId, c);
    }
}
