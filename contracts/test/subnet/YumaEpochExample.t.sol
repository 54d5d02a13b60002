// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {YumaEpochEngine} from "../../src/subnet/YumaEpochEngine.sol";
import {YumaEpochHarness} from "./YumaEpochHarness.sol";

/// @notice The worked example of specs/yuma-example.json (subtensor tests/epoch.rs::test_bonds, two
/// chained Yuma2 epochs) reproduced on chain: every output integer equal. Expected values generated
/// from the JSON.
contract YumaEpochExampleTest is Test {
    uint16 internal constant NET = 3;
    YumaEpochHarness internal h;

    function setUp() public {
        h = new YumaEpochHarness();
        h.setParams(NET, exampleParams());
        h.setN(NET, 8);
        uint64[] memory reg = new uint64[](8);
        uint64[] memory lu = new uint64[](8);
        uint64[] memory stake = new uint64[](8);
        bool[] memory permits = new bool[](8);
        for (uint256 i; i < 8; ++i) {
            reg[i] = 1;
            lu[i] = i < 4 ? 2 : 1;
            stake[i] = i < 4 ? uint64(i + 1) : 0;
            permits[i] = i < 4;
        }
        h.resetUids(NET, reg);
        h.setLastUpdates(NET, lu);
        h.setStakes(NET, stake);
        h.forcePermits(NET, permits);
        for (uint16 i; i < 4; ++i) {
            h.setWeights(NET, i, _u4(4, 5, 6, 7), _u4(16_383, 32_767, 49_149, 65_535));
        }
    }

    function exampleParams() internal pure returns (YumaEpochEngine.YumaParams memory p) {
        p.tempo = 1;
        p.kappa = 32_767;
        p.bondsPenalty = 65_535;
        p.bondsMovingAverage = 900_000;
        p.alphaLow = 45_875;
        p.alphaHigh = 58_982;
        p.alphaSigmoidSteepness = 1000;
        p.maxAllowedValidators = 8;
        p.activityCutoff = 13; // max(1, 13889 * tempo / 1000)
        p.raoEmission = 1_000_000_000;
    }

    function _u4(uint16 a, uint16 b, uint16 c, uint16 d) internal pure returns (uint16[] memory x) {
        x = new uint16[](4);
        (x[0], x[1], x[2], x[3]) = (a, b, c, d);
    }

    function _run(uint64 blockNumber, uint256 maxColumns) internal returns (uint256 calls) {
        h.setBlockOverride(blockNumber);
        bool done;
        while (!done) {
            done = h.epochStep(NET, maxColumns);
            ++calls;
            assertLt(calls, 200, "epoch does not finish");
        }
    }

    function _secondEpochInputs() internal {
        uint16[] memory self = new uint16[](1);
        uint16[] memory max = new uint16[](1);
        max[0] = 65_535;
        h.setWeights(NET, 0, self, max); // uid0 switches to a self-weight
    }

    function test_example_bothEpochsInOneCallEach() public {
        assertEq(_run(2, type(uint256).max), 1);
        _expect0();
        assertEq(h.payoutCalls(NET), 8);
        assertEq(h.finishedCalls(NET), 1);
        _secondEpochInputs();
        assertEq(_run(3, type(uint256).max), 1);
        _expect1();
        assertEq(h.finishedCalls(NET), 2);
    }

    function test_example_chunkedOneColumnPerCall() public {
        uint256 calls = _run(2, 1);
        assertGt(calls, 8, "chunked over several calls");
        _expect0();
        _secondEpochInputs();
        _run(3, 3);
        _expect1();
    }

    function test_example_totalsMatchPayouts() public {
        _run(2, type(uint256).max);
        uint256 server;
        uint256 validator;
        for (uint16 i; i < 8; ++i) {
            (uint64 s, uint64 v) = h.payoutOf(NET, i);
            server += s;
            validator += v;
        }
        assertEq(h.lastTotalServer(NET), server);
        assertEq(h.lastTotalValidator(NET), validator);
        assertLe(server + validator, 1_000_000_000);
    }

    // ------------------------------------------------------------------ expectations

    function _eqU16(string memory what, uint256 k, uint16[8] memory e) private view {
        (uint16[] memory u16s,,) = h.outputs(NET, 8);
        for (uint256 i; i < 8; ++i) {
            assertEq(u16s[i * 5 + k], e[i], string.concat(what, " uid ", vm.toString(i)));
        }
    }

    function _eqU64(string memory what, uint256 k, uint64[8] memory e) private view {
        (, uint64[] memory u64s,) = h.outputs(NET, 8);
        for (uint256 i; i < 8; ++i) {
            assertEq(u64s[i * 7 + k], e[i], string.concat(what, " uid ", vm.toString(i)));
        }
    }

    function _eqFlags(bool[8] memory active, bool[8] memory permit) private view {
        (,, uint8[] memory flags) = h.outputs(NET, 8);
        for (uint256 i; i < 8; ++i) {
            assertEq(flags[i] & 1 != 0, active[i], string.concat("active uid ", vm.toString(i)));
            assertEq(flags[i] & 2 != 0, permit[i], string.concat("permit uid ", vm.toString(i)));
        }
    }

    function _eqBonds(uint16 uid, uint16[4] memory uids, uint16[4] memory values) private view {
        (uint16[] memory u, uint16[] memory v) = h.bondsOf(NET, uid);
        assertEq(u.length, 4, string.concat("bonds length uid ", vm.toString(uid)));
        for (uint256 t; t < 4; ++t) {
            assertEq(u[t], uids[t], "bond column");
            assertEq(v[t], values[t], string.concat("bond value uid ", vm.toString(uid)));
        }
    }

    function _eqNoBonds(uint16 uid) private view {
        (uint16[] memory u,) = h.bondsOf(NET, uid);
        assertEq(u.length, 0, string.concat("no bonds uid ", vm.toString(uid)));
    }

    function _expect0() private view {
        _eqU16(
            "consensus_u16",
            0,
            [uint16(0), uint16(0), uint16(0), uint16(0), uint16(6553), uint16(13107), uint16(19660), uint16(26214)]
        );
        _eqU16(
            "incentive_u16",
            1,
            [uint16(0), uint16(0), uint16(0), uint16(0), uint16(6553), uint16(13107), uint16(19660), uint16(26214)]
        );
        _eqU16(
            "dividends_u16",
            2,
            [uint16(6553), uint16(13106), uint16(19660), uint16(26214), uint16(0), uint16(0), uint16(0), uint16(0)]
        );
        _eqU16(
            "validator_trust_u16",
            3,
            [uint16(65534), uint16(65534), uint16(65534), uint16(65534), uint16(0), uint16(0), uint16(0), uint16(0)]
        );
        _eqU16(
            "stake_weight_u16",
            4,
            [uint16(6553), uint16(13106), uint16(19660), uint16(26213), uint16(0), uint16(0), uint16(0), uint16(0)]
        );
        _eqU64(
            "emission",
            0,
            [
                uint64(49999998),
                uint64(99999999),
                uint64(150000000),
                uint64(200000001),
                uint64(49998779),
                uint64(100000610),
                uint64(149996337),
                uint64(200004272)
            ]
        );
        _eqU64(
            "server_emission",
            1,
            [
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(49998779),
                uint64(100000610),
                uint64(149996337),
                uint64(200004272)
            ]
        );
        _eqU64(
            "validator_emission",
            2,
            [
                uint64(49999998),
                uint64(99999999),
                uint64(150000000),
                uint64(200000001),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0)
            ]
        );
        _eqU64(
            "consensus_bits",
            3,
            [
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(429486243),
                uint64(858998702),
                uint64(1288458730),
                uint64(1718023619)
            ]
        );
        _eqU64(
            "incentive_bits",
            4,
            [
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(429486242),
                uint64(858998702),
                uint64(1288458729),
                uint64(1718023621)
            ]
        );
        _eqU64(
            "dividends_bits",
            5,
            [
                uint64(429496720),
                uint64(858993452),
                uint64(1288490194),
                uint64(1717986928),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0)
            ]
        );
        _eqU64(
            "active_stake_bits",
            6,
            [
                uint64(429496729),
                uint64(858993459),
                uint64(1288490188),
                uint64(1717986918),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0)
            ]
        );
        _eqFlags([true, true, true, true, true, true, true, true], [true, true, true, true, false, false, false, false]);
        _eqBonds(
            0,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(16383), uint16(16383), uint16(16383), uint16(16383)]
        );
        _eqBonds(
            1,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(32767), uint16(32767), uint16(32767), uint16(32767)]
        );
        _eqBonds(
            2,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(49151), uint16(49151), uint16(49151), uint16(49151)]
        );
        _eqBonds(
            3,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(65535), uint16(65535), uint16(65535), uint16(65535)]
        );
        _eqNoBonds(4);
        _eqNoBonds(5);
        _eqNoBonds(6);
        _eqNoBonds(7);
    }

    function _expect1() private view {
        _eqU16(
            "consensus_u16",
            0,
            [uint16(0), uint16(0), uint16(0), uint16(0), uint16(6553), uint16(13107), uint16(19660), uint16(26214)]
        );
        _eqU16(
            "incentive_u16",
            1,
            [uint16(0), uint16(0), uint16(0), uint16(0), uint16(6553), uint16(13107), uint16(19660), uint16(26214)]
        );
        _eqU16(
            "dividends_u16",
            2,
            [uint16(5897), uint16(13252), uint16(19879), uint16(26505), uint16(0), uint16(0), uint16(0), uint16(0)]
        );
        _eqU16(
            "validator_trust_u16",
            3,
            [uint16(0), uint16(65534), uint16(65534), uint16(65534), uint16(0), uint16(0), uint16(0), uint16(0)]
        );
        _eqU16(
            "stake_weight_u16",
            4,
            [uint16(6553), uint16(13106), uint16(19660), uint16(26213), uint16(0), uint16(0), uint16(0), uint16(0)]
        );
        _eqU64(
            "emission",
            0,
            [
                uint64(44998351),
                uint64(101110561),
                uint64(151667215),
                uint64(202223870),
                uint64(49998779),
                uint64(100000610),
                uint64(149996337),
                uint64(200004272)
            ]
        );
        _eqU64(
            "server_emission",
            1,
            [
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(49998779),
                uint64(100000610),
                uint64(149996337),
                uint64(200004272)
            ]
        );
        _eqU64(
            "validator_emission",
            2,
            [
                uint64(44998351),
                uint64(101110561),
                uint64(151667215),
                uint64(202223870),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0)
            ]
        );
        _eqU64(
            "consensus_bits",
            3,
            [
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(429486243),
                uint64(858998702),
                uint64(1288458730),
                uint64(1718023619)
            ]
        );
        _eqU64(
            "incentive_bits",
            4,
            [
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(429486242),
                uint64(858998702),
                uint64(1288458730),
                uint64(1718023621)
            ]
        );
        _eqU64(
            "dividends_bits",
            5,
            [
                uint64(386532897),
                uint64(868533111),
                uint64(1302811465),
                uint64(1737089821),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0)
            ]
        );
        _eqU64(
            "active_stake_bits",
            6,
            [
                uint64(429496729),
                uint64(858993459),
                uint64(1288490188),
                uint64(1717986918),
                uint64(0),
                uint64(0),
                uint64(0),
                uint64(0)
            ]
        );
        _eqFlags([true, true, true, true, true, true, true, true], [true, true, true, true, false, false, false, false]);
        _eqBonds(
            0,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(14582), uint16(14582), uint16(14582), uint16(14582)]
        );
        _eqBonds(
            1,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(32767), uint16(32767), uint16(32767), uint16(32767)]
        );
        _eqBonds(
            2,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(49151), uint16(49151), uint16(49151), uint16(49151)]
        );
        _eqBonds(
            3,
            [uint16(4), uint16(5), uint16(6), uint16(7)],
            [uint16(65535), uint16(65535), uint16(65535), uint16(65535)]
        );
        _eqNoBonds(4);
        _eqNoBonds(5);
        _eqNoBonds(6);
        _eqNoBonds(7);
    }
}
