// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title FixedPointMath
/// @notice The normative Q16.16 fixed-point arithmetic of the optimistic-verification programs
///         (packages/ml/src/fixed/ARITHMETIC.md), bit-exact with the TypeScript executor.
/// @dev Values are int32 Q16.16 (ONE = 2^16) carried in int256. Every function takes operands that
///      are already int32 (|x| < 2^31), so every intermediate here is far below 2^255 and the
///      arithmetic runs unchecked; results are saturated to int32 where the rules say so. Rounding
///      is always toward minus infinity: Solidity's `>>` on a signed integer is an arithmetic shift
///      (floor), and `floorDiv` corrects Solidity's truncating `/`.
library FixedPointMath {
    int256 internal constant ONE = 65536;
    int256 internal constant INT32_MIN = -2147483648;
    int256 internal constant INT32_MAX = 2147483647;

    /// @notice Clamps x to [-2^31, 2^31 - 1].
    function sat(int256 x) internal pure returns (int256) {
        if (x > INT32_MAX) return INT32_MAX;
        if (x < INT32_MIN) return INT32_MIN;
        return x;
    }

    /// @notice floor(a / b) for b > 0 (rounds toward minus infinity).
    function floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        unchecked {
            q = a / b;
            if (a % b != 0 && a < 0) q -= 1;
        }
    }

    /// @notice sat(floor(a * b / 2^16)).
    function mul(int256 a, int256 b) internal pure returns (int256) {
        unchecked {
            return sat((a * b) >> 16);
        }
    }

    /// @notice sat(a + b).
    function add(int256 a, int256 b) internal pure returns (int256) {
        unchecked {
            return sat(a + b);
        }
    }

    /// @notice sat(a - b).
    function sub(int256 a, int256 b) internal pure returns (int256) {
        unchecked {
            return sat(a - b);
        }
    }

    /// @notice sat(floor(a * 2^16 / b)), b > 0.
    function div(int256 a, int256 b) internal pure returns (int256) {
        unchecked {
            return sat(floorDiv(a << 16, b));
        }
    }

    /// @notice max(x, 0).
    function relu(int256 x) internal pure returns (int256) {
        return x > 0 ? x : int256(0);
    }

    /// @notice R5 exp(x) in Q16.16: x > 0 counts as 0; 0 below -16; otherwise x = k*LN2 + r with r in
    ///         [0, LN2), a degree-5 Horner polynomial for e^r (each step floor(p * r / 2^16) + c),
    ///         then a floor shift right by -k.
    /// @dev x is an int32 (the softmax subtracts the row max first, so x <= 0 there); p stays below
    ///      2^18 and r below 2^16, so every product fits easily; -k <= 24.
    function exp(int256 x) internal pure returns (int256 p) {
        unchecked {
            if (x > 0) x = 0;
            if (x < -16 * ONE) return 0;
            int256 k = floorDiv(x, LN2);
            int256 r = x - k * LN2;
            p = C5;
            p = ((p * r) >> 16) + C4;
            p = ((p * r) >> 16) + C3;
            p = ((p * r) >> 16) + C2;
            p = ((p * r) >> 16) + C1;
            p = ((p * r) >> 16) + C0;
            p = p >> uint256(-k);
        }
    }

    int256 internal constant LN2 = 45426;
    int256 internal constant C5 = 546;
    int256 internal constant C4 = 2731;
    int256 internal constant C3 = 10923;
    int256 internal constant C2 = 32768;
    int256 internal constant C1 = 65536;
    int256 internal constant C0 = 65536;
}
