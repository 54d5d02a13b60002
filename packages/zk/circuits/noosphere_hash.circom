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
