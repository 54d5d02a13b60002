pragma circom 2.1.0;

// Poseidon commitments to vectors (inputs, outputs, parameters). Separate from noosphere.circom
// so circuits without hashing do not parse circomlib's 2 MB of Poseidon constants.

include "poseidon.circom";

// Sponge over circomlib Poseidon(16): h = 0; per chunk of 15 (zero padded) h = Poseidon16([h, chunk]);
// out = Poseidon2([h, n]). Matches poseidonHashVector in src/poseidon.ts.
template PoseidonVector(n) {
    signal input in[n];
    signal output out;
    var chunks = (n + 14) \ 15;
    component p[chunks];
    for (var c = 0; c < chunks; c++) {
        p[c] = Poseidon(16);
        if (c == 0) {
            p[c].inputs[0] <== 0;
        } else {
            p[c].inputs[0] <== p[c - 1].out;
        }
        for (var i = 0; i < 15; i++) {
            if (c * 15 + i < n) {
                p[c].inputs[i + 1] <== in[c * 15 + i];
            } else {
                p[c].inputs[i + 1] <== 0;
            }
        }
    }
    component fin = Poseidon(2);
    if (chunks == 0) {
        fin.inputs[0] <== 0;
    } else {
        fin.inputs[0] <== p[chunks - 1].out;
    }
    fin.inputs[1] <== n;
    out <== fin.out;
}

// The input commitment: the n inputs packed 7 to a word, word j = sum_k (in[7j+k] + 2^31) * 2^(32k),
// then h = n; per chunk of 15 words (zero padded; at least one chunk) h = Poseidon16([h, chunk]);
// out = h. Matches poseidonHashInputs in src/poseidon.ts. Binding only when every input lies in
// [-2^31, 2^31): the caller range-checks them (Model() does, with UBits on in[i] - inputLo, and
// compileCircuit refuses an input range outside). The packing is linear: no constraints.
template PackedInputHash(n) {
    signal input in[n];
    signal output out;
    var words = (n + 6) \ 7;
    var chunks = (words + 14) \ 15;
    if (chunks == 0) {
        chunks = 1;
    }
    component p[chunks];
    for (var c = 0; c < chunks; c++) {
        p[c] = Poseidon(16);
        if (c == 0) {
            p[c].inputs[0] <== n;
        } else {
            p[c].inputs[0] <== p[c - 1].out;
        }
        for (var i = 0; i < 15; i++) {
            var j = c * 15 + i;
            if (j < words) {
                var acc = 0;
                var shift = 1;
                for (var k = 0; k < 7; k++) {
                    if (j * 7 + k < n) {
                        acc += (in[j * 7 + k] + 2147483648) * shift;
                    }
                    shift = shift * 4294967296;
                }
                p[c].inputs[i + 1] <== acc;
            } else {
                p[c].inputs[i + 1] <== 0;
            }
        }
    }
    out <== p[chunks - 1].out;
}
