// Tables of the Noosphere indexer. Money is bigint (NUMERIC(78,0)), addresses and hashes are
// lowercase hex, times are unix seconds (bigint) of the block that wrote the row. The console
// (apps/console) imports this file for typed @ponder/client queries.
import { index, onchainTable, primaryKey } from "ponder";

// ---------------------------------------------------------------- market: providers and stake

/** ProviderRegistry entries, with their market and staking totals. */
export const provider = onchainTable("provider", (t) => ({
  address: t.hex().primaryKey(),
  hostUri: t.text().notNull(),
  registered: t.boolean().notNull(),
  registeredAt: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  /** Stake under the PROVIDER role (staked, not unbonding), and the part locked by leases. */
  stake: t.bigint().notNull(),
  locked: t.bigint().notNull(),
  bids: t.integer().notNull(),
  /** Last bid's price per second (the provider's current price). */
  lastPricePerSecond: t.bigint(),
  leases: t.integer().notNull(),
  /** Leases closed Completed / Failed, and times it was slashed (lease or stake). */
  completed: t.integer().notNull(),
  failed: t.integer().notNull(),
  slashed: t.integer().notNull(),
  slashedAmount: t.bigint().notNull(),
  /** Net payments credited to its market balance, and what it withdrew from that balance. */
  earned: t.bigint().notNull(),
  withdrawn: t.bigint().notNull(),
  /** Lease stake the market unlocked for it (StakeReleased, `releaseStake` before unstaking). */
  stakeReleased: t.bigint().notNull(),
}));

/** A provider's attributes: self-declared (auditor = zero address) or signed by an auditor. */
export const providerAttribute = onchainTable(
  "provider_attribute",
  (t) => ({
    provider: t.hex().notNull(),
    auditor: t.hex().notNull(),
    key: t.text().notNull(),
    value: t.text().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.provider, table.auditor, table.key] }) }),
);

/** Staking balance of one account under one role (bytes32 role; roleName for the known ones). */
export const stake = onchainTable(
  "stake",
  (t) => ({
    account: t.hex().notNull(),
    role: t.hex().notNull(),
    roleName: t.text().notNull(),
    staked: t.bigint().notNull(),
    locked: t.bigint().notNull(),
    unbonding: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
    withdrawn: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.account, table.role] }),
    roleIdx: index().on(table.role),
  }),
);

/** One unstake request (UnstakeRequested); withdrawn once a Withdrawn after releaseAt is seen. */
export const unbonding = onchainTable(
  "unbonding",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    role: t.hex().notNull(),
    amount: t.bigint().notNull(),
    releaseAt: t.bigint().notNull(),
    withdrawn: t.boolean().notNull(),
    requestedAt: t.bigint().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);

/**
 * Earnings to withdraw per account and token; source = "coprocessor" | "subnet" | "channel". The
 * market's pay lands in the account's market balance instead (`market_account`).
 */
export const earning = onchainTable(
  "earning",
  (t) => ({
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    source: t.text().notNull(),
    earned: t.bigint().notNull(),
    withdrawn: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.account, table.token, table.source] }) }),
);

/**
 * Market balances per account and token (ComputeMarket accounts). funded: AccountFunded; credited:
 * pay (PaymentReleased net) and refunds (LeaseClosed, OrderCanceled); spent: escrow taken from the
 * balance by an order or a top-up (read from the chain at that block); withdrawn: Withdrawn.
 * balance = funded + credited - spent - withdrawn, what `balanceOf` returns.
 */
export const marketAccount = onchainTable(
  "market_account",
  (t) => ({
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    balance: t.bigint().notNull(),
    funded: t.bigint().notNull(),
    credited: t.bigint().notNull(),
    spent: t.bigint().notNull(),
    withdrawn: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.account, table.token] }) }),
);

// ---------------------------------------------------------------- market: orders, bids, leases

/** ComputeMarket orders. state: Open | Leased | Closed (as the contract's OrderState). */
export const order = onchainTable(
  "order",
  (t) => ({
    id: t.bigint().primaryKey(),
    tenant: t.hex().notNull(),
    token: t.hex().notNull(),
    manifestCid: t.text().notNull(),
    manifestHash: t.hex().notNull(),
    maxPricePerSecond: t.bigint().notNull(),
    deposit: t.bigint().notNull(),
    /** Escrow the order holds: deposit + EscrowDeposited, minus refunds and settled payments. */
    escrow: t.bigint().notNull(),
    bidDeadline: t.bigint().notNull(),
    jobTimeout: t.integer().notNull(),
    state: t.text().notNull(),
    groupId: t.bigint(),
    /** BidCreated events seen (each below the one before). */
    bidCount: t.integer().notNull(),
    /** The best (lowest) bid so far, the winning one once leased; null without a bid. */
    bestBidder: t.hex(),
    bestPricePerSecond: t.bigint(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({ tenantIdx: index().on(table.tenant), stateIdx: index().on(table.state) }),
);

/**
 * Every bid (BidCreated) of an order, `seq` 0, 1, ... in chain order; each is below the one
 * before and replaces it as the best. state: Best (the order's best bid now, or when the order
 * closed without a lease) | Outbid (a lower bid came; `outbidBy`, `outbidAt`) | Won (leased).
 * `outbid` is the provider this bid replaced (null for the first bid).
 */
export const bid = onchainTable(
  "bid",
  (t) => ({
    orderId: t.bigint().notNull(),
    seq: t.integer().notNull(),
    provider: t.hex().notNull(),
    pricePerSecond: t.bigint().notNull(),
    outbid: t.hex(),
    best: t.boolean().notNull(),
    state: t.text().notNull(),
    outbidBy: t.hex(),
    outbidAt: t.bigint(),
    createdAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.orderId, table.seq] }),
    providerIdx: index().on(table.provider),
  }),
);

/**
 * Leases (id = the order's id). state as the contract's LeaseState: Active | ResultSubmitted |
 * Disputed | Closed | InsufficientFunds | Completed | Failed | Committed. escrowLeft/settledAt come
 * from the last LeaseSettled; escrowRunsOutAt = settledAt + escrowLeft / pricePerSecond.
 */
export const lease = onchainTable(
  "lease",
  (t) => ({
    id: t.bigint().primaryKey(),
    orderId: t.bigint().notNull(),
    tenant: t.hex().notNull(),
    provider: t.hex().notNull(),
    pricePerSecond: t.bigint().notNull(),
    deadline: t.bigint().notNull(),
    state: t.text().notNull(),
    closeReason: t.text(),
    startedAt: t.bigint().notNull(),
    closedAt: t.bigint(),
    escrowLeft: t.bigint().notNull(),
    settledAt: t.bigint().notNull(),
    escrowRunsOutAt: t.bigint(),
    accrued: t.bigint().notNull(),
    paid: t.bigint().notNull(),
    fees: t.bigint().notNull(),
    refund: t.bigint(),
    resultCid: t.text(),
    resultHash: t.hex(),
    commitment: t.hex(),
    disputeEndsAt: t.bigint(),
    /** Stake slashed from the provider over this lease (ProviderSlashed). */
    slashed: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ providerIdx: index().on(table.provider), tenantIdx: index().on(table.tenant) }),
);

/**
 * Timeline of an order and its lease, one row per event, ordered by (blockNumber, logIndex).
 * kind: ordered | escrow | bid | leased | settled | committed | result | paid |
 * disputed | slashed | accepted | expired | failed | closed | canceled.
 */
export const leaseEvent = onchainTable(
  "lease_event",
  (t) => ({
    id: t.text().primaryKey(),
    orderId: t.bigint().notNull(),
    kind: t.text().notNull(),
    actor: t.hex(),
    amount: t.bigint(),
    detail: t.text(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ orderIdx: index().on(table.orderId) }),
);

// ---------------------------------------------------------------- zkML

/** ModelRegistry entries. */
export const model = onchainTable("model", (t) => ({
  id: t.bigint().primaryKey(),
  owner: t.hex().notNull(),
  verifier: t.hex().notNull(),
  onnxHash: t.hex().notNull(),
  settingsHash: t.hex().notNull(),
  paramCommitment: t.bigint().notNull(),
  metadataURI: t.text().notNull(),
  version: t.integer().notNull(),
  baseModelId: t.bigint(),
  previousModelId: t.bigint(),
  deprecated: t.boolean().notNull(),
  proofs: t.integer().notNull(),
  registeredAt: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/** Verified inferences (ProofRegistry InferenceVerified); claimedBy from InferenceClaimed. */
export const proof = onchainTable(
  "proof",
  (t) => ({
    id: t.text().primaryKey(),
    recordId: t.hex().notNull(),
    modelId: t.bigint().notNull(),
    inputHash: t.hex().notNull(),
    outputHash: t.hex().notNull(),
    outputs: t.bigint().array().notNull(),
    submitter: t.hex().notNull(),
    committed: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ modelIdx: index().on(table.modelId), recordIdx: index().on(table.recordId) }),
);

// ---------------------------------------------------------------- subnets

/** SubnetRegistry subnets; hyperparams/protocol are the last *Updated tuples as JSON. */
export const subnet = onchainTable("subnet", (t) => ({
  netuid: t.integer().primaryKey(),
  owner: t.hex().notNull(),
  locked: t.bigint().notNull(),
  dissolved: t.boolean().notNull(),
  neurons: t.integer().notNull(),
  epochs: t.integer().notNull(),
  lastEpochIndex: t.bigint(),
  totalEmission: t.bigint().notNull(),
  hyperparams: t.json(),
  protocol: t.json(),
  createdAt: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/** Current neurons of a subnet (uid slot); the last epoch's terms are copied here too. */
export const neuron = onchainTable(
  "neuron",
  (t) => ({
    netuid: t.integer().notNull(),
    uid: t.integer().notNull(),
    hotkey: t.hex().notNull(),
    active: t.boolean().notNull(),
    endpoint: t.text(),
    registeredAt: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    stake: t.bigint().notNull(),
    incentive: t.integer().notNull(),
    dividends: t.integer().notNull(),
    consensus: t.integer().notNull(),
    trust: t.integer().notNull(),
    /** Emission summed over the epochs seen. */
    totalEmission: t.bigint().notNull(),
    lastWeightsAt: t.bigint(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.netuid, table.uid] }) }),
);

/**
 * Per-epoch neuron snapshot, read from the chain at the EpochFinished block (neuronTerms):
 * incentive/dividends/consensus/trust (validator trust) in u16 fixed point (65535 = 1),
 * emission in NOOS wei (the contract's u64 units), stake weight.
 */
export const epoch = onchainTable(
  "epoch",
  (t) => ({
    netuid: t.integer().notNull(),
    epochIndex: t.bigint().notNull(),
    uid: t.integer().notNull(),
    hotkey: t.hex().notNull(),
    incentive: t.integer().notNull(),
    dividends: t.integer().notNull(),
    consensus: t.integer().notNull(),
    trust: t.integer().notNull(),
    stakeWeight: t.integer().notNull(),
    emission: t.bigint().notNull(),
    active: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.netuid, table.epochIndex, table.uid] }),
    subnetIdx: index().on(table.netuid),
  }),
);

/** Per-subnet epoch totals (EpochStarted + EpochFinished). */
export const epochSummary = onchainTable(
  "epoch_summary",
  (t) => ({
    netuid: t.integer().notNull(),
    epochIndex: t.bigint().notNull(),
    blocks: t.bigint(),
    emission: t.bigint().notNull(),
    ownerCut: t.bigint().notNull(),
    totalServer: t.bigint().notNull(),
    totalValidator: t.bigint().notNull(),
    burned: t.bigint().notNull(),
    credited: t.bigint().notNull(),
    finished: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.netuid, table.epochIndex] }) }),
);

/** Validator -> miner weights in force at an epoch (read at the EpochFinished block; u16). */
export const weight = onchainTable(
  "weight",
  (t) => ({
    netuid: t.integer().notNull(),
    epochIndex: t.bigint().notNull(),
    validatorUid: t.integer().notNull(),
    minerUid: t.integer().notNull(),
    value: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({
      columns: [table.netuid, table.epochIndex, table.validatorUid, table.minerUid],
    }),
  }),
);

// ---------------------------------------------------------------- coprocessor

/**
 * Coprocessor requests. status: Pending | Delivered | Disputed | Refunded | Canceled (of the last
 * interval); verification: None | Redundant | Zk | Optimistic.
 */
export const coprocessorRequest = onchainTable(
  "coprocessor_request",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    modelId: t.bigint().notNull(),
    inputHash: t.hex().notNull(),
    inputCid: t.text(),
    verification: t.text().notNull(),
    redundancy: t.integer().notNull(),
    paymentToken: t.hex().notNull(),
    feeCap: t.bigint().notNull(),
    period: t.integer().notNull(),
    frequency: t.integer().notNull(),
    status: t.text().notNull(),
    intervals: t.integer().notNull(),
    deliveries: t.integer().notNull(),
    lastOutputHash: t.hex(),
    verified: t.boolean(),
    callbackSucceeded: t.boolean(),
    nodeFees: t.bigint().notNull(),
    refunded: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner), modelIdx: index().on(table.modelId) }),
);

/** One node's delivery of one interval's output. */
export const coprocessorDelivery = onchainTable(
  "coprocessor_delivery",
  (t) => ({
    id: t.text().primaryKey(),
    requestId: t.bigint().notNull(),
    interval: t.integer().notNull(),
    node: t.hex().notNull(),
    outputHash: t.hex().notNull(),
    outputCid: t.text(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ requestIdx: index().on(table.requestId) }),
);

// ---------------------------------------------------------------- payment channels, data assets

/** PaymentChannels channels (x402 pay-per-call). */
export const channel = onchainTable(
  "channel",
  (t) => ({
    id: t.hex().primaryKey(),
    payer: t.hex().notNull(),
    receiver: t.hex().notNull(),
    token: t.hex().notNull(),
    withdrawDelay: t.integer().notNull(),
    balance: t.bigint().notNull(),
    totalClaimed: t.bigint().notNull(),
    refunded: t.bigint().notNull(),
    withdrawPending: t.bigint(),
    withdrawFinalizeAfter: t.bigint(),
    createdAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ payerIdx: index().on(table.payer), receiverIdx: index().on(table.receiver) }),
);

/** Data NFTs (DataNFTFactory) with their latest metadata (DataNFT MetadataCreated/Updated). */
export const dataAsset = onchainTable("data_asset", (t) => ({
  nft: t.hex().primaryKey(),
  did: t.hex().notNull(),
  owner: t.hex().notNull(),
  name: t.text().notNull(),
  symbol: t.text().notNull(),
  metadataCid: t.text(),
  metadataHash: t.hex(),
  metadataState: t.integer(),
  datatokens: t.integer().notNull(),
  orders: t.integer().notNull(),
  createdAt: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/** Datatokens of data assets, with their access orders (OrderStarted). */
export const datatoken = onchainTable("datatoken", (t) => ({
  address: t.hex().primaryKey(),
  nft: t.hex().notNull(),
  name: t.text().notNull(),
  symbol: t.text().notNull(),
  cap: t.bigint().notNull(),
  orders: t.integer().notNull(),
  createdAt: t.bigint().notNull(),
}));

// ---------------------------------------------------------------- accounts, search, overview

/** Every indexed event that names an account, for the Account and Search pages. */
export const accountActivity = onchainTable(
  "account_activity",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    contract: t.text().notNull(),
    event: t.text().notNull(),
    /** Order/lease/model/request/subnet id the event is about, if any, as text. */
    ref: t.text(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account), txIdx: index().on(table.txHash) }),
);

/** NOOS balance per account, from Transfer events. */
export const tokenBalance = onchainTable("token_balance", (t) => ({
  account: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
}));

/** One row (id = "global"): counters for the overview page. */
export const stats = onchainTable("stats", (t) => ({
  id: t.text().primaryKey(),
  providers: t.integer().notNull(),
  orders: t.integer().notNull(),
  openOrders: t.integer().notNull(),
  leases: t.integer().notNull(),
  activeLeases: t.integer().notNull(),
  completedLeases: t.integer().notNull(),
  proofsVerified: t.integer().notNull(),
  models: t.integer().notNull(),
  subnets: t.integer().notNull(),
  coprocessorRequests: t.integer().notNull(),
  channels: t.integer().notNull(),
  dataAssets: t.integer().notNull(),
  noosStaked: t.bigint().notNull(),
  events: t.integer().notNull(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** Activity per hour (bucket = unix hour start) for the overview charts. */
export const activityHour = onchainTable("activity_hour", (t) => ({
  bucket: t.bigint().primaryKey(),
  orders: t.integer().notNull(),
  leases: t.integer().notNull(),
  proofs: t.integer().notNull(),
  requests: t.integer().notNull(),
  events: t.integer().notNull(),
}));

// ---------------------------------------------------------------- optimistic verification

/** OptimisticVerifier claims (status None | Open | Finalized | Rejected), read with getClaim. */
export const claim = onchainTable(
  "claim",
  (t) => ({
    id: t.bigint().primaryKey(),
    leaseId: t.bigint().notNull(),
    asserter: t.hex().notNull(),
    status: t.text().notNull(),
    windowEnds: t.bigint().notNull(),
    openGames: t.integer().notNull(),
    specHash: t.hex().notNull(),
    finalState: t.hex().notNull(),
    resultHash: t.hex().notNull(),
    bond: t.bigint().notNull(),
    numTransitions: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ leaseIdx: index().on(table.leaseId) }),
);

/**
 * Dispute games on claims, as getGame says after the last move: phase (Bisect | Choose | Trace |
 * Pick | Open | Resolved), [lo, hi] the disputed step interval, winner and resolution once over.
 */
export const disputeGame = onchainTable(
  "dispute_game",
  (t) => ({
    id: t.bigint().primaryKey(),
    claimId: t.bigint().notNull(),
    challenger: t.hex().notNull(),
    phase: t.text().notNull(),
    winner: t.hex(),
    resolution: t.text().notNull(),
    deadline: t.bigint().notNull(),
    lo: t.bigint().notNull(),
    hi: t.bigint().notNull(),
    op: t.bigint().notNull(),
    element: t.bigint().notNull(),
    challengerFinal: t.hex().notNull(),
    bond: t.bigint().notNull(),
    moves: t.integer().notNull(),
    lastMove: t.text().notNull(),
    createdAt: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ claimIdx: index().on(table.claimId) }),
);
