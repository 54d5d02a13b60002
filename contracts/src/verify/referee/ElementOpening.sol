// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../IStepReferee.sol";
import {TensorMerkle} from "./TensorMerkle.sol";

/// @title ElementOpening
/// @notice Reads an element opening (packages/ml/src/fixed/ARITHMETIC.md §5) in place from calldata:
///         `abi.encode(bytes32[] words, bytes32[] siblings)`, the needed operand leaves in order then
///         the output leaf, and their positional Merkle proofs (R10) concatenated in the same order,
///         depth(tensor) siblings each. Every leaf is verified against its root before it is read.
/// @dev The one reader of MlpStepReferee and CnnStepReferee; reverts are IStepReferee's
///      RefereeBadOpening.
library ElementOpening {
    /// @dev Cursor over the opening: words and siblings as absolute calldata positions.
    struct Reader {
        uint256 words;
        uint256 nWords;
        uint256 used;
        uint256 sib;
        uint256 sibEnd;
    }

    /// @notice Locates the two arrays of abi.encode(bytes32[] words, bytes32[] siblings) in calldata.
    function reader(bytes calldata opening) internal pure returns (Reader memory r) {
        uint256 base;
        uint256 len = opening.length;
        assembly {
            base := opening.offset
        }
        if (len < 64) {
            revert IStepReferee.RefereeBadOpening("opening: expected abi.encode(bytes32[] words, bytes32[] siblings)");
        }
        (r.words, r.nWords) = _array(base, len, 0);
        (r.sib, r.sibEnd) = _array(base, len, 32);
        r.sibEnd = r.sib + 32 * r.sibEnd;
    }

    function _array(uint256 base, uint256 len, uint256 head) private pure returns (uint256 ptr, uint256 count) {
        uint256 off;
        assembly {
            off := calldataload(add(base, head))
        }
        if (off > len - 32) revert IStepReferee.RefereeBadOpening("opening: array offset out of range");
        assembly {
            count := calldataload(add(base, off))
        }
        if (count > (len - off - 32) / 32) revert IStepReferee.RefereeBadOpening("opening: array length out of range");
        ptr = base + off + 32;
    }

    /// @notice Verifies the leaves holding elements [first, first + count) of a tensor of n elements
    ///         against `root` and returns the calldata position of the first of them.
    function leaves(Reader memory r, bytes32 root, uint256 n, uint256 first, uint256 count)
        internal
        pure
        returns (uint256 ptr)
    {
        uint256 leaf0 = first >> 3;
        uint256 nLeaves = ((first + count - 1) >> 3) - leaf0 + 1;
        if (r.used + nLeaves > r.nWords) revert IStepReferee.RefereeBadOpening("opening: too few words");
        uint256 depth = TensorMerkle.depthOf(n);
        ptr = r.words + 32 * r.used;
        r.used += nLeaves;
        uint256 sib = r.sib;
        if (sib + 32 * depth * nLeaves > r.sibEnd) revert IStepReferee.RefereeBadOpening("opening: too few siblings");
        for (uint256 j = 0; j < nLeaves; ++j) {
            bytes32 node;
            assembly ("memory-safe") {
                node := calldataload(add(ptr, shl(5, j)))
                let index := add(leaf0, j)
                let end := add(sib, shl(5, depth))
                for {} lt(sib, end) { sib := add(sib, 32) } {
                    switch and(index, 1)
                    case 0 {
                        mstore(0x00, node)
                        mstore(0x20, calldataload(sib))
                    }
                    default {
                        mstore(0x00, calldataload(sib))
                        mstore(0x20, node)
                    }
                    node := keccak256(0x00, 0x40)
                    index := shr(1, index)
                }
            }
            if (node != root) revert IStepReferee.RefereeBadOpening("opening: a leaf's proof does not match its root");
        }
        r.sib = sib;
    }

    /// @notice Element i of a tensor of n elements (one leaf opened).
    function one(Reader memory r, bytes32 root, uint256 n, uint256 i) internal pure returns (int256) {
        return at(leaves(r, root, n, i, 1), i & 7);
    }

    /// @notice The output element (the last word); the opening must then be fully used.
    function output(Reader memory r, bytes32 root, uint256 n, uint256 e) internal pure returns (int256 v) {
        v = one(r, root, n, e);
        if (r.used != r.nWords) revert IStepReferee.RefereeBadOpening("opening: extra words");
        if (r.sib != r.sibEnd) revert IStepReferee.RefereeBadOpening("opening: extra siblings");
    }

    /// @notice Element i counted from the first element of the leaf at calldata position ptr.
    function at(uint256 ptr, uint256 i) internal pure returns (int256 v) {
        assembly ("memory-safe") {
            v := signextend(3, shr(sub(224, shl(5, and(i, 7))), calldataload(add(ptr, shl(5, shr(3, i))))))
        }
    }

    /// @notice R2 over K = kk terms: sat(floor(sum A[aFirst + k] * W[wFirst + k] / 2^16) + bias), the
    ///         operand rows already verified at calldata positions aPtr and wPtr (their first leaves).
    /// @dev |sum| < K * 2^62: exact in int256 for any K a spec admits.
    function dot(uint256 aPtr, uint256 aOff, uint256 wPtr, uint256 wOff, uint256 kk, int256 bias)
        internal
        pure
        returns (int256 sum)
    {
        assembly ("memory-safe") {
            for { let k := 0 } lt(k, kk) { k := add(k, 1) } {
                let ia := add(aOff, k)
                let iw := add(wOff, k)
                let a := signextend(3, shr(sub(224, shl(5, and(ia, 7))), calldataload(add(aPtr, shl(5, shr(3, ia))))))
                let w := signextend(3, shr(sub(224, shl(5, and(iw, 7))), calldataload(add(wPtr, shl(5, shr(3, iw))))))
                sum := add(sum, mul(a, w))
            }
            sum := add(sar(16, sum), bias)
        }
    }
}
