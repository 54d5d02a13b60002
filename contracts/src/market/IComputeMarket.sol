// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IProviderRegistry} from "../registry/IProviderRegistry.sol";

/// @title IComputeMarket
/// @notice Reverse-auction compute market (after Akash's x/market + x/escrow). A tenant opens an
///         order with an escrow; eligible providers bid at most the order's max price per second,
///         each bid strictly below the best so far (a running reverse auction: the market keeps only
///         the best bid); the tenant accepts the best bid at any time, or after the bid window anyone
///         closes the auction on it. The lease pays `price x elapsed` from the escrow, settled
///         lazily by anyone; the protocol keeps a take rate. A lease id equals its order id.
///
///         Service leases (`jobTimeout == 0`) pay the provider as time passes and end when either
///         side closes them or the escrow runs out (`InsufficientFunds`).
///
///         Batch jobs (`jobTimeout > 0`) are priced per job, as Infernet, Gensyn and Render price
///         them: the job price `pricePerSecond x jobTimeout` is fixed when the lease starts and
///         paid in full when the result is accepted (by the tenant, after the dispute window, or by
///         the arbiter). A tenant that closes a job early pays pro rata for the time worked. A
///         provider that gives a job up is paid nothing and forfeits `elapsed / jobTimeout` of its
///         slashable stake; a missed deadline refunds the tenant in full and slashes it all.
///
///         Accounts (as Ocean's compute-to-data escrow): every party has a balance per token in the
///         market. Providers' pay, fees aside, and tenants' refunds are credited to it; `fund` adds
///         to it, `withdraw` pays it out. An order's deposit and top-ups are taken from the caller's
///         balance first and the rest from its allowance (or its EIP-2612 permit, `...WithPermit`),
///         so a returning tenant opens an order with no token transfer at all.
///
///         Stake: bidding and winning need `minProviderStake` free for each open lease (free: the
///         provider's unlocked stake in Staking plus what this market already holds locked beyond
///         its open leases' needs). The market locks `minProviderStake` per open lease in Staking
///         lazily, only when what it holds falls short, and keeps it after the lease ends until the
///         provider calls `releaseStake` (a returning provider's lease writes nothing in Staking).
///         A missed deadline slashes `missedDeadlineSlashBps` of `minProviderStake`.
///
///         Storage (gas): the market stores only what it checks later, packed. The manifest (CID
///         and hash), the resources, the placement and the result CID are in the events
///         (OrderCreated, ResultSubmitted; the views name their blocks); a bid on an order with
///         placement requirements passes the placement, checked against the stored hash. No bid
///         list and no bid deposits: every bid is in a `BidCreated` event, the best one in storage.
///         Balance and fee slots stay non-zero once used, so later credits do not create a slot.
///
///         Replica groups (redundant verification): `createOrderGroup` opens several identical
///         batch orders at once; each provider may bid on (so win) at most one order of a group.
///         Their results are committed (`commitResult`) before any is revealed (`revealResult`), so
///         no replica can copy another's published result. Redundancy cannot stop one operator
///         running several staked addresses: it only raises the cost (one stake per address);
///         results that must hold against such an operator need the optimistic mode or a zk proof.
interface IComputeMarket {
    enum OrderState {
        None,
        Open,
        Leased,
        Closed
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
        /// @dev The escrow: from the caller's balance first, the rest from its allowance/permit.
        ///      A batch order's deposit covers at least `maxPricePerSecond x jobTimeout`.
        uint256 deposit;
        uint32 bidWindow;
        /// @dev 0 for a service lease; otherwise the batch-job deadline, in seconds after the lease starts.
        uint32 jobTimeout;
    }

    /// @notice An order as `getOrder` returns it. Only what the market checks later is stored: the
    ///         manifest (CID, hash), the resources and the placement are in the `OrderCreated` event
    ///         of block `createdBlock`, the placement bound by `placementHash`.
    struct Order {
        address tenant;
        OrderState state;
        address token;
        uint64 bidDeadline;
        uint32 jobTimeout;
        uint256 maxPricePerSecond;
        /// @dev Escrow not yet paid out (a batch lease's job price included until it ends).
        uint256 escrow;
        /// @dev 0 for an order without placement requirements (no attribute, no auditor), else
        ///      `keccak256(abi.encode(placement))`.
        bytes32 placementHash;
        /// @dev Replica group id (its first order id); 0 for an order outside any group.
        uint256 group;
        /// @dev Block of the `OrderCreated` event (manifest, resources, placement).
        uint64 createdBlock;
        /// @dev The best (lowest) bid so far, or the winning one once leased; address(0) for none.
        address bestBidder;
        uint256 bestPricePerSecond;
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

    struct Lease {
        address tenant;
        LeaseState state;
        uint16 takeRateBps;
        address provider;
        uint64 startedAt;
        uint64 settledAt;
        uint64 closedAt;
        /// @dev Batch jobs: result due by this time; 0 for service leases.
        uint64 deadline;
        uint64 disputeEndsAt;
        uint256 pricePerSecond;
        /// @dev Batch jobs: the job price, held in the escrow until the lease ends; 0 for service leases.
        uint256 held;
        bytes32 resultHash;
        /// @dev Block of the `ResultSubmitted` event (it carries the result CID); 0 before a result.
        uint64 resultBlock;
        /// @dev Grouped leases: the provider's commitment (see `resultCommitment`).
        bytes32 commitment;
    }

    error MarketTokenNotAllowed(address token);
    error MarketZeroAmount();
    error MarketZeroPrice();
    error MarketDepositTooLow(uint256 deposit, uint256 minimum);
    error MarketDepositBelowJobCost(uint256 deposit, uint256 required);
    error MarketInvalidBidWindow(uint256 window, uint256 min, uint256 max);
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
    /// @notice A bid must be strictly below the best bid so far (`best`).
    error MarketBidNotLower(uint256 orderId, uint256 bid, uint256 best);
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
    /// @notice `account` has no balance of `token` in the market (withdraw).
    error MarketNothingToWithdraw(address account, address token);
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
    /// @notice The tenant canceled the order, or (replica groups) anyone closed it with no eligible
    ///         bid; `refund` was credited to the tenant's balance.
    event OrderCanceled(uint256 indexed orderId, address indexed tenant, uint256 refund);
    event EscrowDeposited(uint256 indexed orderId, address indexed from, uint256 amount);
    /// @notice A new best bid; `outbid` is the provider of the previous best (address(0) if none).
    event BidCreated(uint256 indexed orderId, address indexed provider, uint256 pricePerSecond, address outbid);
    event LeaseCreated(
        uint256 indexed leaseId, address indexed tenant, address indexed provider, uint256 pricePerSecond, uint64 deadline
    );
    /// @notice `accrued` moved from the escrow to the provider (service leases).
    event LeaseSettled(uint256 indexed leaseId, address indexed provider, uint256 accrued, uint256 escrowLeft);
    /// @notice `net` was credited to the provider's balance and `fee` to the protocol.
    event PaymentReleased(uint256 indexed leaseId, address indexed provider, uint256 net, uint256 fee);
    /// @notice The lease ended; `refund` (the escrow left) was credited to the tenant's balance.
    event LeaseClosed(
        uint256 indexed leaseId, address indexed provider, LeaseState state, CloseReason reason, uint256 refund
    );
    event ResultSubmitted(
        uint256 indexed leaseId, address indexed provider, string resultCid, bytes32 resultHash, uint64 disputeEndsAt
    );
    event ResultDisputed(uint256 indexed leaseId, address indexed tenant);
    /// @notice The provider lost `stake` of its stake (a failed job, or a batch job given up: pro rata
    ///         to the time held).
    event ProviderSlashed(uint256 indexed leaseId, address indexed provider, uint256 stake);
    /// @notice `amount` was added to `account`'s balance from its wallet.
    event AccountFunded(address indexed account, address indexed token, uint256 amount);
    /// @notice `account`'s whole balance of `token` was paid out to it.
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    /// @notice The market unlocked `amount` of stake it held for `provider` beyond its open leases.
    event StakeReleased(address indexed provider, uint256 amount);
    event FeesSwept(address indexed token, address indexed treasury, uint256 amount);

    // ------------------------------------------------------------ accounts

    /// @notice Adds `amount` of `token` from the caller's allowance to its balance.
    function fund(address token, uint256 amount) external;
    /// @notice fund with the caller's EIP-2612 permit for exactly `amount` (no approve transaction).
    function fundWithPermit(address token, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    /// @notice Pays the caller's whole balance of `token` (pay, refunds, funds) out to it.
    function withdraw(address token) external returns (uint256 amount);

    // ------------------------------------------------------------ orders

    /// @notice Opens an order and escrows `p.deposit` of `p.token`: from the caller's balance first,
    ///         the rest from its allowance.
    function createOrder(OrderParams calldata p) external returns (uint256 orderId);
    /// @notice createOrder without an approve transaction: the whole `p.deposit` is taken with the
    ///         caller's EIP-2612 permit `(deadline, v, r, s)` (the balance is not used). A permit
    ///         already used (e.g. front-run from the mempool) is ignored when the allowance it set is
    ///         there; otherwise MarketInvalidPermit.
    function createOrderWithPermit(OrderParams calldata p, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 orderId);
    /// @notice Opens `replicas` (2..MAX_REPLICAS) identical batch orders as one replica group,
    ///         escrowing `replicas x p.deposit` (balance first, then allowance). Each provider may win
    ///         at most one lease of the group; results go through commitResult then revealResult. A
    ///         service order (jobTimeout 0) is rejected with MarketInvalidJobTimeout(0, maxJobTimeout).
    /// @return groupId The group's id, equal to its first order id.
    function createOrderGroup(OrderParams calldata p, uint256 replicas) external returns (uint256 groupId);
    /// @notice Adds `amount` to the escrow of an open order or an active service lease (settled
    ///         first): from the caller's balance first, the rest from its allowance.
    function deposit(uint256 orderId, uint256 amount) external;
    /// @notice deposit with the caller's EIP-2612 permit for exactly `amount` (the balance is not used).
    function depositWithPermit(uint256 orderId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;
    /// @notice The tenant cancels an order that has no lease: the escrow is credited to its balance.
    function cancelOrder(uint256 orderId) external;

    // ------------------------------------------------------------ bids

    /// @notice Bids `pricePerSecond` on an open order inside its bid window: at most the order's max
    ///         price and strictly below the best bid so far (MarketBidNotLower), which it replaces.
    ///         The caller must be eligible in the registry and have `minProviderStake` free (see
    ///         "Stake"). In a replica group a provider bids on one order only: its first bid in the
    ///         group picks it (MarketProviderInGroup on another). An order with placement
    ///         requirements takes the 3-argument form.
    function createBid(uint256 orderId, uint256 pricePerSecond) external;
    /// @notice createBid on an order with placement requirements: `placement` is the order's (from
    ///         its `OrderCreated` event), checked against `placementHash`, then matched by the registry.
    function createBid(uint256 orderId, uint256 pricePerSecond, IProviderRegistry.Placement calldata placement)
        external;
    /// @notice The tenant leases the order to its best bid, at any time while the order is open.
    ///         Reverts with MarketNoBids without one, MarketInsufficientUnlockedStake if the bidder no
    ///         longer has `minProviderStake` free.
    function acceptBid(uint256 orderId) external returns (uint256 leaseId);
    /// @notice After the bid window, anyone leases the order to its best bid. A grouped order whose
    ///         best bidder lacks the free stake, or that has no bid, is closed instead (escrow
    ///         credited back, returns 0), so that its group can reach the reveal phase; an ungrouped
    ///         one reverts (MarketNoBids, MarketInsufficientUnlockedStake): its tenant may cancel it.
    function closeAuction(uint256 orderId) external returns (uint256 leaseId);

    // ------------------------------------------------------------ leases

    /// @notice Accrues a service lease up to now (a batch lease accrues nothing). Anyone may call.
    function settle(uint256 leaseId) external returns (uint256 accrued);
    /// @notice Tenant or provider closes an active lease; the escrow left is credited to the tenant.
    ///         A batch job closed by the tenant pays `pricePerSecond x` the time worked. Closed by the
    ///         provider (before its deadline), it pays nothing, and `elapsed / jobTimeout` of the
    ///         provider's slashable stake is slashed to the treasury.
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
    ///         slashable stake. Anyone may call; the caller gets the reporter's share of the slash,
    ///         unless it is the provider itself (then all goes to the treasury).
    function expireLease(uint256 leaseId) external;
    /// @notice Unlocks the stake this market holds for the caller beyond what its open leases need
    ///         (call it before unstaking); returns the amount unlocked (0: nothing to release).
    function releaseStake() external returns (uint256 amount);
    /// @notice Sends the protocol fees in `token` to the treasury. Anyone may call.
    function sweepFees(address token) external returns (uint256 amount);

    // ------------------------------------------------------------ views

    function orderCount() external view returns (uint256);
    function getOrder(uint256 orderId) external view returns (Order memory);
    function getLease(uint256 leaseId) external view returns (Lease memory);
    function getGroup(uint256 groupId) external view returns (Group memory);
    /// @notice What `settle` would accrue now, and the escrow that would be left. Always 0 accrued
    ///         for a batch lease: its job price is paid when it ends (`Lease.held`).
    function pendingSettlement(uint256 leaseId) external view returns (uint256 accrued, uint256 escrowLeft);
    /// @notice `account`'s balance of `token` in the market (what `withdraw` would pay).
    function balanceOf(address account, address token) external view returns (uint256);
    function accruedFees(address token) external view returns (uint256);
    /// @notice A provider's open leases and the stake this market holds locked for it in Staking.
    function providerStake(address provider) external view returns (uint256 openLeases, uint256 locked);
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
