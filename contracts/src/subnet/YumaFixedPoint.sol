// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title YumaFixedPoint
/// @notice substrate-fixed v0.6 I32F32 arithmetic on raw bit patterns (value = bits / 2^32), as the
/// Yuma epoch of subtensor uses it (specs/yuma.md §1). Values are carried in int256 so that
/// intermediate products never wrap; every function states where it saturates or fails.
/// Rounding: products are floored (arithmetic shift), quotients truncate toward zero.
library YumaFixedPoint {
    int256 internal constant ONE = 1 << 32;
    int256 internal constant HALF = 1 << 31;
    int256 internal constant I64_MAX = type(int64).max;
    int256 internal constant I64_MIN = type(int64).min;
    /// @dev I9F23 `consts::E >> 103` (= floor(e * 2^23) = 22802600) widened to I32F32: exp(1) returns it.
    int256 internal constant E_BITS = 22_802_600 << 9;
    int256 internal constant EXP_CLAMP = 20 << 32;
    /// @dev I32F32 bits of u16::MAX (65535.0).
    int256 internal constant U16_MAX_FIXED = 65_535 << 32;

    function clamp64(int256 x) internal pure returns (int256) {
        return x > I64_MAX ? I64_MAX : (x < I64_MIN ? I64_MIN : x);
    }

    /// @notice `saturating_add`.
    function satAdd(int256 a, int256 b) internal pure returns (int256) {
        return clamp64(a + b);
    }

    /// @notice `saturating_sub`.
    function satSub(int256 a, int256 b) internal pure returns (int256) {
        return clamp64(a - b);
    }

    /// @notice `saturating_mul`: (a*b) >> 32 (floor), saturating. Inputs are I32F32 (|x| < 2^63).
    function satMul(int256 a, int256 b) internal pure returns (int256) {
        return clamp64((a * b) >> 32);
    }

    /// @notice `checked_mul`: (ok=false) on i64 overflow.
    function checkedMul(int256 a, int256 b) internal pure returns (bool ok, int256 r) {
        r = (a * b) >> 32;
        ok = r <= I64_MAX && r >= I64_MIN;
    }

    /// @notice `safe_div`: (a << 32) / b truncated toward zero; 0 on b == 0 or i64 overflow.
    function safeDiv(int256 a, int256 b) internal pure returns (int256) {
        if (b == 0) return 0;
        int256 r = (a * ONE) / b;
        if (r > I64_MAX || r < I64_MIN) return 0;
        return r;
    }

    /// @notice `saturating_div` for a non-zero divisor: truncated quotient, saturating.
    function satDiv(int256 a, int256 b) internal pure returns (int256) {
        if (b == 0) return a == 0 ? int256(0) : (a > 0 ? I64_MAX : I64_MIN);
        return clamp64((a * ONE) / b);
    }

    /// @notice `fixed_proportion_to_u16`: floor(x * 65535) clamped to [0, 65535].
    function toU16Proportion(int256 x) internal pure returns (uint16) {
        int256 i = satMul(x, U16_MAX_FIXED) >> 32;
        if (i < 0) return 0;
        if (i > 65_535) return 65_535;
        return uint16(uint256(i));
    }

    /// @notice `u16_proportion_to_fixed`: safe_div(x, 65535) = floor(x * 2^32 / 65535).
    function u16Proportion(uint256 x) internal pure returns (int256) {
        return int256((x << 32) / 65_535);
    }

    /// @notice `substrate_fixed::transcendental::exp` for I32F32: Taylor series of |x| with the terms
    /// i = 2..31 (checked_mul, then checked_div by i, checked_add), 1/result when x < 0.
    /// @return ok false where substrate-fixed returns Err (an overflow).
    function exp(int256 x) internal pure returns (bool ok, int256 result) {
        if (x == 0) return (true, ONE);
        if (x == ONE) return (true, E_BITS);
        bool neg = x < 0;
        if (neg) x = -x;
        if (x > I64_MAX) return (false, 0);
        result = x + ONE;
        if (result > I64_MAX) return (false, 0);
        int256 term = x;
        // Bound: term, x and result stay in [0, 2^63) (checked each step); products < 2^126.
        unchecked {
            for (int256 i = 2; i < 32; ++i) {
                // Once a term is 0 every later term is 0 and the checks cannot fail: stop early.
                if (term == 0) break;
                term = (term * x) >> 32;
                if (term > I64_MAX) return (false, 0);
                term = term / i;
                result += term;
                if (result > I64_MAX) return (false, 0);
            }
        }
        if (neg) {
            // checked_div(1, result): result >= 1 bit, so the quotient fits.
            result = (ONE * ONE) / result;
            if (result > I64_MAX) return (false, 0);
        }
        ok = true;
    }

    /// @notice `exp_safe` (epoch/math.rs): clamp to [-20, 20], exp; on Err 0 if x <= 0 else I64 max.
    function expSafe(int256 x) internal pure returns (int256) {
        if (x < -EXP_CLAMP) x = -EXP_CLAMP;
        else if (x > EXP_CLAMP) x = EXP_CLAMP;
        (bool ok, int256 r) = exp(x);
        if (ok) return r;
        return x <= 0 ? int256(0) : I64_MAX;
    }

    /// @notice `clamp_value`: min(high) then max(low).
    function clampValue(int256 v, int256 low, int256 high) internal pure returns (int256) {
        if (v > high) v = high;
        if (v < low) v = low;
        return v;
    }

    /// @notice `alpha_sigmoid` (yuma.md §3.10b): the liquid-alpha EMA coefficient of one cell.
    /// @param steepDiv `steepness.saturating_div(-100)`, precomputed once per epoch.
    function alphaSigmoid(int256 consensus, int256 weight, int256 bond, int256 low, int256 high, int256 steepDiv)
        internal
        pure
        returns (int256)
    {
        int256 d = weight >= bond ? clampValue(satSub(weight, consensus), 0, ONE) : clampValue(satSub(bond, weight), 0, ONE);
        int256 e = expSafe(satMul(steepDiv, satSub(d, HALF)));
        int256 sigmoid = satDiv(ONE, satAdd(ONE, e));
        int256 a = satAdd(low, satMul(sigmoid, satSub(high, low)));
        return clampValue(a, low, high);
    }

    /// @notice `weighted_median` (yuma.md §3.6) over idx[0..m): deterministic mid pivot, stable partitions.
    /// Stakes and scores are non-negative I32F32 <= 1, so sums of at most 2^16 of them cannot saturate.
    function weightedMedian(int256[] memory stake, int256[] memory score, uint256[] memory idx, int256 minority, int256 hi)
        internal
        pure
        returns (int256)
    {
        uint256 len = idx.length;
        uint256 limit = len;
        int256 lo;
        for (uint256 iter; iter <= limit; ++iter) {
            if (len == 0) return 0;
            if (len == 1) return score[idx[0]];
            int256 pivot = score[idx[len >> 1]];
            (int256 loStake, int256 hiStake, uint256 nLo, uint256 nHi) = _partition(stake, score, idx, len, pivot);
            bool takeLower;
            if (minority < lo + loStake && nLo > 0) {
                takeLower = true;
                hi = lo + loStake;
            } else if (hi - hiStake <= minority && nHi > 0) {
                lo = hi - hiStake;
            } else {
                return pivot;
            }
            len = _compact(score, idx, len, pivot, takeLower);
        }
        return 0;
    }

    function _partition(int256[] memory stake, int256[] memory score, uint256[] memory idx, uint256 len, int256 pivot)
        private
        pure
        returns (int256 loStake, int256 hiStake, uint256 nLo, uint256 nHi)
    {
        for (uint256 t; t < len; ++t) {
            uint256 k = idx[t];
            int256 s = score[k];
            if (s < pivot) {
                loStake += stake[k];
                ++nLo;
            } else if (s > pivot) {
                hiStake += stake[k];
                ++nHi;
            }
        }
    }

    /// @dev Stable in-place compaction of the side below (or above) the pivot; write index <= read index.
    function _compact(int256[] memory score, uint256[] memory idx, uint256 len, int256 pivot, bool lower)
        private
        pure
        returns (uint256 w)
    {
        for (uint256 t; t < len; ++t) {
            uint256 k = idx[t];
            int256 s = score[k];
            if (lower ? s < pivot : s > pivot) {
                idx[w] = k;
                ++w;
            }
        }
    }
}
