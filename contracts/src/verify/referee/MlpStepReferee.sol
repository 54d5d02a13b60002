// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../IStepReferee.sol";
import {Feistel} from "./Feistel.sol";
import {FixedPointMath as FP} from "./FixedPointMath.sol";
import {ElementOpening as EO} from "./ElementOpening.sol";
import {TensorMerkle} from "./TensorMerkle.sol";

/// @title MlpStepReferee
/// @notice The step referee of the fixed-point MLP programs of packages/ml/src/fixed/ARITHMETIC.md:
///         kind 1 (mlp-train: an init transition, then one transition per momentum-SGD step on a
///         committed dataset), kind 2 (mlp-infer: one transition, two dense layers) and kind 4 (mlp-eval:
///         mlp-infer on labelled rows, then per row "argmax of the logits == label", their prefix sums and
///         the last prefix sum as the count of correct rows, so the final state commits the logits and the
///         metric; every check of it opens O(1) leaves whatever the row count). It recomputes
///         one output element of one operator from operand leaves opened against their roots, bit-exact
///         with the TypeScript executor.
/// @dev Opening layout (ARITHMETIC.md §5): abi.encode(bytes32[] words, bytes32[] siblings); `words` are
///      the needed operand leaves (operands in table order, each in ascending leaf index) then the output
///      leaf; `siblings` are their proofs, concatenated in the same order, depth(tensor) siblings each.
///      The opening is read in place from calldata (no copy) by ElementOpening. Element checks read the spec's storage
///      slots only. Sums are exact in int256: a dot product of K <= MAX_DIM terms of two int32 values
///      is below 2^62 * 2^12 = 2^74 in absolute value, so the unchecked arithmetic never wraps.
contract MlpStepReferee is IStepReferee {
    /// @notice The spec bytes are malformed or out of range (`reason` names the field).
    error RefereeBadSpec(string reason);

    /// @notice Largest nIn, nHidden, nOut, batch and rows a spec may have here (keeps every element
    ///         check within a few million gas; the digits programs use 64, 32, 10 and 32).
    uint256 public constant MAX_DIM = 4096;

    uint256 internal constant KIND_TRAIN = 1;
    uint256 internal constant KIND_INFER = 2;
    uint256 internal constant KIND_EVAL = 4;

    // Operator types.
    uint256 internal constant T_INIT = 1;
    uint256 internal constant T_ZEROS = 2;
    uint256 internal constant T_GATHER_X = 3;
    uint256 internal constant T_GATHER_Y = 4;
    uint256 internal constant T_LINEAR = 5;
    uint256 internal constant T_RELU = 6;
    uint256 internal constant T_SOFTMAX_GRAD = 7;
    uint256 internal constant T_TRANSPOSE = 8;
    uint256 internal constant T_ROWSUM = 9;
    uint256 internal constant T_RELU_MASK = 10;
    uint256 internal constant T_MOMENTUM = 11;
    uint256 internal constant T_UPDATE = 12;
    uint256 internal constant T_CURSOR = 13;
    uint256 internal constant T_ARGMAX_EQ = 14;
    uint256 internal constant T_CUMSUM = 15;
    uint256 internal constant T_LAST = 16;

    // Operand sources: S<j> = j, op<k> = OP + k, D = DATA.
    uint256 internal constant OP = 1000;
    uint256 internal constant DATA = 999;

    /// @dev Slot 0: kind and dims; slot 1: n and init scales; then seed, dataRoot, genesis state.
    struct Spec {
        uint8 kind;
        uint24 nIn;
        uint24 nHidden;
        uint24 nOut;
        uint24 batch; // rows for mlp-infer and mlp-eval
        uint64 steps;
        int32 lrQ;
        int32 muQ;
        uint64 n;
        int32 scaleW1Q;
        int32 scaleW2Q;
        uint256 seed;
        bytes32 dataRoot;
        bytes32 genesis;
    }

    /// @dev One operator: its type, output size, up to three operand sources with their element
    ///      counts, and three dims whose meaning depends on the type (LINEAR: M, N, K; TRANSPOSE and
    ///      ROWSUM: R, Cc of the input; SOFTMAX_GRAD: B, C; INIT: tensorId). CUMSUM's operand 1 is its own
    ///      output (element e - 1); LAST reads element srcN[0] - 1 of its operand.
    struct Op {
        uint256 kind;
        uint256 outN;
        uint256 nSrc;
        uint256[3] src;
        uint256[3] srcN;
        uint256 d0;
        uint256 d1;
        uint256 d2;
    }

    mapping(bytes32 => Spec) internal _specs;

    // ------------------------------------------------------------------ spec registry

    /// @inheritdoc IStepReferee
    function registerSpec(bytes calldata spec) external returns (bytes32 specHash) {
        specHash = keccak256(spec);
        if (_specs[specHash].kind != 0) return specHash;
        if (spec.length < 32) revert RefereeBadSpec("spec: expected at least the kind word");
        uint256 kind = _word(spec, 0);
        Spec storage s = _specs[specHash];
        if (kind == KIND_TRAIN) {
            if (spec.length != 13 * 32) revert RefereeBadSpec("spec: kind 1 expects 13 words (416 bytes)");
            s.nIn = uint24(_dim(spec, 1, "nIn"));
            s.nHidden = uint24(_dim(spec, 2, "nHidden"));
            s.nOut = uint24(_dim(spec, 3, "nOut"));
            s.batch = uint24(_dim(spec, 4, "batch"));
            uint256 steps = _word(spec, 5);
            if (steps == 0 || steps >= type(uint64).max) {
                revert RefereeBadSpec("steps: expected 1 <= steps < 2^64 - 1");
            }
            s.steps = uint64(steps);
            s.lrQ = _int32(spec, 6, "lrQ");
            s.muQ = _int32(spec, 7, "muQ");
            s.seed = _word(spec, 8);
            s.scaleW1Q = _int32(spec, 9, "initScaleW1Q");
            s.scaleW2Q = _int32(spec, 10, "initScaleW2Q");
            uint256 n = _word(spec, 11);
            if (n == 0 || n > type(uint64).max) revert RefereeBadSpec("n: expected 1 <= n < 2^64");
            s.n = uint64(n);
            s.dataRoot = bytes32(_word(spec, 12));
            s.genesis = keccak256(abi.encode(specHash, uint256(0), new bytes32[](0)));
        } else if (kind == KIND_INFER) {
            if (spec.length != 10 * 32) revert RefereeBadSpec("spec: kind 2 expects 10 words (320 bytes)");
            s.nIn = uint24(_dim(spec, 1, "nIn"));
            s.nHidden = uint24(_dim(spec, 2, "nHidden"));
            s.nOut = uint24(_dim(spec, 3, "nOut"));
            s.batch = uint24(_dim(spec, 4, "rows"));
            bytes32[] memory comps = new bytes32[](5);
            for (uint256 i = 0; i < 5; ++i) {
                comps[i] = bytes32(_word(spec, 5 + i));
            }
            s.genesis = keccak256(abi.encode(specHash, uint256(0), comps));
        } else if (kind == KIND_EVAL) {
            if (spec.length != 11 * 32) revert RefereeBadSpec("spec: kind 4 expects 11 words (352 bytes)");
            s.nIn = uint24(_dim(spec, 1, "nIn"));
            s.nHidden = uint24(_dim(spec, 2, "nHidden"));
            s.nOut = uint24(_dim(spec, 3, "nOut"));
            s.batch = uint24(_dim(spec, 4, "rows"));
            bytes32[] memory comps = new bytes32[](6);
            for (uint256 i = 0; i < 6; ++i) {
                comps[i] = bytes32(_word(spec, 5 + i));
            }
            s.genesis = keccak256(abi.encode(specHash, uint256(0), comps));
        } else {
            revert RefereeBadSpec("kind: expected 1 (mlp-train), 2 (mlp-infer) or 4 (mlp-eval)");
        }
        s.kind = uint8(kind);
        emit SpecRegistered(specHash, spec);
    }

    /// @inheritdoc IStepReferee
    function isRegistered(bytes32 specHash) external view returns (bool) {
        return _specs[specHash].kind != 0;
    }

    /// @inheritdoc IStepReferee
    function genesisState(bytes32 specHash) external view returns (bytes32) {
        return _spec(specHash).genesis;
    }

    /// @inheritdoc IStepReferee
    function numTransitions(bytes32 specHash) public view returns (uint256) {
        Spec storage s = _spec(specHash);
        return s.kind == KIND_TRAIN ? uint256(s.steps) + 1 : 1;
    }

    /// @inheritdoc IStepReferee
    function transitionLayout(bytes32 specHash, uint256 t)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources)
    {
        Spec storage s = _spec(specHash);
        _checkT(s, t);
        if (s.kind == KIND_INFER) {
            endSources = new uint256[](1);
            endSources[0] = 2;
            return (5, 3, endSources);
        }
        if (s.kind == KIND_EVAL) {
            endSources = new uint256[](2);
            (endSources[0], endSources[1]) = (2, 5);
            return (6, 6, endSources);
        }
        endSources = new uint256[](9);
        if (t == 0) {
            for (uint256 i = 0; i < 9; ++i) {
                endSources[i] = i;
            }
            return (0, 9, endSources);
        }
        (endSources[0], endSources[1], endSources[2], endSources[3]) = (21, 22, 23, 24);
        (endSources[4], endSources[5], endSources[6], endSources[7]) = (17, 18, 19, 20);
        endSources[8] = 25;
        return (9, 26, endSources);
    }

    /// @inheritdoc IStepReferee
    function numElements(bytes32 specHash, uint256 t, uint256 op) external view returns (uint256) {
        Spec storage s = _spec(specHash);
        _checkT(s, t);
        return TensorMerkle.capacityOf(_op(s, t, op).outN);
    }

    /// @inheritdoc IStepReferee
    function opName(bytes32 specHash, uint256 t, uint256 op) external view returns (string memory) {
        Spec storage s = _spec(specHash);
        _checkT(s, t);
        _op(s, t, op); // range check
        if (s.kind == KIND_INFER) return ["z1", "h1", "logits"][op];
        if (s.kind == KIND_EVAL) return ["z1", "h1", "logits", "correct", "correct_cumsum", "correct_count"][op];
        if (t == 0) {
            return [
                "init_W1",
                "zeros_b1",
                "init_W2",
                "zeros_b2",
                "zeros_vW1",
                "zeros_vb1",
                "zeros_vW2",
                "zeros_vb2",
                "zeros_cursor"
            ][op];
        }
        return [
            "gather_x",
            "gather_y",
            "z1",
            "h1",
            "z2",
            "g2",
            "g2_t",
            "h1_t",
            "dw2",
            "db2",
            "w2_t",
            "dh1",
            "dz1",
            "dz1_t",
            "x_t",
            "dw1",
            "db1",
            "mom_W1",
            "mom_b1",
            "mom_W2",
            "mom_b2",
            "upd_W1",
            "upd_b1",
            "upd_W2",
            "upd_b2",
            "cursor"
        ][op];
    }

    // ------------------------------------------------------------------ element check

    /// @inheritdoc IStepReferee
    function checkElement(
        bytes32 specHash,
        uint256 t,
        uint256 op,
        uint256 element,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external view returns (bool asserterCorrect) {
        Spec storage s = _spec(specHash);
        _checkT(s, t);
        Op memory o = _op(s, t, op);
        {
            (uint256 nStart, uint256 nOps) =
                s.kind == KIND_INFER ? (5, 3) : s.kind == KIND_EVAL ? (6, 6) : t == 0 ? (0, 9) : (9, 26);
            if (startComponents.length != nStart) {
                revert RefereeBadOpening("startComponents: wrong count for this transition");
            }
            if (opRoots.length != nOps) revert RefereeBadOpening("opRoots: wrong count for this transition");
        }
        if (element >= TensorMerkle.capacityOf(o.outN)) {
            revert RefereeBadOpening("element: expected < numElements(specHash, t, op)");
        }
        // roots[0..2]: the operands' roots; roots[3]: the output's.
        bytes32[4] memory roots;
        for (uint256 i = 0; i < o.nSrc; ++i) {
            uint256 src = o.src[i];
            roots[i] = src == DATA ? s.dataRoot : src >= OP ? opRoots[src - OP] : startComponents[src];
        }
        roots[3] = opRoots[op];
        return _check(s, t, o, element, roots, EO.reader(opening));
    }

    function _check(
        Spec storage s,
        uint256 t,
        Op memory o,
        uint256 element,
        bytes32[4] memory roots,
        EO.Reader memory r
    ) internal view returns (bool) {
        if (element >= o.outN) {
            // Padding: the asserter is right iff the element is 0.
            return EO.output(r, roots[3], o.outN, element) == 0;
        }
        int256 v;
        uint256 k = o.kind;
        if (k == T_LINEAR) {
            v = _linear(r, o, element, roots);
        } else if (k == T_RELU || k == T_RELU_MASK || k == T_MOMENTUM || k == T_UPDATE) {
            v = _elementwise(s, r, o, element, roots);
        } else if (k == T_TRANSPOSE) {
            // e = c * R + r -> input element r * Cc + c.
            v = EO.one(r, roots[0], o.srcN[0], (element % o.d0) * o.d1 + element / o.d0);
        } else if (k == T_SOFTMAX_GRAD) {
            v = _softmaxGrad(r, o, element, roots);
        } else if (k == T_ROWSUM) {
            uint256 cc = o.d1;
            uint256 first = element * cc;
            uint256 ptr = EO.leaves(r, roots[0], o.srcN[0], first, cc);
            int256 sum;
            // |sum| <= 2^31 * MAX_DIM: exact.
            unchecked {
                for (uint256 i = 0; i < cc; ++i) {
                    sum += EO.at(ptr, (first & 7) + i);
                }
            }
            v = FP.sat(sum);
        } else if (k == T_ARGMAX_EQ) {
            v = _argmaxEq(r, o, element, roots);
        } else if (k == T_CUMSUM) {
            // R14: x[0], or add(out[e - 1], x[e]) with out[e - 1] opened from the op's own output (roots[1]).
            v = EO.one(r, roots[0], o.srcN[0], element);
            if (element > 0) v = FP.add(EO.one(r, roots[1], o.srcN[1], element - 1), v);
        } else if (k == T_LAST) {
            v = EO.one(r, roots[0], o.srcN[0], o.srcN[0] - 1);
        } else if (k == T_GATHER_X || k == T_GATHER_Y) {
            v = EO.one(r, roots[0], o.srcN[0], _gathered(s, t, element, k == T_GATHER_X));
        } else if (k == T_CURSOR) {
            v = FP.sat(EO.one(r, roots[0], 1, 0) + int256(uint256(s.batch)));
        } else if (k == T_INIT) {
            v = Feistel.initValue(s.seed, o.d0, element, o.d0 == 0 ? int256(s.scaleW1Q) : int256(s.scaleW2Q));
        } // T_ZEROS: v = 0
        return EO.output(r, roots[3], o.outN, element) == v;
    }

    // ------------------------------------------------------------------ operator kernels

    /// @dev R2: sat(floor(sum_k A[m][k] * W[n][k] / 2^16) + bias[n]), element e = m * N + n.
    function _linear(EO.Reader memory r, Op memory o, uint256 e, bytes32[4] memory roots)
        internal
        pure
        returns (int256)
    {
        uint256 kk = o.d2;
        uint256 aFirst = (e / o.d1) * kk;
        uint256 wFirst = (e % o.d1) * kk;
        uint256 aPtr = EO.leaves(r, roots[0], o.srcN[0], aFirst, kk);
        uint256 wPtr = EO.leaves(r, roots[1], o.srcN[1], wFirst, kk);
        int256 bias;
        if (o.nSrc == 3) bias = EO.one(r, roots[2], o.srcN[2], e % o.d1);
        return FP.sat(EO.dot(aPtr, aFirst & 7, wPtr, wFirst & 7, kk, bias));
    }

    /// @dev RELU, RELU_MASK (z > 0 ? d : 0), MOMENTUM (add(mul(MU, v), g)), UPDATE (sub(w, mul(LR, v'))).
    function _elementwise(Spec storage s, EO.Reader memory r, Op memory o, uint256 e, bytes32[4] memory roots)
        internal
        view
        returns (int256)
    {
        int256 x = EO.one(r, roots[0], o.srcN[0], e);
        if (o.kind == T_RELU) return FP.relu(x);
        int256 y = EO.one(r, roots[1], o.srcN[1], e);
        if (o.kind == T_RELU_MASK) return y > 0 ? x : int256(0);
        if (o.kind == T_MOMENTUM) return FP.add(FP.mul(int256(s.muQ), x), y);
        return FP.sub(x, FP.mul(int256(s.lrQ), y));
    }

    /// @dev R13: row e of [R][C] logits is correct (1) iff its first maximum's index equals the label Y[e], else 0.
    function _argmaxEq(EO.Reader memory r, Op memory o, uint256 e, bytes32[4] memory roots)
        internal
        pure
        returns (int256)
    {
        uint256 cN = o.d1;
        uint256 first = e * cN;
        uint256 ptr = EO.leaves(r, roots[0], o.srcN[0], first, cN);
        int256 y = EO.one(r, roots[1], o.srcN[1], e);
        uint256 off = first & 7;
        uint256 best;
        int256 m = EO.at(ptr, off);
        for (uint256 i = 1; i < cN; ++i) {
            int256 z = EO.at(ptr, off + i);
            if (z > m) (m, best) = (z, i);
        }
        return y == int256(best) ? int256(1) : int256(0);
    }

    /// @dev R6: element (b, c) of the softmax gradient of row Z[b] with label Y[b], divided by B.
    function _softmaxGrad(EO.Reader memory r, Op memory o, uint256 e, bytes32[4] memory roots)
        internal
        pure
        returns (int256)
    {
        uint256 cN = o.d1;
        uint256 first = (e / cN) * cN;
        uint256 ptr = EO.leaves(r, roots[0], o.srcN[0], first, cN);
        int256 y = EO.one(r, roots[1], o.srcN[1], e / cN);
        uint256 c = e % cN;
        int256 p = _softmax(ptr, first & 7, cN, c);
        return FP.floorDiv(p - (y == int256(c) ? FP.ONE : int256(0)), int256(o.d0));
    }

    /// @dev div(e_c, sum_i e_i) with e_i = exp(sat(z_i - max z)) over the cN values from element `off`
    ///      of the leaves at `ptr`; the sum is at most cN * 2^16: exact.
    function _softmax(uint256 ptr, uint256 off, uint256 cN, uint256 c) internal pure returns (int256) {
        int256 m = EO.at(ptr, off);
        for (uint256 i = 1; i < cN; ++i) {
            int256 z = EO.at(ptr, off + i);
            if (z > m) m = z;
        }
        int256 sum;
        int256 ec;
        for (uint256 i = 0; i < cN; ++i) {
            int256 ei = FP.exp(FP.sat(EO.at(ptr, off + i) - m));
            sum += ei;
            if (i == c) ec = ei;
        }
        return FP.div(ec, sum);
    }

    /// @dev The dataset element that GATHER_X (e = i * nIn + f: feature f) or GATHER_Y (e = i: the
    ///      label) of training step t - 1 reads for sample i (R9).
    function _gathered(Spec storage s, uint256 t, uint256 e, bool features) internal view returns (uint256) {
        uint256 nIn = s.nIn;
        (uint256 i, uint256 f) = features ? (e / nIn, e % nIn) : (e, nIn);
        uint256 idx = Feistel.sampleIndex(s.seed, t - 1, s.batch, i, s.n);
        return idx * (8 * ((nIn + 8) / 8)) + f;
    }

    // ------------------------------------------------------------------ operator table (ARITHMETIC.md §4)

    function _op(Spec storage s, uint256 t, uint256 op) internal view returns (Op memory o) {
        uint256 nI = s.nIn;
        uint256 nH = s.nHidden;
        uint256 nC = s.nOut;
        uint256 nB = s.batch;
        if (s.kind == KIND_INFER) {
            if (op == 0) return _lin(nB, nH, nI, [uint256(0), 1, 2], [nB * nI, nH * nI, nH], 3);
            if (op == 1) return _unary(T_RELU, nB * nH, OP + 0);
            if (op == 2) return _lin(nB, nC, nH, [OP + 1, 3, 4], [nB * nH, nC * nH, nC], 3);
            revert RefereeBadOpening("op: expected < 3");
        }
        if (s.kind == KIND_EVAL) {
            if (op == 0) return _lin(nB, nH, nI, [uint256(0), 1, 2], [nB * nI, nH * nI, nH], 3);
            if (op == 1) return _unary(T_RELU, nB * nH, OP + 0);
            if (op == 2) return _lin(nB, nC, nH, [OP + 1, 3, 4], [nB * nH, nC * nH, nC], 3);
            if (op == 3) {
                o = _binary(T_ARGMAX_EQ, nB, OP + 2, nB * nC, 5, nB);
                (o.d0, o.d1) = (nB, nC);
                return o;
            }
            if (op == 4) return _binary(T_CUMSUM, nB, OP + 3, nB, OP + 4, nB);
            if (op == 5) {
                o = _unary(T_LAST, 1, OP + 4);
                o.srcN[0] = nB;
                return o;
            }
            revert RefereeBadOpening("op: expected < 6");
        }
        if (t == 0) {
            if (op >= 9) revert RefereeBadOpening("op: expected < 9");
            uint256[9] memory sizes = [nH * nI, nH, nC * nH, nC, nH * nI, nH, nC * nH, nC, 1];
            o.outN = sizes[op];
            if (op == 0 || op == 2) {
                o.kind = T_INIT;
                o.d0 = op; // tensorId: the component index
            } else {
                o.kind = T_ZEROS;
            }
            return o;
        }
        if (op == 0) {
            o = _unary(T_GATHER_X, nB * nI, DATA);
            o.srcN[0] = uint256(s.n) * 8 * ((nI + 8) / 8);
        } else if (op == 1) {
            o = _unary(T_GATHER_Y, nB, DATA);
            o.srcN[0] = uint256(s.n) * 8 * ((nI + 8) / 8);
        } else if (op == 2) {
            return _lin(nB, nH, nI, [OP + 0, 0, 1], [nB * nI, nH * nI, nH], 3);
        } else if (op == 3) {
            return _unary(T_RELU, nB * nH, OP + 2);
        } else if (op == 4) {
            return _lin(nB, nC, nH, [OP + 3, 2, 3], [nB * nH, nC * nH, nC], 3);
        } else if (op == 5) {
            o = _binary(T_SOFTMAX_GRAD, nB * nC, OP + 4, nB * nC, OP + 1, nB);
            (o.d0, o.d1) = (nB, nC);
        } else if (op == 6) {
            return _transpose(OP + 5, nB, nC);
        } else if (op == 7) {
            return _transpose(OP + 3, nB, nH);
        } else if (op == 8) {
            return _lin(nC, nH, nB, [OP + 6, OP + 7, 0], [nC * nB, nH * nB, 0], 2);
        } else if (op == 9) {
            o = _unary(T_ROWSUM, nC, OP + 6);
            (o.srcN[0], o.d0, o.d1) = (nC * nB, nC, nB);
        } else if (op == 10) {
            return _transpose(2, nC, nH);
        } else if (op == 11) {
            return _lin(nB, nH, nC, [OP + 5, OP + 10, 0], [nB * nC, nH * nC, 0], 2);
        } else if (op == 12) {
            return _binary(T_RELU_MASK, nB * nH, OP + 11, nB * nH, OP + 2, nB * nH);
        } else if (op == 13) {
            return _transpose(OP + 12, nB, nH);
        } else if (op == 14) {
            return _transpose(OP + 0, nB, nI);
        } else if (op == 15) {
            return _lin(nH, nI, nB, [OP + 13, OP + 14, 0], [nH * nB, nI * nB, 0], 2);
        } else if (op == 16) {
            o = _unary(T_ROWSUM, nH, OP + 13);
            (o.srcN[0], o.d0, o.d1) = (nH * nB, nH, nB);
        } else if (op <= 24) {
            // 17..20 momentum (v = S4..S7, g = op15, op16, op8, op9); 21..24 update (w = S0..S3, v = op17..op20).
            uint256 j = (op - 17) % 4;
            uint256 size = [nH * nI, nH, nC * nH, nC][j];
            if (op <= 20) return _binary(T_MOMENTUM, size, 4 + j, size, OP + [uint256(15), 16, 8, 9][j], size);
            return _binary(T_UPDATE, size, j, size, OP + 17 + j, size);
        } else if (op == 25) {
            return _unary(T_CURSOR, 1, 8);
        } else {
            revert RefereeBadOpening("op: expected < 26");
        }
    }

    function _lin(uint256 m, uint256 n, uint256 k, uint256[3] memory src, uint256[3] memory srcN, uint256 nSrc)
        internal
        pure
        returns (Op memory o)
    {
        o.kind = T_LINEAR;
        o.outN = m * n;
        o.nSrc = nSrc;
        o.src = src;
        o.srcN = srcN;
        (o.d0, o.d1, o.d2) = (m, n, k);
    }

    function _unary(uint256 kind, uint256 outN, uint256 src) internal pure returns (Op memory o) {
        o.kind = kind;
        o.outN = outN;
        o.nSrc = 1;
        o.src[0] = src;
        o.srcN[0] = outN;
    }

    function _binary(uint256 kind, uint256 outN, uint256 src0, uint256 n0, uint256 src1, uint256 n1)
        internal
        pure
        returns (Op memory o)
    {
        o.kind = kind;
        o.outN = outN;
        o.nSrc = 2;
        (o.src[0], o.srcN[0], o.src[1], o.srcN[1]) = (src0, n0, src1, n1);
    }

    /// @dev TRANSPOSE of an [rows][cols] input into [cols][rows].
    function _transpose(uint256 src, uint256 rows, uint256 cols) internal pure returns (Op memory o) {
        o = _unary(T_TRANSPOSE, rows * cols, src);
        (o.d0, o.d1) = (rows, cols);
    }

    // ------------------------------------------------------------------ helpers

    function _spec(bytes32 specHash) internal view returns (Spec storage s) {
        s = _specs[specHash];
        if (s.kind == 0) revert RefereeUnknownSpec(specHash);
    }

    function _checkT(Spec storage s, uint256 t) internal view {
        uint256 n = s.kind == KIND_TRAIN ? uint256(s.steps) + 1 : 1;
        if (t >= n) revert RefereeBadOpening("t: expected < numTransitions(specHash)");
    }

    function _word(bytes calldata spec, uint256 i) internal pure returns (uint256) {
        return uint256(bytes32(spec[32 * i:32 * i + 32]));
    }

    function _dim(bytes calldata spec, uint256 i, string memory name) internal pure returns (uint256 v) {
        v = _word(spec, i);
        if (v == 0 || v > MAX_DIM) revert RefereeBadSpec(string.concat(name, ": expected 1 ..= 4096"));
    }

    function _int32(bytes calldata spec, uint256 i, string memory name) internal pure returns (int32) {
        int256 v = int256(_word(spec, i));
        if (v < FP.INT32_MIN || v > FP.INT32_MAX) revert RefereeBadSpec(string.concat(name, ": expected an int32"));
        return int32(v);
    }
}
