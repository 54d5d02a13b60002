// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console2} from "forge-std/console2.sol";
import {IStepReferee} from "../../../src/verify/IStepReferee.sol";
import {MlpStepReferee} from "../../../src/verify/referee/MlpStepReferee.sol";
import {RefereeFixture} from "./RefereeFixture.sol";

/// @notice Kind 4 (mlp-eval): the referee accepts the reference value of every element of every op
///         (z1, h1, logits, correct, correct_cumsum, correct_count) and rejects any other; ties in a logits
///         row go to the lowest class; a wrong prefix sum is caught at the first wrong element; gas of the
///         metric's checks at 360 (digits) and 3,000 rows (O(1) leaves: the same at every size).
contract MlpEvalRefereeTest is RefereeFixture {
    uint256 internal nI = 12;
    uint256 internal nH = 5;
    uint256 internal nC = 3;
    /// @dev The gas test runs with metering paused except around the checks it measures.
    bool internal metered;
    /// @dev The calldata size of the last checkElement call (the opening dominates it).
    uint256 internal lastCalldataBytes;
    /// @dev Its calldata gas (EIP-2028: 16 per nonzero byte, 4 per zero byte).
    uint256 internal lastCalldataGas;

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i = 0; i < data.length; i++) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    function setUp() public {
        referee = new MlpStepReferee();
    }

    /// @dev The spec's six start tensors (x, w1, b1, w2, b2, y) and the six op outputs.
    struct Eval {
        bytes32 h;
        uint256 rows;
        int256[][] comps;
        int256[][] o;
    }

    function _register(Eval memory ev) internal {
        bytes32[] memory sr = _roots(ev.comps);
        ev.h =
            referee.registerSpec(abi.encode(uint256(4), nI, nH, nC, ev.rows, sr[0], sr[1], sr[2], sr[3], sr[4], sr[5]));
        assertEq(referee.genesisState(ev.h), keccak256(abi.encode(ev.h, uint256(0), sr)));
    }

    function _roots(int256[][] memory ts) internal pure returns (bytes32[] memory r) {
        r = new bytes32[](ts.length);
        for (uint256 i = 0; i < ts.length; i++) {
            r[i] = rootOf(ts[i]);
        }
    }

    function _argmaxEq(int256[] memory logits, uint256 r, int256 y) internal view returns (int256) {
        uint256 best;
        for (uint256 c = 1; c < nC; c++) {
            if (logits[r * nC + c] > logits[r * nC + best]) best = c;
        }
        return int256(best) == y ? int256(1) : int256(0);
    }

    /// @dev Outputs of ops 3, 4 and 5 from the logits (o[2]) and labels.
    function _metric(Eval memory ev) internal view {
        ev.o[3] = new int256[](ev.rows);
        for (uint256 r = 0; r < ev.rows; r++) {
            ev.o[3][r] = _argmaxEq(ev.o[2], r, ev.comps[5][r]);
        }
        _prefix(ev);
    }

    /// @dev Ops 4 (prefix sums of o[3]) and 5 (the last one).
    function _prefix(Eval memory ev) internal pure {
        ev.o[4] = new int256[](ev.rows);
        ev.o[5] = new int256[](1);
        int256 acc;
        for (uint256 r = 0; r < ev.rows; r++) {
            acc = r == 0 ? ev.o[3][0] : sat(acc + ev.o[3][r]);
            ev.o[4][r] = acc;
        }
        ev.o[5][0] = acc;
    }

    function _make(uint256 rows, bool flat) internal returns (Eval memory ev) {
        ev.rows = rows;
        ev.comps = new int256[][](6);
        ev.comps[0] = randomTensor(rows * nI);
        ev.comps[1] = randomTensor(nH * nI);
        ev.comps[2] = randomTensor(nH);
        ev.comps[3] = flat ? new int256[](nC * nH) : smallTensor(nC * nH, 65536);
        ev.comps[4] = flat ? new int256[](nC) : smallTensor(nC, 65536);
        ev.o = new int256[][](6);
        ev.o[0] = new int256[](rows * nH);
        ev.o[1] = new int256[](rows * nH);
        ev.o[2] = new int256[](rows * nC);
        for (uint256 e = 0; e < rows * nH; e++) {
            int256 s;
            for (uint256 k = 0; k < nI; k++) {
                s += ev.comps[0][(e / nH) * nI + k] * ev.comps[1][(e % nH) * nI + k];
            }
            ev.o[0][e] = sat(fdiv(s, ONE) + ev.comps[2][e % nH]);
            ev.o[1][e] = ev.o[0][e] > 0 ? ev.o[0][e] : int256(0);
        }
        for (uint256 e = 0; e < rows * nC; e++) {
            int256 s;
            for (uint256 k = 0; k < nH; k++) {
                s += ev.o[1][(e / nC) * nH + k] * ev.comps[3][(e % nC) * nH + k];
            }
            ev.o[2][e] = sat(fdiv(s, ONE) + ev.comps[4][e % nC]);
        }
        // Labels: the true argmax on even rows (correct), a random class on odd ones.
        ev.comps[5] = new int256[](rows);
        for (uint256 r = 0; r < rows; r++) {
            ev.comps[5][r] = int256(rnd() % nC);
            if (r % 2 == 0) {
                for (uint256 c = 0; c < nC; c++) {
                    if (_argmaxEq(ev.o[2], r, int256(c)) == 1) ev.comps[5][r] = int256(c);
                }
            }
        }
        _metric(ev);
        _register(ev);
    }

    function _check(Eval memory ev, uint256 op, uint256 e) internal returns (bool ok, uint256 gas) {
        if (e >= ev.o[op].length) {
            // Padding: only the output leaf is opened.
        } else if (op == 0) {
            need(ev.comps[0], (e / nH) * nI, nI);
            need(ev.comps[1], (e % nH) * nI, nI);
            need(ev.comps[2], e % nH, 1);
        } else if (op == 1) {
            need(ev.o[0], e, 1);
        } else if (op == 2) {
            need(ev.o[1], (e / nC) * nH, nH);
            need(ev.comps[3], (e % nC) * nH, nH);
            need(ev.comps[4], e % nC, 1);
        } else if (op == 3) {
            need(ev.o[2], e * nC, nC);
            need(ev.comps[5], e, 1);
        } else if (op == 4) {
            need(ev.o[3], e, 1);
            if (e > 0) need(ev.o[4], e - 1, 1);
        } else {
            need(ev.o[4], ev.rows - 1, 1);
        }
        need(ev.o[op], e, 1);
        bytes32[] memory sr = _roots(ev.comps);
        bytes32[] memory orr = _roots(ev.o);
        bytes memory opening = takeOpening();
        {
            bytes memory data = abi.encodeCall(IStepReferee.checkElement, (ev.h, uint256(0), op, e, sr, orr, opening));
            (lastCalldataBytes, lastCalldataGas) = (data.length, metered ? _calldataGas(data) : 0);
        }
        if (metered) vm.resumeGasMetering();
        ok = referee.checkElement(ev.h, 0, op, e, sr, orr, opening);
        // The referee call's own gas (the callee frame: not this large test context's memory expansion,
        // nor a transaction's calldata cost).
        gas = vm.lastCallGas().gasTotalUsed;
        if (metered) vm.pauseGasMetering();
    }

    function test_eval_layoutAndNames() public {
        Eval memory ev = _make(3, false);
        assertEq(referee.numTransitions(ev.h), 1);
        (uint256 sc, uint256 ops, uint256[] memory ends) = referee.transitionLayout(ev.h, 0);
        assertEq(sc, 6);
        assertEq(ops, 6);
        assertEq(ends.length, 2);
        assertEq(ends[0], 2);
        assertEq(ends[1], 5);
        assertEq(referee.opName(ev.h, 0, 3), "correct");
        assertEq(referee.opName(ev.h, 0, 4), "correct_cumsum");
        assertEq(referee.opName(ev.h, 0, 5), "correct_count");
        assertEq(referee.numElements(ev.h, 0, 4), 8);
        assertEq(referee.numElements(ev.h, 0, 5), 8);
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "op: expected < 6"));
        referee.opName(ev.h, 0, 6);
    }

    function test_eval_everyOp_acceptsTheRightElementAndRejectsAWrongOne() public {
        Eval memory ev = _make(11, false);
        assertGt(ev.o[5][0], 0);
        assertLt(ev.o[5][0], 11);
        for (uint256 op = 0; op < 6; op++) {
            for (uint256 e = 0; e < ev.o[op].length; e++) {
                (bool ok,) = _check(ev, op, e);
                assertTrue(ok, "honest evaluation element rejected");
                int256 d = ev.o[op][e] == type(int32).max ? -1 : int256(1);
                ev.o[op][e] += d;
                (ok,) = _check(ev, op, e);
                assertFalse(ok, "wrong evaluation element accepted");
                ev.o[op][e] -= d;
            }
        }
        // Padding of the count (capacity 8) and of the prefix sums (11 of 16): must be 0.
        (bool pad,) = _check(ev, 5, 7);
        assertTrue(pad);
        (pad,) = _check(ev, 4, 15);
        assertTrue(pad);
        ev.o[4] = _padded(ev.o[4], 16);
        ev.o[4][15] = 1;
        need(ev.o[4], 15, 1);
        bytes memory opening = takeOpening();
        assertFalse(
            referee.checkElement(ev.h, 0, 4, 15, _roots(ev.comps), _roots(ev.o), opening), "nonzero padding accepted"
        );
    }

    function _padded(int256[] memory v, uint256 n) internal pure returns (int256[] memory out) {
        out = new int256[](n);
        for (uint256 i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
    }

    /// @dev An asserter whose prefix sums are all 1 too high from row k on (a consistent lie: the
    ///      count is their last) is caught at k only: every later element is consistent with its own
    ///      previous one, and the count with the last prefix sum.
    function test_eval_cumsumLieCaughtAtTheFirstWrongElement() public {
        Eval memory ev = _make(20, false);
        uint256 k = 9;
        for (uint256 r = k; r < ev.rows; r++) {
            ev.o[4][r] += 1;
        }
        ev.o[5][0] += 1;
        for (uint256 e = 0; e < ev.rows; e++) {
            (bool ok,) = _check(ev, 4, e);
            assertEq(ok, e != k);
        }
        (bool okCount,) = _check(ev, 5, 0);
        assertTrue(okCount);
        // Element 0's rule is x[0] itself.
        ev.o[4][0] += 1;
        (bool ok0,) = _check(ev, 4, 0);
        assertFalse(ok0);
    }

    /// @dev R14's add saturates like R3's (the asserter's correct values may be any int32).
    function test_eval_cumsumSaturates() public {
        Eval memory ev = _make(3, false);
        ev.o[3][0] = type(int32).max;
        ev.o[3][1] = 5;
        ev.o[3][2] = type(int32).min;
        _prefix(ev);
        assertEq(ev.o[4][1], type(int32).max);
        assertEq(ev.o[4][2], -1);
        for (uint256 e = 0; e < 3; e++) {
            (bool ok,) = _check(ev, 4, e);
            assertTrue(ok);
        }
    }

    /// @dev The opening must be exactly the layout's leaves: element 0 opens no previous element, and
    ///      a leaf of another tensor in its place is rejected.
    function test_eval_cumsumRejectsBadOpenings() public {
        Eval memory ev = _make(11, false);
        bytes32[] memory sr = _roots(ev.comps);
        bytes32[] memory orr = _roots(ev.o);
        // Element 0 with an extra prev leaf: extra words.
        need(ev.o[3], 0, 1);
        need(ev.o[4], 0, 1);
        need(ev.o[4], 0, 1);
        bytes memory opening = takeOpening();
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "opening: extra words"));
        referee.checkElement(ev.h, 0, 4, 0, sr, orr, opening);
        // Element 3 with correct's leaf as "prev": its proof is against op3's root, not op4's.
        need(ev.o[3], 3, 1);
        need(ev.o[3], 2, 1);
        need(ev.o[4], 3, 1);
        opening = takeOpening();
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "opening: a leaf's proof does not match its root"
            )
        );
        referee.checkElement(ev.h, 0, 4, 3, sr, orr, opening);
    }

    function test_eval_tiesGoToTheLowestClass() public {
        Eval memory ev = _make(4, true); // every logits row is flat (w2 = b2 = 0)
        for (uint256 r = 0; r < 4; r++) {
            assertEq(ev.o[3][r], ev.comps[5][r] == 0 ? int256(1) : int256(0));
            (bool ok,) = _check(ev, 3, r);
            assertTrue(ok);
        }
    }

    function test_eval_rejectsBadSpecLength() public {
        vm.expectRevert(
            abi.encodeWithSelector(MlpStepReferee.RefereeBadSpec.selector, "spec: kind 4 expects 11 words (352 bytes)")
        );
        referee.registerSpec(abi.encode(uint256(4), uint256(2)));
    }

    /// @dev Digits shapes (64-32-10, 360 held-out rows): the metric's checks.
    function test_gas_evalDigitsShapes() public {
        (uint256 gasCorrect, uint256 gasCumsum, uint256 gasCount) = _gasEval(360);
        console2.log("correct (argmax == label) element check gas", gasCorrect);
        console2.log("correct_cumsum[359] (360 rows) element check gas", gasCumsum);
        console2.log("correct_count (360 rows) element check gas", gasCount);
        assertLt(gasCorrect, 1_000_000);
        assertLt(gasCumsum, 60_000);
        assertLt(gasCount, 60_000);
    }

    /// @dev A large test set (3,000 rows): the same O(1) checks (ROWSUM opened 375 leaves here).
    function test_gas_evalLargeTestSet() public {
        (, uint256 gasCumsum, uint256 gasCount) = _gasEval(3000);
        console2.log("correct_cumsum[2999] (3000 rows) element check gas", gasCumsum);
        console2.log("correct_count (3000 rows) element check gas", gasCount);
        assertLt(gasCumsum, 60_000);
        assertLt(gasCount, 60_000);
    }

    function _gasEval(uint256 rows) internal returns (uint256 gasCorrect, uint256 gasCumsum, uint256 gasCount) {
        vm.pauseGasMetering();
        (nI, nH, nC) = (64, 32, 10);
        Eval memory ev;
        ev.rows = rows;
        ev.comps = new int256[][](6);
        ev.comps[0] = smallTensor(rows * nI, 65536);
        ev.comps[1] = smallTensor(nH * nI, 65536);
        ev.comps[2] = smallTensor(nH, 65536);
        ev.comps[3] = smallTensor(nC * nH, 65536);
        ev.comps[4] = smallTensor(nC, 65536);
        ev.comps[5] = new int256[](rows);
        ev.o = new int256[][](6);
        ev.o[0] = smallTensor(rows * nH, 65536); // ops 3, 4 and 5 read only the logits, labels and themselves
        ev.o[1] = smallTensor(rows * nH, 65536);
        ev.o[2] = smallTensor(rows * nC, 8 * 65536);
        for (uint256 r = 0; r < rows; r++) {
            ev.comps[5][r] = int256(rnd() % nC);
        }
        _metric(ev);
        _register(ev);
        metered = true;
        bool ok;
        (ok, gasCorrect) = _check(ev, 3, rows - 1);
        assertTrue(ok);
        (ok, gasCumsum) = _check(ev, 4, rows - 1);
        assertTrue(ok);
        (ok, gasCount) = _check(ev, 5, 0);
        assertTrue(ok);
        console2.log("count check: calldata bytes", lastCalldataBytes, "calldata gas", lastCalldataGas);
        // For comparison, the opening the former ROWSUM count needed (every leaf of correct, then the
        // output leaf): only its size, as the referee no longer accepts it.
        need(ev.o[3], 0, rows);
        need(ev.o[5], 0, 1);
        bytes memory former = abi.encodeCall(
            IStepReferee.checkElement, (ev.h, uint256(0), 4, 0, _roots(ev.comps), _roots(ev.o), takeOpening())
        );
        console2.log("former ROWSUM count: calldata bytes", former.length, "calldata gas", _calldataGas(former));
        metered = false;
    }
}
