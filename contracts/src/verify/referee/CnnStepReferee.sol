// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../IStepReferee.sol";
import {ElementOpening as EO} from "./ElementOpening.sol";
import {FixedPointMath as FP} from "./FixedPointMath.sol";
import {TensorMerkle} from "./TensorMerkle.sol";

/// @title CnnStepReferee
/// @notice The step referee of the fixed-point CNN inference program of packages/ml/src/fixed/ARITHMETIC.md
///         (kind 3, cnn-infer): single-channel side x side images, Conv 3x3 (stride 1, zero padding
///         convPad) + bias as IM2COL then LINEAR, ReLU, zero padding poolPad, AveragePool 2x2 stride 2
///         (count_include_pad), Flatten (c, y, x), Gemm + bias. One transition (state 0 -> 1) of 5 ops:
///         im2col, conv, relu, pool, logits. It recomputes one output element of one op from operand
///         leaves opened against their roots, bit-exact with the TypeScript executor.
/// @dev Opening layout (ARITHMETIC.md §5), read in place from calldata by ElementOpening. Element
///      checks read one storage slot (the dims). Bounds (MAX_*) keep every element check's transaction
///      below 3M gas with its calldata (EIP-7623 floor included): the largest is a logits element, K =
///      features <= MAX_FEATURES terms, 2 * K / 8 leaves opened (test_gas_largestLogitsCheck).
contract CnnStepReferee is IStepReferee {
    /// @notice The spec bytes are malformed or out of range (`reason` names the field).
    error RefereeBadSpec(string reason);

    uint256 public constant MAX_ROWS = 64;
    uint256 public constant MAX_SIDE = 256;
    uint256 public constant MAX_CHANNELS = 64;
    uint256 public constant MAX_CLASSES = 128;
    /// @notice Largest fc input (channels * poolSide^2): the logits check opens 2 * features / 8 leaves
    ///         with their proofs; at these bounds its transaction stays below 3M gas, calldata included.
    uint256 public constant MAX_FEATURES = 512;

    uint256 internal constant KIND_CNN_INFER = 3;
    uint256 internal constant SPEC_WORDS = 12;
    uint256 internal constant NUM_OPS = 5;
    uint256 internal constant NUM_START = 5;

    /// @dev Slot 0: the dims; slot 1: the genesis state.
    struct Spec {
        uint16 rows;
        uint16 side;
        uint16 channels;
        uint16 classes;
        uint8 convPad;
        uint8 poolPad;
        bool registered;
        bytes32 genesis;
    }

    /// @dev The dims and the derived geometry (ARITHMETIC.md §2, kind 3).
    struct Geo {
        uint256 rows;
        uint256 side;
        uint256 ch;
        uint256 classes;
        uint256 convPad;
        uint256 poolPad;
        uint256 convSide;
        uint256 p; // convSide^2
        uint256 poolSide;
        uint256 features;
    }

    mapping(bytes32 => Spec) internal _specs;

    // ------------------------------------------------------------------ spec registry

    /// @inheritdoc IStepReferee
    function registerSpec(bytes calldata spec) external returns (bytes32 specHash) {
        specHash = keccak256(spec);
        if (_specs[specHash].registered) return specHash;
        if (spec.length != SPEC_WORDS * 32) revert RefereeBadSpec("spec: kind 3 expects 12 words (384 bytes)");
        if (_word(spec, 0) != KIND_CNN_INFER) revert RefereeBadSpec("kind: expected 3 (cnn-infer)");
        Spec storage s = _specs[specHash];
        s.rows = uint16(_dim(spec, 1, 1, MAX_ROWS, "rows: expected 1 ..= 64"));
        s.side = uint16(_dim(spec, 2, 2, MAX_SIDE, "side: expected 2 ..= 256"));
        s.channels = uint16(_dim(spec, 3, 1, MAX_CHANNELS, "channels: expected 1 ..= 64"));
        s.classes = uint16(_dim(spec, 4, 1, MAX_CLASSES, "classes: expected 1 ..= 128"));
        s.convPad = uint8(_dim(spec, 5, 0, 1, "convPad: expected 0 or 1"));
        s.poolPad = uint8(_dim(spec, 6, 0, 1, "poolPad: expected 0 or 1"));
        Geo memory g = _geo(s);
        if (g.convSide == 0 || g.poolSide == 0) revert RefereeBadSpec("side: too small for the conv and the pool");
        if (g.features > MAX_FEATURES) revert RefereeBadSpec("features: expected channels * poolSide^2 <= 512");
        bytes32[] memory comps = new bytes32[](NUM_START);
        for (uint256 i = 0; i < NUM_START; ++i) {
            comps[i] = bytes32(_word(spec, 7 + i));
        }
        s.genesis = keccak256(abi.encode(specHash, uint256(0), comps));
        s.registered = true;
        emit SpecRegistered(specHash, spec);
    }

    /// @inheritdoc IStepReferee
    function isRegistered(bytes32 specHash) external view returns (bool) {
        return _specs[specHash].registered;
    }

    /// @inheritdoc IStepReferee
    function genesisState(bytes32 specHash) external view returns (bytes32) {
        return _spec(specHash).genesis;
    }

    /// @inheritdoc IStepReferee
    function numTransitions(bytes32 specHash) external view returns (uint256) {
        _spec(specHash);
        return 1;
    }

    /// @inheritdoc IStepReferee
    function transitionLayout(bytes32 specHash, uint256 t)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources)
    {
        _spec(specHash);
        _checkT(t);
        endSources = new uint256[](1);
        endSources[0] = 4;
        return (NUM_START, NUM_OPS, endSources);
    }

    /// @inheritdoc IStepReferee
    function numElements(bytes32 specHash, uint256 t, uint256 op) external view returns (uint256) {
        Geo memory g = _geo(_spec(specHash));
        _checkT(t);
        return TensorMerkle.capacityOf(_outN(g, op));
    }

    /// @inheritdoc IStepReferee
    function opName(bytes32 specHash, uint256 t, uint256 op) external view returns (string memory) {
        _spec(specHash);
        _checkT(t);
        if (op >= NUM_OPS) revert RefereeBadOpening("op: expected < 5");
        return ["im2col", "conv", "relu", "pool", "logits"][op];
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
        if (startComponents.length != NUM_START) {
            revert RefereeBadOpening("startComponents: wrong count for this transition");
        }
        if (opRoots.length != NUM_OPS) revert RefereeBadOpening("opRoots: wrong count for this transition");
        // roots[0..4]: the start components; roots[5 + k]: op k's output.
        bytes32[10] memory roots;
        for (uint256 i = 0; i < NUM_START; ++i) {
            roots[i] = startComponents[i];
            roots[NUM_START + i] = opRoots[i];
        }
        return _check(s, t, op, element, roots, opening);
    }

    function _check(
        Spec storage s,
        uint256 t,
        uint256 op,
        uint256 element,
        bytes32[10] memory roots,
        bytes calldata opening
    ) internal view returns (bool) {
        Geo memory g = _geo(s);
        _checkT(t);
        uint256 outN = _outN(g, op);
        if (element >= TensorMerkle.capacityOf(outN)) {
            revert RefereeBadOpening("element: expected < numElements(specHash, t, op)");
        }
        EO.Reader memory r = EO.reader(opening);
        // Padding (element >= outN): no operand is opened and the asserter is right iff the element is 0.
        int256 v = element < outN ? _compute(r, g, op, element, roots) : int256(0);
        return EO.output(r, roots[NUM_START + op], outN, element) == v;
    }

    /// @dev Element e (< the op's size) of op `op`, from operands opened in `r`.
    function _compute(EO.Reader memory r, Geo memory g, uint256 op, uint256 e, bytes32[10] memory roots)
        internal
        pure
        returns (int256)
    {
        if (op == 0) return _im2col(r, g, e, roots[0]);
        if (op == 1) {
            // conv: A = im2col [rows * P][9], W = convW [ch][9], bias = convB [ch].
            return _linear(r, [roots[5], roots[1], roots[2]], [g.rows * g.p * 9, g.ch * 9, g.ch], e, g.ch, 9);
        }
        if (op == 2) return FP.relu(EO.one(r, roots[6], g.rows * g.p * g.ch, e));
        if (op == 3) return _pool(r, g, e, roots[7]);
        // logits: A = pool [rows][features], W = fcW [classes][features], bias = fcB [classes].
        return _linear(
            r,
            [roots[8], roots[3], roots[4]],
            [g.rows * g.features, g.classes * g.features, g.classes],
            e,
            g.classes,
            g.features
        );
    }

    // ------------------------------------------------------------------ operator kernels

    /// @dev IM2COL element e = (m P + y convSide + x) * 9 + 3 dy + dx: X[m][(y + dy - convPad) * side +
    ///      (x + dx - convPad)], 0 (no operand leaf) outside the image.
    function _im2col(EO.Reader memory r, Geo memory g, uint256 e, bytes32 xRoot) internal pure returns (int256) {
        uint256 k = e % 9;
        uint256 pos = e / 9;
        uint256 m = pos / g.p;
        uint256 iy = (pos % g.p) / g.convSide + k / 3; // + convPad offset still to subtract
        uint256 ix = pos % g.convSide + k % 3;
        if (iy < g.convPad || ix < g.convPad) return 0;
        iy -= g.convPad;
        ix -= g.convPad;
        if (iy >= g.side || ix >= g.side) return 0;
        return EO.one(r, xRoot, g.rows * g.side * g.side, m * g.side * g.side + iy * g.side + ix);
    }

    /// @dev R2 element e = m * nN + n of A [M][kk] x W [nN][kk] + bias [nN] (roots and element counts
    ///      in that order).
    function _linear(
        EO.Reader memory r,
        bytes32[3] memory roots,
        uint256[3] memory sizes,
        uint256 e,
        uint256 nN,
        uint256 kk
    ) internal pure returns (int256) {
        uint256 aFirst = (e / nN) * kk;
        uint256 wFirst = (e % nN) * kk;
        uint256 aPtr = EO.leaves(r, roots[0], sizes[0], aFirst, kk);
        uint256 wPtr = EO.leaves(r, roots[1], sizes[1], wFirst, kk);
        int256 bias = EO.one(r, roots[2], sizes[2], e % nN);
        return FP.sat(EO.dot(aPtr, aFirst & 7, wPtr, wFirst & 7, kk, bias));
    }

    /// @dev AVGPOOL element e = m features + (c poolSide + py) poolSide + px: floorDiv of the sum of the
    ///      in-range relu elements (m, Y = 2py + a - poolPad, X = 2px + b - poolPad, c) over a, b in {0, 1}
    ///      by 4. The in-range terms' leaves are opened once each, in ascending order.
    function _pool(EO.Reader memory r, Geo memory g, uint256 e, bytes32 reluRoot) internal pure returns (int256) {
        (uint256[4] memory src, uint256 count) = _poolSources(g, e);
        uint256 n = g.rows * g.p * g.ch;
        int256 sum;
        uint256 lastLeaf = type(uint256).max;
        uint256 ptr;
        for (uint256 i = 0; i < count; ++i) {
            uint256 idx = src[i];
            if (idx >> 3 != lastLeaf) {
                ptr = EO.leaves(r, reluRoot, n, idx, 1);
                lastLeaf = idx >> 3;
            }
            sum += EO.at(ptr, idx & 7);
        }
        return sum >> 2; // floorDiv(sum, 4): an arithmetic shift rounds toward -inf
    }

    /// @dev The relu elements AVGPOOL element e averages, in ascending (a, b) order (= ascending index).
    function _poolSources(Geo memory g, uint256 e) internal pure returns (uint256[4] memory src, uint256 count) {
        uint256 base = (e / g.features) * g.p; // m * P
        uint256 c;
        uint256 py;
        uint256 px;
        {
            uint256 rem = e % g.features;
            uint256 ps2 = g.poolSide * g.poolSide;
            c = rem / ps2;
            py = (rem % ps2) / g.poolSide;
            px = rem % g.poolSide;
        }
        for (uint256 a = 0; a < 2; ++a) {
            uint256 y = 2 * py + a;
            if (y < g.poolPad || y - g.poolPad >= g.convSide) continue;
            y -= g.poolPad;
            for (uint256 b = 0; b < 2; ++b) {
                uint256 x = 2 * px + b;
                if (x < g.poolPad || x - g.poolPad >= g.convSide) continue;
                src[count++] = (base + y * g.convSide + x - g.poolPad) * g.ch + c;
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Output element count of op `op` (reverts for op >= 5).
    function _outN(Geo memory g, uint256 op) internal pure returns (uint256) {
        if (op == 0) return g.rows * g.p * 9;
        if (op == 1 || op == 2) return g.rows * g.p * g.ch;
        if (op == 3) return g.rows * g.features;
        if (op == 4) return g.rows * g.classes;
        revert RefereeBadOpening("op: expected < 5");
    }

    function _geo(Spec storage s) internal view returns (Geo memory g) {
        g.rows = s.rows;
        g.side = s.side;
        g.ch = s.channels;
        g.classes = s.classes;
        g.convPad = s.convPad;
        g.poolPad = s.poolPad;
        // side >= 2: convSide = side + 2 convPad - 2 >= 0.
        g.convSide = g.side + 2 * g.convPad - 2;
        g.p = g.convSide * g.convSide;
        g.poolSide = (g.convSide + 2 * g.poolPad) / 2;
        g.features = g.ch * g.poolSide * g.poolSide;
    }

    function _spec(bytes32 specHash) internal view returns (Spec storage s) {
        s = _specs[specHash];
        if (!s.registered) revert RefereeUnknownSpec(specHash);
    }

    function _checkT(uint256 t) internal pure {
        if (t != 0) revert RefereeBadOpening("t: expected < numTransitions(specHash)");
    }

    function _word(bytes calldata spec, uint256 i) internal pure returns (uint256) {
        return uint256(bytes32(spec[32 * i:32 * i + 32]));
    }

    function _dim(bytes calldata spec, uint256 i, uint256 lo, uint256 hi, string memory reason)
        internal
        pure
        returns (uint256 v)
    {
        v = _word(spec, i);
        if (v < lo || v > hi) revert RefereeBadSpec(reason);
    }
}
