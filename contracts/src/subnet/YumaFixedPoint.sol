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
        // Taylor terms i = 2..31. Bound: term, x and result stay in [0, 2^63) (checked each step), so
        // term * x < 2^126 and the logical shift equals the arithmetic one. A zero term stays zero: stop.
        assembly ("memory-safe") {
            let term := x
            ok := 1
            for { let i := 2 } lt(i, 32) { i := add(i, 1) } {
                if iszero(term) { break }
                term := shr(32, mul(term, x))
                if gt(term, 0x7fffffffffffffff) {
                    ok := 0
                    break
                }
                term := div(term, i)
                result := add(result, term)
                if gt(result, 0x7fffffffffffffff) {
                    ok := 0
                    break
                }
            }
        }
        if (!ok) return (false, 0);
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
        int256 d =
            weight >= bond ? clampValue(satSub(weight, consensus), 0, ONE) : clampValue(satSub(bond, weight), 0, ONE);
        int256 e = expSafe(satMul(steepDiv, satSub(d, HALF)));
        int256 sigmoid = satDiv(ONE, satAdd(ONE, e));
        int256 a = satAdd(low, satMul(sigmoid, satSub(high, low)));
        return clampValue(a, low, high);
    }

    /// @notice `weighted_median` (yuma.md §3.6) over idx[0..m): deterministic mid pivot, stable partitions.
    /// Stakes and scores are non-negative I32F32 <= 1, so sums of at most 2^16 of them cannot saturate.
    function weightedMedian(
        int256[] memory stake,
        int256[] memory score,
        uint256[] memory idx,
        int256 minority,
        int256 hi
    ) internal pure returns (int256) {
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

    /// @dev Sums and counts below / above the pivot. Bound: stakes and scores are in [0, 2^33), at most
    /// 2^16 of them, so the sums cannot overflow; indices come from idx (all < stake.length).
    function _partition(int256[] memory stake, int256[] memory score, uint256[] memory idx, uint256 len, int256 pivot)
        private
        pure
        returns (int256 loStake, int256 hiStake, uint256 nLo, uint256 nHi)
    {
        assembly ("memory-safe") {
            let ip := add(idx, 32)
            let sp := add(score, 32)
            let kp := add(stake, 32)
            let end := add(ip, shl(5, len))
            for {} lt(ip, end) { ip := add(ip, 32) } {
                let off := shl(5, mload(ip))
                let v := mload(add(sp, off))
                if slt(v, pivot) {
                    loStake := add(loStake, mload(add(kp, off)))
                    nLo := add(nLo, 1)
                }
                if sgt(v, pivot) {
                    hiStake := add(hiStake, mload(add(kp, off)))
                    nHi := add(nHi, 1)
                }
            }
        }
    }

    /// @dev Stable in-place compaction of the side below (or above) the pivot; write index <= read index.
    function _compact(int256[] memory score, uint256[] memory idx, uint256 len, int256 pivot, bool lower)
        private
        pure
        returns (uint256 w)
    {
        assembly ("memory-safe") {
            let ip := add(idx, 32)
            let sp := add(score, 32)
            let end := add(ip, shl(5, len))
            let wp := ip
            for {} lt(ip, end) { ip := add(ip, 32) } {
                let k := mload(ip)
                let v := mload(add(sp, shl(5, k)))
                let take := sgt(v, pivot)
                if lower { take := slt(v, pivot) }
                if take {
                    mstore(wp, k)
                    wp := add(wp, 32)
                }
            }
            w := shr(5, sub(wp, add(idx, 32)))
        }
    }
}
