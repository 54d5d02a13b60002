// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {YumaFixedPoint as F} from "../../src/subnet/YumaFixedPoint.sol";

/// @notice substrate-fixed I32F32 semantics (yuma.md §1) and the weighted median of §3.6, including
/// the subtensor unit vectors of tests/math.rs::test_math_weighted_median_col_sparse.
contract YumaEpochMathTest is Test {
    int256 internal constant ONE = 1 << 32;

    // ---------------------------------------------------------------- products and quotients

    function test_satMul_floorsNegativeProducts() public pure {
        // -1 bit * 0.5 = -0.5 bit -> floor -1 (toward -inf, not toward zero)
        assertEq(F.satMul(-1, ONE / 2), -1);
        assertEq(F.satMul(1, ONE / 2), 0);
        assertEq(F.satMul(-3, ONE / 2), -2); // -1.5 bits -> -2
        assertEq(F.satMul(3, ONE / 2), 1); // 1.5 bits -> 1
    }

    function test_satMul_saturates() public pure {
        assertEq(F.satMul(type(int64).max, 2 * ONE), type(int64).max);
        assertEq(F.satMul(type(int64).min, 2 * ONE), type(int64).min);
    }

    function test_safeDiv_truncatesTowardZero() public pure {
        assertEq(F.safeDiv(ONE, 3 * ONE), 1_431_655_765); // 1/3 truncated
        assertEq(F.safeDiv(-ONE, 3 * ONE), -1_431_655_765); // toward zero, not floor
        assertEq(F.safeDiv(2 * ONE, 4 * ONE), ONE / 2);
    }

    function test_safeDiv_zeroOnZeroDivisorOrOverflow() public pure {
        assertEq(F.safeDiv(ONE, 0), 0);
        assertEq(F.safeDiv(type(int64).max, 1), 0); // quotient beyond i64
    }

    function test_checkedMul_failsOnOverflow() public pure {
        (bool ok,) = F.checkedMul(type(int64).max, 2 * ONE);
        assertFalse(ok);
        (bool ok2, int256 r) = F.checkedMul(3 * ONE, ONE / 2);
        assertTrue(ok2);
        assertEq(r, 3 * ONE / 2);
    }

    function test_u16Proportion_matchesSpecConstants() public pure {
        assertEq(F.u16Proportion(32_767), 2_147_450_879); // kappa
        assertEq(F.u16Proportion(45_875), 3_006_509_875); // alpha_low
        assertEq(F.u16Proportion(58_982), 3_865_503_334); // alpha_high
        assertEq(F.u16Proportion(65_535), ONE);
    }

    function test_toU16Proportion_floorsAndClamps() public pure {
        assertEq(F.toU16Proportion(ONE), 65_535);
        assertEq(F.toU16Proportion(2 * ONE), 65_535);
        assertEq(F.toU16Proportion(-1), 0);
        assertEq(F.toU16Proportion(ONE / 2), 32_767); // 32767.5 floored
    }

    // ---------------------------------------------------------------- exp

    function test_exp_specialCases() public pure {
        (bool ok, int256 r) = F.exp(0);
        assertTrue(ok);
        assertEq(r, ONE);
        (ok, r) = F.exp(ONE);
        assertTrue(ok);
        assertEq(r, 22_802_600 << 9); // I9F23 constant E, not the Taylor sum
    }

    function test_exp_taylorSeriesOfFive() public pure {
        (bool ok, int256 r) = F.exp(5 * ONE);
        assertTrue(ok);
        // e^5 * 2^32 = 637429664641.6; the floored 31-term series (independent model) gives:
        assertEq(r, 637_429_664_624);
        (bool ok2, int256 inv) = F.exp(-5 * ONE);
        assertTrue(ok2);
        assertEq(inv, (ONE * ONE) / r); // 1/result, truncated
    }

    function test_exp_overflowsBeyondTwenty() public pure {
        (bool ok, int256 r) = F.exp(20 * ONE);
        assertTrue(ok);
        assertEq(r, 2_066_907_302_758_576_256); // truncated series, below e^20
        (ok,) = F.exp(21 * ONE); // a term overflows i64
        assertFalse(ok);
        (ok,) = F.exp(-21 * ONE);
        assertFalse(ok);
    }

    function test_expSafe_clampsToTwenty() public pure {
        assertEq(F.expSafe(40 * ONE), 2_066_907_302_758_576_256); // clamped to 20
        assertEq(F.expSafe(-40 * ONE), 8); // 1 / e^20 in bits, truncated
        (, int256 e3) = F.exp(3 * ONE);
        assertEq(F.expSafe(3 * ONE), e3);
    }

    function test_alphaSigmoid_staysWithinBounds() public pure {
        int256 lo = F.u16Proportion(45_875);
        int256 hi = F.u16Proportion(58_982);
        int256 steep = F.satDiv(1000 * ONE, -100 * ONE);
        int256 a = F.alphaSigmoid(ONE / 2, ONE / 2, 0, lo, hi, steep);
        assertGe(a, lo);
        assertLe(a, hi);
        // weight far above consensus: d_buy -> 1 -> sigmoid -> ~1 -> alpha -> ~high
        assertGt(F.alphaSigmoid(0, ONE, 0, lo, hi, steep), (lo + hi) / 2);
        // low > high: clamp(min(high), max(low)) returns low
        assertEq(F.alphaSigmoid(0, ONE, 0, hi, lo, steep), hi);
    }

    // ---------------------------------------------------------------- weighted median (§3.6)

    /// @dev `weighted_median_col_sparse` for dense test columns: positive stakes renormalised.
    function _medianCol(int256[] memory stake, int256[] memory col, int256 kappa) internal pure returns (int256) {
        uint256 m;
        int256 sum;
        for (uint256 i; i < stake.length; ++i) {
            if (stake[i] > 0) {
                ++m;
                sum += stake[i];
            }
        }
        int256[] memory use = new int256[](m);
        int256[] memory score = new int256[](m);
        uint256[] memory idx = new uint256[](m);
        uint256 k;
        int256 stakeSum;
        for (uint256 i; i < stake.length; ++i) {
            if (stake[i] <= 0) continue;
            use[k] = F.safeDiv(stake[i], sum);
            stakeSum += use[k];
            score[k] = col[i];
            idx[k] = k;
            ++k;
        }
        return F.weightedMedian(use, score, idx, F.satSub(stakeSum, kappa), stakeSum);
    }

    // fixed(f32) of 0.1 .. 0.76 (round to nearest, ties even)
    int256 internal constant P1 = 429_496_736;
    int256 internal constant P2 = 858_993_472;
    int256 internal constant P3 = 1_288_490_240;
    int256 internal constant P4 = 1_717_986_944;
    int256 internal constant P5 = 2_147_483_648;

    function _v4(int256 a, int256 b, int256 c, int256 d) internal pure returns (int256[] memory x) {
        x = new int256[](4);
        (x[0], x[1], x[2], x[3]) = (a, b, c, d);
    }

    function test_weightedMedian_mathRsVectors() public pure {
        int256[] memory stake = _v4(0, 3_221_225_472, 1_073_741_824, 0); // [0, .75, .25, 0]
        // columns of W rows [[0,.1,0],[0,.2,.4],[0,.3,.1],[0,.4,.5]]
        int256[] memory c1 = _v4(P1, P2, P3, P4);
        int256[] memory c2 = _v4(0, P4, P1, P5);
        int256[] memory c0 = _v4(0, 0, 0, 0);
        assertEq(_medianCol(stake, c0, 1_030_792_128), 0);
        assertEq(_medianCol(stake, c1, 1_030_792_128), P3); // kappa .24 -> [0, .3, .4]
        assertEq(_medianCol(stake, c2, 1_030_792_128), P4);
        assertEq(_medianCol(stake, c1, 1_116_691_456), P2); // kappa .26 -> [0, .2, .4]
        assertEq(_medianCol(stake, c2, 1_116_691_456), P4);
        assertEq(_medianCol(stake, c1, 3_264_175_104), P2); // kappa .76 -> [0, .2, .1]
        assertEq(_medianCol(stake, c2, 3_264_175_104), P1);
        // stake [0, .3, .2, .5], last row [0, 0, .5], kappa .51 -> [0, 0, .4]
        int256[] memory stake2 = _v4(0, P3, P2, P5);
        assertEq(_medianCol(stake2, _v4(P1, P2, P3, 0), 2_190_433_280), 0);
        assertEq(_medianCol(stake2, _v4(0, P4, P1, P5), 2_190_433_280), P4);
    }

    function test_weightedMedian_emptyAndSingle() public pure {
        int256[] memory none = new int256[](0);
        assertEq(F.weightedMedian(none, none, new uint256[](0), 0, 0), 0);
        int256[] memory one = new int256[](1);
        one[0] = ONE;
        int256[] memory score = new int256[](1);
        score[0] = 12_345;
        assertEq(F.weightedMedian(one, score, new uint256[](1), 0, ONE), 12_345);
    }

    /// @dev Largest score supported by at least kappa of the stake, on random columns.
    function testFuzz_weightedMedian_isStakeSupported(uint256 seed) public pure {
        uint256 m = bound(seed, 1, 40);
        int256[] memory stake = new int256[](m);
        int256[] memory col = new int256[](m);
        for (uint256 i; i < m; ++i) {
            stake[i] = int256(uint256(keccak256(abi.encode(seed, i))) % 1000) + 1;
            col[i] = int256(uint256(keccak256(abi.encode(seed, i, 1))) % 8) * (ONE / 8);
        }
        int256 kappa = F.u16Proportion(32_767);
        int256 c = _medianCol(stake, col, kappa);
        // the stake (normalised) at scores >= c reaches kappa up to rounding
        int256 total;
        int256 above;
        for (uint256 i; i < m; ++i) {
            total += stake[i];
            if (col[i] >= c) above += stake[i];
        }
        assertGe(F.safeDiv(above, total) + int256(m), kappa);
    }

    // ---------------------------------------------------------------- gas of the hot loops

    function test_gas_medianOf64AndAlphaSigmoid() public {
        int256[] memory stake = new int256[](64);
        int256[] memory col = new int256[](64);
        for (uint256 i; i < 64; ++i) {
            stake[i] = int256(uint256(keccak256(abi.encode(i))) % 1e6) + 1;
            col[i] = int256(uint256(keccak256(abi.encode(i, 7))) % uint256(ONE));
        }
        uint256 g = gasleft();
        _medianCol(stake, col, F.u16Proportion(32_767));
        emit log_named_uint("gas: weighted median of 64 (incl. renormalisation)", g - gasleft());
        int256 steep = F.satDiv(1000 * ONE, -100 * ONE);
        g = gasleft();
        F.alphaSigmoid(ONE / 3, ONE / 2, ONE / 5, F.u16Proportion(45_875), F.u16Proportion(58_982), steep);
        emit log_named_uint("gas: alpha_sigmoid", g - gasleft());
    }
}
