// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console2} from "forge-std/console2.sol";
import {IStepReferee} from "../../../src/verify/IStepReferee.sol";
import {CnnStepReferee} from "../../../src/verify/referee/CnnStepReferee.sol";
import {RefereeFixture} from "./RefereeFixture.sol";

/// @notice Element checks of every operator of the cnn-infer program (kind 3) on three geometries
///         (padded conv and pool with odd sides, the shape of examples/zk/models/cnn.onnx, and no
///         padding at all), with random operands that include the int32 extremes: the referee must
///         accept the reference value (computed here plainly, independently of the contract) and
///         reject any other.
contract CnnStepRefereeTest is RefereeFixture {
    event SpecRegistered(bytes32 indexed specHash, bytes spec);

    CnnStepReferee internal cnn;

    // Geometry under test.
    uint256 internal rows;
    uint256 internal side;
    uint256 internal ch;
    uint256 internal classes;
    uint256 internal convPad;
    uint256 internal poolPad;
    uint256 internal convSide;
    uint256 internal poolSide;
    uint256 internal features;

    bytes internal spec;
    bytes32 internal specHash;
    int256[][] internal start; // x, convW, convB, fcW, fcB
    int256[][] internal outs; // im2col, conv, relu, pool, logits

    function setUp() public {
        cnn = new CnnStepReferee();
        _make(2, 5, 3, 4, 1, 1);
    }

    function _make(uint256 r_, uint256 s_, uint256 c_, uint256 k_, uint256 cp, uint256 pp) internal {
        (rows, side, ch, classes, convPad, poolPad) = (r_, s_, c_, k_, cp, pp);
        convSide = side + 2 * convPad - 2;
        poolSide = (convSide + 2 * poolPad) / 2;
        features = ch * poolSide * poolSide;
        delete start;
        start.push(randomTensor(rows * side * side));
        start.push(smallTensor(ch * 9, 65536));
        start.push(smallTensor(ch, 65536));
        start.push(smallTensor(classes * features, 32768));
        start.push(smallTensor(classes, 65536));
        // A few extremes in the weights too (saturation paths).
        start[1][0] = type(int32).max;
        start[3][1] = type(int32).min;
        spec = abi.encode(
            uint256(3),
            rows,
            side,
            ch,
            classes,
            convPad,
            poolPad,
            rootOf(start[0]),
            rootOf(start[1]),
            rootOf(start[2]),
            rootOf(start[3]),
            rootOf(start[4])
        );
        specHash = cnn.registerSpec(spec);
        _forward();
    }

    // ------------------------------------------------------------ reference program

    function _forward() internal {
        delete outs;
        uint256 p = convSide * convSide;
        int256[] memory col = new int256[](rows * p * 9);
        for (uint256 e = 0; e < col.length; e++) {
            (bool inside, uint256 src) = _im2colSource(e);
            col[e] = inside ? start[0][src] : int256(0);
        }
        outs.push(col);
        outs.push(_lin(col, start[1], start[2], rows * p, ch, 9));
        int256[] memory rl = new int256[](rows * p * ch);
        for (uint256 e = 0; e < rl.length; e++) {
            rl[e] = outs[1][e] > 0 ? outs[1][e] : int256(0);
        }
        outs.push(rl);
        int256[] memory pool = new int256[](rows * features);
        for (uint256 e = 0; e < pool.length; e++) {
            uint256[] memory src = _poolSources(e);
            int256 sum;
            for (uint256 i = 0; i < src.length; i++) {
                sum += rl[src[i]];
            }
            pool[e] = fdiv(sum, 4);
        }
        outs.push(pool);
        outs.push(_lin(pool, start[3], start[4], rows, classes, features));
    }

    function _lin(int256[] memory a, int256[] memory w, int256[] memory b, uint256 m, uint256 n, uint256 k)
        internal
        pure
        returns (int256[] memory out)
    {
        out = new int256[](m * n);
        for (uint256 i = 0; i < m; i++) {
            for (uint256 j = 0; j < n; j++) {
                int256 s;
                for (uint256 q = 0; q < k; q++) {
                    s += a[i * k + q] * w[j * k + q];
                }
                out[i * n + j] = sat(fdiv(s, ONE) + b[j]);
            }
        }
    }

    function _im2colSource(uint256 e) internal view returns (bool, uint256) {
        uint256 p = convSide * convSide;
        uint256 k = e % 9;
        uint256 pos = e / 9;
        uint256 m = pos / p;
        int256 iy = int256((pos % p) / convSide + k / 3) - int256(convPad);
        int256 ix = int256(pos % convSide + k % 3) - int256(convPad);
        if (iy < 0 || ix < 0 || iy >= int256(side) || ix >= int256(side)) return (false, 0);
        return (true, m * side * side + uint256(iy) * side + uint256(ix));
    }

    function _poolSources(uint256 e) internal view returns (uint256[] memory src) {
        uint256 base = (e / features) * convSide * convSide;
        uint256 c = (e % features) / (poolSide * poolSide);
        uint256 py = ((e % features) % (poolSide * poolSide)) / poolSide;
        uint256 px = (e % features) % poolSide;
        uint256[4] memory tmp;
        uint256 n;
        for (uint256 a = 0; a < 4; a++) {
            int256 y = int256(2 * py + a / 2) - int256(poolPad);
            int256 x = int256(2 * px + a % 2) - int256(poolPad);
            if (y >= 0 && x >= 0 && y < int256(convSide) && x < int256(convSide)) {
                tmp[n++] = (base + uint256(y) * convSide + uint256(x)) * ch + c;
            }
        }
        src = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            src[i] = tmp[i];
        }
    }

    // ------------------------------------------------------------ openings

    /// @dev Opens element e of op with output values `out` (the asserter's tensor of that op).
    function _opening(uint256 op, uint256 e, int256[] memory out) internal returns (bytes memory) {
        uint256 p = convSide * convSide;
        if (e < out.length) {
            if (op == 0) {
                (bool inside, uint256 src) = _im2colSource(e);
                if (inside) need(start[0], src, 1);
            } else if (op == 1) {
                need(outs[0], (e / ch) * 9, 9);
                need(start[1], (e % ch) * 9, 9);
                need(start[2], e % ch, 1);
            } else if (op == 2) {
                need(outs[1], e, 1);
            } else if (op == 3) {
                uint256[] memory src = _poolSources(e);
                uint256 last = type(uint256).max;
                for (uint256 i = 0; i < src.length; i++) {
                    if (src[i] / 8 != last) need(outs[2], src[i], 1);
                    last = src[i] / 8;
                }
            } else {
                need(outs[3], (e / classes) * features, features);
                need(start[3], (e % classes) * features, features);
                need(start[4], e % classes, 1);
            }
        }
        p; // silence
        need(out, e, 1);
        return takeOpening();
    }

    function _roots(int256[][] storage ts) internal view returns (bytes32[] memory r) {
        r = new bytes32[](ts.length);
        for (uint256 i = 0; i < ts.length; i++) {
            r[i] = rootOf(ts[i]);
        }
    }

    /// @dev Checks element e of op against an asserter whose op output holds `claimed` at e.
    function _check(uint256 op, uint256 e, int256 claimed) internal returns (bool ok, uint256 gasUsed) {
        int256[] memory out = outs[op];
        int256[] memory lied = new int256[](out.length);
        for (uint256 i = 0; i < out.length; i++) {
            lied[i] = out[i];
        }
        if (e < out.length) lied[e] = claimed;
        bytes memory o = _opening(op, e, lied);
        bytes32[] memory orr = _roots(outs);
        orr[op] = rootOf(lied);
        bytes32[] memory sr = _roots(start);
        ok = cnn.checkElement(specHash, 0, op, e, sr, orr, o);
        // The callee's gas only (the test contract's own memory is large: its expansion is not the referee's).
        gasUsed = vm.lastCallGas().gasTotalUsed;
    }

    function _everyOp(string memory shape) internal {
        for (uint256 op = 0; op < 5; op++) {
            uint256 n = outs[op].length;
            uint256[4] memory es = [uint256(0), n - 1, rnd() % n, rnd() % n];
            for (uint256 x = 0; x < 4; x++) {
                int256 want = outs[op][es[x]];
                (bool ok, uint256 gasUsed) = _check(op, es[x], want);
                assertTrue(ok, string.concat(shape, ": honest element rejected, op ", vm.toString(op)));
                (ok,) = _check(op, es[x], want == type(int32).max ? want - 1 : want + 1);
                assertFalse(ok, string.concat(shape, ": wrong element accepted, op ", vm.toString(op)));
                if (x == 0) console2.log(shape, cnn.opName(specHash, 0, op), gasUsed);
            }
        }
    }

    // ------------------------------------------------------------ tests

    function test_everyOp_paddedConvAndPool() public {
        _everyOp("2x5x5 c3 k4 pads 1/1");
    }

    function test_everyOp_cnnOnnxShape() public {
        _make(1, 8, 4, 10, 0, 1);
        assertEq(features, 64);
        _everyOp("1x8x8 c4 k10 pads 0/1");
    }

    function test_everyOp_noPadding() public {
        _make(3, 6, 2, 3, 0, 0);
        _everyOp("3x6x6 c2 k3 pads 0/0");
    }

    function test_manyRandomElements() public {
        for (uint256 x = 0; x < 60; x++) {
            uint256 op = rnd() % 5;
            uint256 e = rnd() % outs[op].length;
            (bool ok,) = _check(op, e, outs[op][e]);
            assertTrue(ok, string.concat("honest element rejected, op ", vm.toString(op), " e ", vm.toString(e)));
        }
    }

    function test_paddingElements_mustBeZero() public {
        for (uint256 op = 0; op < 5; op++) {
            uint256 n = outs[op].length;
            uint256 cap = cnn.numElements(specHash, 0, op);
            if (cap == n) continue;
            // The honest tensor has zeros there.
            (bool ok,) = _check(op, cap - 1, 0);
            assertTrue(ok, "zero padding rejected");
            // A tensor with a nonzero padding element (the same leaves otherwise).
            int256[] memory padded = new int256[](cap);
            for (uint256 i = 0; i < n; i++) {
                padded[i] = outs[op][i];
            }
            padded[cap - 1] = 5;
            need(padded, cap - 1, 1);
            bytes memory o = takeOpening();
            bytes32[] memory orr = _roots(outs);
            orr[op] = rootOf(padded);
            assertFalse(cnn.checkElement(specHash, 0, op, cap - 1, _roots(start), orr, o), "nonzero padding accepted");
        }
    }

    function test_layoutNamesAndCounts() public view {
        (uint256 nStart, uint256 nOps, uint256[] memory endSources) = cnn.transitionLayout(specHash, 0);
        assertEq(nStart, 5);
        assertEq(nOps, 5);
        assertEq(endSources.length, 1);
        assertEq(endSources[0], 4);
        assertEq(cnn.numTransitions(specHash), 1);
        string[5] memory names = ["im2col", "conv", "relu", "pool", "logits"];
        for (uint256 op = 0; op < 5; op++) {
            assertEq(cnn.opName(specHash, 0, op), names[op]);
            uint256 n = outs[op].length;
            uint256 cap = cnn.numElements(specHash, 0, op);
            assertGe(cap, n);
            assertLt(cap / 2, n > 8 ? n : 8);
        }
        // 2 x 5 x 5, convPad 1: convSide 5; poolPad 1: poolSide 3.
        assertEq(outs[0].length, 2 * 25 * 9);
        assertEq(outs[3].length, 2 * 3 * 9);
        bytes32[] memory comps = new bytes32[](5);
        for (uint256 i = 0; i < 5; i++) {
            comps[i] = rootOf(start[i]);
        }
        assertEq(cnn.genesisState(specHash), keccak256(abi.encode(specHash, uint256(0), comps)));
    }

    function test_wrongIndices_revert() public {
        bytes32[] memory sr = _roots(start);
        bytes32[] memory orr = _roots(outs);
        vm.expectRevert(
            abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "t: expected < numTransitions(specHash)")
        );
        cnn.checkElement(specHash, 1, 2, 0, sr, orr, "");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "op: expected < 5"));
        cnn.checkElement(specHash, 0, 5, 0, sr, orr, "");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "op: expected < 5"));
        cnn.opName(specHash, 0, 5);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "op: expected < 5"));
        cnn.numElements(specHash, 0, 5);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "startComponents: wrong count for this transition"
            )
        );
        cnn.checkElement(specHash, 0, 2, 0, new bytes32[](4), orr, "");
        vm.expectRevert(
            abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "opRoots: wrong count for this transition")
        );
        cnn.checkElement(specHash, 0, 2, 0, sr, new bytes32[](6), "");
        uint256 cap = cnn.numElements(specHash, 0, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "element: expected < numElements(specHash, t, op)"
            )
        );
        cnn.checkElement(specHash, 0, 2, cap, sr, orr, "");
        // An opening against another root (a start component the opening was not made for).
        bytes memory o = _opening(1, 7, outs[1]);
        assertTrue(cnn.checkElement(specHash, 0, 1, 7, sr, orr, o));
        sr[1] = bytes32(uint256(sr[1]) ^ 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "opening: a leaf's proof does not match its root"
            )
        );
        cnn.checkElement(specHash, 0, 1, 7, sr, orr, o);
        // A short opening.
        (bytes32[] memory w, bytes32[] memory s) = abi.decode(o, (bytes32[], bytes32[]));
        assembly {
            mstore(w, sub(mload(w), 1))
        }
        sr[1] = bytes32(uint256(sr[1]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "opening: too few words"));
        cnn.checkElement(specHash, 0, 1, 7, sr, orr, abi.encode(w, s));
    }

    function test_unknownSpec_reverts() public {
        bytes32 h = keccak256("nope");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        cnn.checkElement(h, 0, 0, 0, new bytes32[](5), new bytes32[](5), "");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        cnn.genesisState(h);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        cnn.numTransitions(h);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        cnn.transitionLayout(h, 0);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        cnn.numElements(h, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        cnn.opName(h, 0, 0);
        assertFalse(cnn.isRegistered(h));
    }

    function test_registerSpec_isIdempotentAndEmitsOnce() public {
        CnnStepReferee r2 = new CnnStepReferee();
        vm.expectEmit(address(r2));
        emit SpecRegistered(keccak256(spec), spec);
        assertEq(r2.registerSpec(spec), keccak256(spec));
        vm.recordLogs();
        assertEq(r2.registerSpec(spec), keccak256(spec));
        assertEq(vm.getRecordedLogs().length, 0);
        assertTrue(r2.isRegistered(keccak256(spec)));
    }

    function _bad(string memory reason, bytes memory s) internal {
        vm.expectRevert(abi.encodeWithSelector(CnnStepReferee.RefereeBadSpec.selector, reason));
        cnn.registerSpec(s);
    }

    function _spec(uint256 r_, uint256 s_, uint256 c_, uint256 k_, uint256 cp, uint256 pp)
        internal
        pure
        returns (bytes memory)
    {
        bytes32 z = keccak256("root");
        return abi.encode(uint256(3), r_, s_, c_, k_, cp, pp, z, z, z, z, z);
    }

    function test_registerSpec_rejectsBadSpecs() public {
        _bad("spec: kind 3 expects 12 words (384 bytes)", abi.encode(uint256(3)));
        _bad("kind: expected 3 (cnn-infer)", abi.encode(uint256(2), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
        _bad("rows: expected 1 ..= 64", _spec(0, 8, 4, 10, 0, 1));
        _bad("rows: expected 1 ..= 64", _spec(65, 8, 4, 10, 0, 1));
        _bad("side: expected 2 ..= 256", _spec(1, 1, 4, 10, 0, 1));
        _bad("channels: expected 1 ..= 64", _spec(1, 8, 0, 10, 0, 1));
        _bad("classes: expected 1 ..= 128", _spec(1, 8, 4, 0, 0, 1));
        _bad("classes: expected 1 ..= 128", _spec(1, 8, 4, 129, 0, 1));
        _bad("side: expected 2 ..= 256", _spec(1, 257, 4, 10, 0, 1));
        _bad("channels: expected 1 ..= 64", _spec(1, 8, 65, 10, 0, 1));
        _bad("convPad: expected 0 or 1", _spec(1, 8, 4, 10, 2, 1));
        _bad("poolPad: expected 0 or 1", _spec(1, 8, 4, 10, 0, 2));
        _bad("side: too small for the conv and the pool", _spec(1, 2, 4, 10, 0, 1));
        _bad("side: too small for the conv and the pool", _spec(1, 3, 4, 10, 0, 0));
        // 9 channels of 8 x 8 pooled: 576 features.
        _bad("features: expected channels * poolSide^2 <= 512", _spec(1, 18, 9, 10, 0, 0));
        // The largest admitted: 64 x 18 x 18, convPad 0 (convSide 16), poolPad 0 (poolSide 8), 8 channels, 128 classes.
        cnn.registerSpec(_spec(64, 18, 8, 128, 0, 0));
    }

    // ------------------------------------------------------------ the largest check a spec admits

    function _levels(int256[] memory v) internal pure returns (bytes32[][] memory l) {
        uint256 d = depthOf(v.length);
        l = new bytes32[][](d + 1);
        l[0] = leavesOf(v);
        for (uint256 k = 1; k <= d; k++) {
            bytes32[] memory up = new bytes32[](l[k - 1].length / 2);
            for (uint256 i = 0; i < up.length; i++) {
                up[i] = keccak256(abi.encodePacked(l[k - 1][2 * i], l[k - 1][2 * i + 1]));
            }
            l[k] = up;
        }
    }

    /// @dev Like need(), from precomputed levels (the big tensors here would take too long otherwise).
    function _needL(bytes32[][] memory l, uint256 first, uint256 count) internal {
        for (uint256 j = first / 8; j <= (first + count - 1) / 8; j++) {
            _words.push(l[0][j]);
            uint256 idx = j;
            for (uint256 k = 0; k + 1 < l.length; k++) {
                _sibs.push(l[k][idx ^ 1]);
                idx /= 2;
            }
        }
    }

    /// @dev The most expensive check a spec admits: the last logits element of a 64-row, 128-class spec with
    ///      K = MAX_FEATURES = 512 (8 channels of 8 x 8 pooled), i.e. the deepest trees and the longest dot
    ///      product. Its transaction gas is estimated from the execution gas measured here plus the intrinsic
    ///      21,000 and the calldata of checkElement (EIP-7623: the larger of 4/16 gas per zero/nonzero byte
    ///      plus execution, and 10/40 per byte), and must stay below 3M.
    uint256 internal constant GR = 64; // rows
    uint256 internal constant GC = 128; // classes
    uint256 internal constant GK = 512; // features

    function test_gas_largestLogitsCheck() public {
        int256[] memory pool = smallTensor(GR * GK, 65536);
        int256[] memory fcW = smallTensor(GC * GK, 32768);
        int256[] memory fcB = smallTensor(GC, 65536);
        bytes32[][] memory lp = _levels(pool);
        bytes32[][] memory lw = _levels(fcW);
        int256[] memory logits = new int256[](GR * GC);
        logits[GR * GC - 1] = _lastLogit(pool, fcW, fcB);
        bytes32[] memory sr = new bytes32[](5);
        sr[3] = lw[lw.length - 1][0];
        sr[4] = rootOf(fcB);
        bytes32[] memory orr = new bytes32[](5);
        orr[3] = lp[lp.length - 1][0];
        orr[4] = rootOf(logits);
        specHash = cnn.registerSpec(abi.encode(uint256(3), GR, 18, 8, GC, 0, 0, sr[0], sr[1], sr[2], sr[3], sr[4]));
        _needL(lp, (GR - 1) * GK, GK);
        _needL(lw, (GC - 1) * GK, GK);
        need(fcB, GC - 1, 1);
        need(logits, GR * GC - 1, 1);
        bytes memory o = takeOpening();
        bool ok = cnn.checkElement(specHash, 0, 4, GR * GC - 1, sr, orr, o);
        uint256 exec = vm.lastCallGas().gasTotalUsed;
        assertTrue(ok);
        uint256 txGas = _txGas(abi.encodeCall(CnnStepReferee.checkElement, (specHash, 0, 4, GR * GC - 1, sr, orr, o)), exec);
        console2.log("largest logits check: execution gas", exec);
        console2.log("  estimated transaction gas", txGas);
        assertLt(txGas, 3_000_000);
    }

    function _lastLogit(int256[] memory pool, int256[] memory fcW, int256[] memory fcB) internal pure returns (int256) {
        int256 acc;
        for (uint256 q = 0; q < GK; q++) {
            acc += pool[(GR - 1) * GK + q] * fcW[(GC - 1) * GK + q];
        }
        return sat(fdiv(acc, ONE) + fcB[GC - 1]);
    }

    /// @dev 21,000 + max(4 / 16 gas per zero / nonzero calldata byte + execution, 10 / 40 per byte) (EIP-7623).
    function _txGas(bytes memory data, uint256 exec) internal pure returns (uint256) {
        uint256 zeros;
        for (uint256 i = 0; i < data.length; i++) {
            if (data[i] == 0) zeros++;
        }
        uint256 nonzero = data.length - zeros;
        uint256 standard = 4 * zeros + 16 * nonzero + exec;
        uint256 floor = 10 * (zeros + 4 * nonzero);
        return 21_000 + (standard > floor ? standard : floor);
    }
}
