// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetFixture} from "./SubnetFixture.sol";

/// Gas of the main calls at realistic sizes (logged; bounded so a regression fails).
contract SubnetRegistryGasTest is SubnetFixture {
    uint256 internal constant BLOCK_GAS = 30_000_000;

    function test_gas_registerAndWeights() public {
        uint16 netuid = _devSubnet(false);
        address first = makeAddr("g0");
        _fund(first);
        uint256 g = gasleft();
        _register(netuid, first);
        emit log_named_uint("registerNeuron (append)", g - gasleft());

        _stake(netuid, first, 100 ether);
        for (uint256 i = 1; i < 256; ++i) {
            address who = makeAddr(string.concat("g", vm.toString(i)));
            _fund(who);
            _register(netuid, who);
        }
        _epoch(netuid);
        uint16[] memory uids = new uint16[](256);
        uint16[] memory values = new uint16[](256);
        for (uint16 i; i < 256; ++i) {
            uids[i] = i;
            values[i] = i + 1;
        }
        vm.prank(first);
        g = gasleft();
        reg.setWeights(netuid, uids, values, 0);
        uint256 used = g - gasleft();
        emit log_named_uint("setWeights (256 weights)", used);
        assertLt(used, BLOCK_GAS / 3);

        address late = makeAddr("late");
        _fund(late);
        g = gasleft();
        _register(netuid, late);
        used = g - gasleft();
        emit log_named_uint("registerNeuron (replace, 256 uids)", used);
        assertLt(used, BLOCK_GAS / 10);
    }

    function test_gas_epoch64() public {
        uint16 netuid = _devSubnet(false);
        address[] memory hotkeys = new address[](64);
        for (uint256 i; i < 64; ++i) {
            hotkeys[i] = makeAddr(string.concat("n", vm.toString(i)));
            _fund(hotkeys[i]);
            _register(netuid, hotkeys[i]);
        }
        for (uint256 v; v < 8; ++v) {
            _stake(netuid, hotkeys[v], (v + 1) * 100 ether);
        }
        _epoch(netuid);
        uint16[] memory uids = new uint16[](56);
        uint16[] memory values = new uint16[](56);
        for (uint256 v; v < 8; ++v) {
            for (uint16 j; j < 56; ++j) {
                uids[j] = j + 8;
                values[j] = uint16(1000 + (j * 37 + v * 11) % 500);
            }
            vm.prank(hotkeys[v]);
            reg.setWeights(netuid, uids, values, 0);
        }
        vm.roll(block.number + TEMPO);
        uint256 total;
        uint256 maxChunk;
        uint256 calls;
        bool finished;
        while (!finished) {
            uint256 g = gasleft();
            finished = reg.runEpoch(netuid, 32);
            uint256 used = g - gasleft();
            total += used;
            if (used > maxChunk) maxChunk = used;
            ++calls;
        }
        emit log_named_uint("runEpoch n=64, 8 validators x 56 weights: calls (32 units each)", calls);
        emit log_named_uint("runEpoch total gas", total);
        emit log_named_uint("runEpoch largest chunk", maxChunk);
        assertLt(maxChunk, BLOCK_GAS);

        vm.roll(block.number + TEMPO);
        uint256 g2 = gasleft();
        assertTrue(reg.runEpoch(netuid, 0));
        emit log_named_uint("runEpoch n=64 in one call (second epoch)", g2 - gasleft());

        g2 = gasleft();
        reg.claim(hotkeys[0]);
        emit log_named_uint("claim", g2 - gasleft());
    }

    /// Finding 11: the smallest start a caller can make (budget 1, raised to n + 128 units) of a
    /// 256-uid subnet with every validator weighting every uid stays under a 30M-gas block.
    function test_gas_epochStart64x256() public {
        _gasEpochStart(64);
    }

    function test_gas_epochStart256x256() public {
        _gasEpochStart(256);
    }

    function _gasEpochStart(uint256 validators) internal {
        uint16 netuid = _devSubnet(false);
        ISubnetRegistry.ProtocolHyperparams memory r = reg.getSubnet(netuid).protocol;
        r.maxAllowedValidators = uint16(validators);
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
        address[] memory hotkeys = new address[](256);
        for (uint256 i; i < 256; ++i) {
            hotkeys[i] = makeAddr(string.concat("h", vm.toString(i)));
            _fund(hotkeys[i]);
            _register(netuid, hotkeys[i]);
            if (i < validators) _stake(netuid, hotkeys[i], (i + 1) * 10 ether);
        }
        _epoch(netuid); // permits
        uint16[] memory uids = new uint16[](256);
        uint16[] memory values = new uint16[](256);
        for (uint256 v; v < validators; ++v) {
            for (uint16 j; j < 256; ++j) {
                uids[j] = j;
                values[j] = uint16(1000 + (j * 37 + v * 11) % 5000);
            }
            vm.prank(hotkeys[v]);
            reg.setWeights(netuid, uids, values, 0);
        }
        vm.roll(block.number + TEMPO);
        uint256 g = gasleft();
        assertFalse(reg.runEpoch(netuid, 1));
        uint256 used = g - gasleft();
        emit log_named_uint(
            string.concat("runEpoch start (budget 1 -> n + 128), validators x 256: ", vm.toString(validators)), used
        );
        assertLt(used, BLOCK_GAS);
    }

    function test_gas_commitReveal() public {
        uint16 netuid = _devSubnet(true);
        for (uint256 i; i < 16; ++i) {
            _register(netuid, i < neurons.length ? neurons[i] : _newNeuron(i));
        }
        _stake(netuid, neurons[0], 100 ether);
        _epoch(netuid);
        uint16[] memory uids = new uint16[](16);
        uint16[] memory values = new uint16[](16);
        for (uint16 j; j < 16; ++j) {
            uids[j] = j;
            values[j] = j + 1;
        }
        bytes32 salt = keccak256("s");
        bytes32 h = keccak256(abi.encode(neurons[0], netuid, uids, values, salt, uint64(0)));
        vm.prank(neurons[0]);
        uint256 g = gasleft();
        reg.commitWeights(netuid, h);
        emit log_named_uint("commitWeights", g - gasleft());
        _epoch(netuid);
        vm.prank(neurons[0]);
        g = gasleft();
        reg.revealWeights(netuid, uids, values, salt, 0);
        emit log_named_uint("revealWeights (16 weights)", g - gasleft());
        ISubnetRegistry.WeightCommit[] memory left = reg.commitsOf(netuid, 0);
        assertEq(left.length, 0);
    }

    function test_gas_createSubnet() public {
        uint256 g = gasleft();
        _createSubnet();
        emit log_named_uint("createSubnet", g - gasleft());
    }

    function _newNeuron(uint256 i) internal returns (address who) {
        who = makeAddr(string.concat("extra", vm.toString(i)));
        _fund(who);
    }
}
