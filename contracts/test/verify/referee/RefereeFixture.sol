// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MlpStepReferee} from "../../../src/verify/referee/MlpStepReferee.sol";

/// @notice Test-side tensors and R10 Merkle trees (built here, independently of TensorMerkle), and a
///         reference implementation of the ops written plainly (checked arithmetic, no assembly) to
///         compute the expected element values of ARITHMETIC.md.
abstract contract RefereeFixture is Test {
    MlpStepReferee internal referee;

    // ------------------------------------------------------------ R10 trees

    function depthOf(uint256 n) internal pure returns (uint256 d) {
        uint256 leaves = (n + 7) / 8;
        while (2 ** d < leaves) d++;
    }

    function leavesOf(int256[] memory v) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](2 ** depthOf(v.length));
        for (uint256 i = 0; i < v.length; i++) {
            require(v[i] >= type(int32).min && v[i] <= type(int32).max, "tensor value out of int32");
            uint256 word = uint256(uint32(int32(v[i])));
            out[i / 8] = bytes32(uint256(out[i / 8]) | (word << (224 - 32 * (i % 8))));
        }
    }

    function rootOf(int256[] memory v) internal pure returns (bytes32) {
        bytes32[] memory level = leavesOf(v);
        while (level.length > 1) {
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i = 0; i < up.length; i++) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            level = up;
        }
        return level[0];
    }

    function proofOf(int256[] memory v, uint256 leafIndex) internal pure returns (bytes32[] memory proof) {
        bytes32[] memory level = leavesOf(v);
        proof = new bytes32[](depthOf(v.length));
        uint256 idx = leafIndex;
        for (uint256 l = 0; l < proof.length; l++) {
            proof[l] = level[idx ^ 1];
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i = 0; i < up.length; i++) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            level = up;
            idx /= 2;
        }
    }

    // ------------------------------------------------------------ openings

    bytes32[] internal _words;
    bytes32[] internal _sibs;

    /// @dev Appends the leaves holding elements [first, first + count) of v, with their proofs.
    function need(int256[] memory v, uint256 first, uint256 count) internal {
        bytes32[] memory leaves = leavesOf(v);
        for (uint256 j = first / 8; j <= (first + count - 1) / 8; j++) {
            _words.push(leaves[j]);
            bytes32[] memory p = proofOf(v, j);
            for (uint256 k = 0; k < p.length; k++) {
                _sibs.push(p[k]);
            }
        }
    }

    function takeOpening() internal returns (bytes memory o) {
        o = abi.encode(_words, _sibs);
        delete _words;
        delete _sibs;
    }

    // ------------------------------------------------------------ reference arithmetic

    int256 internal constant ONE = 65536;

    function sat(int256 x) internal pure returns (int256) {
        return x > type(int32).max ? int256(type(int32).max) : x < type(int32).min ? int256(type(int32).min) : x;
    }

    function fdiv(int256 a, int256 b) internal pure returns (int256) {
        int256 q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }

    function rmul(int256 a, int256 b) internal pure returns (int256) {
        return sat(fdiv(a * b, ONE));
    }

    function rexp(int256 x) internal pure returns (int256) {
        if (x > 0) x = 0;
        if (x < -16 * ONE) return 0;
        int256 k = fdiv(x, 45426);
        int256 r = x - k * 45426;
        int256 p = 546;
        p = fdiv(p * r, ONE) + 2731;
        p = fdiv(p * r, ONE) + 10923;
        p = fdiv(p * r, ONE) + 32768;
        p = fdiv(p * r, ONE) + 65536;
        p = fdiv(p * r, ONE) + 65536;
        return fdiv(p, int256(2 ** uint256(-k)));
    }

    function rfeistel(bytes32 key, uint256 x, uint256 n) internal pure returns (uint256) {
        uint256 bits;
        while (2 ** bits < n) bits++;
        uint256 h = bits <= 1 ? 1 : (bits + 1) / 2;
        uint256 mask = 2 ** h - 1;
        do {
            uint256 l = x / 2 ** h;
            uint256 r = x % 2 ** h;
            for (uint256 round = 0; round < 4; round++) {
                uint256 nr = l ^ (uint256(keccak256(abi.encode(key, round, r))) & mask);
                l = r;
                r = nr;
            }
            x = l * 2 ** h + r;
        } while (x >= n);
        return x;
    }

    // ------------------------------------------------------------ random tensors

    uint256 internal _rng = 1;

    function rnd() internal returns (uint256) {
        _rng = uint256(keccak256(abi.encode(_rng)));
        return _rng;
    }

    /// @dev Mostly small Q16.16 values (|x| < 4), some large, a few at the int32 extremes.
    function randomTensor(uint256 n) internal returns (int256[] memory v) {
        v = new int256[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 u = rnd();
            uint256 kind = u % 16;
            if (kind == 0) v[i] = type(int32).max;
            else if (kind == 1) v[i] = type(int32).min;
            else if (kind < 4) v[i] = int256(int32(uint32(u >> 8)));
            else v[i] = int256((u >> 8) % (8 * 65536)) - 4 * 65536;
        }
    }

    function smallTensor(uint256 n, int256 range) internal returns (int256[] memory v) {
        v = new int256[](n);
        for (uint256 i = 0; i < n; i++) {
            v[i] = int256((rnd() >> 8) % uint256(2 * range)) - range;
        }
    }
}
