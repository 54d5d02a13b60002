// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Feistel
/// @notice The stateless randomness of the fixed-point programs (ARITHMETIC.md R8, R9): a
///         counter-based PRNG for initial weights and a keyed Feistel permutation with cycle walking
///         for minibatch selection, both checkable one element at a time.
library Feistel {
    /// @notice R8: u = keccak256(abi.encode(seed, tensorId, i)); w = floor((int(u mod 2^17) - 2^16) *
    ///         scaleQ / 2^16), uniform in [-scale, scale).
    function initValue(uint256 seed, uint256 tensorId, uint256 i, int256 scaleQ) internal pure returns (int256) {
        uint256 u = uint256(keccak256(abi.encode(seed, tensorId, i)));
        unchecked {
            return ((int256(u & 0x1ffff) - 65536) * scaleQ) >> 16;
        }
    }

    /// @notice R9 key of an epoch: keccak256(abi.encode(seed, epoch)).
    function epochKey(uint256 seed, uint256 epoch) internal pure returns (bytes32) {
        return keccak256(abi.encode(seed, epoch));
    }

    /// @notice R9: the image of x (< n) under the keyed permutation of [0, n): 4 Feistel rounds of
    ///         h = ceil(ceil(log2 n) / 2) bits (h >= 1), (L, R) = (R, L xor (keccak256(abi.encode(key,
    ///         round, R)) & mask)), repeated while the result is >= n (cycle walking).
    function permute(bytes32 key, uint256 x, uint256 n) internal pure returns (uint256) {
        uint256 bits = 0;
        while ((uint256(1) << bits) < n) ++bits;
        uint256 h = (bits + 1) / 2;
        if (h == 0) h = 1;
        uint256 mask = (uint256(1) << h) - 1;
        do {
            uint256 l = x >> h;
            uint256 r = x & mask;
            for (uint256 round = 0; round < 4; ++round) {
                uint256 f = uint256(keccak256(abi.encode(key, round, r))) & mask;
                (l, r) = (r, l ^ f);
            }
            x = (l << h) | r;
        } while (x >= n);
        return x;
    }

    /// @notice R9: dataset index of sample i of training step s (0-based) with batch size b over n
    ///         samples: g = s*b + i, epoch = g / n, index = permute(epochKey(seed, epoch), g % n, n).
    function sampleIndex(uint256 seed, uint256 s, uint256 b, uint256 i, uint256 n) internal pure returns (uint256) {
        uint256 g = s * b + i;
        return permute(epochKey(seed, g / n), g % n, n);
    }
}
