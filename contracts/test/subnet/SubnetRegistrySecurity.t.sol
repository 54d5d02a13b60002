// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetFixture} from "./SubnetFixture.sol";

/// Regression tests of the security review (issue 9): findings 6 (emission farming by a Sybil
/// subnet, lock returned) and 11 (a 1-unit epoch start freezing the subnet).
contract SubnetRegistrySecurityTest is SubnetFixture {
    uint64 internal constant DEFAULT_TEMPO = 360;

    address internal sybil = makeAddr("sybil");
    address internal sybilMiner = makeAddr("sybilMiner");

    function setUp() public override {
        super.setUp();
        _fund(sybil);
        _fund(sybilMiner);
    }

    /// The review's numbers: 5 epochs of tempo 360 at 1 NOOS per block schedule 1,800 NOOS. A
    /// subnet whose only miner stakes 1 gwei took 1,799.999999995 of them and got its 100 NOOS
    /// lock back. Now emission follows stake across subnets and an early dissolution burns the lock.
    function test_finding6_sybilSubnetCannotFarmEmission() public {
        // A real subnet: 4 validators with 1,000 NOOS each and 2 miners, default tempo (360).
        vm.prank(owner);
        uint16 real = reg.createSubnet(type(uint256).max);
        for (uint256 i; i < 6; ++i) {
            _register(real, neurons[i]);
            if (i < 4) _stake(real, neurons[i], 1000 ether);
        }
        // The Sybil's subnet: one miner with 1 gwei of stake.
        uint256 sybilBefore = token.balanceOf(sybil) + token.balanceOf(sybilMiner);
        vm.prank(sybil);
        uint16 farm = reg.createSubnet(type(uint256).max);
        _register(farm, sybilMiner);
        _stake(farm, sybilMiner, 1 gwei);
        assertEq(reg.getSubnet(farm).hyperparams.tempo, DEFAULT_TEMPO);

        uint256 start = block.number;
        for (uint256 e; e < 5; ++e) {
            vm.roll(block.number + DEFAULT_TEMPO);
            assertTrue(reg.runEpoch(real, 0));
            assertTrue(reg.runEpoch(farm, 0));
        }
        uint256 scheduled = uint256(RATE) * (block.number - start);
        assertEq(scheduled, 1800 ether);

        (uint256 credited,) = reg.emissionTotals();
        uint256 farmed = reg.claimable(sybil) + reg.claimable(sybilMiner);
        emit log_named_decimal_uint("credited to all subnets (NOOS)", credited, 18);
        emit log_named_decimal_uint("farmed by the Sybil subnet (NOOS)", farmed, 18);
        assertLe(credited, scheduled, "all subnets together emit at most the global rate");
        assertLt(farmed, 0.001 ether, "1 gwei of stake earns ~nothing");
        assertGt(credited - farmed, scheduled * 3 / 4, "the staked subnet earns the emission");

        // The Sybil claims what it has and dissolves: the lock is not returned.
        if (reg.claimable(sybil) > 0) reg.claim(sybil);
        if (reg.claimable(sybilMiner) > 0) reg.claim(sybilMiner);
        vm.prank(sybil);
        reg.dissolveSubnet(farm);
        uint256 sybilAfter = token.balanceOf(sybil) + token.balanceOf(sybilMiner) + 1 gwei; // + its stake
        assertLt(sybilAfter + 99 ether, sybilBefore, "the 100 NOOS lock is lost, the farm earned < 1 NOOS");
    }

    /// Finding 6: the owner cut is paid only while the owner stakes `ownerMinStake` in its subnet;
    /// otherwise the whole emission goes to the subnet's neurons.
    function test_finding6_unstakedOwnerGetsNoCut() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 100 ether);
        _epoch(netuid);
        _epoch(netuid);
        assertEq(reg.claimable(owner), 0);
        assertEq(reg.getSubnet(netuid).ownerEarned, 0);
        assertGt(reg.claimable(neurons[0]), 0);
        assertFalse(reg.exposedParams(netuid).hasOwner);

        _register(netuid, owner);
        assertFalse(reg.exposedParams(netuid).hasOwner, "the owner's uid has no exemption unstaked");
        _stake(netuid, owner, OWNER_MIN_STAKE);
        assertTrue(reg.exposedParams(netuid).hasOwner);
        _epoch(netuid);
        uint256 cut = uint256(reg.getSubnet(netuid).ownerEarned) * UNIT;
        assertGt(cut, 0);
        // Its cut plus its staked uid's validator emission.
        assertEq(reg.claimable(owner), cut + uint256(reg.getNeuron(netuid, 1).lastEmission) * UNIT);
    }

    /// Finding 6: a rate change applies from the change on; blocks before it accrue at the old rate.
    function test_finding6_rateChangeAccruesAtTheOldRateFirst() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 100 ether);
        _epoch(netuid);
        uint256 weight = reg.getSubnet(netuid).stakeWeight;
        uint256 start = block.number;
        vm.roll(start + 4);
        ISubnetRegistry.Config memory c = _devConfig();
        c.emissionPerBlock = 0;
        vm.prank(admin);
        reg.setConfig(c);
        _epoch(netuid);
        uint256 expected = weight * (uint256(RATE) * 4 * 1e18 / weight) / 1e18 / UNIT;
        (uint256 credited,) = reg.emissionTotals();
        assertApproxEqAbs(credited, expected * UNIT, 2 * UNIT);
        assertLe(credited, uint256(RATE) * 4);
    }

    /// A 1-unit start of a small subnet's epoch finishes it: nothing stays frozen.
    function test_finding11_oneUnitStartCannotFreezeSubnet() public {
        uint16 netuid = _devSubnet(false);
        for (uint256 i; i < 4; ++i) {
            _register(netuid, neurons[i]);
        }
        _stake(netuid, neurons[0], 300 ether);
        _stake(netuid, neurons[1], 100 ether);
        _epoch(netuid);
        vm.roll(block.number + TEMPO);

        vm.prank(stranger);
        assertTrue(reg.runEpoch(netuid, 1), "the start finished the epoch");
        assertFalse(reg.getSubnet(netuid).epochInProgress);
        _register(netuid, neurons[4]); // registrations are open right away
        _setWeights(netuid, neurons[0], _u16(2, 3), _u16(1, 1));
    }

    /// A 1-unit start of a larger epoch still does the prepare, the row sums and more: the
    /// starter pays a block's share of the work, not one unit.
    function test_finding11_oneUnitStartOfLargeEpochDoesMeaningfulWork() public {
        uint16 netuid = _devSubnet(false);
        address[] memory hotkeys = new address[](64);
        for (uint256 i; i < 64; ++i) {
            hotkeys[i] = makeAddr(string.concat("n", vm.toString(i)));
            _fund(hotkeys[i]);
            _register(netuid, hotkeys[i]);
            if (i < 8) _stake(netuid, hotkeys[i], (i + 1) * 100 ether);
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
        vm.prank(stranger);
        uint256 g = gasleft();
        reg.runEpoch(netuid, 1);
        emit log_named_uint("runEpoch(netuid, 1) start, n=64", g - gasleft());
        (uint8 phase, uint16 cursor,,,,) = reg.epochProgress(netuid);
        // Past the row sums (5) and the consensus (1): into the bonds (3) or later.
        assertTrue(phase == 3 || phase == 4 || phase == 0, "prepare, row sums and consensus done");
        cursor;
    }
}
