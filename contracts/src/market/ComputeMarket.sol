// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IProviderRegistry} from "../registry/IProviderRegistry.sol";
import {IStaking} from "../staking/IStaking.sol";
import {ComputeMarketLib} from "./ComputeMarketLib.sol";
import {IComputeMarket} from "./IComputeMarket.sol";

/// @title ComputeMarket
/// @notice Orders, reverse-auction bids, escrowed leases (service: paid by time; batch: priced per
///         job), batch results with a dispute window, replica groups with commit-reveal, stake
///         locked behind open leases, and slashing for missed deadlines.
/// @dev Money held by this contract, per token, is always: open escrow + batch job prices held +
///      deposits of open bids and of leases not yet ended + earnings (pay and returned deposits)
///      + unswept fees (the invariant suite checks it).
contract ComputeMarket is IComputeMarket, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint16 internal constant BPS = 10_000;
    /// @notice Most placement attributes an order may require.
    uint256 public constant MAX_PLACEMENT_ATTRIBUTES = 16;
    /// @notice Most auditors (allOf + anyOf) an order may name.
    uint256 public constant MAX_PLACEMENT_AUDITORS = 8;
    /// @notice Staking role whose stake is slashed on a missed deadline.
    bytes32 public constant PROVIDER_ROLE = keccak256("PROVIDER");
    bytes32 public constant RECEIPT_TYPEHASH =
        keccak256("Receipt(uint256 leaseId,bytes32 resultHash,string resultCid)");
    /// @notice Most orders in one replica group.
    uint256 public constant MAX_REPLICAS = 8;
    /// @notice Share of a bid deposit a canceled bid forfeits to the order's escrow (5%).
    uint256 public constant CANCEL_FORFEIT_BPS = 500;
    /// @notice An order's bid list (every bid ever placed) holds at most `maxBids x` this.
    uint256 public constant BID_LIST_FACTOR = 2;

    IProtocolParams public immutable params;
    IProviderRegistry public immutable registry;
    IStaking public immutable staking;

    uint256 private _orderCount;
    mapping(uint256 orderId => Order) private _orders;
    mapping(uint256 orderId => Bid[]) private _bids;
    mapping(uint256 orderId => mapping(address provider => bool)) private _hasBid;
    mapping(uint256 leaseId => Lease) private _leases;
    mapping(address provider => mapping(address token => uint256)) private _earnings;
    mapping(address token => uint256) private _fees;
    mapping(uint256 groupId => Group) private _groups;
    mapping(uint256 groupId => mapping(address provider => bool)) private _groupMember;

    constructor(IProtocolParams params_, IProviderRegistry registry_, IStaking staking_)
        EIP712("NoosphereComputeMarket", "1")
    {
        params = params_;
        registry = registry_;
        staking = staking_;
    }

    // ---------------------------------------------------------------- orders

    /// @inheritdoc IComputeMarket
    function createOrder(OrderParams calldata p) external nonReentrant returns (uint256 orderId) {
        _validateOrder(p);
        orderId = _openOrder(p, 0);
        IERC20(p.token).safeTransferFrom(msg.sender, address(this), p.deposit);
    }

    /// @inheritdoc IComputeMarket
    function createOrderGroup(OrderParams calldata p, uint256 replicas)
        external
        nonReentrant
        returns (uint256 groupId)
    {
        if (replicas < 2 || replicas > MAX_REPLICAS) {
            revert MarketInvalidReplicas(replicas, 2, MAX_REPLICAS);
        }
        if (p.jobTimeout == 0) revert MarketInvalidJobTimeout(0, params.maxJobTimeout());
        _validateOrder(p);
        groupId = _orderCount + 1;
        _groups[groupId] = Group(msg.sender, uint16(replicas), 0, 0);
        for (uint256 i; i < replicas; ++i) {
            _openOrder(p, groupId);
        }
        emit OrderGroupCreated(groupId, msg.sender, groupId, replicas);
        IERC20(p.token).safeTransferFrom(msg.sender, address(this), p.deposit * replicas);
    }

    function _openOrder(OrderParams calldata p, uint256 groupId) private returns (uint256 orderId) {
        orderId = ++_orderCount;
        ComputeMarketLib.writeOrder(_orders[orderId], orderId, p, groupId);
    }

    /// @inheritdoc IComputeMarket
    function deposit(uint256 orderId, uint256 amount) external nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        Order storage order = _existingOrder(orderId);
        if (order.state == OrderState.Leased) {
            Lease storage lease = _leases[orderId];
            // Settle first: a lease whose escrow already ran out is not revived (as in Akash).
            _accrue(orderId, lease, order);
            if (lease.state != LeaseState.Active) revert MarketLeaseNotActive(orderId, lease.state);
        } else if (order.state != OrderState.Open) {
            revert MarketOrderNotOpen(orderId, order.state);
        }
        order.escrow += amount;
        emit EscrowDeposited(orderId, msg.sender, amount);
        IERC20(order.token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IComputeMarket
    function cancelOrder(uint256 orderId) external nonReentrant {
        Order storage order = _existingOrder(orderId);
        if (msg.sender != order.tenant) revert MarketNotTenant(orderId, msg.sender);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        order.state = OrderState.Closed;
        uint256 refund = order.escrow;
        order.escrow = 0;
        emit OrderCanceled(orderId, msg.sender, refund);
        _closeOpenBids(orderId, order.token, type(uint256).max, BidState.Canceled);
        if (order.group != 0) _groupSettled(order.group);
        IERC20(order.token).safeTransfer(msg.sender, refund);
    }

    // ---------------------------------------------------------------- bids

    /// @inheritdoc IComputeMarket
    function createBid(uint256 orderId, uint256 pricePerSecond, uint256 bidDeposit)
        external
        nonReentrant
        returns (uint256 bidIndex)
    {
        Order storage order = _existingOrder(orderId);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        if (block.timestamp >= order.bidDeadline) revert MarketBidWindowClosed(orderId, order.bidDeadline);
        if (pricePerSecond == 0) revert MarketZeroPrice();
        if (pricePerSecond > order.maxPricePerSecond) {
            revert MarketBidAbovePrice(orderId, pricePerSecond, order.maxPricePerSecond);
        }
        uint256 minDeposit = params.paymentToken(order.token).minBidDeposit;
        if (bidDeposit < minDeposit) revert MarketBidDepositTooLow(bidDeposit, minDeposit);
        if (order.bidCount >= order.maxBids) revert MarketTooManyBids(orderId, order.maxBids);
        uint256 listLimit = uint256(order.maxBids) * BID_LIST_FACTOR;
        if (_bids[orderId].length >= listLimit) revert MarketBidListFull(orderId, listLimit);
        if (_hasBid[orderId][msg.sender]) revert MarketDuplicateBid(orderId, msg.sender);
        if (!registry.isEligible(msg.sender)) revert MarketProviderNotEligible(msg.sender);
        if (!registry.matchesPlacement(msg.sender, order.placement)) {
            revert MarketPlacementMismatch(orderId, msg.sender);
        }
        _checkUnlockedStake(msg.sender);

        _hasBid[orderId][msg.sender] = true;
        ++order.bidCount;
        bidIndex = _bids[orderId].length;
        _bids[orderId].push(Bid(msg.sender, BidState.Open, uint64(block.timestamp), pricePerSecond, bidDeposit));
        emit BidCreated(orderId, msg.sender, bidIndex, pricePerSecond, bidDeposit);
        IERC20(order.token).safeTransferFrom(msg.sender, address(this), bidDeposit);
    }

    /// @inheritdoc IComputeMarket
    function cancelBid(uint256 orderId, uint256 bidIndex) external nonReentrant {
        Order storage order = _existingOrder(orderId);
        Bid storage bid = _existingBid(orderId, bidIndex);
        if (msg.sender != bid.provider) revert MarketNotBidder(orderId, bidIndex, msg.sender);
        if (bid.state != BidState.Open) revert MarketBidNotOpen(orderId, bidIndex, bid.state);
        bid.state = BidState.Canceled;
        --order.bidCount; // the slot is free again; _hasBid stays set: no second bid on this order
        uint256 forfeit = (bid.deposit * CANCEL_FORFEIT_BPS) / BPS;
        order.escrow += forfeit;
        emit BidClosed(orderId, msg.sender, bidIndex, BidState.Canceled);
        _earnings[msg.sender][order.token] += bid.deposit - forfeit;
    }

    /// @inheritdoc IComputeMarket
    function acceptBid(uint256 orderId, uint256 bidIndex) external nonReentrant returns (uint256) {
        Order storage order = _existingOrder(orderId);
        if (msg.sender != order.tenant) revert MarketNotTenant(orderId, msg.sender);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        Bid storage bid = _existingBid(orderId, bidIndex);
        if (bid.state != BidState.Open) revert MarketBidNotOpen(orderId, bidIndex, bid.state);
        if (order.group != 0 && _groupMember[order.group][bid.provider]) {
            revert MarketProviderInGroup(order.group, bid.provider);
        }
        _startLease(orderId, order, bidIndex);
        return orderId;
    }

    /// @inheritdoc IComputeMarket
    function closeAuction(uint256 orderId) external nonReentrant returns (uint256) {
        Order storage order = _existingOrder(orderId);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        if (block.timestamp < order.bidDeadline) revert MarketBidWindowOpen(orderId, order.bidDeadline);
        Bid[] storage bids = _bids[orderId];
        uint256 best = type(uint256).max;
        uint256 bestPrice = type(uint256).max;
        uint256 group = order.group;
        uint256 minStake = params.minProviderStake();
        // At most maxBids x BID_LIST_FACTOR <= 200 entries; staking is read only for a bid that
        // would become the best one.
        for (uint256 i; i < bids.length; ++i) {
            Bid storage bid = bids[i];
            if (bid.state != BidState.Open || bid.pricePerSecond >= bestPrice) continue;
            if (group != 0 && _groupMember[group][bid.provider]) continue;
            if (_unlockedStake(bid.provider) < minStake) continue;
            best = i;
            bestPrice = bid.pricePerSecond;
        }
        if (best == type(uint256).max) {
            if (group == 0) revert MarketNoBids(orderId);
            // A replica with no eligible bid closes, so that its group can reach the reveal phase.
            order.state = OrderState.Closed;
            uint256 refund = order.escrow;
            order.escrow = 0;
            emit OrderCanceled(orderId, order.tenant, refund);
            _closeOpenBids(orderId, order.token, type(uint256).max, BidState.Lost);
            _groupSettled(group);
            if (refund > 0) IERC20(order.token).safeTransfer(order.tenant, refund);
            return 0;
        }
        _startLease(orderId, order, best);
        return orderId;
    }

    // ---------------------------------------------------------------- leases

    /// @inheritdoc IComputeMarket
    function settle(uint256 leaseId) external nonReentrant returns (uint256 accrued) {
        Lease storage lease = _activeLease(leaseId);
        accrued = _accrue(leaseId, lease, _orders[leaseId]);
    }

    /// @inheritdoc IComputeMarket
    function closeLease(uint256 leaseId) external nonReentrant {
        Lease storage lease = _activeLease(leaseId);
        Order storage order = _orders[leaseId];
        bool byTenant = msg.sender == lease.tenant;
        if (!byTenant && msg.sender != lease.provider) revert MarketNotLeaseParty(leaseId, msg.sender);
        // Past its deadline a batch job is a missed deadline (expireLease), not a provider walking away
        // with its bid deposit.
        if (!byTenant && lease.deadline != 0 && block.timestamp > lease.deadline) {
            revert MarketDeadlinePassed(leaseId, lease.deadline);
        }
        _accrue(leaseId, lease, order);
        if (lease.state != LeaseState.Active) return; // the escrow ran out while settling: already closed
        uint256 forfeit;
        uint256 stakeSlash;
        if (lease.deadline != 0) {
            uint256 held = lease.held;
            lease.held = 0;
            uint256 end = Math.min(block.timestamp, lease.deadline);
            uint256 elapsed = end - lease.startedAt;
            if (byTenant) {
                // The tenant pays for the time worked (<= held: elapsed <= jobTimeout).
                uint256 worked = lease.pricePerSecond * elapsed;
                order.escrow += held - worked;
                _release(leaseId, lease, order.token, worked);
            } else {
                // A provider that gives up earns nothing and pays a share growing with the time held:
                // that share of its bid deposit to the tenant, of its locked stake to the treasury.
                uint256 timeout = order.jobTimeout;
                forfeit = (_bids[leaseId][lease.bidIndex].deposit * elapsed) / timeout;
                stakeSlash = (lease.stakeLocked * elapsed) / timeout;
                order.escrow += held + forfeit;
            }
        }
        _finish(
            leaseId,
            lease,
            order,
            LeaseState.Closed,
            byTenant ? CloseReason.TenantClosed : CloseReason.ProviderClosed,
            forfeit,
            stakeSlash,
            address(0)
        );
    }

    /// @inheritdoc IComputeMarket
    function submitResult(uint256 leaseId, string calldata resultCid, bytes32 resultHash, bytes calldata receipt)
        external
        nonReentrant
    {
        Lease storage lease = _activeLease(leaseId);
        if (lease.deadline == 0) revert MarketNotBatchJob(leaseId);
        if (_orders[leaseId].group != 0) revert MarketCommitRevealRequired(leaseId);
        if (block.timestamp > lease.deadline) revert MarketDeadlinePassed(leaseId, lease.deadline);
        _recordResult(leaseId, lease, resultCid, resultHash, receipt);
    }

    /// @inheritdoc IComputeMarket
    function commitResult(uint256 leaseId, bytes32 commitment) external nonReentrant {
        Lease storage lease = _activeLease(leaseId);
        uint256 group = _orders[leaseId].group;
        if (group == 0) revert MarketNotGrouped(leaseId);
        if (msg.sender != lease.provider) revert MarketNotProvider(leaseId, msg.sender);
        if (block.timestamp > lease.deadline) revert MarketDeadlinePassed(leaseId, lease.deadline);
        if (commitment == bytes32(0)) revert MarketInvalidResult();
        lease.commitment = commitment;
        lease.state = LeaseState.Committed;
        emit ResultCommitted(leaseId, msg.sender, commitment);
        _groupSettled(group);
    }

    /// @inheritdoc IComputeMarket
    function revealResult(
        uint256 leaseId,
        string calldata resultCid,
        bytes32 resultHash,
        bytes32 salt,
        bytes calldata receipt
    ) external nonReentrant {
        Lease storage lease = _existingLease(leaseId);
        if (lease.state != LeaseState.Committed) revert MarketNotCommitted(leaseId, lease.state);
        uint256 group = _orders[leaseId].group;
        uint64 revealEndsAt = _groups[group].revealEndsAt;
        if (revealEndsAt == 0) revert MarketRevealNotOpen(group);
        if (block.timestamp > revealEndsAt) revert MarketRevealWindowClosed(leaseId, revealEndsAt);
        if (_commitment(leaseId, resultHash, resultCid, salt, lease.provider) != lease.commitment) {
            revert MarketCommitmentMismatch(leaseId);
        }
        _recordResult(leaseId, lease, resultCid, resultHash, receipt);
    }

    /// @dev Checks the submitter (the provider, or anyone with its receipt) and records the result.
    function _recordResult(
        uint256 leaseId,
        Lease storage lease,
        string calldata resultCid,
        bytes32 resultHash,
        bytes calldata receipt
    ) private {
        if (resultHash == bytes32(0) || bytes(resultCid).length == 0) revert MarketInvalidResult();
        if (msg.sender != lease.provider) {
            if (receipt.length == 0) revert MarketNotProvider(leaseId, msg.sender);
            ComputeMarketLib.checkReceipt(
                leaseId, lease.provider, _receiptDigest(leaseId, resultHash, resultCid), receipt
            );
        }
        lease.state = LeaseState.ResultSubmitted;
        lease.resultCid = resultCid;
        lease.resultHash = resultHash;
        lease.disputeEndsAt = (block.timestamp + params.disputeWindow()).toUint64();
        emit ResultSubmitted(leaseId, lease.provider, resultCid, resultHash, lease.disputeEndsAt);
    }

    /// @inheritdoc IComputeMarket
    function acceptResult(uint256 leaseId) external nonReentrant {
        Lease storage lease = _existingLease(leaseId);
        if (lease.state != LeaseState.ResultSubmitted) revert MarketNoResult(leaseId, lease.state);
        if (msg.sender != lease.tenant && block.timestamp < lease.disputeEndsAt) {
            revert MarketDisputeWindowOpen(leaseId, lease.disputeEndsAt);
        }
        _complete(leaseId, lease, CloseReason.ResultAccepted);
    }

    /// @inheritdoc IComputeMarket
    function disputeResult(uint256 leaseId) external nonReentrant {
        Lease storage lease = _existingLease(leaseId);
        if (msg.sender != lease.tenant && msg.sender != params.arbiter()) revert MarketNotTenant(leaseId, msg.sender);
        if (lease.state != LeaseState.ResultSubmitted) revert MarketNoResult(leaseId, lease.state);
        if (block.timestamp >= lease.disputeEndsAt) revert MarketDisputeWindowClosed(leaseId, lease.disputeEndsAt);
        lease.state = LeaseState.Disputed;
        emit ResultDisputed(leaseId, msg.sender);
    }

    /// @inheritdoc IComputeMarket
    function resolveDispute(uint256 leaseId, bool providerWins) external nonReentrant {
        if (msg.sender != params.arbiter()) revert MarketNotArbiter(msg.sender);
        Lease storage lease = _existingLease(leaseId);
        if (lease.state != LeaseState.Disputed) revert MarketNotDisputed(leaseId, lease.state);
        if (providerWins) {
            _complete(leaseId, lease, CloseReason.DisputeWon);
        } else {
            _fail(leaseId, lease, CloseReason.DisputeLost, lease.tenant);
        }
    }

    /// @inheritdoc IComputeMarket
    function expireLease(uint256 leaseId) external nonReentrant {
        Lease storage lease = _leases[leaseId];
        if (lease.state == LeaseState.Committed) {
            uint64 revealEndsAt = _groups[_orders[leaseId].group].revealEndsAt;
            if (revealEndsAt == 0 || block.timestamp <= revealEndsAt) {
                revert MarketRevealWindowOpen(leaseId, revealEndsAt);
            }
            _fail(leaseId, lease, CloseReason.RevealMissed, msg.sender);
            return;
        }
        if (lease.state != LeaseState.Active) revert MarketLeaseNotActive(leaseId, lease.state);
        if (lease.deadline == 0) revert MarketNotBatchJob(leaseId);
        if (block.timestamp <= lease.deadline) revert MarketDeadlineNotPassed(leaseId, lease.deadline);
        _fail(leaseId, lease, CloseReason.DeadlineMissed, msg.sender);
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IComputeMarket
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _earnings[msg.sender][token];
        if (amount == 0) revert MarketNothingToWithdraw(msg.sender, token);
        _earnings[msg.sender][token] = 0;
        emit EarningsWithdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IComputeMarket
    function sweepFees(address token) external nonReentrant returns (uint256 amount) {
        amount = _fees[token];
        if (amount == 0) revert MarketNothingToWithdraw(address(this), token);
        _fees[token] = 0;
        address treasury = params.treasury();
        emit FeesSwept(token, treasury, amount);
        IERC20(token).safeTransfer(treasury, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IComputeMarket
    function orderCount() external view returns (uint256) {
        return _orderCount;
    }

    /// @inheritdoc IComputeMarket
    function getOrder(uint256 orderId) external view returns (Order memory) {
        return _existingOrder(orderId);
    }

    /// @inheritdoc IComputeMarket
    function getBids(uint256 orderId) external view returns (Bid[] memory) {
        _existingOrder(orderId);
        return _bids[orderId];
    }

    /// @inheritdoc IComputeMarket
    function getBid(uint256 orderId, uint256 bidIndex) external view returns (Bid memory) {
        if (bidIndex >= _bids[orderId].length) revert MarketUnknownBid(orderId, bidIndex);
        return _bids[orderId][bidIndex];
    }

    /// @inheritdoc IComputeMarket
    function getLease(uint256 leaseId) external view returns (Lease memory) {
        Lease storage lease = _leases[leaseId];
        if (lease.state == LeaseState.None) revert MarketLeaseNotActive(leaseId, LeaseState.None);
        return lease;
    }

    /// @inheritdoc IComputeMarket
    function getGroup(uint256 groupId) external view returns (Group memory) {
        return _groups[groupId];
    }

    /// @inheritdoc IComputeMarket
    function pendingSettlement(uint256 leaseId) external view returns (uint256 accrued, uint256 escrowLeft) {
        Lease storage lease = _leases[leaseId];
        escrowLeft = _orders[leaseId].escrow;
        if (lease.state != LeaseState.Active) return (0, escrowLeft);
        (accrued,,,) = _due(lease, escrowLeft);
        escrowLeft -= accrued;
    }

    /// @inheritdoc IComputeMarket
    function earnings(address provider, address token) external view returns (uint256) {
        return _earnings[provider][token];
    }

    /// @inheritdoc IComputeMarket
    function accruedFees(address token) external view returns (uint256) {
        return _fees[token];
    }

    /// @inheritdoc IComputeMarket
    function resultCommitment(
        uint256 leaseId,
        bytes32 resultHash,
        string calldata resultCid,
        bytes32 salt,
        address provider
    ) external pure returns (bytes32) {
        return _commitment(leaseId, resultHash, resultCid, salt, provider);
    }

    /// @inheritdoc IComputeMarket
    function receiptDigest(uint256 leaseId, bytes32 resultHash, string calldata resultCid)
        external
        view
        returns (bytes32)
    {
        return _receiptDigest(leaseId, resultHash, resultCid);
    }

    // ---------------------------------------------------------------- internals

    function _validateOrder(OrderParams calldata p) private view {
        ComputeMarketLib.validateOrder(p, params);
    }

    function _startLease(uint256 orderId, Order storage order, uint256 bidIndex) private {
        Bid storage bid = _bids[orderId][bidIndex];
        address provider = bid.provider;
        // Lock the stake a missed deadline would slash: it stays until the lease ends.
        uint256 free = _checkUnlockedStake(provider);
        uint256 toLock = (free * params.missedDeadlineSlashBps()) / BPS;
        if (toLock != 0) staking.lock(provider, PROVIDER_ROLE, toLock);
        if (order.group != 0) _groupMember[order.group][provider] = true;
        bid.state = BidState.Won;
        order.state = OrderState.Leased;
        Lease storage lease = _leases[orderId];
        lease.tenant = order.tenant;
        lease.state = LeaseState.Active;
        lease.takeRateBps = params.takeRateBps(); // fixed for the lease's life
        lease.provider = bid.provider;
        lease.bidIndex = bidIndex.toUint32();
        lease.startedAt = uint64(block.timestamp);
        lease.settledAt = uint64(block.timestamp);
        lease.pricePerSecond = bid.pricePerSecond;
        lease.stakeLocked = toLock;
        if (order.jobTimeout != 0) lease.deadline = (block.timestamp + order.jobTimeout).toUint64();
        emit LeaseCreated(orderId, order.tenant, provider, bidIndex, bid.pricePerSecond, lease.deadline);
        if (order.jobTimeout != 0) {
            // The job's price is fixed now and held; the escrow covers it (checked at order time).
            uint256 jobPrice = bid.pricePerSecond * order.jobTimeout;
            order.escrow -= jobPrice;
            lease.held = jobPrice;
            emit LeaseSettled(orderId, provider, jobPrice, order.escrow);
        }
        _closeOpenBids(orderId, order.token, bidIndex, BidState.Lost);
    }

    /// @dev Credits back every open bid but `except` (at most maxBids x BID_LIST_FACTOR <= 200
    ///      entries): no transfer in the loop, so no bidder can block it.
    function _closeOpenBids(uint256 orderId, address token, uint256 except, BidState newState) private {
        Bid[] storage bids = _bids[orderId];
        for (uint256 i; i < bids.length; ++i) {
            Bid storage bid = bids[i];
            if (i == except || bid.state != BidState.Open) continue;
            bid.state = newState;
            emit BidClosed(orderId, bid.provider, i, newState);
            _earnings[bid.provider][token] += bid.deposit;
        }
    }

    /// @dev One more order of `groupId` committed or ended; the last one opens the reveal window.
    function _groupSettled(uint256 groupId) private {
        Group storage g = _groups[groupId];
        if (++g.settled == g.size) {
            g.revealEndsAt = (block.timestamp + params.disputeWindow()).toUint64();
            emit GroupRevealOpened(groupId, g.revealEndsAt);
        }
    }

    function _unlockedStake(address provider) private view returns (uint256) {
        return staking.stakeOf(provider, PROVIDER_ROLE) - staking.lockedOf(provider, PROVIDER_ROLE);
    }

    /// @dev Reverts unless `provider` has `minProviderStake` unlocked; returns its unlocked stake.
    function _checkUnlockedStake(address provider) private view returns (uint256 free) {
        free = _unlockedStake(provider);
        uint256 minStake = params.minProviderStake();
        if (free < minStake) revert MarketInsufficientUnlockedStake(provider, free, minStake);
    }

    /// @dev What a service lease owes from `settledAt` to now, capped by `escrow` (0 for a batch
    ///      job). A service lease whose escrow is used up is `exhausted` at `exhaustedAt`.
    function _due(Lease storage lease, uint256 escrow)
        private
        view
        returns (uint256 due, uint64 end, bool exhausted, uint64 exhaustedAt)
    {
        end = uint64(block.timestamp);
        // A batch job does not accrue by time: its price was held when it started.
        if (lease.deadline != 0 || end <= lease.settledAt) return (0, lease.settledAt, false, 0);
        uint256 elapsed = end - lease.settledAt;
        uint256 affordable = escrow / lease.pricePerSecond; // whole seconds the escrow still pays
        if (elapsed <= affordable) {
            due = lease.pricePerSecond * elapsed; // <= escrow: cannot overflow
            exhausted = due == escrow;
            return (due, end, exhausted, end);
        }
        // The escrow ran out `affordable` seconds in; its last fraction of a second is paid too.
        // casting to 'uint64' is safe because affordable < elapsed <= end - settledAt
        // forge-lint: disable-next-line(unsafe-typecast)
        return (escrow, end, true, lease.settledAt + uint64(affordable));
    }

    /// @dev The one place where a service lease accrues: it pays the provider at once. A batch job
    ///      accrues nothing (its price is held from the start and paid on acceptance).
    function _accrue(uint256 leaseId, Lease storage lease, Order storage order) private returns (uint256 due) {
        if (lease.state != LeaseState.Active || lease.deadline != 0) return 0;
        (uint256 owed, uint64 end, bool exhausted, uint64 exhaustedAt) = _due(lease, order.escrow);
        due = owed;
        lease.settledAt = exhausted ? exhaustedAt : end;
        if (due > 0) {
            order.escrow -= due;
            emit LeaseSettled(leaseId, lease.provider, due, order.escrow);
        }
        _release(leaseId, lease, order.token, due);
        if (exhausted) {
            _finish(
                leaseId, lease, order, LeaseState.InsufficientFunds, CloseReason.InsufficientFunds, 0, 0, address(0)
            );
        }
    }

    /// @dev Credits `amount` to the provider, less the lease's take rate.
    function _release(uint256 leaseId, Lease storage lease, address token, uint256 amount) private {
        if (amount == 0) return;
        uint256 fee = (amount * lease.takeRateBps) / BPS;
        lease.paid += amount;
        _earnings[lease.provider][token] += amount - fee;
        _fees[token] += fee;
        emit PaymentReleased(leaseId, lease.provider, amount - fee, fee);
    }

    function _complete(uint256 leaseId, Lease storage lease, CloseReason reason) private {
        Order storage order = _orders[leaseId];
        uint256 held = lease.held;
        lease.held = 0;
        _release(leaseId, lease, order.token, held);
        _finish(leaseId, lease, order, LeaseState.Completed, reason, 0, 0, address(0));
    }

    /// @dev A failed batch job: the tenant gets everything back; the provider loses its bid
    ///      deposit (to the protocol) and its locked stake (reporter reward to `reporter`).
    function _fail(uint256 leaseId, Lease storage lease, CloseReason reason, address reporter) private {
        Order storage order = _orders[leaseId];
        order.escrow += lease.held;
        lease.held = 0;
        uint256 bidDeposit = _bids[leaseId][lease.bidIndex].deposit;
        _fees[order.token] += bidDeposit;
        _finish(leaseId, lease, order, LeaseState.Failed, reason, bidDeposit, lease.stakeLocked, reporter);
    }

    /// @dev The one terminal transition of a lease: unlocks the provider's stake and slashes
    ///      `stakeSlash` of it, credits the winning bid's deposit less `forfeit` (whose destination
    ///      the caller booked) to the provider, and refunds the escrow left to the tenant.
    function _finish(
        uint256 leaseId,
        Lease storage lease,
        Order storage order,
        LeaseState state,
        CloseReason reason,
        uint256 forfeit,
        uint256 stakeSlash,
        address reporter
    ) private {
        // A grouped lease ending before it committed counts as settled for the reveal phase.
        if (order.group != 0 && lease.state == LeaseState.Active) _groupSettled(order.group);
        lease.state = state;
        lease.closedAt = uint64(block.timestamp);
        order.state = OrderState.Closed;
        uint256 refund = order.escrow;
        order.escrow = 0;
        address provider = lease.provider;
        uint256 slashed = _releaseStake(provider, lease.stakeLocked, stakeSlash, reporter);
        if (state == LeaseState.Failed || forfeit != 0 || slashed != 0) {
            emit ProviderSlashed(leaseId, provider, forfeit, slashed);
        }
        emit LeaseClosed(leaseId, provider, state, reason, refund);
        _earnings[provider][order.token] += _bids[leaseId][lease.bidIndex].deposit - forfeit;
        if (refund > 0) IERC20(order.token).safeTransfer(lease.tenant, refund);
    }

    /// @dev Unlocks the lease's stake and slashes `amount` of it. Never blocks the tenant's refund:
    ///      a failing call (e.g. a revoked role) is skipped. The slashed provider is never its own
    ///      reporter: then the whole slash goes to the treasury.
    function _releaseStake(address provider, uint256 locked, uint256 amount, address reporter)
        private
        returns (uint256 slashed)
    {
        if (locked != 0) {
            try staking.unlock(provider, PROVIDER_ROLE, locked) {} catch {}
        }
        if (amount == 0) return 0;
        if (reporter == provider) reporter = address(0);
        try staking.slash(provider, PROVIDER_ROLE, amount, reporter) returns (uint256 s) {
            slashed = s;
        } catch {}
    }

    function _commitment(uint256 leaseId, bytes32 resultHash, string calldata resultCid, bytes32 salt, address provider)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(leaseId, resultHash, keccak256(bytes(resultCid)), salt, provider));
    }

    function _receiptDigest(uint256 leaseId, bytes32 resultHash, string calldata resultCid)
        private
        view
        returns (bytes32)
    {
        return
            _hashTypedDataV4(keccak256(abi.encode(RECEIPT_TYPEHASH, leaseId, resultHash, keccak256(bytes(resultCid)))));
    }

    function _existingOrder(uint256 orderId) private view returns (Order storage order) {
        order = _orders[orderId];
        if (order.state == OrderState.None) revert MarketUnknownOrder(orderId);
    }

    function _existingBid(uint256 orderId, uint256 bidIndex) private view returns (Bid storage) {
        if (bidIndex >= _bids[orderId].length) revert MarketUnknownBid(orderId, bidIndex);
        return _bids[orderId][bidIndex];
    }

    function _existingLease(uint256 leaseId) private view returns (Lease storage lease) {
        lease = _leases[leaseId];
        if (lease.state == LeaseState.None) revert MarketLeaseNotActive(leaseId, LeaseState.None);
    }

    function _activeLease(uint256 leaseId) private view returns (Lease storage lease) {
        lease = _leases[leaseId];
        if (lease.state != LeaseState.Active) revert MarketLeaseNotActive(leaseId, lease.state);
    }
}
