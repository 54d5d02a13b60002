// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IProviderRegistry} from "../registry/IProviderRegistry.sol";
import {IStaking} from "../staking/IStaking.sol";
import {IComputeMarket} from "./IComputeMarket.sol";

/// @title ComputeMarket
/// @notice Orders, reverse-auction bids, escrowed leases paid by time, batch results with a
///         dispute window, and slashing for missed deadlines.
/// @dev Money held by this contract, per token, is always: open escrow + batch payments held +
///      unrefunded bid deposits + provider earnings + unswept fees (the invariant suite checks it).
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
        orderId = ++_orderCount;
        Order storage order = _orders[orderId];
        order.tenant = msg.sender;
        order.state = OrderState.Open;
        order.maxBids = p.maxBids;
        order.token = p.token;
        order.createdAt = uint64(block.timestamp);
        order.bidDeadline = (block.timestamp + p.bidWindow).toUint64();
        order.jobTimeout = p.jobTimeout;
        order.maxPricePerSecond = p.maxPricePerSecond;
        order.escrow = p.deposit;
        order.manifestHash = p.manifestHash;
        order.manifestCid = p.manifestCid;
        order.resources = p.resources;
        for (uint256 i; i < p.placement.attributes.length; ++i) {
            order.placement.attributes.push(p.placement.attributes[i]);
        }
        order.placement.allOf = p.placement.allOf;
        order.placement.anyOf = p.placement.anyOf;
        emit OrderCreated(
            orderId,
            msg.sender,
            p.token,
            p.manifestCid,
            p.manifestHash,
            p.maxPricePerSecond,
            p.deposit,
            order.bidDeadline,
            p.jobTimeout
        );
        IERC20(p.token).safeTransferFrom(msg.sender, address(this), p.deposit);
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
        _refundOpenBids(orderId, order.token, type(uint256).max, BidState.Canceled);
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
        if (_hasBid[orderId][msg.sender]) revert MarketDuplicateBid(orderId, msg.sender);
        if (!registry.isEligible(msg.sender)) revert MarketProviderNotEligible(msg.sender);
        if (!registry.matchesPlacement(msg.sender, order.placement)) {
            revert MarketPlacementMismatch(orderId, msg.sender);
        }

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
        emit BidClosed(orderId, msg.sender, bidIndex, BidState.Canceled);
        IERC20(order.token).safeTransfer(msg.sender, bid.deposit);
    }

    /// @inheritdoc IComputeMarket
    function acceptBid(uint256 orderId, uint256 bidIndex) external nonReentrant returns (uint256) {
        Order storage order = _existingOrder(orderId);
        if (msg.sender != order.tenant) revert MarketNotTenant(orderId, msg.sender);
        if (order.state != OrderState.Open) revert MarketOrderNotOpen(orderId, order.state);
        Bid storage bid = _existingBid(orderId, bidIndex);
        if (bid.state != BidState.Open) revert MarketBidNotOpen(orderId, bidIndex, bid.state);
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
        for (uint256 i; i < bids.length; ++i) {
            if (bids[i].state == BidState.Open && bids[i].pricePerSecond < bestPrice) {
                best = i;
                bestPrice = bids[i].pricePerSecond;
            }
        }
        if (best == type(uint256).max) revert MarketNoBids(orderId);
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
        if (lease.deadline != 0) {
            uint256 held = lease.held;
            lease.held = 0;
            if (byTenant) {
                _release(leaseId, lease, order.token, held); // the tenant pays for the time worked
            } else {
                order.escrow += held; // a provider that gives up earns nothing
            }
        }
        _finish(
            leaseId,
            lease,
            order,
            LeaseState.Closed,
            byTenant ? CloseReason.TenantClosed : CloseReason.ProviderClosed,
            true
        );
    }

    /// @inheritdoc IComputeMarket
    function submitResult(uint256 leaseId, string calldata resultCid, bytes32 resultHash, bytes calldata receipt)
        external
        nonReentrant
    {
        Lease storage lease = _activeLease(leaseId);
        if (lease.deadline == 0) revert MarketNotBatchJob(leaseId);
        if (block.timestamp > lease.deadline) revert MarketDeadlinePassed(leaseId, lease.deadline);
        if (resultHash == bytes32(0) || bytes(resultCid).length == 0) revert MarketInvalidResult();
        if (msg.sender != lease.provider) {
            if (receipt.length == 0) revert MarketNotProvider(leaseId, msg.sender);
            bytes32 digest = _receiptDigest(leaseId, resultHash, resultCid);
            if (!SignatureChecker.isValidSignatureNow(lease.provider, digest, receipt)) {
                revert MarketInvalidReceipt(leaseId);
            }
        }
        _accrue(leaseId, lease, _orders[leaseId]);
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
        if (msg.sender != lease.tenant) revert MarketNotTenant(leaseId, msg.sender);
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
        Lease storage lease = _activeLease(leaseId);
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
    function receiptDigest(uint256 leaseId, bytes32 resultHash, string calldata resultCid)
        external
        view
        returns (bytes32)
    {
        return _receiptDigest(leaseId, resultHash, resultCid);
    }

    // ---------------------------------------------------------------- internals

    function _validateOrder(OrderParams calldata p) private view {
        IProtocolParams.PaymentToken memory tokenParams = params.paymentToken(p.token);
        if (!tokenParams.allowed) revert MarketTokenNotAllowed(p.token);
        if (p.deposit < tokenParams.minOrderDeposit || p.deposit == 0) {
            revert MarketDepositTooLow(p.deposit, tokenParams.minOrderDeposit);
        }
        if (p.maxPricePerSecond == 0) revert MarketZeroPrice();
        if (p.manifestHash == bytes32(0) || bytes(p.manifestCid).length == 0) revert MarketInvalidManifest();
        uint256 minWindow = params.minBidWindow();
        uint256 maxWindow = params.maxBidWindow();
        if (p.bidWindow < minWindow || p.bidWindow > maxWindow) {
            revert MarketInvalidBidWindow(p.bidWindow, minWindow, maxWindow);
        }
        uint256 bidLimit = params.maxBidsPerOrder();
        if (p.maxBids == 0 || p.maxBids > bidLimit) revert MarketInvalidMaxBids(p.maxBids, bidLimit);
        uint256 maxTimeout = params.maxJobTimeout();
        if (p.jobTimeout > maxTimeout) revert MarketInvalidJobTimeout(p.jobTimeout, maxTimeout);
        // A batch job's escrow must cover the whole run at the max price, so it can never run dry.
        if (p.jobTimeout != 0) {
            if (p.maxPricePerSecond > p.deposit / p.jobTimeout) {
                // Saturating: an absurd max price must report the error, not overflow while building it.
                revert MarketDepositBelowJobCost(p.deposit, Math.saturatingMul(p.maxPricePerSecond, p.jobTimeout));
            }
        }
        uint256 auditors = p.placement.allOf.length + p.placement.anyOf.length;
        if (p.placement.attributes.length > MAX_PLACEMENT_ATTRIBUTES || auditors > MAX_PLACEMENT_AUDITORS) {
            revert MarketInvalidPlacement(p.placement.attributes.length, auditors);
        }
    }

    function _startLease(uint256 orderId, Order storage order, uint256 bidIndex) private {
        Bid storage bid = _bids[orderId][bidIndex];
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
        if (order.jobTimeout != 0) lease.deadline = (block.timestamp + order.jobTimeout).toUint64();
        emit LeaseCreated(orderId, order.tenant, bid.provider, bidIndex, bid.pricePerSecond, lease.deadline);
        _refundOpenBids(orderId, order.token, bidIndex, BidState.Lost);
    }

    /// @dev Refunds every open bid but `except` (at most maxBidsPerOrder <= 100 of them).
    function _refundOpenBids(uint256 orderId, address token, uint256 except, BidState newState) private {
        Bid[] storage bids = _bids[orderId];
        for (uint256 i; i < bids.length; ++i) {
            Bid storage bid = bids[i];
            if (i == except || bid.state != BidState.Open) continue;
            bid.state = newState;
            emit BidClosed(orderId, bid.provider, i, newState);
            IERC20(token).safeTransfer(bid.provider, bid.deposit);
        }
    }

    /// @dev What the lease owes from `settledAt` to now (to the deadline for batch jobs), capped
    ///      by `escrow`. A service lease whose escrow is used up is `exhausted` at `exhaustedAt`.
    function _due(Lease storage lease, uint256 escrow)
        private
        view
        returns (uint256 due, uint64 end, bool exhausted, uint64 exhaustedAt)
    {
        end = uint64(block.timestamp);
        if (lease.deadline != 0 && end > lease.deadline) end = lease.deadline;
        if (end <= lease.settledAt) return (0, lease.settledAt, false, 0);
        uint256 elapsed = end - lease.settledAt;
        uint256 affordable = escrow / lease.pricePerSecond; // whole seconds the escrow still pays
        if (elapsed <= affordable) {
            due = lease.pricePerSecond * elapsed; // <= escrow: cannot overflow
            exhausted = lease.deadline == 0 && due == escrow;
            return (due, end, exhausted, end);
        }
        // Batch escrow covers the whole run (checked at order time), so only service leases get here:
        // the escrow ran out `affordable` seconds in; its last fraction of a second is paid too.
        // casting to 'uint64' is safe because affordable < elapsed <= end - settledAt
        // forge-lint: disable-next-line(unsafe-typecast)
        return (escrow, end, true, lease.settledAt + uint64(affordable));
    }

    /// @dev The one place where a lease accrues. Service leases pay the provider at once; batch
    ///      jobs hold the payment until the result is accepted.
    function _accrue(uint256 leaseId, Lease storage lease, Order storage order) private returns (uint256 due) {
        if (lease.state != LeaseState.Active) return 0;
        (uint256 owed, uint64 end, bool exhausted, uint64 exhaustedAt) = _due(lease, order.escrow);
        due = owed;
        lease.settledAt = exhausted ? exhaustedAt : end;
        if (due > 0) {
            order.escrow -= due;
            emit LeaseSettled(leaseId, lease.provider, due, order.escrow);
        }
        if (lease.deadline != 0) {
            lease.held += due;
            return due;
        }
        _release(leaseId, lease, order.token, due);
        if (exhausted) {
            _finish(leaseId, lease, order, LeaseState.InsufficientFunds, CloseReason.InsufficientFunds, true);
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
        _finish(leaseId, lease, order, LeaseState.Completed, reason, true);
    }

    /// @dev A failed batch job: the tenant gets everything back; the provider loses its bid
    ///      deposit (to the protocol) and a share of its stake (reporter reward to `reporter`).
    function _fail(uint256 leaseId, Lease storage lease, CloseReason reason, address reporter) private {
        Order storage order = _orders[leaseId];
        order.escrow += lease.held;
        lease.held = 0;
        uint256 bidDeposit = _bids[leaseId][lease.bidIndex].deposit;
        _fees[order.token] += bidDeposit;
        uint256 stakeSlashed = _slashStake(lease.provider, reporter);
        emit ProviderSlashed(leaseId, lease.provider, bidDeposit, stakeSlashed);
        _finish(leaseId, lease, order, LeaseState.Failed, reason, false);
    }

    /// @dev Never blocks the tenant's refund: a failing slash (e.g. a missing slasher role) is skipped.
    function _slashStake(address provider, address reporter) private returns (uint256 slashed) {
        uint256 bonded = staking.stakeOf(provider, PROVIDER_ROLE) + staking.unbondingOf(provider, PROVIDER_ROLE);
        uint256 amount = (bonded * params.missedDeadlineSlashBps()) / BPS;
        if (amount == 0) return 0;
        try staking.slash(provider, PROVIDER_ROLE, amount, reporter) returns (uint256 s) {
            slashed = s;
        } catch {}
    }

    /// @dev The one terminal transition of a lease: refunds the escrow left to the tenant and,
    ///      if `refundBidDeposit`, the winning bid's deposit to the provider.
    function _finish(
        uint256 leaseId,
        Lease storage lease,
        Order storage order,
        LeaseState state,
        CloseReason reason,
        bool refundBidDeposit
    ) private {
        lease.state = state;
        lease.closedAt = uint64(block.timestamp);
        order.state = OrderState.Closed;
        uint256 refund = order.escrow;
        order.escrow = 0;
        emit LeaseClosed(leaseId, lease.provider, state, reason, refund);
        IERC20 token = IERC20(order.token);
        if (refundBidDeposit) token.safeTransfer(lease.provider, _bids[leaseId][lease.bidIndex].deposit);
        if (refund > 0) token.safeTransfer(lease.tenant, refund);
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
