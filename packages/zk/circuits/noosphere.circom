pragma circom 2.1.0;

// Gadgets for fixed-point neural networks (packages/zk). Every range claim is a real constraint:
// values are decomposed into boolean-constrained bits whose weighted sum must equal the value.
// `<--` only computes the witness; soundness never rests on an `assert`.
//
// Signed values are field elements: x < 0 is p - |x|. The compiler's interval analysis
// guarantees every honest value fits the widths given here, and caps them far below 254 bits, so
// the decompositions below are unique.

// in in [0, 2^n): n boolean bits that recompose to in.
template UBits(n) {
    signal input in;
    signal b[n];
    var acc = 0;
    var e = 1;
    for (var i = 0; i < n; i++) {
        b[i] <-- (in >> i) & 1;
        b[i] * (b[i] - 1) === 0;
        acc += b[i] * e;
        e = e + e;
    }
    acc === in;
}

// in in [-2^(B-1), 2^(B-1)); pos = 1 iff in >= 0 (the top bit of in + 2^(B-1)).
template SignBits(B) {
    signal input in;
    signal output pos;
    signal b[B];
    var off = 1 << (B - 1);
    var acc = 0;
    var e = 1;
    for (var i = 0; i < B; i++) {
        b[i] <-- ((in + off) >> i) & 1;
        b[i] * (b[i] - 1) === 0;
        acc += b[i] * e;
        e = e + e;
    }
    acc === in + off;
    pos <== b[B - 1];
}

// out = floor(in / 2^k) for signed in. out is range-checked to B signed bits and the remainder
// in - out * 2^k to [0, 2^k), both by bit decomposition, so (out, remainder) is unique.
// pos = 1 iff out >= 0.
template DivFloorPow2(k, B) {
    signal input in;
    signal output out;
    signal output pos;
    signal qb[B];
    signal rb[k];
    var off = 1 << (B - 1);
    var d = 1 << k;
    // Shift by off * d (a multiple of d) so the witness works on a non-negative integer.
    var q = (in + off * d) \ d;
    var r = (in + off * d) % d;
    var acc = 0;
    var e = 1;
    for (var i = 0; i < B; i++) {
        qb[i] <-- (q >> i) & 1;
        qb[i] * (qb[i] - 1) === 0;
        acc += qb[i] * e;
        e = e + e;
    }
    out <== acc - off;
    pos <== qb[B - 1];
    var racc = 0;
    e = 1;
    for (var i = 0; i < k; i++) {
        rb[i] <-- (r >> i) & 1;
        rb[i] * (rb[i] - 1) === 0;
        racc += rb[i] * e;
        e = e + e;
    }
    out * d + racc === in;
}

// out = floor(in / d) for a constant d that is not a power of two, 2^(k-1) < d < 2^k. The
// remainder r is checked in [0, 2^k) and r + 2^k - d in [0, 2^k), i.e. r < d.
template DivFloorConst(d, k, B) {
    signal input in;
    signal output out;
    signal output pos;
    signal qb[B];
    signal rb[k];
    signal sb[k];
    var off = 1 << (B - 1);
    var q = (in + off * d) \ d;
    var r = (in + off * d) % d;
    var acc = 0;
    var e = 1;
    for (var i = 0; i < B; i++) {
        qb[i] <-- (q >> i) & 1;
        qb[i] * (qb[i] - 1) === 0;
        acc += qb[i] * e;
        e = e + e;
    }
    out <== acc - off;
    pos <== qb[B - 1];
    var racc = 0;
    var sacc = 0;
    var top = 1 << k;
    e = 1;
    for (var i = 0; i < k; i++) {
        rb[i] <-- (r >> i) & 1;
        rb[i] * (rb[i] - 1) === 0;
        racc += rb[i] * e;
        sb[i] <-- ((r + top - d) >> i) & 1;
        sb[i] * (sb[i] - 1) === 0;
        sacc += sb[i] * e;
        e = e + e;
    }
    sacc === racc + top - d;
    out * d + racc === in;
}
