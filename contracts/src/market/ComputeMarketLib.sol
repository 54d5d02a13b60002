// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IComputeMarket} from "./IComputeMarket.sol";

/// @title ComputeMarketLib
/// @notice Order validation and storage for ComputeMarket, in a linked library so that the market
///         stays under the 24 KiB code-size limit (EIP-170).
/// @dev External functions run by DELEGATECALL on the market's storage: `msg.sender` is the
///      market's caller and events come from the market's address.
library ComputeMarketLib {
    using SafeCast for uint256;

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

    /// @notice Writes a new open order of `msg.sender` (the tenant) from `p` and emits OrderCreated.
    function writeOrder(
        IComputeMarket.Order storage order,
        uint256 orderId,
        IComputeMarket.OrderParams calldata p,
        uint256 groupId
    ) external {
        order.tenant = msg.sender;
        order.state = IComputeMarket.OrderState.Open;
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
        order.group = groupId;
        emit IComputeMarket.OrderCreated(
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
    }

    /// @notice Reverts with MarketInvalidReceipt unless `receipt` is `provider`'s signature (EOA or
    ///         ERC-1271) of `digest`, the result's EIP-712 receipt digest.
    function checkReceipt(uint256 leaseId, address provider, bytes32 digest, bytes calldata receipt) external view {
        if (!SignatureChecker.isValidSignatureNow(provider, digest, receipt)) {
            revert IComputeMarket.MarketInvalidReceipt(leaseId);
        }
    }
}
