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
///         side closes them or the escrow runs out (`InsufficientFunds`).
///
///         Batch jobs (`jobTimeout > 0`) are priced per job, as Infernet, Gensyn and Render price
///         them: the job price `pricePerSecond x jobTimeout` is fixed and held from the escrow when
///         the lease starts, and paid in full when the result is accepted (by the tenant, after the
///         dispute window, or by the arbiter), whenever it was handed in: holding a job to its
///         deadline earns nothing more. (`pricePerSecond` keeps its name: it is the bid unit.) A
///         tenant that closes a job early pays pro rata for the time worked. A provider that gives
///         a job up forfeits `elapsed / jobTimeout` of its bid deposit (to the tenant's escrow) and
///         of its locked stake (slashed to the treasury); a missed deadline refunds the tenant in
///         full and slashes the whole bid deposit and the locked stake.
///
///         Stake: when a lease starts, the market locks the stake a missed deadline would slash
///         (`missedDeadlineSlashBps` of the provider's unlocked stake) in Staking; it cannot be
///         unstaked until the lease ends. Bidding and winning need `minProviderStake` unlocked.
///
///         Bid slots: a canceled bid frees its slot, forfeits CANCEL_FORFEIT_BPS of its deposit to
///         the tenant's escrow, and its provider cannot bid on that order again; an order's bid
///         list (open, lost and canceled) holds at most `maxBids x BID_LIST_FACTOR` entries.
///
///         Payments to providers are pulled: pay, and every bid deposit returned (lost, canceled,
///         or the winner's at the lease's end), is credited to `earnings` and taken with
///         `withdraw`; no transfer to a bidder happens inside a loop, so no bidder (a token
///         blocklist, a receive hook) can block an order. Refunds to the tenant are pushed: only
///         the tenant's own choice of token can block them.
///
///         Tenant payments: an order's deposit and escrow top-ups are taken from the tenant's
///         allowance, or with its EIP-2612 permit in the same transaction (`createOrderWithPermit`,
///         `depositWithPermit`), which saves the approve transaction (about 46k gas).
///
///         Storage (gas): the market stores only what it checks later, packed: an order in three
///         slots (plus its placement hash, when it has requirements, and its group), a bid in two
///         (keyed by order and provider, and the order's bid list entry), a lease in one (plus its
///         result hash, and `paid` for service leases). The manifest (CID and hash), the resources,
///         the placement and the result CID are in the events (OrderCreated, ResultSubmitted; the
///         views name their blocks: `createdBlock`, `resultBlock`); a bid on an order with placement
///         requirements passes the placement, checked against the stored hash. Earnings and fee
///         balances keep their slot non-zero once used, so later credits do not create a slot.
///         Amounts are stored as uint128 (escrow, prices), uint96 (bid deposits, locked stake: at
///         most 2^96 - 1 is locked); times and block numbers as uint32.
///
///         Replica groups (redundant verification): `createOrderGroup` opens several identical
///         batch orders at once; each provider wins at most one lease of a group. Their results are
///         committed (`commitResult`) before any is revealed (`revealResult`), so no replica can copy
///         another's published result. Redundancy cannot stop one operator running several staked
///         addresses: its "independent" replicas may be one computation (or one copy). It only
///         raises the cost (one stake and bid deposit per address); results that must hold against
///         such an operator need the optimistic mode (dispute and slash) or a zk proof.
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
        Failed,
        /// @dev A grouped batch lease whose provider committed to its result; not yet revealed.
        Committed
    }

    enum CloseReason {
        TenantClosed,
        ProviderClosed,
        InsufficientFunds,
        ResultAccepted,
        DisputeWon,
        DisputeLost,
        DeadlineMissed,
        /// @dev A grouped lease committed but did not reveal within the reveal window.
        RevealMissed
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

    /// @notice An order as `getOrder` returns it. Only what the market checks later is stored: the
    ///         manifest (CID, hash), the resources and the placement are in the `OrderCreated` event
    ///         of block `createdBlock`, the placement bound by `placementHash`.
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
        /// @dev 0 for an order without placement requirements (no attribute, no auditor), else
        ///      `keccak256(abi.encode(placement))`.
        bytes32 placementHash;
        /// @dev Replica group id (its first order id); 0 for an order outside any group.
        uint256 group;
        /// @dev Block of the `OrderCreated` event (manifest, resources, placement).
        uint64 createdBlock;
        /// @dev Bids ever placed (open, won, lost, canceled): `getBid` indexes.
        uint16 bidListLength;
    }

    /// @notice Replica group: orders `groupId .. groupId + size - 1`.
    struct Group {
        address tenant;
        uint16 size;
        /// @dev Orders of the group whose lease committed, or that ended without a result.
        uint16 settled;
        /// @dev Reveals are accepted until this time; 0 while some order has not settled.
        uint64 revealEndsAt;
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
        /// @dev Block of the `ResultSubmitted` event (it carries the result CID); 0 before a result.
        uint64 resultBlock;
        /// @dev Provider stake locked in Staking for this lease; unlocked (or slashed) at its end.
        uint256 stakeLocked;
        /// @dev Grouped leases: the provider's commitment (see `resultCommitment`).
        bytes32 commitment;
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
    /// @notice The placement given with the bid is not the order's (`placementHash`).
    error MarketWrongPlacement(uint256 orderId, bytes32 expected, bytes32 given);
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
    error MarketBidListFull(uint256 orderId, uint256 limit);
    error MarketInsufficientUnlockedStake(address provider, uint256 unlocked, uint256 required);
    error MarketInvalidReplicas(uint256 replicas, uint256 min, uint256 max);
    error MarketProviderInGroup(uint256 groupId, address provider);
    error MarketCommitRevealRequired(uint256 leaseId);
    error MarketNotGrouped(uint256 leaseId);
    error MarketNotCommitted(uint256 leaseId, LeaseState state);
    error MarketCommitmentMismatch(uint256 leaseId);
    error MarketRevealNotOpen(uint256 groupId);
    error MarketRevealWindowClosed(uint256 leaseId, uint64 revealEndsAt);
    error MarketRevealWindowOpen(uint256 leaseId, uint64 revealEndsAt);
    /// @notice The permit did not apply (bad signature, deadline passed, used nonce) and the market
    ///         may not take `amount` of `token` from `owner` otherwise.
    error MarketInvalidPermit(address token, address owner, uint256 amount);

    event OrderCreated(
        uint256 indexed orderId,
        address indexed tenant,
        address indexed token,
        string manifestCid,
        bytes32 manifestHash,
        uint256 maxPricePerSecond,
        uint256 deposit,
        uint64 bidDeadline,
        uint32 jobTimeout,
        Resources resources,
        IProviderRegistry.Placement placement
    );
    /// @notice Orders `groupId .. groupId + replicas - 1` were opened as one replica group.
    event OrderGroupCreated(uint256 indexed groupId, address indexed tenant, uint256 firstOrderId, uint256 replicas);
    /// @notice Every order of the group committed or ended: reveals are open until `revealEndsAt`.
    event GroupRevealOpened(uint256 indexed groupId, uint64 revealEndsAt);
    /// @notice The provider of a grouped lease committed to its result.
    event ResultCommitted(uint256 indexed leaseId, address indexed provider, bytes32 commitment);
    /// @notice The tenant canceled the order, or (replica groups) anyone closed it with no eligible bid.
    event OrderCanceled(uint256 indexed orderId, address indexed tenant, uint256 refund);
    event EscrowDeposited(uint256 indexed orderId, address indexed from, uint256 amount);
    event BidCreated(
        uint256 indexed orderId, address indexed provider, uint256 bidIndex, uint256 pricePerSecond, uint256 deposit
    );
    /// @notice A bid left the auction (lost or canceled) and its deposit (less the cancel forfeit)
    ///         was credited to the bidder's `earnings`.
    event BidClosed(uint256 indexed orderId, address indexed provider, uint256 bidIndex, BidState state);
    event LeaseCreated(
        uint256 indexed leaseId,
        address indexed tenant,
        address indexed provider,
        uint256 bidIndex,
        uint256 pricePerSecond,
        uint64 deadline
    );
    /// @notice `accrued` moved from the escrow to the lease: paid (service), or the job price held
    ///         when a batch lease starts.
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
    /// @notice The provider lost `bidDeposit` of its bid deposit and `stake` of its stake (a failed
    ///         job, or a batch job given up: pro rata to the time held).
    event ProviderSlashed(uint256 indexed leaseId, address indexed provider, uint256 bidDeposit, uint256 stake);
    event EarningsWithdrawn(address indexed provider, address indexed token, uint256 amount);
    event FeesSwept(address indexed token, address indexed treasury, uint256 amount);

    /// @notice Opens an order and escrows `p.deposit` of `p.token` from the caller.
    function createOrder(OrderParams calldata p) external returns (uint256 orderId);
    /// @notice createOrder without an approve transaction: `(deadline, v, r, s)` is the caller's
    ///         EIP-2612 permit (the token must implement it, as NOOS does) letting the market take
    ///         exactly `p.deposit`. A permit already used (e.g. front-run from the mempool) is
    ///         ignored when the allowance it set is there; otherwise MarketInvalidPermit.
    function createOrderWithPermit(OrderParams calldata p, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 orderId);
    /// @notice Opens `replicas` (2..MAX_REPLICAS) identical batch orders as one replica group,
    ///         escrowing `replicas x p.deposit`. Each provider may win at most one lease of the group;
    ///         results go through commitResult then revealResult. A service order (jobTimeout 0) is
    ///         rejected with MarketInvalidJobTimeout(0, maxJobTimeout).
    /// @return groupId The group's id, equal to its first order id.
    function createOrderGroup(OrderParams calldata p, uint256 replicas) external returns (uint256 groupId);
    /// @notice Adds `amount` to the escrow of an open order or an active lease.
    function deposit(uint256 orderId, uint256 amount) external;
    /// @notice deposit with the caller's EIP-2612 permit for exactly `amount` (as createOrderWithPermit).
    function depositWithPermit(uint256 orderId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;
    /// @notice The tenant cancels an order that has no lease: the escrow is refunded, open bid
    ///         deposits are credited to their bidders.
    function cancelOrder(uint256 orderId) external;
    /// @notice Bids `pricePerSecond` on an open order, escrowing `bidDeposit`. The caller needs
    ///         `minProviderStake` of unlocked stake, a free slot, and no earlier bid on the order.
    ///         An order with placement requirements takes the 4-argument form.
    function createBid(uint256 orderId, uint256 pricePerSecond, uint256 bidDeposit) external returns (uint256 bidIndex);
    /// @notice createBid on an order with placement requirements: `placement` is the order's (from
    ///         its `OrderCreated` event), checked against `placementHash`, then matched by the registry.
    function createBid(
        uint256 orderId,
        uint256 pricePerSecond,
        uint256 bidDeposit,
        IProviderRegistry.Placement calldata placement
    ) external returns (uint256 bidIndex);
    /// @notice The bidder withdraws an open bid: its slot is freed, CANCEL_FORFEIT_BPS of the deposit
    ///         goes to the order's escrow (the tenant's), the rest is credited to the bidder. The
    ///         bidder cannot bid on this order again.
    function cancelBid(uint256 orderId, uint256 bidIndex) external;
    /// @notice The tenant accepts any open bid; the other bids' deposits are credited back. Reverts
    ///         with MarketProviderInGroup if the bidder already holds a lease of the order's group,
    ///         and MarketInsufficientUnlockedStake if it lacks `minProviderStake` unlocked.
    function acceptBid(uint256 orderId, uint256 bidIndex) external returns (uint256 leaseId);
    /// @notice After the bid window, anyone leases the order to the lowest open bid (earliest on
    ///         ties) whose provider has `minProviderStake` unlocked and holds no lease of the order's
    ///         group. A grouped order with no such bid is closed instead (escrow refunded, returns 0),
    ///         so that its group can reach the reveal phase.
    function closeAuction(uint256 orderId) external returns (uint256 leaseId);
    /// @notice Accrues the lease up to now. Anyone may call.
    function settle(uint256 leaseId) external returns (uint256 accrued);
    /// @notice Tenant or provider closes an active lease; the rest of the escrow goes back to the tenant.
    ///         A batch job closed by the tenant pays `pricePerSecond x` the time worked. Closed by the
    ///         provider (before its deadline), it pays nothing, and the provider forfeits
    ///         `elapsed / jobTimeout` of its bid deposit (to the tenant) and of its locked stake
    ///         (slashed, all to the treasury).
    function closeLease(uint256 leaseId) external;
    /// @notice Submits a batch result: by the provider, or by anyone with the provider's EIP-712 receipt.
    ///         Grouped leases revert with MarketCommitRevealRequired (use commitResult/revealResult).
    function submitResult(uint256 leaseId, string calldata resultCid, bytes32 resultHash, bytes calldata receipt)
        external;
    /// @notice The provider of a grouped batch lease commits to its result before the deadline:
    ///         `commitment = resultCommitment(leaseId, resultHash, resultCid, salt, provider)`.
    function commitResult(uint256 leaseId, bytes32 commitment) external;
    /// @notice Reveals a committed result once every order of the group has committed or ended, and
    ///         until the group's `revealEndsAt` (`disputeWindow` after that moment). By the provider,
    ///         or by anyone with its EIP-712 receipt. Then as submitResult: ResultSubmitted, and the
    ///         dispute window starts. A lease that does not reveal in time fails (expireLease).
    function revealResult(
        uint256 leaseId,
        string calldata resultCid,
        bytes32 resultHash,
        bytes32 salt,
        bytes calldata receipt
    ) external;
    /// @notice Accepts a submitted result: the tenant at any time, anyone after the dispute window.
    function acceptResult(uint256 leaseId) external;
    /// @notice The tenant (or the arbiter, e.g. the optimistic verifier freezing payment while a claim
    ///         can be challenged) disputes a submitted result within the dispute window.
    function disputeResult(uint256 leaseId) external;
    /// @notice The arbiter settles a dispute.
    function resolveDispute(uint256 leaseId, bool providerWins) external;
    /// @notice After a batch deadline with no result (or, for a committed grouped lease, after the
    ///         group's reveal window with no reveal), refunds the tenant and slashes the provider's
    ///         bid deposit and locked stake. Anyone may call; the caller gets the reporter's share of
    ///         the stake slash, unless it is the provider itself (then all goes to the treasury).
    function expireLease(uint256 leaseId) external;
    /// @notice Sends the caller's earnings in `token` (pay and returned bid deposits) to the caller.
    function withdraw(address token) external returns (uint256 amount);
    /// @notice Sends the protocol fees in `token` to the treasury. Anyone may call.
    function sweepFees(address token) external returns (uint256 amount);

    function orderCount() external view returns (uint256);
    function getOrder(uint256 orderId) external view returns (Order memory);
    function getBids(uint256 orderId) external view returns (Bid[] memory);
    function getBid(uint256 orderId, uint256 bidIndex) external view returns (Bid memory);
    function getLease(uint256 leaseId) external view returns (Lease memory);
    function getGroup(uint256 groupId) external view returns (Group memory);
    /// @notice What `settle` would accrue now, and the escrow that would be left. Always 0 accrued
    ///         for a batch lease: its job price was held when it started (`Lease.held`).
    function pendingSettlement(uint256 leaseId) external view returns (uint256 accrued, uint256 escrowLeft);
    function earnings(address provider, address token) external view returns (uint256);
    function accruedFees(address token) external view returns (uint256);
    /// @notice A grouped lease's result commitment:
    ///         `keccak256(abi.encode(leaseId, resultHash, keccak256(bytes(resultCid)), salt, provider))`.
    function resultCommitment(
        uint256 leaseId,
        bytes32 resultHash,
        string calldata resultCid,
        bytes32 salt,
        address provider
    ) external pure returns (bytes32);
    /// @notice EIP-712 digest a provider signs as its receipt for a result.
    function receiptDigest(uint256 leaseId, bytes32 resultHash, string calldata resultCid)
        external
        view
        returns (bytes32);
}
