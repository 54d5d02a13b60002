// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IProviderRegistry} from "../registry/IProviderRegistry.sol";
import {IComputeMarket} from "./IComputeMarket.sol";

/// @title ComputeMarketLib
/// @notice The placement hash, the receipt check, permit payments and the views' encoding
///         (getOrder, getLease) for ComputeMarket, in a linked library so that the market
///         stays under the 24 KiB code-size limit (EIP-170). The storage struct the market shares
///         with it lives here.
/// @dev External functions run by DELEGATECALL on the market's storage: `msg.sender` is the
///      market's caller and events come from the market's address.
// forge-lint: disable-start(unsafe-typecast) unpacks the market's hand-packed words
library ComputeMarketLib {
    using SafeERC20 for IERC20;

    /// @notice An order and its lease in storage: four words, packed by hand (see ComputeMarket's
    ///         @dev for who writes what). Times are uint32 seconds (until 2106), blocks uint32.
    ///         w0: tenant | bidDeadline << 160 | createdBlock << 192 | jobTimeout << 224
    ///         w1: token | maxPricePerSecond (80) << 160 | takeRateBps (16) << 240
    ///         w2: escrow (96) | orderState (2) << 96 | GROUPED | BATCH | leaseState (4) << 100 |
    ///             disputeWindow (24) << 104 | startedAt << 128 | closedAt << 160 |
    ///             resultBlock << 192 | mark << 224; while the order is open (no lease yet) bits
    ///             128..207 hold maxPricePerSecond and `mark` the bid deadline, so that a bid
    ///             reads w2 and w3 only (w0 and w1 keep them for the views)
    ///         w3: bestBidder | bestPrice (80) << 160 | the bid's stake tag (16) << 240
    ///         `mark`: a service lease's settled-up-to time; an active batch job's deadline, then
    ///         its dispute window's end once a result is in. `disputeWindow`: ProtocolParams' when
    ///         a batch order opened (fixed for its lease, as the take rate).
    struct OrderData {
        uint256 w0;
        uint256 w1;
        uint256 w2;
        uint256 w3;
    }

    uint256 internal constant M24 = (1 << 24) - 1;
    uint256 internal constant M32 = (1 << 32) - 1;
    uint256 internal constant M80 = (1 << 80) - 1;
    uint256 internal constant M96 = (1 << 96) - 1;
    uint256 internal constant ORDER_STATE = 96;
    uint256 internal constant GROUPED = 1 << 98;
    uint256 internal constant BATCH = 1 << 99;
    uint256 internal constant LEASE_STATE = 100;
    uint256 internal constant ORDER_STATE_MASK = uint256(3) << ORDER_STATE;
    uint256 internal constant LEASE_STATE_MASK = uint256(0xf) << LEASE_STATE;
    uint256 internal constant DISPUTE_WINDOW = 104;
    uint256 internal constant STARTED_AT = 128;
    uint256 internal constant OPEN_MAX_PRICE = 128;
    uint256 internal constant CLOSED_AT = 160;
    uint256 internal constant RESULT_BLOCK = 192;
    uint256 internal constant MARK = 224;

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
        uint256 w0 = o.w0;
        uint256 w1 = o.w1;
        uint256 w2 = o.w2;
        uint256 w3 = o.w3;
        return abi.encode(
            IComputeMarket.Order({
                tenant: address(uint160(w0)),
                state: IComputeMarket.OrderState((w2 >> ORDER_STATE) & 3),
                token: address(uint160(w1)),
                bidDeadline: uint64((w0 >> 160) & M32),
                jobTimeout: uint32(w0 >> 224),
                maxPricePerSecond: (w1 >> 160) & M80,
                escrow: w2 & M96,
                placementHash: pHash,
                group: groupId,
                createdBlock: uint64((w0 >> 192) & M32),
                bestBidder: address(uint160(w3)),
                bestPricePerSecond: (w3 >> 160) & M80
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
        uint256 w0 = o.w0;
        uint256 w2 = o.w2;
        uint256 w3 = o.w3;
        uint256 timeout = w0 >> 224;
        bool batch = timeout != 0;
        IComputeMarket.LeaseState state = IComputeMarket.LeaseState((w2 >> LEASE_STATE) & 0xf);
        uint64 startedAt = uint64((w2 >> STARTED_AT) & M32);
        l.tenant = address(uint160(w0));
        l.state = state;
        l.takeRateBps = uint16(o.w1 >> 240);
        l.provider = address(uint160(w3));
        l.startedAt = startedAt;
        l.settledAt = batch ? startedAt : uint64((w2 >> MARK) & M32);
        l.closedAt = uint64((w2 >> CLOSED_AT) & M32);
        l.deadline = batch ? startedAt + uint64(timeout) : 0;
        l.resultBlock = uint64((w2 >> RESULT_BLOCK) & M32);
        l.disputeEndsAt = l.resultBlock != 0 ? uint64((w2 >> MARK) & M32) : 0;
        l.pricePerSecond = (w3 >> 160) & M80;
        // A batch job's price is held in the escrow from its start until it ends.
        bool holds = state == IComputeMarket.LeaseState.Active || state == IComputeMarket.LeaseState.ResultSubmitted
            || state == IComputeMarket.LeaseState.Disputed || state == IComputeMarket.LeaseState.Committed;
        l.held = batch && holds ? l.pricePerSecond * timeout : 0;
        l.resultHash = resultHash;
        l.commitment = commitment;
        return abi.encode(l);
    }
}
// forge-lint: disable-end(unsafe-typecast)
