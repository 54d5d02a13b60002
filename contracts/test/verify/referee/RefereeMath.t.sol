// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Feistel} from "../../../src/verify/referee/Feistel.sol";
import {FixedPointMath} from "../../../src/verify/referee/FixedPointMath.sol";
import {TensorMerkle} from "../../../src/verify/referee/TensorMerkle.sol";
import {RefereeFixture} from "./RefereeFixture.sol";

/// @notice The referee's building blocks against hand-checked values (exp values from the TS executor,
///         packages/ml/src/fixed/arith.ts expQ) and the plain reference code of RefereeFixture.
contract RefereeMathTest is RefereeFixture {
    function test_exp_edgeCases() public pure {
        int256[15] memory xs = [
            int256(0),
            1,
            5,
            -1,
            -45425,
            -45426,
            -45427,
            -65536,
            -100000,
            -16 * 65536,
            -16 * 65536 - 1,
            -16 * 65536 + 1,
            -2147483648,
            -777777,
            -1000000
        ];
        int256[15] memory want =
            [int256(65536), 65536, 65536, 65529, 32768, 32768, 32764, 24109, 14249, 0, 0, 0, 0, 0, 0];
        for (uint256 i = 0; i < xs.length; i++) {
            assertEq(FixedPointMath.exp(xs[i]), want[i]);
        }
    }

    function testFuzz_exp_matchesReference(int32 x) public pure {
        assertEq(FixedPointMath.exp(x), rexp(x));
    }

    function testFuzz_exp_isAccurate(uint32 u) public pure {
        int256 x = -int256(uint256(u % (16 * 65536)));
        int256 got = FixedPointMath.exp(x);
        // |exp - e^x| <= 0.0002 e^x + 2^-16 (ARITHMETIC.md R5): check monotone and bounded by 1.
        assertLe(got, 65536);
        assertGe(got, 0);
        assertGe(got + 1, FixedPointMath.exp(x - 1));
    }

    function test_floorDivAndSaturation() public pure {
        assertEq(FixedPointMath.floorDiv(-7, 32), -1);
        assertEq(FixedPointMath.floorDiv(-64, 32), -2);
        assertEq(FixedPointMath.floorDiv(7, 32), 0);
        assertEq(FixedPointMath.div(65536, 655360), 6553);
        assertEq(FixedPointMath.div(-5, 3), -109227);
        assertEq(FixedPointMath.mul(-3, 5), -1); // floor, not truncation
        assertEq(FixedPointMath.mul(type(int32).max, type(int32).max), type(int32).max);
        assertEq(FixedPointMath.mul(type(int32).min, type(int32).max), type(int32).min);
        assertEq(FixedPointMath.add(type(int32).max, 1), type(int32).max);
        assertEq(FixedPointMath.sub(type(int32).min, 1), type(int32).min);
        assertEq(FixedPointMath.div(type(int32).max, 1), type(int32).max);
        assertEq(FixedPointMath.relu(-1), 0);
        assertEq(FixedPointMath.relu(3), 3);
    }

    function testFuzz_mulAndDiv_matchReference(int32 a, int32 b) public pure {
        assertEq(FixedPointMath.mul(a, b), rmul(a, b));
        if (b > 0) assertEq(FixedPointMath.div(a, b), sat(fdiv(int256(a) * 65536, b)));
    }

    function test_feistel_isAPermutation() public pure {
        uint256[5] memory ns = [uint256(1), 2, 7, 100, 1437];
        for (uint256 j = 0; j < ns.length; j++) {
            uint256 n = ns[j];
            bytes32 key = Feistel.epochKey(9, j);
            bool[] memory seen = new bool[](n);
            for (uint256 x = 0; x < n; x++) {
                uint256 y = Feistel.permute(key, x, n);
                assertLt(y, n);
                assertFalse(seen[y]);
                seen[y] = true;
                if (n <= 100) assertEq(y, rfeistel(key, x, n));
            }
        }
    }

    function test_tensorMerkle_depthsAndElements() public pure {
        assertEq(TensorMerkle.depthOf(1), 0);
        assertEq(TensorMerkle.depthOf(8), 0);
        assertEq(TensorMerkle.depthOf(9), 1);
        assertEq(TensorMerkle.depthOf(2048), 8);
        assertEq(TensorMerkle.depthOf(1437 * 72), 14);
        assertEq(TensorMerkle.capacityOf(20), 32);
        bytes32 leaf = bytes32(hex"ffffffff00000001800000007fffffff0000000000000000000000000000fffe");
        assertEq(TensorMerkle.elementOf(leaf, 0), -1);
        assertEq(TensorMerkle.elementOf(leaf, 1), 1);
        assertEq(TensorMerkle.elementOf(leaf, 2), type(int32).min);
        assertEq(TensorMerkle.elementOf(leaf, 3), type(int32).max);
        assertEq(TensorMerkle.elementOf(leaf, 7), 65534);
    }

    function test_initValue_inRange() public pure {
        for (uint256 i = 0; i < 200; i++) {
            int256 w = Feistel.initValue(5, 0, i, 19661);
            assertGe(w, -19661);
            assertLt(w, 19661);
        }
    }
}
