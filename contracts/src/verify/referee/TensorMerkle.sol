// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TensorMerkle
/// @notice Positional Merkle commitments to int32 tensors (packages/ml/src/fixed/ARITHMETIC.md, R10):
///         a leaf is a bytes32 holding 8 int32 values, big-endian two's complement, element 8j + s in
///         leaf j at byte 4s; a tensor of n elements is zero-padded to 8 * 2^d elements with
///         d = ceil(log2(ceil(n / 8))) (d = 0 when n <= 8); node = keccak256(left ++ right); the root
///         of a one-leaf tree is the leaf; a proof lists the siblings bottom-up and the leaf index's
///         bits, least significant first, say whether the node is a right child.
/// @dev OpenZeppelin's MerkleProof does not fit: it hashes each pair in sorted order (commutative),
///      so a proof does not bind the position of a leaf, and the referee needs exactly that (which
///      element of which row it is reading). These proofs are positional.
library TensorMerkle {
    /// @notice Depth d of the tree of a tensor of n elements (n >= 1).
    function depthOf(uint256 n) internal pure returns (uint256 d) {
        uint256 leaves = (n + 7) >> 3;
        while ((uint256(1) << d) < leaves) ++d;
    }

    /// @notice Element capacity 8 * 2^d of a tensor of n elements (padding included).
    function capacityOf(uint256 n) internal pure returns (uint256) {
        return uint256(8) << depthOf(n);
    }

    /// @notice Element s (0..7) of a leaf, sign-extended.
    function elementOf(bytes32 leaf, uint256 s) internal pure returns (int256 v) {
        assembly ("memory-safe") {
            v := signextend(3, shr(sub(224, shl(5, s)), leaf))
        }
    }

    /// @notice The root of the subtree whose bottom level is `nodes` (left to right): pairs are hashed
    ///         (keccak256(left ++ right)) level by level until one node is left. The caller must check that
    ///         nodes.length is a power of two (>= 1); one node is its own root. Works in free memory.
    function rootOfNodes(bytes32[] calldata nodes) internal pure returns (bytes32 node) {
        assembly ("memory-safe") {
            let n := nodes.length
            let m := mload(0x40)
            calldatacopy(m, nodes.offset, shl(5, n))
            // In place: pair i (words 2i, 2i + 1) is read before word i is written (i <= 2i).
            for {} gt(n, 1) { n := shr(1, n) } {
                let half := shr(1, n)
                for { let i := 0 } lt(i, half) { i := add(i, 1) } {
                    mstore(add(m, shl(5, i)), keccak256(add(m, shl(6, i)), 0x40))
                }
            }
            node := mload(m)
        }
    }

    /// @notice The root reached from `leaf` at leaf index `index` through the calldata siblings
    ///         `proof` (bottom-up). The caller compares it with the expected root and must also
    ///         check proof.length == depth and index < 2^depth.
    function rootFrom(bytes32 leaf, uint256 index, bytes32[] calldata proof) internal pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := leaf
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            for {} lt(p, end) { p := add(p, 32) } {
                let sib := calldataload(p)
                switch and(index, 1)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sib)
                }
                default {
                    mstore(0x00, sib)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
    }
}
