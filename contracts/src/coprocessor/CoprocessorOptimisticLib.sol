// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IOptimisticVerifier} from "../verify/IOptimisticVerifier.sol";
import {ICoprocessorCoordinator} from "./ICoprocessorCoordinator.sol";

/// @title CoprocessorOptimisticLib
/// @notice The coordinator's Optimistic mode checks, in a linked library (delegatecall: `msg.sender` is
///         the coordinator's caller) so that CoprocessorCoordinator stays under the 24 KiB code-size
///         limit: the kind-2 mlp-infer spec hash of a request, the claim a delivery names, and a claim's
///         outcome (finalized here when due). See ICoprocessorCoordinator (Optimistic).
library CoprocessorOptimisticLib {
    /// @notice The kind-2 mlp-infer spec hash of model `m` on the inline rows (ARITHMETIC.md §2).
    function specHash(ICoprocessorCoordinator.OptimisticModel storage m, uint256 modelId, int256[] calldata values)
        external
        view
        returns (bytes32)
    {
        uint256 nIn = m.nIn;
        if (nIn == 0) revert ICoprocessorCoordinator.CoprocessorNotOptimisticModel(modelId);
        uint256 n = values.length;
        if (n == 0 || n % nIn != 0) revert ICoprocessorCoordinator.CoprocessorNotFixedPoint(n, 0);
        return keccak256(
            abi.encode(
                uint256(2),
                nIn,
                uint256(m.nHidden),
                uint256(m.nOut),
                n / nIn,
                tensorRoot(values),
                m.w1Root,
                m.b1Root,
                m.w2Root,
                m.b2Root
            )
        );
    }

    /// @notice Checks the claim `abi.decode(proof, (uint256))` of an Optimistic delivery by the caller of
    ///         `output` for `interval` of `r`: open, standalone, the caller's, about the request's spec
    ///         (`r.inputHash`), ending in stateHash(spec, 1, [R10 root of the output]), carrying the
    ///         interval's ticket, challengeable for at least `minWindow` more seconds, bonded with at least
    ///         `minBond`. Emits DeliveryClaimed (from the coordinator) and returns the claim id.
    function claimDelivery(
        ICoprocessorCoordinator.OptimisticConfig storage oc,
        ICoprocessorCoordinator.Request calldata r,
        uint32 interval,
        ICoprocessorCoordinator.Output calldata output,
        bytes calldata proof
    ) external returns (uint64) {
        if (proof.length != 32) revert ICoprocessorCoordinator.CoprocessorMissingProof(r.id);
        uint256 claimId = abi.decode(proof, (uint256));
        IOptimisticVerifier.Claim memory c = IOptimisticVerifier(oc.verifier).getClaim(claimId);
        bytes32[] memory components = new bytes32[](1);
        components[0] = tensorRoot(output.values);
        if (
            c.asserter != msg.sender || c.status != IOptimisticVerifier.ClaimStatus.Open || c.leaseId != 0
                || c.resultHash != keccak256(abi.encode(address(this), r.id, interval)) || c.specHash != r.inputHash
                || c.finalState != keccak256(abi.encode(r.inputHash, uint256(1), components))
        ) revert ICoprocessorCoordinator.CoprocessorClaimMismatch(r.id, claimId);
        uint256 minEnd = block.timestamp + oc.minWindow;
        if (c.windowEnds < minEnd) {
            revert ICoprocessorCoordinator.CoprocessorClaimWindowTooShort(claimId, c.windowEnds, minEnd);
        }
        if (c.bond < oc.minBond) revert ICoprocessorCoordinator.CoprocessorClaimBondTooLow(claimId, c.bond, oc.minBond);
        emit ICoprocessorCoordinator.DeliveryClaimed(r.id, interval, claimId, msg.sender, c.windowEnds);
        return SafeCast.toUint64(claimId);
    }

    /// @notice The claim's asserter and whether it was rejected; an open claim is finalized first (reverts
    ///         with the verifier's VerifierWindowNotOver / VerifierGamesOpen until it can be).
    function outcome(ICoprocessorCoordinator.OptimisticConfig storage oc, uint256 claimId)
        external
        returns (address asserter, bool rejected)
    {
        IOptimisticVerifier v = IOptimisticVerifier(oc.verifier);
        IOptimisticVerifier.Claim memory c = v.getClaim(claimId);
        if (c.status == IOptimisticVerifier.ClaimStatus.Open) v.finalize(claimId);
        return (c.asserter, c.status == IOptimisticVerifier.ClaimStatus.Rejected);
    }

    /// @notice R10 root of int32 values (ARITHMETIC.md §1): leaves of 8 big-endian int32s, zero-padded to
    ///         a power of two, nodes keccak256(left ++ right); one leaf is its own root. Reverts on a
    ///         value outside int32.
    function tensorRoot(int256[] calldata values) internal pure returns (bytes32) {
        uint256 n = values.length;
        uint256 width = 1;
        while (width * 8 < n) width <<= 1;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i; i < n; ++i) {
            int256 x = values[i];
            if (x < type(int32).min || x > type(int32).max) {
                revert ICoprocessorCoordinator.CoprocessorNotFixedPoint(i, x);
            }
            // forge-lint: disable-next-line(unsafe-typecast) x is an int32, checked above
            level[i >> 3] |= bytes32(uint256(uint32(int32(x))) << (224 - 32 * (i & 7)));
        }
        while (width > 1) {
            width >>= 1;
            for (uint256 j; j < width; ++j) {
                level[j] = keccak256(abi.encodePacked(level[2 * j], level[2 * j + 1]));
            }
        }
        return level[0];
    }
}
