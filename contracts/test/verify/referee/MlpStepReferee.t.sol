// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console2} from "forge-std/console2.sol";
import {IStepReferee} from "../../../src/verify/IStepReferee.sol";
import {MlpStepReferee} from "../../../src/verify/referee/MlpStepReferee.sol";
import {RefereeFixture} from "./RefereeFixture.sol";

/// @notice Element checks of every operator of the mlp-train and mlp-infer programs on small, odd
///         shapes (rows that straddle leaves), with random operands that include the int32 extremes:
///         the referee must accept the reference value and reject any other.
contract MlpStepRefereeTest is RefereeFixture {
    event SpecRegistered(bytes32 indexed specHash, bytes spec);

    // Small train shapes: I = 12 (stride 16), H = 5, C = 3, B = 4, N = 7 samples.
    uint256 internal nI = 12;
    uint256 internal nH = 5;
    uint256 internal nC = 3;
    uint256 internal nB = 4;
    uint256 internal nN = 7;
    uint256 internal steps = 3;
    int256 internal lrQ = 6554;
    int256 internal muQ = 58982;
    uint256 internal seed = 42;
    int256 internal s1 = 19661;
    int256 internal s2 = 40000;

    bytes internal trainSpec;
    bytes32 internal trainHash;
    int256[] internal data;
    int256[][] internal start; // the 9 start components of a training step
    int256[][] internal outs; // the op outputs of the transition under test
    bytes32[] internal startRoots;

    function setUp() public {
        referee = new MlpStepReferee();
        _makeTrain();
    }

    function _makeTrain() internal {
        uint256 stride = 8 * ((nI + 8) / 8);
        delete data;
        for (uint256 j = 0; j < nN; j++) {
            int256[] memory f = smallTensor(nI, 65536);
            for (uint256 i = 0; i < stride; i++) {
                data.push(i < nI ? f[i] : i == nI ? int256(j == 3 ? 7 : j % nC) : int256(0)); // sample 3: label 7, outside [0, C)
            }
        }
        trainSpec = abi.encode(uint256(1), nI, nH, nC, nB, steps, lrQ, muQ, seed, s1, s2, nN, rootOf(data));
        trainHash = referee.registerSpec(trainSpec);
        delete start;
        uint256[9] memory sizes = [nH * nI, nH, nC * nH, nC, nH * nI, nH, nC * nH, nC, 1];
        for (uint256 j = 0; j < 9; j++) {
            start.push(j == 8 ? smallTensor(1, 1000) : randomTensor(sizes[j]));
        }
        start[8][0] = 8; // cursor
        delete outs;
        uint256[26] memory os = [
            nB * nI,
            nB,
            nB * nH,
            nB * nH,
            nB * nC,
            nB * nC,
            nC * nB,
            nH * nB,
            nC * nH,
            nC,
            nH * nC,
            nB * nH,
            nB * nH,
            nH * nB,
            nI * nB,
            nH * nI,
            nH,
            nH * nI,
            nH,
            nC * nH,
            nC,
            nH * nI,
            nH,
            nC * nH,
            nC,
            1
        ];
        for (uint256 k = 0; k < 26; k++) {
            outs.push(k == 1 ? smallTensor(os[k], 4) : randomTensor(os[k]));
        }
        // Logits close together so the softmax is not all-or-nothing in some rows.
        outs[4] = smallTensor(nB * nC, 3 * 65536);
    }

    function _roots(int256[][] storage ts) internal view returns (bytes32[] memory r) {
        r = new bytes32[](ts.length);
        for (uint256 i = 0; i < ts.length; i++) {
            r[i] = rootOf(ts[i]);
        }
    }

    // ------------------------------------------------------------ expected values (ARITHMETIC.md §4)

    function _sample(uint256 t, uint256 i) internal view returns (uint256) {
        uint256 g = (t - 1) * nB + i;
        return rfeistel(keccak256(abi.encode(seed, g / nN)), g % nN, nN);
    }

    function _dot(int256[] storage a, uint256 ao, int256[] storage w, uint256 wo, uint256 k)
        internal
        view
        returns (int256 s)
    {
        for (uint256 i = 0; i < k; i++) {
            s += a[ao + i] * w[wo + i];
        }
        s = fdiv(s, ONE);
    }

    /// @dev Appends the operand leaves of op `op`, element e, of training transition t and returns the
    ///      expected value.
    function _trainOp(uint256 t, uint256 op, uint256 e) internal returns (int256) {
        uint256 stride = 8 * ((nI + 8) / 8);
        if (op == 0 || op == 1) {
            (uint256 i, uint256 f) = op == 0 ? (e / nI, e % nI) : (e, nI);
            uint256 at = _sample(t, i) * stride + f;
            need(data, at, 1);
            return data[at];
        }
        if (op == 2 || op == 4) {
            (uint256 a, uint256 w, uint256 b, uint256 n, uint256 k) = op == 2 ? (0, 0, 1, nH, nI) : (3, 2, 3, nC, nH);
            need(outs[a], (e / n) * k, k);
            need(start[w], (e % n) * k, k);
            need(start[b], e % n, 1);
            return sat(_dot(outs[a], (e / n) * k, start[w], (e % n) * k, k) + start[b][e % n]);
        }
        if (op == 8 || op == 11 || op == 15) {
            (uint256 a, uint256 w, uint256 n, uint256 k) =
                op == 8 ? (6, 7, nH, nB) : op == 11 ? (5, 10, nH, nC) : (13, 14, nI, nB);
            need(outs[a], (e / n) * k, k);
            need(outs[w], (e % n) * k, k);
            return sat(_dot(outs[a], (e / n) * k, outs[w], (e % n) * k, k));
        }
        if (op == 3) {
            need(outs[2], e, 1);
            return outs[2][e] > 0 ? outs[2][e] : int256(0);
        }
        if (op == 5) {
            uint256 b = e / nC;
            need(outs[4], b * nC, nC);
            need(outs[1], b, 1);
            int256 m = outs[4][b * nC];
            for (uint256 c = 1; c < nC; c++) {
                if (outs[4][b * nC + c] > m) m = outs[4][b * nC + c];
            }
            int256 s;
            for (uint256 c = 0; c < nC; c++) {
                s += rexp(sat(outs[4][b * nC + c] - m));
            }
            int256 p = sat(fdiv(rexp(sat(outs[4][e] - m)) * ONE, s));
            return fdiv(p - (outs[1][b] == int256(e % nC) ? ONE : int256(0)), int256(nB));
        }
        if (op == 6 || op == 7 || op == 10 || op == 13 || op == 14) {
            (bool fromStart, uint256 src, uint256 rows, uint256 cols) = op == 6
                ? (false, 5, nB, nC)
                : op == 7
                    ? (false, 3, nB, nH)
                    : op == 10 ? (true, 2, nC, nH) : op == 13 ? (false, 12, nB, nH) : (false, 0, nB, nI);
            uint256 at = (e % rows) * cols + e / rows;
            int256[] storage inT = fromStart ? start[src] : outs[src];
            need(inT, at, 1);
            return inT[at];
        }
        if (op == 9 || op == 16) {
            uint256 src = op == 9 ? 6 : 13;
            need(outs[src], e * nB, nB);
            int256 s;
            for (uint256 i = 0; i < nB; i++) {
                s += outs[src][e * nB + i];
            }
            return sat(s);
        }
        if (op == 12) {
            need(outs[11], e, 1);
            need(outs[2], e, 1);
            return outs[2][e] > 0 ? outs[11][e] : int256(0);
        }
        if (op >= 17 && op <= 20) {
            uint256 j = op - 17;
            uint256 g = [uint256(15), 16, 8, 9][j];
            need(start[4 + j], e, 1);
            need(outs[g], e, 1);
            return sat(rmul(muQ, start[4 + j][e]) + outs[g][e]);
        }
        if (op >= 21 && op <= 24) {
            uint256 j = op - 21;
            need(start[j], e, 1);
            need(outs[17 + j], e, 1);
            return sat(start[j][e] - rmul(lrQ, outs[17 + j][e]));
        }
        need(start[8], 0, 1);
        return sat(start[8][0] + int256(nB));
    }

    /// @dev Checks element e of op with the output element set to `value` (the opening is built here).
    function _checkTrain(uint256 t, uint256 op, uint256 e, int256 value) internal returns (bool ok, uint256 gas) {
        outs[op][e] = value;
        _trainOp(t, op, e); // the operand leaves
        need(outs[op], e, 1);
        bytes memory opening = takeOpening();
        bytes32[] memory sr = _roots(start);
        bytes32[] memory orr = _roots(outs);
        ok = referee.checkElement(trainHash, t, op, e, sr, orr, opening);
        // Execution gas of the call itself plus its calldata at 16/4 gas per byte (EIP-2028).
        gas = vm.lastCallGas().gasTotalUsed;
        bytes memory cd = abi.encodeCall(referee.checkElement, (trainHash, t, op, e, sr, orr, opening));
        for (uint256 i = 0; i < cd.length; i++) {
            gas += cd[i] == 0 ? 4 : 16;
        }
    }

    function _expectedTrain(uint256 t, uint256 op, uint256 e) internal returns (int256 v) {
        v = _trainOp(t, op, e);
        delete _words;
        delete _sibs;
    }

    // ------------------------------------------------------------ every training op

    function test_trainStep_everyOp_acceptsTheRightElementAndRejectsAWrongOne() public {
        for (uint256 op = 0; op < 26; op++) {
            uint256 n = outs[op].length;
            uint256[3] memory es = [uint256(0), n - 1, rnd() % n];
            for (uint256 x = 0; x < 3; x++) {
                uint256 t = 1 + (x % steps);
                int256 want = _expectedTrain(t, op, es[x]);
                (bool ok,) = _checkTrain(t, op, es[x], want);
                assertTrue(ok, string.concat("honest element rejected, op ", vm.toString(op)));
                (ok,) = _checkTrain(t, op, es[x], want == type(int32).max ? want - 1 : want + 1);
                assertFalse(ok, string.concat("wrong element accepted, op ", vm.toString(op)));
            }
        }
    }

    function test_trainStep_manyRandomElements() public {
        for (uint256 x = 0; x < 120; x++) {
            uint256 op = rnd() % 26;
            uint256 e = rnd() % outs[op].length;
            uint256 t = 1 + rnd() % steps;
            int256 want = _expectedTrain(t, op, e);
            (bool ok,) = _checkTrain(t, op, e, want);
            assertTrue(ok, string.concat("honest element rejected, op ", vm.toString(op), " e ", vm.toString(e)));
        }
    }

    function test_opNamesAndLayout() public view {
        assertEq(referee.opName(trainHash, 1, 0), "gather_x");
        assertEq(referee.opName(trainHash, 1, 5), "g2");
        assertEq(referee.opName(trainHash, 2, 25), "cursor");
        assertEq(referee.opName(trainHash, 0, 0), "init_W1");
        assertEq(referee.opName(trainHash, 0, 8), "zeros_cursor");
        assertEq(referee.numTransitions(trainHash), steps + 1);
        (uint256 sc, uint256 ops, uint256[] memory ends) = referee.transitionLayout(trainHash, 1);
        assertEq(sc, 9);
        assertEq(ops, 26);
        assertEq(ends.length, 9);
        assertEq(ends[0], 21);
        assertEq(ends[4], 17);
        assertEq(ends[8], 25);
        (sc, ops, ends) = referee.transitionLayout(trainHash, 0);
        assertEq(sc, 0);
        assertEq(ops, 9);
        assertEq(ends[8], 8);
        // Output capacity includes padding: W1 is 60 elements -> 8 leaves -> 64.
        assertEq(referee.numElements(trainHash, 0, 0), 64);
        assertEq(referee.numElements(trainHash, 1, 25), 8);
        assertEq(referee.numElements(trainHash, 1, 0), 64); // X [4][12] = 48 -> 64
        assertEq(referee.genesisState(trainHash), keccak256(abi.encode(trainHash, uint256(0), new bytes32[](0))));
    }

    // ------------------------------------------------------------ init transition

    function test_initTransition_everyOp() public {
        uint256[9] memory sizes = [nH * nI, nH, nC * nH, nC, nH * nI, nH, nC * nH, nC, 1];
        int256[][] memory init = new int256[][](9);
        for (uint256 k = 0; k < 9; k++) {
            init[k] = new int256[](sizes[k]);
            if (k == 0 || k == 2) {
                for (uint256 i = 0; i < sizes[k]; i++) {
                    uint256 u = uint256(keccak256(abi.encode(seed, k, i)));
                    init[k][i] = fdiv((int256(u % 2 ** 17) - 2 ** 16) * (k == 0 ? s1 : s2), ONE);
                    assertLe(init[k][i], k == 0 ? s1 : s2);
                    assertGe(init[k][i], -(k == 0 ? s1 : s2));
                }
            }
        }
        for (uint256 k = 0; k < 9; k++) {
            uint256 e = k == 8 ? 0 : sizes[k] - 1;
            _checkInit(init, k, e, true);
            init[k][e] += 1;
            _checkInit(init, k, e, false);
            init[k][e] -= 1;
        }
    }

    function _checkInit(int256[][] memory init, uint256 k, uint256 e, bool want) internal {
        need(init[k], e, 1);
        bytes32[] memory roots = new bytes32[](9);
        for (uint256 j = 0; j < 9; j++) {
            roots[j] = rootOf(init[j]);
        }
        assertEq(referee.checkElement(trainHash, 0, k, e, new bytes32[](0), roots, takeOpening()), want);
    }

    // ------------------------------------------------------------ padding

    function test_paddingElements_mustBeZero() public {
        // op 2 (z1) is [4][5] = 20 elements, capacity 32: element 25 is padding.
        bytes32[] memory sr = _roots(start);
        bytes32[] memory orr = _roots(outs);
        need(outs[2], 25, 1);
        assertTrue(referee.checkElement(trainHash, 1, 2, 25, sr, orr, takeOpening()));
        // A tree whose padding is not zero: craft its leaves by hand.
        int256[] memory padded = new int256[](32);
        for (uint256 i = 0; i < 20; i++) {
            padded[i] = outs[2][i];
        }
        padded[25] = 1;
        bytes32 badRoot = rootOf(padded); // same tree shape (32 elements, 4 leaves), nonzero padding
        orr[2] = badRoot;
        need(padded, 25, 1);
        assertFalse(referee.checkElement(trainHash, 1, 2, 25, sr, orr, takeOpening()));
        // Element 32 is past the capacity.
        need(outs[2], 0, 1);
        bytes memory o = takeOpening();
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "element: expected < numElements(specHash, t, op)"
            )
        );
        referee.checkElement(trainHash, 1, 2, 32, sr, _roots(outs), o);
    }

    // ------------------------------------------------------------ bad openings

    function _z1Opening() internal returns (bytes memory) {
        uint256 e = 7;
        int256 want = _expectedTrain(1, 2, e);
        outs[2][e] = want;
        _trainOp(1, 2, e);
        need(outs[2], e, 1);
        return takeOpening();
    }

    function _expectBad(string memory reason, bytes memory opening) internal {
        bytes32[] memory sr = _roots(start);
        bytes32[] memory orr = _roots(outs);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, reason));
        referee.checkElement(trainHash, 1, 2, 7, sr, orr, opening);
    }

    function test_badOpenings_revert() public {
        bytes memory good = _z1Opening();
        (bytes32[] memory w, bytes32[] memory s) = abi.decode(good, (bytes32[], bytes32[]));
        assertTrue(referee.checkElement(trainHash, 1, 2, 7, _roots(start), _roots(outs), good));
        // A flipped operand word.
        w[1] = bytes32(uint256(w[1]) ^ 1);
        _expectBad("opening: a leaf's proof does not match its root", abi.encode(w, s));
        w[1] = bytes32(uint256(w[1]) ^ 1);
        // A flipped sibling.
        s[0] = bytes32(uint256(s[0]) ^ (1 << 200));
        _expectBad("opening: a leaf's proof does not match its root", abi.encode(w, s));
        s[0] = bytes32(uint256(s[0]) ^ (1 << 200));
        // An extra word / an extra sibling.
        bytes32[] memory w2 = new bytes32[](w.length + 1);
        bytes32[] memory s2_ = new bytes32[](s.length + 1);
        for (uint256 i = 0; i < w.length; i++) {
            w2[i] = w[i];
        }
        for (uint256 i = 0; i < s.length; i++) {
            s2_[i] = s[i];
        }
        _expectBad("opening: extra words", abi.encode(w2, s));
        _expectBad("opening: extra siblings", abi.encode(w, s2_));
        // Too few words / siblings.
        assembly {
            mstore(w, sub(mload(w), 1))
        }
        _expectBad("opening: too few words", abi.encode(w, s));
        assembly {
            mstore(w, add(mload(w), 1))
            mstore(s, sub(mload(s), 1))
        }
        _expectBad("opening: too few siblings", abi.encode(w, s));
        // Garbage.
        _expectBad("opening: expected abi.encode(bytes32[] words, bytes32[] siblings)", hex"1234");
        _expectBad("opening: array offset out of range", abi.encode(uint256(1 << 200), uint256(64)));
        _expectBad("opening: array length out of range", abi.encode(uint256(64), uint256(64), uint256(1 << 100)));
    }

    function test_wrongIndices_revert() public {
        bytes memory o = _z1Opening();
        bytes32[] memory sr = _roots(start);
        bytes32[] memory orr = _roots(outs);
        vm.expectRevert(
            abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "t: expected < numTransitions(specHash)")
        );
        referee.checkElement(trainHash, steps + 1, 2, 7, sr, orr, o);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "op: expected < 26"));
        referee.checkElement(trainHash, 1, 26, 7, sr, orr, o);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "startComponents: wrong count for this transition"
            )
        );
        referee.checkElement(trainHash, 1, 2, 7, new bytes32[](8), orr, o);
        vm.expectRevert(
            abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "opRoots: wrong count for this transition")
        );
        referee.checkElement(trainHash, 1, 2, 7, sr, new bytes32[](9), o);
        // A component root that is not the one the opening was made for.
        sr[0] = bytes32(uint256(sr[0]) ^ 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "opening: a leaf's proof does not match its root"
            )
        );
        referee.checkElement(trainHash, 1, 2, 7, sr, orr, o);
    }

    function test_unknownSpec_reverts() public {
        bytes32 h = keccak256("nope");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        referee.checkElement(h, 0, 0, 0, new bytes32[](0), new bytes32[](9), "");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        referee.genesisState(h);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        referee.transitionLayout(h, 0);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        referee.numElements(h, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        referee.opName(h, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        referee.numTransitions(h);
        assertFalse(referee.isRegistered(h));
    }

    // ------------------------------------------------------------ spec registry

    function test_registerSpec_isIdempotentAndEmitsOnce() public {
        MlpStepReferee r2 = new MlpStepReferee();
        vm.expectEmit(address(r2));
        emit SpecRegistered(keccak256(trainSpec), trainSpec);
        assertEq(r2.registerSpec(trainSpec), keccak256(trainSpec));
        vm.recordLogs();
        assertEq(r2.registerSpec(trainSpec), keccak256(trainSpec));
        assertEq(vm.getRecordedLogs().length, 0);
        assertTrue(r2.isRegistered(keccak256(trainSpec)));
    }

    function test_registerSpec_rejectsBadSpecs() public {
        bytes32 root = keccak256("data");
        _expectBadSpec("spec: expected at least the kind word", hex"01");
        _expectBadSpec("kind: expected 1 (mlp-train), 2 (mlp-infer) or 4 (mlp-eval)", abi.encode(uint256(3)));
        _expectBadSpec("spec: kind 1 expects 13 words (416 bytes)", abi.encode(uint256(1), uint256(2)));
        _expectBadSpec("spec: kind 2 expects 10 words (320 bytes)", abi.encode(uint256(2), uint256(2)));
        _expectBadSpec(
            "nIn: expected 1 ..= 4096",
            abi.encode(uint256(1), uint256(0), nH, nC, nB, steps, lrQ, muQ, seed, s1, s2, nN, root)
        );
        _expectBadSpec(
            "batch: expected 1 ..= 4096",
            abi.encode(uint256(1), nI, nH, nC, uint256(5000), steps, lrQ, muQ, seed, s1, s2, nN, root)
        );
        _expectBadSpec(
            "steps: expected 1 <= steps < 2^64 - 1",
            abi.encode(uint256(1), nI, nH, nC, nB, uint256(0), lrQ, muQ, seed, s1, s2, nN, root)
        );
        _expectBadSpec(
            "lrQ: expected an int32",
            abi.encode(uint256(1), nI, nH, nC, nB, steps, int256(1) << 31, muQ, seed, s1, s2, nN, root)
        );
        _expectBadSpec(
            "initScaleW2Q: expected an int32",
            abi.encode(uint256(1), nI, nH, nC, nB, steps, lrQ, muQ, seed, s1, -(int256(1) << 31) - 1, nN, root)
        );
        _expectBadSpec(
            "n: expected 1 <= n < 2^64",
            abi.encode(uint256(1), nI, nH, nC, nB, steps, lrQ, muQ, seed, s1, s2, uint256(0), root)
        );
        _expectBadSpec(
            "rows: expected 1 ..= 4096", abi.encode(uint256(2), nI, nH, nC, uint256(0), root, root, root, root, root)
        );
    }

    function _expectBadSpec(string memory reason, bytes memory spec) internal {
        vm.expectRevert(abi.encodeWithSelector(MlpStepReferee.RefereeBadSpec.selector, reason));
        referee.registerSpec(spec);
    }

    // ------------------------------------------------------------ mlp-infer

    function test_infer_everyOp() public {
        uint256 rows = 3;
        int256[][] memory comps = new int256[][](5);
        comps[0] = randomTensor(rows * nI);
        comps[1] = randomTensor(nH * nI);
        comps[2] = randomTensor(nH);
        comps[3] = smallTensor(nC * nH, 65536);
        comps[4] = smallTensor(nC, 65536);
        bytes32[] memory sr = new bytes32[](5);
        for (uint256 i = 0; i < 5; i++) {
            sr[i] = rootOf(comps[i]);
        }
        bytes memory spec = abi.encode(uint256(2), nI, nH, nC, rows, sr[0], sr[1], sr[2], sr[3], sr[4]);
        bytes32 h = referee.registerSpec(spec);
        assertEq(referee.genesisState(h), keccak256(abi.encode(h, uint256(0), sr)));
        assertEq(referee.numTransitions(h), 1);
        (uint256 sc, uint256 ops, uint256[] memory ends) = referee.transitionLayout(h, 0);
        assertEq(sc, 5);
        assertEq(ops, 3);
        assertEq(ends.length, 1);
        assertEq(ends[0], 2);
        assertEq(referee.opName(h, 0, 2), "logits");
        // Honest outputs.
        int256[][] memory o = new int256[][](3);
        o[0] = new int256[](rows * nH);
        o[1] = new int256[](rows * nH);
        o[2] = new int256[](rows * nC);
        for (uint256 e = 0; e < rows * nH; e++) {
            int256 s;
            for (uint256 k = 0; k < nI; k++) {
                s += comps[0][(e / nH) * nI + k] * comps[1][(e % nH) * nI + k];
            }
            o[0][e] = sat(fdiv(s, ONE) + comps[2][e % nH]);
            o[1][e] = o[0][e] > 0 ? o[0][e] : int256(0);
        }
        for (uint256 e = 0; e < rows * nC; e++) {
            int256 s;
            for (uint256 k = 0; k < nH; k++) {
                s += o[1][(e / nC) * nH + k] * comps[3][(e % nC) * nH + k];
            }
            o[2][e] = sat(fdiv(s, ONE) + comps[4][e % nC]);
        }
        for (uint256 op = 0; op < 3; op++) {
            for (uint256 e = 0; e < o[op].length; e++) {
                assertTrue(_inferCheck(h, comps, o, op, e), "honest inference element rejected");
                int256 d = o[op][e] == type(int32).max ? -1 : int256(1);
                o[op][e] += d;
                assertFalse(_inferCheck(h, comps, o, op, e), "wrong inference element accepted");
                o[op][e] -= d;
            }
        }
    }

    function _inferCheck(bytes32 h, int256[][] memory comps, int256[][] memory o, uint256 op, uint256 e)
        internal
        returns (bool)
    {
        (uint256 n, uint256 k) = op == 2 ? (nC, nH) : (nH, nI);
        if (op == 0) {
            need(comps[0], (e / n) * k, k);
            need(comps[1], (e % n) * k, k);
            need(comps[2], e % n, 1);
        } else if (op == 1) {
            need(o[0], e, 1);
        } else {
            need(o[1], (e / n) * k, k);
            need(comps[3], (e % n) * k, k);
            need(comps[4], e % n, 1);
        }
        need(o[op], e, 1);
        bytes32[] memory sr = new bytes32[](5);
        for (uint256 i = 0; i < 5; i++) {
            sr[i] = rootOf(comps[i]);
        }
        bytes32[] memory orr = new bytes32[](3);
        for (uint256 i = 0; i < 3; i++) {
            orr[i] = rootOf(o[i]);
        }
        return referee.checkElement(h, 0, op, e, sr, orr, takeOpening());
    }

    // ------------------------------------------------------------ saturation

    function test_linear_saturatesBothWays() public {
        // z1 row 0 of X and row 0 of W1 all at the int32 max: the sum saturates high; with W1 at the min, low.
        for (uint256 k = 0; k < nI; k++) {
            outs[0][k] = type(int32).max;
            start[0][k] = type(int32).max;
        }
        assertEq(_expectedTrain(1, 2, 0), type(int32).max);
        (bool ok,) = _checkTrain(1, 2, 0, type(int32).max);
        assertTrue(ok);
        (ok,) = _checkTrain(1, 2, 0, type(int32).max - 1);
        assertFalse(ok);
        for (uint256 k = 0; k < nI; k++) {
            start[0][k] = type(int32).min;
        }
        (ok,) = _checkTrain(1, 2, 0, type(int32).min);
        assertTrue(ok);
        // Momentum saturates too: v = max, g = max.
        start[4][0] = type(int32).max;
        outs[15][0] = type(int32).max;
        (ok,) = _checkTrain(1, 17, 0, type(int32).max);
        assertTrue(ok);
        // Update: w = min, v' = max, LR > 0 -> min.
        start[0][0] = type(int32).min;
        outs[17][0] = type(int32).max;
        (ok,) = _checkTrain(1, 21, 0, type(int32).min);
        assertTrue(ok);
        // Cursor near the max saturates.
        start[8][0] = type(int32).max - 1;
        (ok,) = _checkTrain(1, 25, 0, type(int32).max);
        assertTrue(ok);
    }

    function test_softmax_labelOutsideClassesAndFlatRow() public {
        // Row 0: all logits equal -> p = 1/3 each; label 7 (outside [0, 3)) -> no one-hot.
        for (uint256 c = 0; c < nC; c++) {
            outs[4][c] = 12345;
        }
        outs[1][0] = 7;
        int256 third = fdiv(65536 * 65536, 3 * 65536); // div(65536, 196608)
        (bool ok,) = _checkTrain(1, 5, 1, fdiv(third, int256(nB)));
        assertTrue(ok);
        outs[1][0] = 1;
        (ok,) = _checkTrain(1, 5, 1, fdiv(third - ONE, int256(nB)));
        assertTrue(ok);
        // Extreme logits: one at the max, others at the min -> exp underflows to 0 for those.
        outs[4][0] = type(int32).max;
        outs[4][1] = type(int32).min;
        outs[4][2] = type(int32).min;
        (ok,) = _checkTrain(1, 5, 0, fdiv(ONE, int256(nB)));
        assertTrue(ok);
        (ok,) = _checkTrain(1, 5, 1, fdiv(-ONE, int256(nB)));
        assertTrue(ok);
    }

    // ------------------------------------------------------------ gas (digits shapes)

    /// @notice Gas of each op kind's element check on the digits shapes (64-32-10, B = 32; dataset
    ///         of 64 samples here, the TS cross-check measures the full 1,437): execution (storage
    ///         warm after the first call) plus calldata, without the 21k transaction base.
    function test_gas_digitsShapes() public {
        vm.pauseGasMetering(); // building the test trees costs far more than the checks
        (nI, nH, nC, nB, nN) = (64, 32, 10, 32, 64);
        _makeTrain();
        uint256 worst;
        string[26] memory names = [
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
        ];
        for (uint256 op = 0; op < 26; op++) {
            uint256 freeMem;
            assembly {
                freeMem := mload(0x40)
            }
            uint256 e = outs[op].length - 1;
            int256 want = _expectedTrain(2, op, e);
            (bool ok, uint256 gas) = _checkTrain(2, op, e, want);
            assertTrue(ok);
            console2.log(names[op], gas);
            if (gas > worst) worst = gas;
            // The trees built for this op are garbage now: reuse their memory (quadratic memory cost).
            assembly {
                mstore(0x40, freeMem)
            }
        }
        console2.log("worst element check gas", worst);
        assertLt(worst, 3_000_000);
    }
}
