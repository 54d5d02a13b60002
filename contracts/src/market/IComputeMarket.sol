// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IProviderRegistry} from "../registry/IProviderRegistry.sol";

/// @title IComputeMarket
/// @notice Reverse-auction compute market (after Akash's x/market + x/escrow). A tenant opens an
///         order with an escrow deposit; eligible providers bid at most the order's max price per
///         second; the tenant accepts a bid, or after the bid window anyone closes the auction on
///         the lowest bid. The lease pays `price x elapsed` from the escrow, settled lazily by
///         anyone; the protocol keeps a take rate. A lease id equals its order id.
///
///         Service leases (`jobTimeout == 0`) pay the provider as time passes and end when either
///         side closes them or the escrow runs out (`InsufficientFunds`). Batch jobs
///         (`jobTimeout > 0`) hold the accrued payment until the result is accepted: by the tenant,
///         after the dispute window, or by the arbiter; a missed deadline refunds the tenant in
///         full and slashes the provider's bid deposit and a share of its stake.
interface IComputeMarket {
    enum OrderState {
        None,
        Open,
        Leased,
        Closed
    }

    enum BidState {
        None,
        Open,
        Won,
        Lost,
        Canceled
    }

    enum LeaseState {
        None,
        Active,
        ResultSubmitted,
        Disputed,
        Closed,
        InsufficientFunds,
        Completed,
        Failed
    }

    enum CloseReason {
        TenantClosed,
        ProviderClosed,
        InsufficientFunds,
        ResultAccepted,
        DisputeWon,
        DisputeLost,
        DeadlineMissed
    }

    /// @notice Resources a job needs; the provider checks its own capacity off chain.
    struct Resources {
        uint32 cpuMillis;
        uint64 memoryBytes;
        uint64 storageBytes;
        uint32 gpus;
    }

    /// @notice Everything a tenant gives to open an order.
    struct OrderParams {
        string manifestCid;
        bytes32 manifestHash;
        Resources resources;
        IProviderRegistry.Placement placement;
        address token;
        uint256 maxPricePerSecond;
        uint256 deposit;
        uint32 bidWindow;
        uint16 maxBids;
        /// @dev 0 for a service lease; otherwise the batch-job deadline, in seconds after the lease starts.
        uint32 jobTimeout;
    }

    struct Order {
        address tenant;
        OrderState state;
        uint16 maxBids;
        uint16 bidCount;
        address token;
        uint64 createdAt;
        uint64 bidDeadline;
        uint32 jobTimeout;
        uint256 maxPricePerSecond;
        /// @dev Escrow not yet accrued to the lease.
        uint256 escrow;
        bytes32 manifestHash;
        string manifestCid;
        Resources resources;
        IProviderRegistry.Placement placement;
    }

    struct Bid {
        address provider;
        BidState state;
        uint64 createdAt;
        uint256 pricePerSecond;
        uint256 deposit;
    }

    struct Lease {
        address tenant;
        LeaseState state;
        uint16 takeRateBps;
        address provider;
        uint32 bidIndex;
        uint64 startedAt;
        uint64 settledAt;
        uint64 closedAt;
        /// @dev Batch jobs: result due by this time; 0 for service leases.
        uint64 deadline;
        uint64 disputeEndsAt;
        uint256 pricePerSecond;
        /// @dev Batch jobs: accrued but not yet released to the provider.
        uint256 held;
        /// @dev Gross amount released to the provider (fees included).
        uint256 paid;
        bytes32 resultHash;
        string resultCid;
    }

    error MarketTokenNotAllowed(address token);
    error MarketZeroAmount();
    error MarketZeroPrice();
    error MarketDepositTooLow(uint256 deposit, uint256 minimum);
    error MarketDepositBelowJobCost(uint256 deposit, uint256 required);
    error MarketInvalidBidWindow(uint256 window, uint256 min, uint256 max);
    error MarketInvalidMaxBids(uint256 maxBids, uint256 limit);
    error MarketInvalidJobTimeout(uint256 timeout, uint256 max);
    error MarketInvalidManifest();
    error MarketInvalidPlacement(uint256 attributes, uint256 auditors);
    error MarketUnknownOrder(uint256 orderId);
    error MarketOrderNotOpen(uint256 orderId, OrderState state);
    error MarketNotTenant(uint256 orderId, address caller);
    error MarketBidWindowClosed(uint256 orderId, uint64 bidDeadline);
    error MarketBidWindowOpen(uint256 orderId, uint64 bidDeadline);
    error MarketProviderNotEligible(address provider);
    error MarketPlacementMismatch(uint256 orderId, address provider);
    error MarketBidAbovePrice(uint256 orderId, uint256 bid, uint256 max);
    error MarketBidDepositTooLow(uint256 deposit, uint256 minimum);
    error MarketTooManyBids(uint256 orderId, uint256 maxBids);
    error MarketDuplicateBid(uint256 orderId, address provider);
    error MarketUnknownBid(uint256 orderId, uint256 bidIndex);
    error MarketBidNotOpen(uint256 orderId, uint256 bidIndex, BidState state);
    error MarketNotBidder(uint256 orderId, uint256 bidIndex, address caller);
    error MarketNoBids(uint256 orderId);
    error MarketLeaseNotActive(uint256 leaseId, LeaseState state);
    error MarketNotLeaseParty(uint256 leaseId, address caller);
    error MarketNotBatchJob(uint256 leaseId);
    error MarketNotProvider(uint256 leaseId, address caller);
    error MarketInvalidResult();
    error MarketInvalidReceipt(uint256 leaseId);
    error MarketDeadlinePassed(uint256 leaseId, uint64 deadline);
    error MarketDeadlineNotPassed(uint256 leaseId, uint64 deadline);
    error MarketNoResult(uint256 leaseId, LeaseState state);
    error MarketDisputeWindowOpen(uint256 leaseId, uint64 disputeEndsAt);
    error MarketDisputeWindowClosed(uint256 leaseId, uint64 disputeEndsAt);
    error MarketNotDisputed(uint256 leaseId, LeaseState state);
    error MarketNotArbiter(address caller);
    error MarketNothingToWithdraw(address account, address token);

    event OrderCreated(
        uint256 indexed orderId,
        address indexed tenant,
        address indexed token,
        string manifestCid,
        bytes32 manifestHash,
        uint256 maxPricePerSecond,
        uint256 deposit,
        uint64 bidDeadline,
        uint32 jobTimeout
    );
    event OrderCanceled(uint256 indexed orderId, address indexed tenant, uint256 refund);
    event EscrowDeposited(uint256 indexed orderId, address indexed from, uint256 amount);
    event BidCreated(
        uint256 indexed orderId, address indexed provider, uint256 bidIndex, uint256 pricePerSecond, uint256 deposit
    );
    /// @notice A bid left the auction (lost or canceled) and its deposit was refunded.
    event BidClosed(uint256 indexed orderId, address indexed provider, uint256 bidIndex, BidState state);
    event LeaseCreated(
        uint256 indexed leaseId,
        address indexed tenant,
        address indexed provider,
        uint256 bidIndex,
        uint256 pricePerSecond,
        uint64 deadline
    );
    /// @notice `accrued` moved from the escrow to the lease (paid, or held for a batch job).
    event LeaseSettled(uint256 indexed leaseId, address indexed provider, uint256 accrued, uint256 escrowLeft);
    /// @notice `net` was credited to the provider and `fee` to the protocol.
    event PaymentReleased(uint256 indexed leaseId, address indexed provider, uint256 net, uint256 fee);
    event LeaseClosed(
        uint256 indexed leaseId, address indexed provider, LeaseState state, CloseReason reason, uint256 refund
    );
    event ResultSubmitted(
        uint256 indexed leaseId, address indexed provider, string resultCid, bytes32 resultHash, uint64 disputeEndsAt
    );
    event ResultDisputed(uint256 indexed leaseId, address indexed tenant);
    event ProviderSlashed(uint256 indexed leaseId, address indexed provider, uint256 bidDeposit, uint256 stake);
    event EarningsWithdrawn(address indexed provider, address indexed token, uint256 amount);
    event FeesSwept(address indexed token, address indexed treasury, uint256 amount);

    /// @notice Opens an order and escrows `p.deposit` of `p.token` from the caller.
    function createOrder(OrderParams calldata p) external returns (uint256 orderId);
    /// @notice Adds `amount` to the escrow of an open order or an active lease.
    function deposit(uint256 orderId, uint256 amount) external;
    /// @notice The tenant cancels an order that has no lease; escrow and bid deposits are refunded.
    function cancelOrder(uint256 orderId) external;
    /// @notice Bids `pricePerSecond` on an open order, escrowing `bidDeposit`.
    function createBid(uint256 orderId, uint256 pricePerSecond, uint256 bidDeposit) external returns (uint256 bidIndex);
    /// @notice The bidder withdraws an open bid and gets its deposit back.
    function cancelBid(uint256 orderId, uint256 bidIndex) external;
    /// @notice The tenant accepts any open bid; the other bids are refunded.
    function acceptBid(uint256 orderId, uint256 bidIndex) external returns (uint256 leaseId);
    /// @notice After the bid window, anyone leases the order to the lowest open bid (earliest on ties).
    function closeAuction(uint256 orderId) external returns (uint256 leaseId);
    /// @notice Accrues the lease up to now. Anyone may call.
    function settle(uint256 leaseId) external returns (uint256 accrued);
    /// @notice Tenant or provider closes an active lease; the rest of the escrow goes back to the tenant.
    ///         A batch job closed by the tenant pays the time worked; closed by the provider, nothing.
    function closeLease(uint256 leaseId) external;
    /// @notice Submits a batch result: by the provider, or by anyone with the provider's EIP-712 receipt.
    function submitResult(uint256 leaseId, string calldata resultCid, bytes32 resultHash, bytes calldata receipt)
        external;
    /// @notice Accepts a submitted result: the tenant at any time, anyone after the dispute window.
    function acceptResult(uint256 leaseId) external;
    /// @notice The tenant disputes a submitted result within the dispute window.
    function disputeResult(uint256 leaseId) external;
    /// @notice The arbiter settles a dispute.
    function resolveDispute(uint256 leaseId, bool providerWins) external;
    /// @notice After a batch deadline with no result, refunds the tenant and slashes the provider.
    ///         Anyone may call; the caller gets the reporter's share of the stake slash.
    function expireLease(uint256 leaseId) external;
    /// @notice Sends the caller's earnings in `token` to the caller.
    function withdraw(address token) external returns (uint256 amount);
    /// @notice Sends the protocol fees in `token` to the treasury. Anyone may call.
    function sweepFees(address token) external returns (uint256 amount);

    function orderCount() external view returns (uint256);
    function getOrder(uint256 orderId) external view returns (Order memory);
    function getBids(uint256 orderId) external view returns (Bid[] memory);
    function getBid(uint256 orderId, uint256 bidIndex) external view returns (Bid memory);
    function getLease(uint256 leaseId) external view returns (Lease memory);
    /// @notice What `settle` would accrue now, and the escrow that would be left.
    function pendingSettlement(uint256 leaseId) external view returns (uint256 accrued, uint256 escrowLeft);
    function earnings(address provider, address token) external view returns (uint256);
    function accruedFees(address token) external view returns (uint256);
    /// @notice EIP-712 digest a provider signs as its receipt for a result.
    function receiptDigest(uint256 leaseId, bytes32 resultHash, string calldata resultCid)
        external
        view
        returns (bytes32);
}
