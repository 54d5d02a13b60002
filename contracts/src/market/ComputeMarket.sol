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
/// @notice Orders, a running reverse auction (best bid only), escrowed leases (service: paid by
///         time; batch: priced per job), batch results with a dispute window, replica groups with
///         commit-reveal, a lazy stake lock behind open leases, slashing for missed deadlines, and
///         per-token accounts that every payment and refund is credited to.
/// @dev Money conservation, per token: `token.balanceOf(market) == Σ balances + Σ escrow of the
///      orders not ended (Open or Leased; an ended order's escrow is 0) + unswept fees`. A batch
///      lease's job price stays in its escrow until the lease ends; then the job price (or the
///      time worked) is paid and the rest credited back to the tenant.
///
///      Storage (ids are sequential: orderId = ++orderCount; a lease id is its order id). An order
///      and its lease are four hand-packed words, `_orders[id]` (ComputeMarketLib.OrderData):
///        w0  tenant | bidDeadline(32) | createdBlock(32) | jobTimeout(32)     createOrder only
///        w1  token | maxPricePerSecond(80) | takeRateBps(16)                 createOrder only
///        w2  escrow(96) | orderState(2) GROUPED BATCH leaseState(4) | disputeWindow(24) |
///            startedAt | closedAt | resultBlock | mark (32 each)               every state change
///            (while the order is open, bits 128..207 hold maxPricePerSecond and `mark` the bid
///            deadline: a bid reads w2 and w3 only; w0 and w1 keep both for the views)
///        w3  bestBidder | bestPrice(80) | stake tag(16): the best bid, then the lease's provider
///            and price
///      `mark` is a service lease's settled-up-to time, an active batch job's deadline, then its
///      dispute window's end once a result is in. The take rate and (batch) the dispute window are
///      ProtocolParams' when the order opened, fixed for its lease.
///      Beside them: `_placementHashes[id]` only for an order with placement requirements;
///      `_results[id]` (batch result hash); `_commitments[id]`, `_groupOf[id]`, `_groups[groupId]`
///      and `_groupOrderOf[groupId][provider]` (the order a provider's first bid in the group picked)
///      only for replica groups. `_balances[account][token]` and `_fees[token]`: USED | amount
///      (USED = bit 255, set once, so that crediting an emptied slot is a 5k update, not a 22k
///      creation). `_providers[provider]`: USED | openLeases(32) << 128 | stake the market holds
///      locked in Staking(128) | epoch << 160 (counts what lowered that lock: releaseStake, a
///      slash's clamp).
///
///      What each call writes (a returning tenant and provider):
///      - createOrder: orderCount, w0-w2 (+ the placement hash), the tenant's balance (then
///        transferFrom only for what the balance lacks; WithPermit: the whole deposit by permit).
///      - createBid: w3 (+ the group pick on a provider's first bid in a group). Reads w2, w3, the
///        placement hash (a placement in standard encoding is hashed and forwarded to the registry
///        in place), minProviderStake, the provider record (Staking only when the market's own
///        lock does not cover one more lease).
///      - acceptBid / closeAuction: w2, the provider record (Staking.lock only when the market's
///        lock falls short of minProviderStake x open leases). When the bid found the market's lock
///        covering one more lease (its stake tag) and the lock has not been lowered nor taken by
///        more open leases since (the record's epoch and open count), the lease starts without
///        reading minProviderStake: the lock is as the bid's minProviderStake sized it.
///      - submitResult: w2, the result hash (no ProtocolParams read).
///      - acceptResult / resolveDispute / expireLease / closeLease: w2, the provider's and the
///        tenant's balances, the fees, the provider record (+ Staking.slash on a failure).
///      - settle: w2, the provider's balance, the fees. deposit: w2 (+ the caller's balance).
///      Stake: the market trusts its own record of what it holds locked (Staking keeps locked stake
///      from being withdrawn), so a returning provider's bid and lease do not ask Staking. After
///      each slash by this market the record follows Staking's clamp of the lock to the stake left.
///      This assumes the market is the only slasher of the PROVIDER role (as deployed: the
///      coprocessor slashes its own role); another one could leave the record above Staking's lock.
///      ProtocolParams is read at most once per value per call. Packed fields are bounded by the
///      writes (SafeCast at order time; times and blocks fit uint32 until 2106).
// forge-lint: disable-start(unsafe-typecast) the words are packed and unpacked by hand (see above)
contract ComputeMarket is IComputeMarket, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint256 internal constant BPS = 10_000;
    /// @notice Most placement attributes an order may require.
    uint256 public constant MAX_PLACEMENT_ATTRIBUTES = 16;
    /// @notice Most auditors (allOf + anyOf) an order may name.
    uint256 public constant MAX_PLACEMENT_AUDITORS = 8;
    /// @notice Staking role whose stake backs leases (locked, slashed).
    bytes32 public constant PROVIDER_ROLE = keccak256("PROVIDER");
    bytes32 public constant RECEIPT_TYPEHASH =
        keccak256("Receipt(uint256 leaseId,bytes32 resultHash,string resultCid)");
    /// @notice Most orders in one replica group.
    uint256 public constant MAX_REPLICAS = 8;

    /// @dev Marks a balance, fee or provider slot as used: it never goes back to zero.
    uint256 private constant USED = 1 << 255;
    uint256 private constant M32 = (1 << 32) - 1;
    uint256 private constant M128 = (1 << 128) - 1;
    uint256 private constant M80 = ComputeMarketLib.M80;
    /// @dev Provider record: a counter of the changes that lowered the market's lock (releaseStake,
    ///      a slash's clamp), at bit 160.
    uint256 private constant EPOCH = 160;
    uint256 private constant ONE_EPOCH = uint256(1) << EPOCH;
    /// @dev w3's top 16 bits: the best bid's stake tag (see _freeStake).
    uint256 private constant BID_TAG = 240;
    uint256 private constant M96 = ComputeMarketLib.M96;
    uint256 private constant ORDER_STATE = ComputeMarketLib.ORDER_STATE;
    uint256 private constant GROUPED = ComputeMarketLib.GROUPED;
    uint256 private constant BATCH = ComputeMarketLib.BATCH;
    uint256 private constant LEASE_STATE = ComputeMarketLib.LEASE_STATE;
    uint256 private constant DISPUTE_WINDOW = ComputeMarketLib.DISPUTE_WINDOW;
    uint256 private constant ORDER_STATE_MASK = ComputeMarketLib.ORDER_STATE_MASK;
    uint256 private constant LEASE_STATE_MASK = ComputeMarketLib.LEASE_STATE_MASK;
    uint256 private constant STARTED_AT = ComputeMarketLib.STARTED_AT;
    uint256 private constant OPEN_MAX_PRICE = ComputeMarketLib.OPEN_MAX_PRICE;
    uint256 private constant MARK = ComputeMarketLib.MARK;
    uint256 private constant CLOSED_AT = ComputeMarketLib.CLOSED_AT;
    uint256 private constant RESULT_BLOCK = ComputeMarketLib.RESULT_BLOCK;

    IProtocolParams public immutable params;
    IProviderRegistry public immutable registry;
    IStaking public immutable staking;

    uint256 private _orderCount;
    mapping(uint256 orderId => ComputeMarketLib.OrderData) private _orders;
    mapping(uint256 orderId => bytes32) private _placementHashes;
    mapping(uint256 leaseId => bytes32) private _results;
    mapping(uint256 leaseId => bytes32) private _commitments;
    mapping(uint256 orderId => uint256) private _groupOf;
    mapping(uint256 groupId => Group) private _groups;
    mapping(uint256 groupId => mapping(address provider => uint256 orderId)) private _groupOrderOf;
    mapping(address account => mapping(address token => uint256)) private _balances;
    mapping(address token => uint256) private _fees;
    mapping(address provider => uint256) private _providers;

    constructor(IProtocolParams params_, IProviderRegistry registry_, IStaking staking_)
        EIP712("NoosphereComputeMarket", "1")
    {
        params = params_;
        registry = registry_;
        staking = staking_;
    }

    // ---------------------------------------------------------------- accounts

    /// @inheritdoc IComputeMarket
    function fund(address token, uint256 amount) external nonReentrant {
        _fund(token, amount);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IComputeMarket
    function fundWithPermit(address token, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        _fund(token, amount);
        ComputeMarketLib.pullWithPermit(token, amount, deadline, v, r, s);
    }

    function _fund(address token, uint256 amount) private {
        if (amount == 0) revert MarketZeroAmount();
        if (!params.paymentToken(token).allowed) revert MarketTokenNotAllowed(token);
        _credit(msg.sender, token, amount);
        emit AccountFunded(msg.sender, token, amount);
    }

    /// @inheritdoc IComputeMarket
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _balances[msg.sender][token] & ~USED;
        if (amount == 0) revert MarketNothingToWithdraw(msg.sender, token);
        _balances[msg.sender][token] = USED;
        emit Withdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- orders

    /// @inheritdoc IComputeMarket
    function createOrder(OrderParams calldata p) external nonReentrant returns (uint256 orderId) {
        orderId = _openOrders(p, 1, 0);
        _take(p.token, p.deposit);
    }

    /// @inheritdoc IComputeMarket
    function createOrderWithPermit(OrderParams calldata p, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256 orderId)
    {
        orderId = _openOrders(p, 1, 0);
        ComputeMarketLib.pullWithPermit(p.token, p.deposit, deadline, v, r, s);
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
        groupId = _openOrders(p, replicas, GROUPED);
        _groups[groupId] = Group(msg.sender, uint16(replicas), 0, 0);
        emit OrderGroupCreated(groupId, msg.sender, groupId, replicas);
        _take(p.token, p.deposit * replicas);
    }

    /// @dev Validates `p` and opens `count` orders from it (ids `firstId ..`); `grouped` (GROUPED
    ///      or 0): as one replica group whose id is `firstId`.
    function _openOrders(OrderParams calldata p, uint256 count, uint256 grouped) private returns (uint256 firstId) {
        (uint256 w0, uint256 w1, uint256 w2) = _orderWords(p, grouped);
        bytes32 pHash = _orderPlacementHash(p.placement);
        firstId = _orderCount + 1;
        _orderCount = firstId + count - 1;
        for (uint256 id = firstId; id < firstId + count; ++id) {
            ComputeMarketLib.OrderData storage o = _orders[id];
            o.w0 = w0;
            o.w1 = w1;
            o.w2 = w2;
            if (pHash != 0) _placementHashes[id] = pHash;
            if (grouped != 0) _groupOf[id] = firstId;
            _emitCreated(id, p, uint64(w2 >> MARK));
        }
    }

    /// @dev Validates `p` and packs its order's words w0, w1, w2 (see ComputeMarketLib.OrderData).
    function _orderWords(OrderParams calldata p, uint256 grouped)
        private
        view
        returns (uint256 w0, uint256 w1, uint256 w2)
    {
        (uint256 takeRate, uint256 batch) = _validate(p);
        uint256 bidDeadline = (block.timestamp + p.bidWindow).toUint32();
        w0 = uint256(uint160(msg.sender)) | (bidDeadline << 160) | (uint256(block.number.toUint32()) << 192)
            | (uint256(p.jobTimeout) << 224);
        uint256 maxPrice = p.maxPricePerSecond.toUint80();
        w1 = uint256(uint160(p.token)) | (maxPrice << 160) | (takeRate << 240);
        w2 = uint256(p.deposit.toUint96()) | (uint256(OrderState.Open) << ORDER_STATE) | grouped | batch
            | (maxPrice << OPEN_MAX_PRICE) | (bidDeadline << MARK);
    }

    function _emitCreated(uint256 orderId, OrderParams calldata p, uint64 bidDeadline) private {
        emit OrderCreated(
            orderId,
            msg.sender,
            p.token,
            p.manifestCid,
            p.manifestHash,
            p.maxPricePerSecond,
            p.deposit,
            bidDeadline,
            p.jobTimeout,
            p.resources,
            p.placement
        );
    }

    /// @dev 0 for no placement requirement, else `keccak256(abi.encode(placement))`, hashed in
    ///      place when the call is encoded as a standard encoder does: the placement is then the last
    ///      tail and its last field (anyOf) ends the calldata. Otherwise (e.g. a suffix appended to
    ///      the calldata) it is decoded and encoded again.
    function _orderPlacementHash(IProviderRegistry.Placement calldata placement) private pure returns (bytes32 h) {
        if (placement.attributes.length == 0 && placement.allOf.length == 0 && placement.anyOf.length == 0) {
            return 0;
        }
        address[] calldata anyOf = placement.anyOf;
        uint256 end;
        assembly ("memory-safe") {
            end := add(anyOf.offset, shl(5, anyOf.length))
        }
        if (end != msg.data.length) return ComputeMarketLib.placementHash(placement);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let len := sub(calldatasize(), placement)
            mstore(ptr, 0x20)
            calldatacopy(add(ptr, 32), placement, len)
            h := keccak256(ptr, add(32, len))
        }
    }

    /// @dev Reverts with the field's error unless `p` is a valid order; returns the take rate and,
    ///      for a batch order, BATCH | the dispute window (in place in w2).
    function _validate(OrderParams calldata p) private view returns (uint256 takeRate, uint256 batch) {
        IProtocolParams params_ = params;
        uint256 escrow = p.deposit;
        {
            IProtocolParams.PaymentToken memory t = params_.paymentToken(p.token);
            if (!t.allowed) revert MarketTokenNotAllowed(p.token);
            if (escrow == 0 || escrow < t.minOrderDeposit) revert MarketDepositTooLow(escrow, t.minOrderDeposit);
        }
        uint256 maxPrice = p.maxPricePerSecond;
        if (maxPrice == 0) revert MarketZeroPrice();
        if (p.manifestHash == bytes32(0) || bytes(p.manifestCid).length == 0) revert MarketInvalidManifest();
        {
            uint256 window = p.bidWindow;
            uint256 minWindow = params_.minBidWindow();
            uint256 maxWindow = params_.maxBidWindow();
            if (window < minWindow || window > maxWindow) revert MarketInvalidBidWindow(window, minWindow, maxWindow);
        }
        uint256 timeout = p.jobTimeout;
        if (timeout != 0) {
            uint256 maxTimeout = params_.maxJobTimeout();
            if (timeout > maxTimeout) revert MarketInvalidJobTimeout(timeout, maxTimeout);
            // A batch job's escrow covers the whole run at the max price, so it can never run dry.
            if (maxPrice > escrow / timeout) {
                // Saturating: an absurd max price must report the error, not overflow while building it.
                revert MarketDepositBelowJobCost(escrow, Math.saturatingMul(maxPrice, timeout));
            }
            // <= 30 days (ProtocolParams' bound) < 2^24
            batch = BATCH | (uint256(params_.disputeWindow()) << DISPUTE_WINDOW);
        }
        uint256 auditors = p.placement.allOf.length + p.placement.anyOf.length;
        if (p.placement.attributes.length > MAX_PLACEMENT_ATTRIBUTES || auditors > MAX_PLACEMENT_AUDITORS) {
            revert MarketInvalidPlacement(p.placement.attributes.length, auditors);
        }
        takeRate = params_.takeRateBps();
    }

    /// @inheritdoc IComputeMarket
    function deposit(uint256 orderId, uint256 amount) external nonReentrant {
        _take(_addEscrow(orderId, amount), amount);
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
        ComputeMarketLib.OrderData storage o = _orders[orderId];
        uint256 w2 = o.w2;
        OrderState state = _orderState(w2);
        if (state == OrderState.Leased) {
            // Settle first: a lease whose escrow already ran out is not revived (as in Akash).
            _accrue(orderId, o);
            w2 = o.w2;
            LeaseState ls = _leaseState(w2);
            if (ls != LeaseState.Active) revert MarketLeaseNotActive(orderId, ls);
        } else if (state != OrderState.Open) {
            if (state == OrderState.None) revert MarketUnknownOrder(orderId);
            revert MarketOrderNotOpen(orderId, state);
        }
        o.w2 = (w2 & ~M96) | ((w2 & M96) + amount).toUint96();
        emit EscrowDeposited(orderId, msg.sender, amount);
        return address(uint160(o.w1));
    }

    /// @inheritdoc IComputeMarket
    function cancelOrder(uint256 orderId) external nonReentrant {
        ComputeMarketLib.OrderData storage o = _orders[orderId];
        uint256 w0 = o.w0;
        if (w0 == 0) revert MarketUnknownOrder(orderId);
        if (msg.sender != address(uint160(w0))) revert MarketNotTenant(orderId, msg.sender);
        uint256 w2 = o.w2;
        OrderState state = _orderState(w2);
        if (state != OrderState.Open) revert MarketOrderNotOpen(orderId, state);
        _closeOrder(orderId, o, w2, msg.sender);
    }

    /// @dev Closes an open order without a lease: the escrow is credited back to the tenant, and
    ///      its group (if any) counts it as settled.
    function _closeOrder(uint256 orderId, ComputeMarketLib.OrderData storage o, uint256 w2, address tenant) private {
        uint256 refund = w2 & M96;
        o.w2 = (w2 & ~(M96 | ORDER_STATE_MASK)) | (uint256(OrderState.Closed) << ORDER_STATE);
        _credit(tenant, address(uint160(o.w1)), refund);
        emit OrderCanceled(orderId, tenant, refund);
        if (w2 & GROUPED != 0) _groupSettled(_groupOf[orderId]);
    }

    // ---------------------------------------------------------------- bids

    /// @inheritdoc IComputeMarket
    function createBid(uint256 orderId, uint256 pricePerSecond) external nonReentrant {
        (ComputeMarketLib.OrderData storage o, uint256 w2, uint256 w3) = _checkBid(orderId, pricePerSecond);
        bytes32 expected = _placementHashes[orderId];
        if (expected != 0) revert MarketWrongPlacement(orderId, expected, 0);
        if (!registry.isEligible(msg.sender)) revert MarketProviderNotEligible(msg.sender);
        _recordBid(orderId, o, w2, w3, pricePerSecond);
    }

    /// @inheritdoc IComputeMarket
    function createBid(uint256 orderId, uint256 pricePerSecond, IProviderRegistry.Placement calldata placement)
        external
        nonReentrant
    {
        (ComputeMarketLib.OrderData storage o, uint256 w2, uint256 w3) = _checkBid(orderId, pricePerSecond);
        bytes32 expected = _placementHashes[orderId];
        if (expected == 0) {
            bytes32 given = ComputeMarketLib.placementHash(placement);
            if (given != 0) revert MarketWrongPlacement(orderId, 0, given);
            if (!registry.isEligible(msg.sender)) revert MarketProviderNotEligible(msg.sender);
        } else if (!_matchesPlacement(orderId, expected, placement)) {
            // matchesPlacement checks the registration; _recordBid the stake.
            revert MarketPlacementMismatch(orderId, msg.sender);
        }
        _recordBid(orderId, o, w2, w3, pricePerSecond);
    }

    /// @dev Reverts with MarketWrongPlacement unless `placement` hashes to `expected` (the order's),
    ///      then asks the registry whether the caller matches it. Fast path, for a placement where a
    ///      standard encoder puts it (the last argument: from 0x64 to the end of the calldata): its
    ///      bytes are hashed and forwarded to the registry in place, with no decoding and
    ///      re-encoding. They hash to `expected` only if they are exactly abi.encode of the order's
    ///      placement, so the placement the registry decodes from them is the order's.
    function _matchesPlacement(uint256 orderId, bytes32 expected, IProviderRegistry.Placement calldata placement)
        private
        view
        returns (bool ok)
    {
        uint256 start;
        assembly ("memory-safe") {
            start := placement
        }
        if (start == 0x64) {
            bool matched;
            address registry_ = address(registry);
            bytes4 selector = IProviderRegistry.matchesPlacement.selector;
            assembly ("memory-safe") {
                // [selector][caller][0x40][placement]; abi.encode(placement) is [0x20][placement].
                let ptr := mload(0x40)
                let len := sub(calldatasize(), 0x64)
                calldatacopy(add(ptr, 68), 0x64, len)
                mstore(add(ptr, 36), 0x20)
                matched := eq(keccak256(add(ptr, 36), add(32, len)), expected)
                if matched {
                    mstore(ptr, selector)
                    mstore(add(ptr, 4), caller())
                    mstore(add(ptr, 36), 0x40)
                    let success := staticcall(gas(), registry_, ptr, add(68, len), 0, 0x20)
                    ok := and(and(success, gt(returndatasize(), 31)), eq(mload(0), 1))
                }
            }
            if (matched) return ok;
        }
        bytes32 given = ComputeMarketLib.placementHash(placement);
        if (given != expected) revert MarketWrongPlacement(orderId, expected, given);
        return registry.matchesPlacement(msg.sender, placement);
    }

    /// @dev Every createBid check but the provider's (registry, placement, stake, group).
    function _checkBid(uint256 orderId, uint256 price)
        private
        view
        returns (ComputeMarketLib.OrderData storage o, uint256 w2, uint256 w3)
    {
        o = _orders[orderId];
        w2 = o.w2;
        OrderState state = _orderState(w2);
        if (state != OrderState.Open) {
            if (state == OrderState.None) revert MarketUnknownOrder(orderId);
            revert MarketOrderNotOpen(orderId, state);
        }
        uint256 bidDeadline = w2 >> MARK; // while open
        if (block.timestamp >= bidDeadline) revert MarketBidWindowClosed(orderId, uint64(bidDeadline));
        if (price == 0) revert MarketZeroPrice();
        uint256 maxPrice = (w2 >> OPEN_MAX_PRICE) & ComputeMarketLib.M80; // while open
        if (price > maxPrice) revert MarketBidAbovePrice(orderId, price, maxPrice);
        w3 = o.w3;
        if (w3 != 0 && price >= (w3 >> 160) & M80) revert MarketBidNotLower(orderId, price, (w3 >> 160) & M80);
    }

    /// @dev Checks the bidder's free stake and (replica groups) its pick, then records the best bid.
    function _recordBid(uint256 orderId, ComputeMarketLib.OrderData storage o, uint256 w2, uint256 w3, uint256 price)
        private
    {
        uint256 minStake = params.minProviderStake();
        (uint256 free, uint256 tag) = _freeStake(msg.sender, minStake);
        if (free < minStake) revert MarketInsufficientUnlockedStake(msg.sender, free, minStake);
        if (w2 & GROUPED != 0) {
            uint256 groupId = _groupOf[orderId];
            uint256 picked = _groupOrderOf[groupId][msg.sender];
            if (picked == 0) _groupOrderOf[groupId][msg.sender] = orderId;
            else if (picked != orderId) revert MarketProviderInGroup(groupId, msg.sender);
        }
        // price <= maxPricePerSecond < 2^80
        o.w3 = uint256(uint160(msg.sender)) | (price << 160) | (tag << BID_TAG);
        emit BidCreated(orderId, msg.sender, price, address(uint160(w3)));
    }

    /// @inheritdoc IComputeMarket
    function acceptBid(uint256 orderId) external nonReentrant returns (uint256) {
        ComputeMarketLib.OrderData storage o = _orders[orderId];
        uint256 w0 = o.w0;
        if (w0 == 0) revert MarketUnknownOrder(orderId);
        if (msg.sender != address(uint160(w0))) revert MarketNotTenant(orderId, msg.sender);
        uint256 w2 = o.w2;
        OrderState state = _orderState(w2);
        if (state != OrderState.Open) revert MarketOrderNotOpen(orderId, state);
        uint256 w3 = o.w3;
        if (w3 == 0) revert MarketNoBids(orderId);
        address provider = address(uint160(w3));
        if (!_coveredSinceBid(provider, w3 >> BID_TAG)) {
            uint256 minStake = params.minProviderStake();
            if (!_takeLease(provider, minStake)) _revertStake(provider, minStake);
        }
        _startLease(orderId, o, w0, w2, w3);
        return orderId;
    }

    /// @inheritdoc IComputeMarket
    function closeAuction(uint256 orderId) external nonReentrant returns (uint256) {
        ComputeMarketLib.OrderData storage o = _orders[orderId];
        uint256 w2 = o.w2;
        OrderState state = _orderState(w2);
        if (state != OrderState.Open) {
            if (state == OrderState.None) revert MarketUnknownOrder(orderId);
            revert MarketOrderNotOpen(orderId, state);
        }
        uint256 bidDeadline = w2 >> MARK; // while open
        if (block.timestamp < bidDeadline) revert MarketBidWindowOpen(orderId, uint64(bidDeadline));
        uint256 w3 = o.w3;
        bool grouped = w2 & GROUPED != 0;
        if (w3 != 0) {
            address provider = address(uint160(w3));
            bool taken = _coveredSinceBid(provider, w3 >> BID_TAG);
            uint256 minStake;
            if (!taken) {
                minStake = params.minProviderStake();
                taken = _takeLease(provider, minStake);
            }
            if (taken) {
                _startLease(orderId, o, o.w0, w2, w3);
                return orderId;
            }
            if (!grouped) _revertStake(provider, minStake);
        } else if (!grouped) {
            revert MarketNoBids(orderId);
        }
        // A replica with no usable bid closes, so that its group can reach the reveal phase.
        _closeOrder(orderId, o, w2, address(uint160(o.w0)));
        return 0;
    }

    function _startLease(uint256 orderId, ComputeMarketLib.OrderData storage o, uint256 w0, uint256 w2, uint256 w3)
        private
    {
        uint256 start = block.timestamp;
        uint256 timeout = w0 >> 224;
        // `mark`: a service lease's settled-up-to time; a batch job's deadline.
        // Keeps the escrow, GROUPED, BATCH and the dispute window; the open order's max price and bid
        // deadline (bits 128..) give way to the lease's clock.
        o.w2 = (w2 & ((1 << 128) - 1) & ~ORDER_STATE_MASK) | (uint256(OrderState.Leased) << ORDER_STATE)
            | (uint256(LeaseState.Active) << LEASE_STATE) | (start << STARTED_AT) | ((start + timeout) << MARK);
        emit LeaseCreated(
            orderId,
            address(uint160(w0)),
            address(uint160(w3)),
            (w3 >> 160) & M80,
            timeout == 0 ? 0 : uint64(start + timeout)
        );
    }

    // ---------------------------------------------------------------- leases

    /// @inheritdoc IComputeMarket
    function settle(uint256 leaseId) external nonReentrant returns (uint256 accrued) {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        _requireActive(leaseId, o.w2);
        accrued = _accrue(leaseId, o);
    }

    /// @inheritdoc IComputeMarket
    function closeLease(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        _requireActive(leaseId, w2);
        uint256 w0 = o.w0;
        uint256 w3 = o.w3;
        address provider = address(uint160(w3));
        bool byTenant = msg.sender == address(uint160(w0));
        if (!byTenant && msg.sender != provider) revert MarketNotLeaseParty(leaseId, msg.sender);
        CloseReason reason = byTenant ? CloseReason.TenantClosed : CloseReason.ProviderClosed;
        uint256 timeout = w0 >> 224;
        if (timeout == 0) {
            _accrue(leaseId, o);
            if (_leaseState(o.w2) != LeaseState.Active) return; // the escrow ran out while settling: closed
            _finish(leaseId, o, provider, 0, LeaseState.Closed, reason);
            return;
        }
        uint256 startedAt = (w2 >> STARTED_AT) & M32;
        uint256 deadline = (w2 >> MARK) & M32; // startedAt + timeout
        // Past its deadline a batch job is a missed deadline (expireLease), not a provider walking away.
        if (!byTenant && block.timestamp > deadline) revert MarketDeadlinePassed(leaseId, uint64(deadline));
        uint256 elapsed = (block.timestamp < deadline ? block.timestamp : deadline) - startedAt;
        if (byTenant) {
            // The tenant pays for the time worked (<= the job price, which the escrow holds).
            _finish(leaseId, o, provider, ((w3 >> 160) & M80) * elapsed, LeaseState.Closed, reason);
        } else {
            // A provider that gives up earns nothing and loses a share of its slashable stake
            // growing with the time it held the job.
            _finish(leaseId, o, provider, 0, LeaseState.Closed, reason);
            _slash(leaseId, provider, elapsed, timeout, address(0));
        }
    }

    /// @inheritdoc IComputeMarket
    function submitResult(uint256 leaseId, string calldata resultCid, bytes32 resultHash, bytes calldata receipt)
        external
        nonReentrant
    {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        _requireActive(leaseId, w2);
        if (w2 & BATCH == 0) revert MarketNotBatchJob(leaseId);
        if (w2 & GROUPED != 0) revert MarketCommitRevealRequired(leaseId);
        uint256 deadline = (w2 >> MARK) & M32;
        if (block.timestamp > deadline) revert MarketDeadlinePassed(leaseId, uint64(deadline));
        _recordResult(leaseId, o, resultCid, resultHash, receipt);
    }

    /// @inheritdoc IComputeMarket
    function commitResult(uint256 leaseId, bytes32 commitment) external nonReentrant {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        _requireActive(leaseId, w2);
        if (w2 & GROUPED == 0) revert MarketNotGrouped(leaseId);
        if (msg.sender != address(uint160(o.w3))) revert MarketNotProvider(leaseId, msg.sender);
        uint256 deadline = (w2 >> MARK) & M32;
        if (block.timestamp > deadline) revert MarketDeadlinePassed(leaseId, uint64(deadline));
        if (commitment == bytes32(0)) revert MarketInvalidResult();
        _commitments[leaseId] = commitment;
        o.w2 = _withLeaseState(w2, LeaseState.Committed);
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
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        LeaseState state = _leaseState(o.w2);
        if (state != LeaseState.Committed) revert MarketNotCommitted(leaseId, state);
        uint256 groupId = _groupOf[leaseId];
        uint64 revealEndsAt = _groups[groupId].revealEndsAt;
        if (revealEndsAt == 0) revert MarketRevealNotOpen(groupId);
        if (block.timestamp > revealEndsAt) revert MarketRevealWindowClosed(leaseId, revealEndsAt);
        if (_commitment(leaseId, resultHash, resultCid, salt, address(uint160(o.w3))) != _commitments[leaseId]) {
            revert MarketCommitmentMismatch(leaseId);
        }
        _recordResult(leaseId, o, resultCid, resultHash, receipt);
    }

    /// @dev Checks the submitter (the provider, or anyone with its receipt) and records the result.
    function _recordResult(
        uint256 leaseId,
        ComputeMarketLib.OrderData storage o,
        string calldata resultCid,
        bytes32 resultHash,
        bytes calldata receipt
    ) private {
        if (resultHash == bytes32(0) || bytes(resultCid).length == 0) {
            revert MarketInvalidResult();
        }
        address provider = address(uint160(o.w3));
        if (msg.sender != provider) {
            if (receipt.length == 0) revert MarketNotProvider(leaseId, msg.sender);
            ComputeMarketLib.checkReceipt(leaseId, provider, _receiptDigest(leaseId, resultHash, resultCid), receipt);
        }
        uint256 w2 = o.w2;
        uint256 disputeEndsAt = block.timestamp + ((w2 >> DISPUTE_WINDOW) & ComputeMarketLib.M24);
        o.w2 = (w2 & ~(LEASE_STATE_MASK | (M32 << MARK) | (M32 << RESULT_BLOCK)))
            | (uint256(LeaseState.ResultSubmitted) << LEASE_STATE) | (uint256(disputeEndsAt.toUint32()) << MARK)
            | (uint256(block.number.toUint32()) << RESULT_BLOCK);
        _results[leaseId] = resultHash;
        emit ResultSubmitted(leaseId, provider, resultCid, resultHash, uint64(disputeEndsAt));
    }

    /// @inheritdoc IComputeMarket
    function acceptResult(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        LeaseState state = _leaseState(w2);
        if (state != LeaseState.ResultSubmitted) revert MarketNoResult(leaseId, state);
        uint256 disputeEndsAt = (w2 >> MARK) & M32;
        if (msg.sender != address(uint160(o.w0)) && block.timestamp < disputeEndsAt) {
            revert MarketDisputeWindowOpen(leaseId, uint64(disputeEndsAt));
        }
        _complete(leaseId, o, CloseReason.ResultAccepted);
    }

    /// @inheritdoc IComputeMarket
    function disputeResult(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        LeaseState state = _leaseState(w2);
        if (state == LeaseState.None) revert MarketLeaseNotActive(leaseId, state);
        if (msg.sender != address(uint160(o.w0)) && msg.sender != params.arbiter()) {
            revert MarketNotTenant(leaseId, msg.sender);
        }
        if (state != LeaseState.ResultSubmitted) revert MarketNoResult(leaseId, state);
        uint256 disputeEndsAt = (w2 >> MARK) & M32;
        if (block.timestamp >= disputeEndsAt) revert MarketDisputeWindowClosed(leaseId, uint64(disputeEndsAt));
        o.w2 = _withLeaseState(w2, LeaseState.Disputed);
        emit ResultDisputed(leaseId, msg.sender);
    }

    /// @inheritdoc IComputeMarket
    function resolveDispute(uint256 leaseId, bool providerWins) external nonReentrant {
        if (msg.sender != params.arbiter()) revert MarketNotArbiter(msg.sender);
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        LeaseState state = _leaseState(o.w2);
        if (state == LeaseState.None) revert MarketLeaseNotActive(leaseId, state);
        if (state != LeaseState.Disputed) revert MarketNotDisputed(leaseId, state);
        if (providerWins) {
            _complete(leaseId, o, CloseReason.DisputeWon);
        } else {
            _fail(leaseId, o, CloseReason.DisputeLost, address(uint160(o.w0)));
        }
    }

    /// @inheritdoc IComputeMarket
    function expireLease(uint256 leaseId) external nonReentrant {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        LeaseState state = _leaseState(w2);
        if (state == LeaseState.Committed) {
            uint64 revealEndsAt = _groups[_groupOf[leaseId]].revealEndsAt;
            if (revealEndsAt == 0 || block.timestamp <= revealEndsAt) {
                revert MarketRevealWindowOpen(leaseId, revealEndsAt);
            }
            _fail(leaseId, o, CloseReason.RevealMissed, msg.sender);
            return;
        }
        if (state != LeaseState.Active) revert MarketLeaseNotActive(leaseId, state);
        if (w2 & BATCH == 0) revert MarketNotBatchJob(leaseId);
        uint256 deadline = (w2 >> MARK) & M32;
        if (block.timestamp <= deadline) revert MarketDeadlineNotPassed(leaseId, uint64(deadline));
        _fail(leaseId, o, CloseReason.DeadlineMissed, msg.sender);
    }

    // ---------------------------------------------------------------- stake, fees

    /// @inheritdoc IComputeMarket
    function releaseStake() external nonReentrant returns (uint256 amount) {
        uint256 p = _providers[msg.sender];
        uint256 need = ((p >> 128) & M32) * params.minProviderStake();
        uint256 locked = p & M128;
        if (locked <= need) return 0;
        amount = locked - need;
        _providers[msg.sender] = p - amount + ONE_EPOCH; // a lowered lock: bids' stake tags lapse
        emit StakeReleased(msg.sender, amount);
        staking.unlock(msg.sender, PROVIDER_ROLE, amount);
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
        ComputeMarketLib.OrderData storage o = _orders[orderId];
        if (o.w0 == 0) revert MarketUnknownOrder(orderId);
        uint256 groupId = o.w2 & GROUPED != 0 ? _groupOf[orderId] : 0;
        bytes memory out = ComputeMarketLib.orderView(o, _placementHashes[orderId], groupId);
        // `out` is the ABI encoding of the answer (built by ComputeMarketLib, for code room).
        assembly ("memory-safe") {
            return(add(out, 32), mload(out))
        }
    }

    /// @inheritdoc IComputeMarket
    function getLease(uint256 leaseId) external view returns (Lease memory) {
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        if (_leaseState(o.w2) == LeaseState.None) revert MarketLeaseNotActive(leaseId, LeaseState.None);
        bytes memory out = ComputeMarketLib.leaseView(o, _results[leaseId], _commitments[leaseId]);
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
        ComputeMarketLib.OrderData storage o = _orders[leaseId];
        uint256 w2 = o.w2;
        escrowLeft = w2 & M96;
        if (_leaseState(w2) != LeaseState.Active || w2 & BATCH != 0) return (0, escrowLeft);
        uint256 mark = (w2 >> MARK) & M32;
        if (block.timestamp > mark) accrued = Math.min(((o.w3 >> 160) & M80) * (block.timestamp - mark), escrowLeft);
        escrowLeft -= accrued;
    }

    /// @inheritdoc IComputeMarket
    function balanceOf(address account, address token) external view returns (uint256) {
        return _balances[account][token] & ~USED;
    }

    /// @inheritdoc IComputeMarket
    function accruedFees(address token) external view returns (uint256) {
        return _fees[token] & ~USED;
    }

    /// @inheritdoc IComputeMarket
    function providerStake(address provider) external view returns (uint256 openLeases, uint256 locked) {
        uint256 p = _providers[provider];
        return ((p >> 128) & M32, p & M128);
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

    // ---------------------------------------------------------------- internals: money

    /// @dev Takes `amount` of `token` from the caller: its balance first, the rest by transferFrom.
    function _take(address token, uint256 amount) private {
        uint256 b = _balances[msg.sender][token];
        uint256 available = b & ~USED;
        if (available != 0) {
            uint256 used = available < amount ? available : amount;
            _balances[msg.sender][token] = b - used;
            amount -= used;
        }
        if (amount != 0) IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Credits `amount` to `account`'s balance in `token`; the slot stays non-zero once used.
    function _credit(address account, address token, uint256 amount) private {
        if (amount != 0) _balances[account][token] = (_balances[account][token] | USED) + amount;
    }

    /// @dev Credits `amount` (gross) to the provider, less the lease's take rate (to the fees).
    function _release(uint256 leaseId, address provider, address token, uint256 amount, uint256 takeRateBps) private {
        uint256 fee = (amount * takeRateBps) / BPS;
        _credit(provider, token, amount - fee);
        if (fee != 0) _fees[token] = (_fees[token] | USED) + fee;
        emit PaymentReleased(leaseId, provider, amount - fee, fee);
    }

    /// @dev The one place where a service lease accrues: it pays the provider at once. A batch job
    ///      accrues nothing (its price is held in the escrow and paid when it ends).
    function _accrue(uint256 leaseId, ComputeMarketLib.OrderData storage o) private returns (uint256 due) {
        uint256 w2 = o.w2;
        if (_leaseState(w2) != LeaseState.Active || w2 & BATCH != 0) return 0;
        uint256 mark = (w2 >> MARK) & M32;
        if (block.timestamp <= mark) return 0;
        uint256 w3 = o.w3;
        uint256 price = (w3 >> 160) & M80;
        uint256 escrow = w2 & M96;
        uint256 elapsed = block.timestamp - mark;
        uint256 affordable = escrow / price; // whole seconds the escrow still pays
        bool exhausted;
        uint256 newMark = block.timestamp;
        if (elapsed <= affordable) {
            due = price * elapsed; // <= escrow
            exhausted = due == escrow;
        } else {
            // The escrow ran out `affordable` seconds in; its last fraction of a second is paid too.
            due = escrow;
            exhausted = true;
            newMark = mark + affordable;
        }
        o.w2 = (w2 & ~(M96 | (M32 << MARK))) | (escrow - due) | (newMark << MARK);
        address provider = address(uint160(w3));
        if (due != 0) {
            emit LeaseSettled(leaseId, provider, due, escrow - due);
            uint256 w1 = o.w1;
            _release(leaseId, provider, address(uint160(w1)), due, w1 >> 240);
        }
        if (exhausted) _finish(leaseId, o, provider, 0, LeaseState.InsufficientFunds, CloseReason.InsufficientFunds);
    }

    /// @dev A batch job accepted: its job price goes to the provider, the rest to the tenant.
    function _complete(uint256 leaseId, ComputeMarketLib.OrderData storage o, CloseReason reason) private {
        uint256 w3 = o.w3;
        _finish(leaseId, o, address(uint160(w3)), ((w3 >> 160) & M80) * (o.w0 >> 224), LeaseState.Completed, reason);
    }

    /// @dev A failed batch job: the tenant gets its whole escrow back; the provider is slashed.
    function _fail(uint256 leaseId, ComputeMarketLib.OrderData storage o, CloseReason reason, address reporter)
        private
    {
        address provider = address(uint160(o.w3));
        _finish(leaseId, o, provider, 0, LeaseState.Failed, reason);
        _slash(leaseId, provider, 1, 1, reporter);
    }

    /// @dev The one terminal transition of a lease: pays `pay` (gross, <= escrow) to the provider,
    ///      credits the rest of the escrow to the tenant, and counts one open lease fewer.
    function _finish(
        uint256 leaseId,
        ComputeMarketLib.OrderData storage o,
        address provider,
        uint256 pay,
        LeaseState state,
        CloseReason reason
    ) private {
        uint256 w2 = o.w2;
        // A grouped lease ending before it committed counts as settled for the reveal phase.
        if (w2 & GROUPED != 0 && _leaseState(w2) == LeaseState.Active) _groupSettled(_groupOf[leaseId]);
        uint256 refund = (w2 & M96) - pay;
        o.w2 = (w2 & ~(M96 | ORDER_STATE_MASK | LEASE_STATE_MASK | (M32 << CLOSED_AT)))
            | (uint256(OrderState.Closed) << ORDER_STATE) | (uint256(state) << LEASE_STATE)
            | (block.timestamp << CLOSED_AT);
        uint256 w1 = o.w1;
        address token = address(uint160(w1));
        if (pay != 0) _release(leaseId, provider, token, pay, w1 >> 240);
        _credit(address(uint160(o.w0)), token, refund);
        _providers[provider] -= 1 << 128; // one open lease fewer; the lock stays (releaseStake)
        emit LeaseClosed(leaseId, provider, state, reason, refund);
    }

    // ---------------------------------------------------------------- internals: stake

    /// @dev Stake free for one more lease: Staking's unlocked stake plus what this market holds
    ///      locked beyond its open leases' needs. `tag` (for the bid's w3): non-zero when what the
    ///      market holds locked covers one more lease (then Staking is not asked: it keeps locked
    ///      stake from being withdrawn, and after a slash by this market the record follows its
    ///      clamp, see _slash): 1 | openLeases << 1 | epoch << 9, when they fit (8 and 7 bits).
    function _freeStake(address provider, uint256 minStake) private view returns (uint256 free, uint256 tag) {
        uint256 p = _providers[provider];
        uint256 open = (p >> 128) & M32;
        uint256 need = open * minStake;
        uint256 mine = p & M128;
        if (mine >= need + minStake) {
            uint256 epoch = (p >> EPOCH) & M32;
            if (open < 256 && epoch < 128) tag = 1 | (open << 1) | (epoch << 9);
            return (mine - need, tag);
        }
        uint256 lockedAll = staking.lockedOf(provider, PROVIDER_ROLE);
        free = staking.stakeOf(provider, PROVIDER_ROLE) - lockedAll;
        if (mine > lockedAll) mine = lockedAll; // a slash elsewhere cut Staking's lock
        if (mine > need) free += mine - need;
    }

    /// @dev One more open lease for `provider`, without reading minProviderStake, when its bid's
    ///      `tag` found the market's lock covering one more lease and since then the lock was not
    ///      lowered (same epoch) nor taken by more open leases: the lock stays as the bid sized it.
    function _coveredSinceBid(address provider, uint256 tag) private returns (bool) {
        if (tag & 1 == 0) return false;
        uint256 p = _providers[provider];
        if ((p >> 128) & M32 > (tag >> 1) & 0xff || (p >> EPOCH) & M32 != tag >> 9) return false;
        _providers[provider] = p + (1 << 128);
        return true;
    }

    /// @dev One more open lease for `provider`: locks more stake in Staking only if what the market
    ///      holds falls short of `minStake` per open lease. False (nothing written) if Staking
    ///      refuses (the provider's free stake is gone).
    function _takeLease(address provider, uint256 minStake) private returns (bool) {
        uint256 p = _providers[provider];
        uint256 open = ((p >> 128) & M32) + 1;
        uint256 locked = p & M128;
        uint256 need = open * minStake;
        if (need > locked) {
            try staking.lock(provider, PROVIDER_ROLE, need - locked) {}
            catch {
                return false;
            }
            locked = need;
        }
        _providers[provider] = (p & ~(M128 | (M32 << 128))) | USED | (open << 128) | locked;
        return true;
    }

    function _revertStake(address provider, uint256 minStake) private view {
        if (minStake == 0) minStake = params.minProviderStake();
        (uint256 free,) = _freeStake(provider, minStake);
        revert MarketInsufficientUnlockedStake(provider, free, minStake);
    }

    /// @dev Slashes `num / den` of the slashable stake (missedDeadlineSlashBps of minProviderStake,
    ///      capped by what the market holds locked). The slashed provider is never its own
    ///      reporter: then the whole slash goes to the treasury. A failing slash (e.g. a revoked
    ///      role) never blocks the tenant's refund.
    function _slash(uint256 leaseId, address provider, uint256 num, uint256 den, address reporter) private {
        uint256 amount = (params.minProviderStake() * params.missedDeadlineSlashBps()) / BPS;
        uint256 locked = _providers[provider] & M128;
        if (amount > locked) amount = locked;
        amount = (amount * num) / den;
        uint256 slashed;
        if (amount != 0) {
            if (reporter == provider) reporter = address(0);
            try staking.slash(provider, PROVIDER_ROLE, amount, reporter) returns (uint256 s) {
                slashed = s;
            } catch {}
        }
        if (slashed != 0) {
            // Staking clamps its lock to the stake left: so does the market's record of its lock, which
            // bids and leases trust without asking Staking.
            uint256 stakingLocked = staking.lockedOf(provider, PROVIDER_ROLE);
            uint256 p = _providers[provider];
            if (p & M128 > stakingLocked) _providers[provider] = ((p & ~M128) | stakingLocked) + ONE_EPOCH;
        }
        if (slashed != 0 || num == den) emit ProviderSlashed(leaseId, provider, slashed);
    }

    // ---------------------------------------------------------------- internals: groups, lookups

    /// @dev One more order of `groupId` committed or ended; the last one opens the reveal window.
    function _groupSettled(uint256 groupId) private {
        Group storage g = _groups[groupId];
        if (++g.settled == g.size) {
            uint64 revealEndsAt = uint64(block.timestamp + params.disputeWindow());
            g.revealEndsAt = revealEndsAt;
            emit GroupRevealOpened(groupId, revealEndsAt);
        }
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

    function _orderState(uint256 w2) private pure returns (OrderState) {
        return OrderState((w2 >> ORDER_STATE) & 3);
    }

    function _leaseState(uint256 w2) private pure returns (LeaseState) {
        return LeaseState((w2 >> LEASE_STATE) & 0xf);
    }

    function _withLeaseState(uint256 w2, LeaseState state) private pure returns (uint256) {
        return (w2 & ~LEASE_STATE_MASK) | (uint256(state) << LEASE_STATE);
    }

    function _requireActive(uint256 leaseId, uint256 w2) private pure {
        LeaseState state = _leaseState(w2);
        if (state != LeaseState.Active) revert MarketLeaseNotActive(leaseId, state);
    }
}
// forge-lint: disable-end(unsafe-typecast)
