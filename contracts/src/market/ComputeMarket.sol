// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
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

    /// @dev Marks a balance slot (earnings, fees) as used, so that crediting it after a withdrawal
    ///      updates a non-zero slot (5,000 gas) instead of creating one (22,100 gas).
    uint256 private constant USED = 1 << 255;

    IProtocolParams public immutable params;
    IProviderRegistry public immutable registry;
    IStaking public immutable staking;

    uint256 private _orderCount;
    mapping(uint256 orderId => ComputeMarketLib.OrderData) private _orders;
    mapping(uint256 orderId => bytes32) private _placementHashes;
    mapping(uint256 orderId => uint256) private _groupOf;
    mapping(uint256 orderId => mapping(address provider => ComputeMarketLib.BidData)) private _bidOf;
    mapping(uint256 orderId => mapping(uint256 index => ComputeMarketLib.Bidder)) private _bidders;
    mapping(uint256 leaseId => ComputeMarketLib.LeaseData) private _leases;
    /// @dev Gross paid to the provider: service leases, and a batch job closed by its tenant (a
    ///      completed batch job paid its job price).
    mapping(uint256 leaseId => uint256) private _paid;
    mapping(uint256 leaseId => bytes32) private _resultHashes;
    mapping(uint256 leaseId => bytes32) private _commitments;
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
        orderId = _openOrder(p);
        IERC20(p.token).safeTransferFrom(msg.sender, address(this), p.deposit);
    }

    /// @inheritdoc IComputeMarket
    function createOrderWithPermit(OrderParams calldata p, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256 orderId)
    {
        orderId = _openOrder(p);
        ComputeMarketLib.pullWithPermit(p.token, p.deposit, deadline, v, r, s);
    }

    function _openOrder(OrderParams calldata p) private returns (uint256 orderId) {
        ComputeMarketLib.validateOrder(p, params);
        orderId = ++_orderCount;
        ComputeMarketLib.openOrders(_orders, _placementHashes, _groupOf, orderId, 1, p, 0);
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
        ComputeMarketLib.validateOrder(p, params);
        groupId = _orderCount + 1;
        _orderCount += replicas;
        _groups[groupId] = Group(msg.sender, uint16(replicas), 0, 0);
        ComputeMarketLib.openOrders(_orders, _placementHashes, _groupOf, groupId, replicas, p, groupId);
        emit OrderGroupCreated(groupId, msg.sender, groupId, replicas);
        IERC20(p.token).safeTransferFrom(msg.sender, address(this), p.deposit * replicas);
    }

    /// @inheritdoc IComputeMarket
    function deposit(uint256 orderId, uint256 amount) external nonReentrant {
        IERC20(_addEscrow(orderId, amount)).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IComputeMarket
    function depositWithPermit(uint256 orderId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        ComputeMarketLib.pullWithPermit(_addEscrow(orderId, amount), amount, deadline, v, r, s);
    }

    /// @dev Adds `amount` to the escrow of an open order or an active lease (settled first); returns
    ///      the order's token, for the caller to take `amount` of.
    function _addEscrow(uint256 orderId, uint256 amount) private returns (address) {
        if (amount == 0) revert MarketZeroAmount();
        ComputeMarketLib.OrderData storage order = _existingOrder(orderId);
        if (order.state == OrderState.Leased) {
            ComputeMarketLib.LeaseData storage lease = _leases[orderId];
            // Settle first: a lease whose escrow already ran out is not revived (as in Akash).
            _accrue(orderId, lease, order);
            if (lease.state != LeaseState.Active) revert MarketLeaseNotActive(orderId, lease.state);
        } else if (order.state != OrderState.Open) {
            revert MarketOrderNotOpen(orderId, order.state);
        }
        order.escrow = (order.escrow + amount).toUint128();
        emit EscrowDeposited(orderId, msg.sender, amount);
        return order.token;
    }

    /// @inheritdoc IComputeMarket
    function cancelOrder(uint256 orderId) external nonReentrant {
        ComputeMarketLib.OrderData storage order = _existingOrder(orderId);
        if (msg.sender != order.tenant) revert MarketNotTenant(orderId, msg.sender);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        _closeOrder(orderId, order, BidState.Canceled);
    }

    /// @dev Closes an open order without a lease: open bids are credited back (as `bidState`), the
    ///      group (if any) counts it as settled, the escrow goes back to the tenant.
    function _closeOrder(uint256 orderId, ComputeMarketLib.OrderData storage order, BidState bidState) private {
        order.state = OrderState.Closed;
        uint256 refund = order.escrow;
        order.escrow = 0;
        address tenant = order.tenant;
        emit OrderCanceled(orderId, tenant, refund);
        _closeOpenBids(orderId, order, type(uint256).max, bidState);
        if (order.grouped) _groupSettled(_groupOf[orderId]);
        if (refund > 0) IERC20(order.token).safeTransfer(tenant, refund);
    }

    // ---------------------------------------------------------------- bids

    /// @inheritdoc IComputeMarket
    function createBid(uint256 orderId, uint256 pricePerSecond, uint256 bidDeposit)
        external
        nonReentrant
        returns (uint256 bidIndex)
    {
        ComputeMarketLib.OrderData storage order = _checkBid(orderId, pricePerSecond, bidDeposit);
        bytes32 expected = _placementHashes[orderId];
        if (expected != 0) revert MarketWrongPlacement(orderId, expected, 0);
        bidIndex = _recordBid(orderId, order, pricePerSecond, bidDeposit);
    }

    /// @inheritdoc IComputeMarket
    function createBid(
        uint256 orderId,
        uint256 pricePerSecond,
        uint256 bidDeposit,
        IProviderRegistry.Placement calldata placement
    ) external nonReentrant returns (uint256 bidIndex) {
        ComputeMarketLib.OrderData storage order = _checkBid(orderId, pricePerSecond, bidDeposit);
        ComputeMarketLib.checkPlacement(registry, orderId, _placementHashes[orderId], placement);
        bidIndex = _recordBid(orderId, order, pricePerSecond, bidDeposit);
    }

    /// @dev Every createBid check but the placement's.
    function _checkBid(uint256 orderId, uint256 pricePerSecond, uint256 bidDeposit)
        private
        view
        returns (ComputeMarketLib.OrderData storage order)
    {
        order = _existingOrder(orderId);
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
        if (order.bidListLength >= listLimit) revert MarketBidListFull(orderId, listLimit);
        if (_bidOf[orderId][msg.sender].state != BidState.None) revert MarketDuplicateBid(orderId, msg.sender);
        if (!registry.isEligible(msg.sender)) revert MarketProviderNotEligible(msg.sender);
    }

    function _recordBid(
        uint256 orderId,
        ComputeMarketLib.OrderData storage order,
        uint256 pricePerSecond,
        uint256 bidDeposit
    ) private returns (uint256 bidIndex) {
        _checkUnlockedStake(msg.sender);
        bidIndex = order.bidListLength;
        ++order.bidCount;
        order.bidListLength = uint8(bidIndex + 1); // < maxBids x BID_LIST_FACTOR <= 200
        _bidOf[orderId][msg.sender] =
            ComputeMarketLib.BidData(pricePerSecond.toUint128(), bidDeposit.toUint96(), BidState.Open, uint8(bidIndex));
        _bidders[orderId][bidIndex] = ComputeMarketLib.Bidder(msg.sender, uint32(block.timestamp));
        emit BidCreated(orderId, msg.sender, bidIndex, pricePerSecond, bidDeposit);
        IERC20(order.token).safeTransferFrom(msg.sender, address(this), bidDeposit);
    }

    /// @inheritdoc IComputeMarket
    function cancelBid(uint256 orderId, uint256 bidIndex) external nonReentrant {
        ComputeMarketLib.OrderData storage order = _existingOrder(orderId);
        (address provider, ComputeMarketLib.BidData storage bid) = _existingBid(orderId, order, bidIndex);
        if (msg.sender != provider) revert MarketNotBidder(orderId, bidIndex, msg.sender);
        if (bid.state != BidState.Open) revert MarketBidNotOpen(orderId, bidIndex, bid.state);
        bid.state = BidState.Canceled;
        --order.bidCount; // the slot is free again; the bid stays: no second bid on this order
        uint256 forfeit = (uint256(bid.deposit) * CANCEL_FORFEIT_BPS) / BPS;
        order.escrow += uint128(forfeit); // forfeit <= deposit < 2^96
        emit BidClosed(orderId, msg.sender, bidIndex, BidState.Canceled);
        _credit(msg.sender, order.token, bid.deposit - forfeit);
    }

    /// @inheritdoc IComputeMarket
    function acceptBid(uint256 orderId, uint256 bidIndex) external nonReentrant returns (uint256) {
        ComputeMarketLib.OrderData storage order = _existingOrder(orderId);
        if (msg.sender != order.tenant) revert MarketNotTenant(orderId, msg.sender);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        (address provider, ComputeMarketLib.BidData storage bid) = _existingBid(orderId, order, bidIndex);
        if (bid.state != BidState.Open) revert MarketBidNotOpen(orderId, bidIndex, bid.state);
        if (order.grouped) {
            uint256 group = _groupOf[orderId];
            if (_groupMember[group][provider]) revert MarketProviderInGroup(group, provider);
        }
        _startLease(orderId, order, bidIndex, provider, bid);
        return orderId;
    }

    /// @inheritdoc IComputeMarket
    function closeAuction(uint256 orderId) external nonReentrant returns (uint256) {
        ComputeMarketLib.OrderData storage order = _existingOrder(orderId);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        if (block.timestamp < order.bidDeadline) revert MarketBidWindowOpen(orderId, order.bidDeadline);
        uint256 best = type(uint256).max;
        uint256 bestPrice = type(uint256).max;
        uint256 group = order.grouped ? _groupOf[orderId] : 0;
        uint256 minStake = params.minProviderStake();
        uint256 n = order.bidListLength;
        // At most maxBids x BID_LIST_FACTOR <= 200 entries; staking is read only for a bid that
        // would become the best one.
        for (uint256 i; i < n; ++i) {
            address provider = _bidders[orderId][i].provider;
            ComputeMarketLib.BidData storage bid = _bidOf[orderId][provider];
            if (bid.state != BidState.Open || bid.pricePerSecond >= bestPrice) continue;
            if (group != 0 && _groupMember[group][provider]) continue;
            if (_unlockedStake(provider) < minStake) continue;
            best = i;
            bestPrice = bid.pricePerSecond;
        }
        if (best == type(uint256).max) {
            if (group == 0) revert MarketNoBids(orderId);
            // A replica with no eligible bid closes, so that its group can reach the reveal phase.
            _closeOrder(orderId, order, BidState.Lost);
            return 0;
        }
        address winner = _bidders[orderId][best].provider;
        _startLease(orderId, order, best, winner, _bidOf[orderId][winner]);
        return orderId;
    }

    // ---------------------------------------------------------------- leases

    /// @inheritdoc IComputeMarket
    function settle(uint256 leaseId) external nonReentrant returns (uint256 accrued) {
        ComputeMarketLib.LeaseData storage lease = _activeLease(leaseId);
        accrued = _accrue(leaseId, lease, _orders[leaseId]);
    }

    /// @inheritdoc IComputeMarket
    function closeLease(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.LeaseData storage lease = _activeLease(leaseId);
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        (address provider, ComputeMarketLib.BidData storage bid) = _winner(leaseId, lease);
        bool byTenant = msg.sender == order.tenant;
        if (!byTenant && msg.sender != provider) revert MarketNotLeaseParty(leaseId, msg.sender);
        uint256 timeout = order.jobTimeout;
        uint256 deadline = timeout == 0 ? 0 : lease.startedAt + timeout;
        // Past its deadline a batch job is a missed deadline (expireLease), not a provider walking away
        // with its bid deposit.
        if (!byTenant && deadline != 0 && block.timestamp > deadline) {
            revert MarketDeadlinePassed(leaseId, uint64(deadline));
        }
        _accrue(leaseId, lease, order);
        if (lease.state != LeaseState.Active) return; // the escrow ran out while settling: already closed
        uint256 forfeit;
        uint256 stakeSlash;
        if (timeout != 0) {
            uint256 held = bid.pricePerSecond * timeout;
            uint256 elapsed = (block.timestamp < deadline ? block.timestamp : deadline) - lease.startedAt;
            if (byTenant) {
                // The tenant pays for the time worked (<= held: elapsed <= jobTimeout).
                uint256 worked = bid.pricePerSecond * elapsed;
                order.escrow += uint128(held - worked); // the escrow held `held` before the lease
                _paid[leaseId] = worked;
                _release(leaseId, lease, provider, order.token, worked);
            } else {
                // A provider that gives up earns nothing and pays a share growing with the time held:
                // that share of its bid deposit to the tenant, of its locked stake to the treasury.
                forfeit = (uint256(bid.deposit) * elapsed) / timeout;
                stakeSlash = (uint256(lease.stakeLocked) * elapsed) / timeout;
                order.escrow += (held + forfeit).toUint128();
            }
        }
        _finish(
            leaseId,
            lease,
            order,
            provider,
            bid.deposit,
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
        ComputeMarketLib.LeaseData storage lease = _activeLease(leaseId);
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        if (order.jobTimeout == 0) revert MarketNotBatchJob(leaseId);
        if (order.grouped) revert MarketCommitRevealRequired(leaseId);
        uint256 deadline = lease.startedAt + uint256(order.jobTimeout);
        if (block.timestamp > deadline) revert MarketDeadlinePassed(leaseId, uint64(deadline));
        _recordResult(leaseId, lease, resultCid, resultHash, receipt);
    }

    /// @inheritdoc IComputeMarket
    function commitResult(uint256 leaseId, bytes32 commitment) external nonReentrant {
        ComputeMarketLib.LeaseData storage lease = _activeLease(leaseId);
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        if (!order.grouped) revert MarketNotGrouped(leaseId);
        (address provider,) = _winner(leaseId, lease);
        if (msg.sender != provider) revert MarketNotProvider(leaseId, msg.sender);
        uint256 deadline = lease.startedAt + uint256(order.jobTimeout);
        if (block.timestamp > deadline) revert MarketDeadlinePassed(leaseId, uint64(deadline));
        if (commitment == bytes32(0)) revert MarketInvalidResult();
        _commitments[leaseId] = commitment;
        lease.state = LeaseState.Committed;
        emit ResultCommitted(leaseId, msg.sender, commitment);
        _groupSettled(_groupOf[leaseId]);
    }

    /// @inheritdoc IComputeMarket
    function revealResult(
        uint256 leaseId,
        string calldata resultCid,
        bytes32 resultHash,
        bytes32 salt,
        bytes calldata receipt
    ) external nonReentrant {
        ComputeMarketLib.LeaseData storage lease = _existingLease(leaseId);
        if (lease.state != LeaseState.Committed) revert MarketNotCommitted(leaseId, lease.state);
        uint256 group = _groupOf[leaseId];
        uint64 revealEndsAt = _groups[group].revealEndsAt;
        if (revealEndsAt == 0) revert MarketRevealNotOpen(group);
        if (block.timestamp > revealEndsAt) revert MarketRevealWindowClosed(leaseId, revealEndsAt);
        (address provider,) = _winner(leaseId, lease);
        if (_commitment(leaseId, resultHash, resultCid, salt, provider) != _commitments[leaseId]) {
            revert MarketCommitmentMismatch(leaseId);
        }
        _recordResult(leaseId, lease, resultCid, resultHash, receipt);
    }

    /// @dev Checks the submitter (the provider, or anyone with its receipt) and records the result.
    function _recordResult(
        uint256 leaseId,
        ComputeMarketLib.LeaseData storage lease,
        string calldata resultCid,
        bytes32 resultHash,
        bytes calldata receipt
    ) private {
        if (resultHash == bytes32(0) || bytes(resultCid).length == 0) {
            revert MarketInvalidResult();
        }
        (address provider,) = _winner(leaseId, lease);
        if (msg.sender != provider) {
            if (receipt.length == 0) revert MarketNotProvider(leaseId, msg.sender);
            ComputeMarketLib.checkReceipt(leaseId, provider, _receiptDigest(leaseId, resultHash, resultCid), receipt);
        }
        uint32 disputeEndsAt = (block.timestamp + params.disputeWindow()).toUint32();
        lease.state = LeaseState.ResultSubmitted;
        lease.mark = disputeEndsAt;
        lease.resultBlock = block.number.toUint32();
        _resultHashes[leaseId] = resultHash;
        emit ResultSubmitted(leaseId, provider, resultCid, resultHash, disputeEndsAt);
    }

    /// @inheritdoc IComputeMarket
    function acceptResult(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.LeaseData storage lease = _existingLease(leaseId);
        if (lease.state != LeaseState.ResultSubmitted) revert MarketNoResult(leaseId, lease.state);
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        if (msg.sender != order.tenant && block.timestamp < lease.mark) {
            revert MarketDisputeWindowOpen(leaseId, lease.mark);
        }
        _complete(leaseId, lease, order, CloseReason.ResultAccepted);
    }

    /// @inheritdoc IComputeMarket
    function disputeResult(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.LeaseData storage lease = _existingLease(leaseId);
        if (msg.sender != _orders[leaseId].tenant && msg.sender != params.arbiter()) {
            revert MarketNotTenant(leaseId, msg.sender);
        }
        if (lease.state != LeaseState.ResultSubmitted) revert MarketNoResult(leaseId, lease.state);
        if (block.timestamp >= lease.mark) revert MarketDisputeWindowClosed(leaseId, lease.mark);
        lease.state = LeaseState.Disputed;
        emit ResultDisputed(leaseId, msg.sender);
    }

    /// @inheritdoc IComputeMarket
    function resolveDispute(uint256 leaseId, bool providerWins) external nonReentrant {
        if (msg.sender != params.arbiter()) revert MarketNotArbiter(msg.sender);
        ComputeMarketLib.LeaseData storage lease = _existingLease(leaseId);
        if (lease.state != LeaseState.Disputed) revert MarketNotDisputed(leaseId, lease.state);
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        if (providerWins) {
            _complete(leaseId, lease, order, CloseReason.DisputeWon);
        } else {
            _fail(leaseId, lease, order, CloseReason.DisputeLost, order.tenant);
        }
    }

    /// @inheritdoc IComputeMarket
    function expireLease(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.LeaseData storage lease = _leases[leaseId];
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        if (lease.state == LeaseState.Committed) {
            uint64 revealEndsAt = _groups[_groupOf[leaseId]].revealEndsAt;
            if (revealEndsAt == 0 || block.timestamp <= revealEndsAt) {
                revert MarketRevealWindowOpen(leaseId, revealEndsAt);
            }
            _fail(leaseId, lease, order, CloseReason.RevealMissed, msg.sender);
            return;
        }
        if (lease.state != LeaseState.Active) revert MarketLeaseNotActive(leaseId, lease.state);
        if (order.jobTimeout == 0) revert MarketNotBatchJob(leaseId);
        uint256 deadline = lease.startedAt + uint256(order.jobTimeout);
        if (block.timestamp <= deadline) revert MarketDeadlineNotPassed(leaseId, uint64(deadline));
        _fail(leaseId, lease, order, CloseReason.DeadlineMissed, msg.sender);
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IComputeMarket
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _earnings[msg.sender][token] & ~USED;
        if (amount == 0) revert MarketNothingToWithdraw(msg.sender, token);
        _earnings[msg.sender][token] = USED;
        emit EarningsWithdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IComputeMarket
    function sweepFees(address token) external nonReentrant returns (uint256 amount) {
        amount = _fees[token] & ~USED;
        if (amount == 0) revert MarketNothingToWithdraw(address(this), token);
        _fees[token] = USED;
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
        ComputeMarketLib.OrderData storage o = _existingOrder(orderId);
        bytes memory out = ComputeMarketLib.orderView(o, _placementHashes[orderId], o.grouped ? _groupOf[orderId] : 0);
        // `out` is the ABI encoding of the answer (built by ComputeMarketLib, for code room).
        assembly ("memory-safe") {
            return(add(out, 32), mload(out))
        }
    }

    /// @inheritdoc IComputeMarket
    function getBids(uint256 orderId) external view returns (Bid[] memory) {
        uint256 n = _existingOrder(orderId).bidListLength;
        bytes memory out = ComputeMarketLib.bidsView(_bidders[orderId], _bidOf[orderId], 0, n, true);
        // `out` is the ABI encoding of the answer (built by ComputeMarketLib, for code room).
        assembly ("memory-safe") {
            return(add(out, 32), mload(out))
        }
    }

    /// @inheritdoc IComputeMarket
    function getBid(uint256 orderId, uint256 bidIndex) external view returns (Bid memory) {
        if (bidIndex >= _orders[orderId].bidListLength) revert MarketUnknownBid(orderId, bidIndex);
        bytes memory out = ComputeMarketLib.bidsView(_bidders[orderId], _bidOf[orderId], bidIndex, 1, false);
        // `out` is the ABI encoding of the answer (built by ComputeMarketLib, for code room).
        assembly ("memory-safe") {
            return(add(out, 32), mload(out))
        }
    }

    /// @inheritdoc IComputeMarket
    function getLease(uint256 leaseId) external view returns (Lease memory) {
        ComputeMarketLib.LeaseData storage lease = _existingLease(leaseId);
        (address provider, ComputeMarketLib.BidData storage bid) = _winner(leaseId, lease);
        bytes memory out = ComputeMarketLib.leaseView(
            lease, _orders[leaseId], bid, provider, _paid[leaseId], _resultHashes[leaseId], _commitments[leaseId]
        );
        // `out` is the ABI encoding of the answer (built by ComputeMarketLib, for code room).
        assembly ("memory-safe") {
            return(add(out, 32), mload(out))
        }
    }

    /// @inheritdoc IComputeMarket
    function getGroup(uint256 groupId) external view returns (Group memory) {
        return _groups[groupId];
    }

    /// @inheritdoc IComputeMarket
    function pendingSettlement(uint256 leaseId) external view returns (uint256 accrued, uint256 escrowLeft) {
        ComputeMarketLib.LeaseData storage lease = _leases[leaseId];
        ComputeMarketLib.OrderData storage order = _orders[leaseId];
        escrowLeft = order.escrow;
        if (lease.state != LeaseState.Active || order.jobTimeout != 0) return (0, escrowLeft);
        (, ComputeMarketLib.BidData storage bid) = _winner(leaseId, lease);
        (accrued,,,) = _due(lease, bid.pricePerSecond, escrowLeft);
        escrowLeft -= accrued;
    }

    /// @inheritdoc IComputeMarket
    function earnings(address provider, address token) external view returns (uint256) {
        return _earnings[provider][token] & ~USED;
    }

    /// @inheritdoc IComputeMarket
    function accruedFees(address token) external view returns (uint256) {
        return _fees[token] & ~USED;
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

    /// @dev The winning bid of a lease: its provider and storage.
    function _winner(uint256 leaseId, ComputeMarketLib.LeaseData storage lease)
        private
        view
        returns (address provider, ComputeMarketLib.BidData storage bid)
    {
        provider = _bidders[leaseId][lease.bidIndex].provider;
        bid = _bidOf[leaseId][provider];
    }

    function _startLease(
        uint256 orderId,
        ComputeMarketLib.OrderData storage order,
        uint256 bidIndex,
        address provider,
        ComputeMarketLib.BidData storage bid
    ) private {
        // Lock the stake a missed deadline would slash: it stays until the lease ends.
        uint256 free = _checkUnlockedStake(provider);
        uint256 toLock = (free * params.missedDeadlineSlashBps()) / BPS;
        if (toLock > type(uint96).max) toLock = type(uint96).max;
        if (toLock != 0) staking.lock(provider, PROVIDER_ROLE, toLock);
        if (order.grouped) _groupMember[_groupOf[orderId]][provider] = true;
        bid.state = BidState.Won;
        order.state = OrderState.Leased;
        _leases[orderId] = ComputeMarketLib.LeaseData({
            state: LeaseState.Active,
            takeRateBps: params.takeRateBps(), // fixed for the lease's life
            bidIndex: uint8(bidIndex), // < 200
            startedAt: uint32(block.timestamp),
            mark: uint32(block.timestamp),
            resultBlock: 0,
            closedAt: 0,
            stakeLocked: uint96(toLock)
        });
        uint256 timeout = order.jobTimeout;
        emit LeaseCreated(
            orderId,
            order.tenant,
            provider,
            bidIndex,
            bid.pricePerSecond,
            timeout == 0 ? 0 : uint64(block.timestamp + timeout)
        );
        if (timeout != 0) {
            // The job's price is fixed now and held; the escrow covers it (checked at order time).
            uint256 jobPrice = uint256(bid.pricePerSecond) * timeout;
            order.escrow -= uint128(jobPrice);
            emit LeaseSettled(orderId, provider, jobPrice, order.escrow);
        }
        _closeOpenBids(orderId, order, bidIndex, BidState.Lost);
    }

    /// @dev Credits back every open bid but `except` (at most maxBids x BID_LIST_FACTOR <= 200
    ///      entries): no transfer in the loop, so no bidder can block it.
    function _closeOpenBids(
        uint256 orderId,
        ComputeMarketLib.OrderData storage order,
        uint256 except,
        BidState newState
    ) private {
        uint256 n = order.bidListLength;
        address token = order.token;
        for (uint256 i; i < n; ++i) {
            if (i == except) continue;
            address provider = _bidders[orderId][i].provider;
            ComputeMarketLib.BidData storage bid = _bidOf[orderId][provider];
            if (bid.state != BidState.Open) continue;
            bid.state = newState;
            emit BidClosed(orderId, provider, i, newState);
            _credit(provider, token, bid.deposit);
        }
    }

    /// @dev Credits `amount` to `account`'s earnings in `token`; the slot stays non-zero once used.
    function _credit(address account, address token, uint256 amount) private {
        if (amount != 0) _earnings[account][token] = (_earnings[account][token] | USED) + amount;
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

    /// @dev What a service lease owes from `mark` (settled up to) to now at `price`, capped by
    ///      `escrow`. A service lease whose escrow is used up is `exhausted` at `exhaustedAt`.
    function _due(ComputeMarketLib.LeaseData storage lease, uint256 price, uint256 escrow)
        private
        view
        returns (uint256 due, uint32 end, bool exhausted, uint32 exhaustedAt)
    {
        end = uint32(block.timestamp);
        uint32 settledAt = lease.mark;
        if (end <= settledAt) return (0, settledAt, false, 0);
        uint256 elapsed = end - settledAt;
        uint256 affordable = escrow / price; // whole seconds the escrow still pays
        if (elapsed <= affordable) {
            due = price * elapsed; // <= escrow: cannot overflow
            exhausted = due == escrow;
            return (due, end, exhausted, end);
        }
        // The escrow ran out `affordable` seconds in; its last fraction of a second is paid too.
        // casting to 'uint32' is safe because affordable < elapsed <= end - settledAt
        // forge-lint: disable-next-line(unsafe-typecast)
        return (escrow, end, true, settledAt + uint32(affordable));
    }

    /// @dev The one place where a service lease accrues: it pays the provider at once. A batch job
    ///      accrues nothing (its price is held from the start and paid on acceptance).
    function _accrue(
        uint256 leaseId,
        ComputeMarketLib.LeaseData storage lease,
        ComputeMarketLib.OrderData storage order
    ) private returns (uint256 due) {
        if (lease.state != LeaseState.Active || order.jobTimeout != 0) {
            return 0;
        }
        (address provider, ComputeMarketLib.BidData storage bid) = _winner(leaseId, lease);
        (uint256 owed, uint32 end, bool exhausted, uint32 exhaustedAt) = _due(lease, bid.pricePerSecond, order.escrow);
        due = owed;
        lease.mark = exhausted ? exhaustedAt : end;
        if (due > 0) {
            order.escrow -= uint128(due); // due <= escrow
            emit LeaseSettled(leaseId, provider, due, order.escrow);
            _paid[leaseId] += due;
        }
        _release(leaseId, lease, provider, order.token, due);
        if (exhausted) {
            _finish(
                leaseId,
                lease,
                order,
                provider,
                bid.deposit,
                LeaseState.InsufficientFunds,
                CloseReason.InsufficientFunds,
                0,
                0,
                address(0)
            );
        }
    }

    /// @dev Credits `amount` to the provider, less the lease's take rate (the caller books `paid`).
    function _release(
        uint256 leaseId,
        ComputeMarketLib.LeaseData storage lease,
        address provider,
        address token,
        uint256 amount
    ) private {
        if (amount == 0) return;
        uint256 fee = (amount * lease.takeRateBps) / BPS;
        _credit(provider, token, amount - fee);
        _fees[token] = (_fees[token] | USED) + fee;
        emit PaymentReleased(leaseId, provider, amount - fee, fee);
    }

    /// @dev A batch job accepted: its held price goes to the provider (`paid` is the job price).
    function _complete(
        uint256 leaseId,
        ComputeMarketLib.LeaseData storage lease,
        ComputeMarketLib.OrderData storage order,
        CloseReason reason
    ) private {
        (address provider, ComputeMarketLib.BidData storage bid) = _winner(leaseId, lease);
        _release(leaseId, lease, provider, order.token, uint256(bid.pricePerSecond) * order.jobTimeout);
        _finish(leaseId, lease, order, provider, bid.deposit, LeaseState.Completed, reason, 0, 0, address(0));
    }

    /// @dev A failed batch job: the tenant gets everything back; the provider loses its bid
    ///      deposit (to the protocol) and its locked stake (reporter reward to `reporter`).
    function _fail(
        uint256 leaseId,
        ComputeMarketLib.LeaseData storage lease,
        ComputeMarketLib.OrderData storage order,
        CloseReason reason,
        address reporter
    ) private {
        (address provider, ComputeMarketLib.BidData storage bid) = _winner(leaseId, lease);
        order.escrow += uint128(uint256(bid.pricePerSecond) * order.jobTimeout); // the held job price
        uint256 bidDeposit = bid.deposit;
        _fees[order.token] = (_fees[order.token] | USED) + bidDeposit;
        _finish(
            leaseId,
            lease,
            order,
            provider,
            bidDeposit,
            LeaseState.Failed,
            reason,
            bidDeposit,
            lease.stakeLocked,
            reporter
        );
    }

    /// @dev The one terminal transition of a lease: unlocks the provider's stake and slashes
    ///      `stakeSlash` of it, credits the winning bid's deposit less `forfeit` (whose destination
    ///      the caller booked) to the provider, and refunds the escrow left to the tenant.
    function _finish(
        uint256 leaseId,
        ComputeMarketLib.LeaseData storage lease,
        ComputeMarketLib.OrderData storage order,
        address provider,
        uint256 bidDeposit,
        LeaseState state,
        CloseReason reason,
        uint256 forfeit,
        uint256 stakeSlash,
        address reporter
    ) private {
        // A grouped lease ending before it committed counts as settled for the reveal phase.
        if (order.grouped && lease.state == LeaseState.Active) _groupSettled(_groupOf[leaseId]);
        lease.state = state;
        lease.closedAt = uint32(block.timestamp);
        order.state = OrderState.Closed;
        uint256 refund = order.escrow;
        order.escrow = 0;
        uint256 slashed = _releaseStake(provider, lease.stakeLocked, stakeSlash, reporter);
        if (state == LeaseState.Failed || forfeit != 0 || slashed != 0) {
            emit ProviderSlashed(leaseId, provider, forfeit, slashed);
        }
        emit LeaseClosed(leaseId, provider, state, reason, refund);
        _credit(provider, order.token, bidDeposit - forfeit);
        if (refund > 0) IERC20(order.token).safeTransfer(order.tenant, refund);
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

    function _existingOrder(uint256 orderId) private view returns (ComputeMarketLib.OrderData storage order) {
        order = _orders[orderId];
        if (order.state == OrderState.None) revert MarketUnknownOrder(orderId);
    }

    function _existingBid(uint256 orderId, ComputeMarketLib.OrderData storage order, uint256 bidIndex)
        private
        view
        returns (address provider, ComputeMarketLib.BidData storage bid)
    {
        if (bidIndex >= order.bidListLength) revert MarketUnknownBid(orderId, bidIndex);
        provider = _bidders[orderId][bidIndex].provider;
        bid = _bidOf[orderId][provider];
    }

    function _existingLease(uint256 leaseId) private view returns (ComputeMarketLib.LeaseData storage lease) {
        lease = _leases[leaseId];
        if (lease.state == LeaseState.None) revert MarketLeaseNotActive(leaseId, LeaseState.None);
    }

    function _activeLease(uint256 leaseId) private view returns (ComputeMarketLib.LeaseData storage lease) {
        lease = _leases[leaseId];
        if (lease.state != LeaseState.Active) revert MarketLeaseNotActive(leaseId, lease.state);
    }
}
