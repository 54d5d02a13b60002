// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IProviderRegistry} from "../registry/IProviderRegistry.sol";
import {IComputeMarket} from "./IComputeMarket.sol";

/// @title ComputeMarketLib
/// @notice Placement and receipt checks, permit payments, the OrderCreated event and the views'
///         encoding (getOrder, getLease) for ComputeMarket, in a linked library so that the market
///         stays under the 24 KiB code-size limit (EIP-170). The storage struct the market shares
///         with it lives here.
/// @dev External functions run by DELEGATECALL on the market's storage: `msg.sender` is the
///      market's caller and events come from the market's address.
library ComputeMarketLib {
    using SafeERC20 for IERC20;

    /// @notice An order and its lease in storage: four slots (see ComputeMarket's @dev for who
    ///         writes what). Times are uint32 seconds (until 2106), block numbers uint32.
    struct OrderData {
        // slot 0: written once, by createOrder
        address tenant;
        /// @dev 0: a service order; else the batch job's deadline after its lease starts.
        uint32 jobTimeout;
        uint32 bidDeadline;
        uint32 createdBlock;
        // slot 1: written once, by createOrder
        address token;
        uint80 maxPricePerSecond;
        /// @dev ProtocolParams' take rate when the order opened: fixed for its lease's life.
        uint16 takeRateBps;
        // slot 2: the escrow, the states and the lease's clock
        uint104 escrow;
        IComputeMarket.OrderState state;
        bool grouped;
        IComputeMarket.LeaseState leaseState;
        uint32 startedAt;
        /// @dev Service lease: settled up to this time. Batch job: its dispute window's end once
        ///      a result is in (`resultBlock != 0`).
        uint32 mark;
        uint32 closedAt;
        uint32 resultBlock;
        // slot 3: the best bid so far; the lease's provider and price once leased
        address bestBidder;
        uint96 bestPrice;
    }

    /// @notice Reverts with MarketWrongPlacement unless `placement` hashes to `expected` (the
    ///         order's), and with MarketPlacementMismatch unless the caller (the bidder) matches it.
    function checkPlacement(
        IProviderRegistry registry,
        uint256 orderId,
        bytes32 expected,
        IProviderRegistry.Placement calldata placement
    ) external view {
        bytes32 given = placementHash(placement);
        if (given != expected) revert IComputeMarket.MarketWrongPlacement(orderId, expected, given);
        if (!registry.matchesPlacement(msg.sender, placement)) {
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

    /// @notice Emits OrderCreated for orders `firstId .. firstId + count - 1` (it carries what is
    ///         not stored: manifest, resources, placement).
    function emitCreated(uint256 firstId, uint256 count, IComputeMarket.OrderParams calldata p, uint64 bidDeadline)
        external
    {
        for (uint256 orderId = firstId; orderId < firstId + count; ++orderId) {
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
    }

    /// @notice Reverts with MarketInvalidReceipt unless `receipt` is `provider`'s signature (EOA or
    ///         ERC-1271) of `digest`, the result's EIP-712 receipt digest.
    function checkReceipt(uint256 leaseId, address provider, bytes32 digest, bytes calldata receipt) external view {
        if (!SignatureChecker.isValidSignatureNow(provider, digest, receipt)) {
            revert IComputeMarket.MarketInvalidReceipt(leaseId);
        }
    }

    /// @notice Takes `amount` of `token` from the caller into the market after applying the
    ///         caller's EIP-2612 permit for exactly `amount` to the market. A permit front-run from
    ///         the mempool spends the nonce but sets the same allowance, so a failing permit only
    ///         reverts (MarketInvalidPermit) when the market may not take `amount`.
    function pullWithPermit(address token, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            if (IERC20(token).allowance(msg.sender, address(this)) < amount) {
                revert IComputeMarket.MarketInvalidPermit(token, msg.sender, amount);
            }
        }
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice `getOrder`'s answer, ABI-encoded (the market returns these bytes as they are).
    function orderView(OrderData storage o, bytes32 pHash, uint256 groupId) external view returns (bytes memory) {
        return abi.encode(
            IComputeMarket.Order({
                tenant: o.tenant,
                state: o.state,
                token: o.token,
                bidDeadline: o.bidDeadline,
                jobTimeout: o.jobTimeout,
                maxPricePerSecond: o.maxPricePerSecond,
                escrow: o.escrow,
                placementHash: pHash,
                group: groupId,
                createdBlock: o.createdBlock,
                bestBidder: o.bestBidder,
                bestPricePerSecond: o.bestPrice
            })
        );
    }

    /// @notice `getLease`'s answer, ABI-encoded (the market returns these bytes as they are).
    function leaseView(OrderData storage o, bytes32 resultHash, bytes32 commitment)
        external
        view
        returns (bytes memory)
    {
        IComputeMarket.Lease memory l;
        uint256 timeout = o.jobTimeout;
        bool batch = timeout != 0;
        IComputeMarket.LeaseState state = o.leaseState;
        uint64 startedAt = o.startedAt;
        l.tenant = o.tenant;
        l.state = state;
        l.takeRateBps = o.takeRateBps;
        l.provider = o.bestBidder;
        l.startedAt = startedAt;
        l.settledAt = batch ? startedAt : o.mark;
        l.closedAt = o.closedAt;
        l.deadline = batch ? startedAt + uint64(timeout) : 0;
        l.resultBlock = o.resultBlock;
        l.disputeEndsAt = l.resultBlock != 0 ? o.mark : 0;
        l.pricePerSecond = o.bestPrice;
        // A batch job's price is held in the escrow from its start until it ends.
        bool holds = state == IComputeMarket.LeaseState.Active || state == IComputeMarket.LeaseState.ResultSubmitted
            || state == IComputeMarket.LeaseState.Disputed || state == IComputeMarket.LeaseState.Committed;
        l.held = batch && holds ? uint256(o.bestPrice) * timeout : 0;
        l.resultHash = resultHash;
        l.commitment = commitment;
        return abi.encode(l);
    }
}
