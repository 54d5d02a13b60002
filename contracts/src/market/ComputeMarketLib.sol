// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IProviderRegistry} from "../registry/IProviderRegistry.sol";
import {IComputeMarket} from "./IComputeMarket.sol";

/// @title ComputeMarketLib
/// @notice Order validation and storage, permit payments, and the views' encoding (getOrder, getBids,
///         getBid, getLease) for ComputeMarket, in a linked library so that the market stays under
///         the 24 KiB code-size limit (EIP-170). The storage structs the market shares with it live here.
/// @dev External functions run by DELEGATECALL on the market's storage: `msg.sender` is the
///      market's caller and events come from the market's address.
library ComputeMarketLib {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /// @notice An order in storage: three slots (plus `placementHash` and `group` only when non-zero).
    ///         Times are uint32 seconds (until 2106) and block numbers uint32.
    struct OrderData {
        // slot 0
        address tenant;
        IComputeMarket.OrderState state;
        uint16 maxBids;
        uint16 bidCount;
        /// @dev Bids ever placed; at most maxBids x BID_LIST_FACTOR <= 200.
        uint8 bidListLength;
        bool grouped;
        uint32 jobTimeout;
        // slot 1
        address token;
        uint32 createdAt;
        uint32 createdBlock;
        uint32 bidDeadline;
        // slot 2
        uint128 maxPricePerSecond;
        uint128 escrow;
    }

    /// @notice A bid in storage, keyed by (order, provider): one slot.
    struct BidData {
        uint128 pricePerSecond;
        uint96 deposit;
        IComputeMarket.BidState state;
        uint8 index;
    }

    /// @notice An order's bid list entry: one slot.
    struct Bidder {
        address provider;
        uint32 createdAt;
    }

    /// @notice A lease in storage: one slot (`_paid`, `_resultHashes`, `_commitments` apart). The
    ///         tenant, token and job timeout are the order's; the provider, price and bid deposit the
    ///         winning bid's; the deadline is `startedAt + jobTimeout`; a batch job's held price is
    ///         `pricePerSecond x jobTimeout` until it ends.
    struct LeaseData {
        // slot 0
        IComputeMarket.LeaseState state;
        uint16 takeRateBps;
        uint8 bidIndex;
        uint32 startedAt;
        /// @dev Service lease: settled up to this time. Batch job: its dispute window's end, once a
        ///      result is in (`resultBlock != 0`).
        uint32 mark;
        uint32 resultBlock;
        uint32 closedAt;
        /// @dev Capped at 2^96 - 1 when locked.
        uint96 stakeLocked;
    }

    /// @notice Most placement attributes an order may require (ComputeMarket.MAX_PLACEMENT_ATTRIBUTES).
    uint256 internal constant MAX_PLACEMENT_ATTRIBUTES = 16;
    /// @notice Most auditors an order may name (ComputeMarket.MAX_PLACEMENT_AUDITORS).
    uint256 internal constant MAX_PLACEMENT_AUDITORS = 8;

    /// @notice Reverts with the market's error if `p` is not a valid order.
    function validateOrder(IComputeMarket.OrderParams calldata p, IProtocolParams params) external view {
        IProtocolParams.PaymentToken memory tokenParams = params.paymentToken(p.token);
        if (!tokenParams.allowed) revert IComputeMarket.MarketTokenNotAllowed(p.token);
        if (p.deposit < tokenParams.minOrderDeposit || p.deposit == 0) {
            revert IComputeMarket.MarketDepositTooLow(p.deposit, tokenParams.minOrderDeposit);
        }
        if (p.maxPricePerSecond == 0) revert IComputeMarket.MarketZeroPrice();
        if (p.manifestHash == bytes32(0) || bytes(p.manifestCid).length == 0) {
            revert IComputeMarket.MarketInvalidManifest();
        }
        uint256 minWindow = params.minBidWindow();
        uint256 maxWindow = params.maxBidWindow();
        if (p.bidWindow < minWindow || p.bidWindow > maxWindow) {
            revert IComputeMarket.MarketInvalidBidWindow(p.bidWindow, minWindow, maxWindow);
        }
        uint256 bidLimit = params.maxBidsPerOrder();
        if (p.maxBids == 0 || p.maxBids > bidLimit) revert IComputeMarket.MarketInvalidMaxBids(p.maxBids, bidLimit);
        uint256 maxTimeout = params.maxJobTimeout();
        if (p.jobTimeout > maxTimeout) revert IComputeMarket.MarketInvalidJobTimeout(p.jobTimeout, maxTimeout);
        // A batch job's escrow must cover the whole run at the max price, so it can never run dry.
        if (p.jobTimeout != 0) {
            if (p.maxPricePerSecond > p.deposit / p.jobTimeout) {
                // Saturating: an absurd max price must report the error, not overflow while building it.
                revert IComputeMarket.MarketDepositBelowJobCost(
                    p.deposit, Math.saturatingMul(p.maxPricePerSecond, p.jobTimeout)
                );
            }
        }
        uint256 auditors = p.placement.allOf.length + p.placement.anyOf.length;
        if (p.placement.attributes.length > MAX_PLACEMENT_ATTRIBUTES || auditors > MAX_PLACEMENT_AUDITORS) {
            revert IComputeMarket.MarketInvalidPlacement(p.placement.attributes.length, auditors);
        }
    }

    /// @notice Opens orders `firstId .. firstId + count - 1` of `msg.sender` (the tenant) from `p`,
    ///         each emitting OrderCreated (which carries what is not stored: manifest, resources,
    ///         placement). `groupId` 0: an order outside any group.
    function openOrders(
        mapping(uint256 => OrderData) storage orders,
        mapping(uint256 => bytes32) storage placements,
        mapping(uint256 => uint256) storage groups,
        uint256 firstId,
        uint256 count,
        IComputeMarket.OrderParams calldata p,
        uint256 groupId
    ) external {
        bytes32 pHash = placementHash(p.placement);
        uint32 bidDeadline = (block.timestamp + p.bidWindow).toUint32();
        for (uint256 orderId = firstId; orderId < firstId + count; ++orderId) {
            orders[orderId] = OrderData({
                tenant: msg.sender,
                state: IComputeMarket.OrderState.Open,
                maxBids: p.maxBids,
                bidCount: 0,
                bidListLength: 0,
                grouped: groupId != 0,
                jobTimeout: p.jobTimeout,
                token: p.token,
                createdAt: uint32(block.timestamp),
                createdBlock: block.number.toUint32(),
                bidDeadline: bidDeadline,
                maxPricePerSecond: p.maxPricePerSecond.toUint128(),
                escrow: p.deposit.toUint128()
            });
            if (pHash != 0) placements[orderId] = pHash;
            if (groupId != 0) groups[orderId] = groupId;
            _emitCreated(orderId, p, bidDeadline);
        }
    }

    function _emitCreated(uint256 orderId, IComputeMarket.OrderParams calldata p, uint64 bidDeadline) private {
        emit IComputeMarket.OrderCreated(
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

    /// @notice Reverts with MarketWrongPlacement unless `placement` hashes to `expected` (the
    ///         order's), and with MarketPlacementMismatch unless the caller (the bidder) matches it.
    ///         An empty placement matches every registered provider (createBid checked isEligible).
    function checkPlacement(
        IProviderRegistry registry,
        uint256 orderId,
        bytes32 expected,
        IProviderRegistry.Placement calldata placement
    ) external view {
        bytes32 given = placementHash(placement);
        if (given != expected) revert IComputeMarket.MarketWrongPlacement(orderId, expected, given);
        if (given != 0 && !registry.matchesPlacement(msg.sender, placement)) {
            revert IComputeMarket.MarketPlacementMismatch(orderId, msg.sender);
        }
    }

    /// @notice 0 for a placement with no requirement, else `keccak256(abi.encode(placement))`.
    function placementHash(IProviderRegistry.Placement calldata placement) internal pure returns (bytes32) {
        if (placement.attributes.length == 0 && placement.allOf.length == 0 && placement.anyOf.length == 0) {
            return 0;
        }
        return keccak256(abi.encode(placement));
    }

    /// @notice Reverts with MarketInvalidReceipt unless `receipt` is `provider`'s signature (EOA or
    ///         ERC-1271) of `digest`, the result's EIP-712 receipt digest.
    function checkReceipt(uint256 leaseId, address provider, bytes32 digest, bytes calldata receipt) external view {
        if (!SignatureChecker.isValidSignatureNow(provider, digest, receipt)) {
            revert IComputeMarket.MarketInvalidReceipt(leaseId);
        }
    }

    /// @notice Takes `amount` of `token` from the caller (the tenant) into the market after applying
    ///         the caller's EIP-2612 permit for exactly `amount` to the market. A permit front-run
    ///         from the mempool spends the nonce but sets the same allowance, so a failing permit
    ///         only reverts (MarketInvalidPermit) when the market may not take `amount`.
    function pullWithPermit(address token, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            if (IERC20(token).allowance(msg.sender, address(this)) < amount) {
                revert IComputeMarket.MarketInvalidPermit(token, msg.sender, amount);
            }
        }
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice `getLease`'s answer, ABI-encoded (the market returns these bytes as they are): here
    ///         for the market's code room.
    function leaseView(
        LeaseData storage lease,
        OrderData storage order,
        BidData storage bid,
        address provider,
        uint256 paid,
        bytes32 resultHash,
        bytes32 commitment
    ) external view returns (bytes memory) {
        IComputeMarket.Lease memory l;
        bool batch = order.jobTimeout != 0;
        uint256 jobPrice = uint256(bid.pricePerSecond) * order.jobTimeout;
        IComputeMarket.LeaseState state = lease.state;
        l.tenant = order.tenant;
        l.state = state;
        l.takeRateBps = lease.takeRateBps;
        l.provider = provider;
        l.bidIndex = lease.bidIndex;
        l.startedAt = lease.startedAt;
        l.settledAt = batch ? lease.startedAt : lease.mark;
        l.closedAt = lease.closedAt;
        l.deadline = batch ? uint64(lease.startedAt) + order.jobTimeout : 0;
        l.disputeEndsAt = lease.resultBlock != 0 ? lease.mark : 0;
        l.pricePerSecond = bid.pricePerSecond;
        // A batch job's price is held from its start until it ends.
        bool holds = state == IComputeMarket.LeaseState.Active || state == IComputeMarket.LeaseState.ResultSubmitted
            || state == IComputeMarket.LeaseState.Disputed || state == IComputeMarket.LeaseState.Committed;
        l.held = batch && holds ? jobPrice : 0;
        l.paid = batch && state == IComputeMarket.LeaseState.Completed ? jobPrice : paid;
        l.resultHash = resultHash;
        l.resultBlock = lease.resultBlock;
        l.stakeLocked = lease.stakeLocked;
        l.commitment = commitment;
        return abi.encode(l);
    }

    /// @notice `getOrder`'s answer, ABI-encoded (the market returns these bytes as they are).
    function orderView(OrderData storage o, bytes32 pHash, uint256 groupId) external view returns (bytes memory) {
        return abi.encode(
            IComputeMarket.Order({
                tenant: o.tenant,
                state: o.state,
                maxBids: o.maxBids,
                bidCount: o.bidCount,
                token: o.token,
                createdAt: o.createdAt,
                bidDeadline: o.bidDeadline,
                jobTimeout: o.jobTimeout,
                maxPricePerSecond: o.maxPricePerSecond,
                escrow: o.escrow,
                placementHash: pHash,
                group: groupId,
                createdBlock: o.createdBlock,
                bidListLength: o.bidListLength
            })
        );
    }

    /// @notice Bids `from .. from + count - 1` of an order, ABI-encoded as `Bid[]` (`asArray`) or
    ///         as one `Bid` (`count` 1): `getBids` / `getBid`'s answer.
    function bidsView(
        mapping(uint256 => Bidder) storage bidders,
        mapping(address => BidData) storage bidOf,
        uint256 from,
        uint256 count,
        bool asArray
    ) external view returns (bytes memory) {
        IComputeMarket.Bid[] memory bids = new IComputeMarket.Bid[](count);
        for (uint256 i; i < count; ++i) {
            Bidder storage b = bidders[from + i];
            BidData storage d = bidOf[b.provider];
            bids[i] = IComputeMarket.Bid(b.provider, d.state, b.createdAt, d.pricePerSecond, d.deposit);
        }
        return asArray ? abi.encode(bids) : abi.encode(bids[0]);
    }
}
