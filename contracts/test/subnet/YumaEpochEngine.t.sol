// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {YumaEpochEngine} from "../../src/subnet/YumaEpochEngine.sol";
import {YumaEpochLib} from "../../src/subnet/YumaEpochLib.sol";
import {YumaEpochHarness} from "./YumaEpochHarness.sol";

/// @notice State changes of the engine: input validation, the freeze while an epoch runs, row
/// storage round trips (order kept), chunking invariance, reset of a uid.
contract YumaEpochEngineTest is Test {
    uint16 internal constant NET = 7;
    YumaEpochHarness internal h;

    function setUp() public {
        h = new YumaEpochHarness();
        YumaEpochEngine.YumaParams memory p;
        p.tempo = 10;
        p.kappa = 32_767;
        p.bondsPenalty = 65_535;
        p.bondsMovingAverage = 900_000;
        p.yuma3 = true;
        p.liquidAlpha = true;
        p.alphaLow = 45_875;
        p.alphaHigh = 58_982;
        p.alphaSigmoidSteepness = 1000;
        p.maxAllowedValidators = 3;
        p.activityCutoff = 100;
        p.raoEmission = 1e9;
        h.setParams(NET, p);
        h.setN(NET, 6);
        uint64[] memory reg = new uint64[](6);
        uint64[] memory lu = new uint64[](6);
        uint64[] memory stake = new uint64[](6);
        bool[] memory permits = new bool[](6);
        for (uint256 i; i < 6; ++i) {
            reg[i] = 1;
            lu[i] = 50;
            stake[i] = i < 3 ? uint64(10 * (i + 1)) : 0;
            permits[i] = i < 3;
        }
        h.resetUids(NET, reg);
        h.setLastUpdates(NET, lu);
        h.setStakes(NET, stake);
        h.forcePermits(NET, permits);
        h.setBlockOverride(60);
        for (uint16 v; v < 3; ++v) {
            // validator 2 lists its uids in descending order: the stored order must survive
            h.setWeights(NET, v, v == 2 ? _u3(5, 4, 3) : _u3(3, 4, 5), _u3(65_535, uint16(20_000 * v), 100));
        }
    }

    function _u3(uint16 a, uint16 b, uint16 c) internal pure returns (uint16[] memory x) {
        x = new uint16[](3);
        (x[0], x[1], x[2]) = (a, b, c);
    }

    function _finish(uint256 budget) internal returns (uint256 calls) {
        bool done;
        while (!done) {
            done = h.epochStep(NET, budget);
            ++calls;
        }
    }

    // ---------------------------------------------------------------- input validation

    function test_setWeights_revertsOnLengthMismatch() public {
        uint16[] memory two = new uint16[](2);
        vm.expectRevert(abi.encodeWithSelector(YumaEpochLib.YumaWeightsLengthMismatch.selector, 3, 2));
        h.setWeights(NET, 0, _u3(3, 4, 5), two);
    }

    function test_setWeights_revertsOnColumnOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochLib.YumaUidOutOfRange.selector, NET, 6, 6));
        h.setWeights(NET, 0, _u3(3, 6, 5), _u3(1, 1, 1));
    }

    function test_setWeights_revertsOnRowOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochEngine.YumaUidOutOfRange.selector, NET, 9, 6));
        h.setWeights(NET, 9, _u3(3, 4, 5), _u3(1, 1, 1));
    }

    function test_setWeights_revertsOnDuplicateUid() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochLib.YumaDuplicateUid.selector, NET, 4));
        h.setWeights(NET, 0, _u3(4, 3, 4), _u3(1, 1, 1));
    }

    function test_setWeights_keepsStoredOrderAndZeros() public {
        h.setWeights(NET, 1, _u3(5, 0, 3), _u3(7, 0, 9));
        (uint16[] memory u, uint16[] memory v) = h.weightsOf(NET, 1);
        assertEq(u.length, 3);
        assertEq(u[0], 5);
        assertEq(u[1], 0);
        assertEq(u[2], 3);
        assertEq(v[0], 7);
        assertEq(v[1], 0);
        assertEq(v[2], 9);
        // replacing the row drops the old cells
        h.setWeights(NET, 1, new uint16[](0), new uint16[](0));
        (u,) = h.weightsOf(NET, 1);
        assertEq(u.length, 0);
    }

    function test_setN_revertsAboveMaximum() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochEngine.YumaTooManyUids.selector, NET, 4097, 4096));
        h.setN(NET, 4097);
    }

    function test_setLastUpdate_revertsOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochEngine.YumaUidOutOfRange.selector, NET, 6, 6));
        h.setLastUpdate(NET, 6, 1);
    }

    function test_epochStep_revertsOnZeroBudget() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochEngine.YumaNoWork.selector, NET));
        h.epochStep(NET, 0);
    }

    // ---------------------------------------------------------------- freeze while in progress

    function test_inputsFrozenWhileEpochInProgress() public {
        assertFalse(h.epochStep(NET, 1)); // prepare only
        assertTrue(h.inProgress(NET));
        bytes memory err = abi.encodeWithSelector(YumaEpochEngine.YumaEpochInProgress.selector, NET);
        vm.expectRevert(err);
        h.setWeights(NET, 0, _u3(3, 4, 5), _u3(1, 1, 1));
        vm.expectRevert(err);
        h.setLastUpdate(NET, 0, 55);
        vm.expectRevert(err);
        h.resetUid(NET, 4, 55);
        vm.expectRevert(err);
        h.setN(NET, 7);
        vm.expectRevert(err);
        h.forceBonds(NET, 0, _u3(3, 4, 5), _u3(1, 1, 1));
        _finish(1);
        assertFalse(h.inProgress(NET));
        h.setLastUpdate(NET, 0, 55); // accepted again
        (,,, uint64 epochBlock, uint64 lastStep, uint64 epochs) = h.epochProgress(NET);
        assertEq(epochBlock, 60);
        assertEq(lastStep, 60);
        assertEq(epochs, 1);
    }

    // ---------------------------------------------------------------- chunking invariance

    function _snapshotOutputs() internal view returns (bytes memory) {
        (uint16[] memory a, uint64[] memory b, uint8[] memory c) = h.outputs(NET, 6);
        (uint16[] memory l, uint16[] memory u, uint16[] memory v) = h.allBonds(NET, 6);
        return abi.encode(a, b, c, l, u, v);
    }

    function test_epoch_sameResultForEveryChunkSize() public {
        uint256 snap = vm.snapshotState();
        assertEq(_finish(type(uint256).max), 1);
        bytes memory whole = _snapshotOutputs();
        uint256[4] memory budgets = [uint256(1), 2, 5, 13];
        for (uint256 k; k < budgets.length; ++k) {
            vm.revertToState(snap);
            snap = vm.snapshotState();
            assertGt(_finish(budgets[k]), 1);
            assertEq(keccak256(_snapshotOutputs()), keccak256(whole), "chunked epoch differs");
        }
    }

    function test_epoch_paysEveryUidOnce() public {
        _finish(4);
        assertEq(h.payoutCalls(NET), 6);
        assertEq(h.finishedCalls(NET), 1);
    }

    // ---------------------------------------------------------------- bonds and resets

    function test_liquidAlphaBonds_keepUnsortedWeightsOrder() public {
        _finish(type(uint256).max);
        (uint16[] memory u,) = h.bondsOf(NET, 2);
        assertEq(u.length, 3);
        assertEq(u[0], 5);
        assertEq(u[1], 4);
        assertEq(u[2], 3);
        // uid 0's zero weight to uid 4 gives an EMA of 0, which is not stored (cells > 0 only)
        (u,) = h.bondsOf(NET, 0);
        assertEq(u.length, 2);
        assertEq(u[0], 3);
        assertEq(u[1], 5);
        assertTrue(h.validatorPermit(NET, 0));
        assertFalse(h.validatorPermit(NET, 4));
    }

    function test_resetUid_clearsRowsPermitAndTerms() public {
        _finish(type(uint256).max);
        h.resetUid(NET, 1, 61);
        (uint16[] memory w,) = h.weightsOf(NET, 1);
        (uint16[] memory b,) = h.bondsOf(NET, 1);
        assertEq(w.length, 0);
        assertEq(b.length, 0);
        assertFalse(h.validatorPermit(NET, 1));
        assertEq(h.blockAtRegistration(NET, 1), 61);
        assertEq(h.lastUpdate(NET, 1), 50); // kept: the registry sets it
        (uint16 c, uint16 i, uint16 d, uint16 vt, uint16 sw, uint64 em, bool active) = h.neuronTerms(NET, 1);
        assertEq(uint256(c) + i + d + vt + sw + em + (active ? 1 : 0), 0);
    }

    function test_forceBonds_validatesLikeWeights() public {
        vm.expectRevert(abi.encodeWithSelector(YumaEpochLib.YumaDuplicateUid.selector, NET, 3));
        h.forceBonds(NET, 0, _u3(3, 3, 4), _u3(1, 1, 1));
    }
}
