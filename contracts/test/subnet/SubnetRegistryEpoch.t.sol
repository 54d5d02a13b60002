// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetFixture} from "./SubnetFixture.sol";

/// Epoch scheduling, chunking, emission, owner cut, claims and conservation, end to end with
/// the real Yuma engine.
contract SubnetRegistryEpochTest is SubnetFixture {
    uint16 internal constant OWNER_CUT = 11_796;

    // ---- scheduling ----

    function test_runEpoch_revertsBeforeTempo() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        vm.roll(block.number + TEMPO - 3);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetTempoNotReached.selector, netuid, 3));
        reg.runEpoch(netuid, 0);
    }

    function test_runEpoch_revertsForUnknownSubnet() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUnknown.selector, 5));
        reg.runEpoch(5, 0);
    }

    function test_runEpoch_startsEmitsAndFinishesInChunks() public {
        uint16 netuid = _devSubnet(false);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        for (uint256 i; i < 4; ++i) {
            _register(netuid, neurons[i]);
        }
        _stake(netuid, neurons[0], 300 ether);
        _stake(netuid, neurons[1], 100 ether);
        // At 50 uids the start does n + 128 units, not the whole epoch.
        for (uint256 i = 4; i < 50; ++i) {
            address filler = makeAddr(string.concat("filler", vm.toString(i)));
            _fund(filler);
            _register(netuid, filler);
        }
        _epoch(netuid); // first epoch: weight 0 before, set now (EMA halfway to the stake)
        uint64 weight = reg.getSubnet(netuid).stakeWeight;
        assertEq(weight, 205 ether / UNIT); // (300 + 100 + 10) / 2
        uint64 created = reg.getSubnet(netuid).lastEpochBlock;
        vm.roll(created + TEMPO + 5);
        uint64 blocks = TEMPO + 5;
        uint64 total = uint64(_soleTotal(weight, blocks, RATE));
        uint64 cut = uint64(uint256(total) * OWNER_CUT / 65_535);
        (uint256 creditedBefore,) = reg.emissionTotals();

        vm.expectEmit(address(reg));
        emit ISubnetRegistry.EpochStarted(netuid, 1, blocks, total, cut);
        vm.prank(keeper);
        assertFalse(reg.runEpoch(netuid, 2));
        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        assertTrue(info.epochInProgress);
        assertEq(info.lastEpochBlock, block.number);
        assertEq(info.pendingEmission, total - cut);
        assertEq(info.pendingOwnerCut, cut);
        assertEq(info.stakeWeight, 410 ether / UNIT - (410 ether / UNIT - weight) / 2);

        uint256 calls = 1;
        bool finished;
        while (!finished) {
            vm.prank(keeper);
            finished = reg.runEpoch(netuid, 2);
            ++calls;
            assertLt(calls, 200);
        }
        assertGt(calls, 2);
        info = reg.getSubnet(netuid);
        assertFalse(info.epochInProgress);
        assertEq(info.epochIndex, 2);
        assertEq(info.pendingEmission, 0);

        // Without weights the epoch pays validators by stake (yuma.md §3.11 fallback).
        uint64 e0 = reg.getNeuron(netuid, 0).lastEmission;
        uint64 e1 = reg.getNeuron(netuid, 1).lastEmission;
        assertApproxEqAbs(e0, uint256(total - cut) * 3 / 4, 2);
        assertApproxEqAbs(e1, uint256(total - cut) / 4, 2);
        assertEq(reg.getNeuron(netuid, 2).lastEmission, 0);
        assertEq(reg.claimable(neurons[0]), uint256(e0) * UNIT);
        assertEq(reg.claimable(owner), uint256(cut) * UNIT);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(creditedBefore, 0);
        assertLe(credited, uint256(RATE) * blocks);
        assertEq(reg.getSubnet(netuid).ownerEarned, cut);

        // The next epoch waits a full tempo again.
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetTempoNotReached.selector, netuid, TEMPO));
        reg.runEpoch(netuid, 0);
    }

    function test_runEpoch_finishedEventCarriesTotals() public {
        uint16 netuid = _devSubnet(false);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 1 ether);
        _epoch(netuid);
        uint256 weight = reg.getSubnet(netuid).stakeWeight;
        vm.roll(block.number + TEMPO);
        uint64 total = uint64(_soleTotal(weight, TEMPO, RATE));
        uint64 cut = uint64(uint256(total) * OWNER_CUT / 65_535);
        uint64 rao = total - cut;
        (uint256 creditedBefore,) = reg.emissionTotals();
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.EpochFinished(netuid, 2, cut, 0, rao, 0, uint256(total) * UNIT);
        reg.runEpoch(netuid, 0);
        assertEq(creditedBefore, 0);
    }

    function test_runEpoch_unstakedSubnetEarnsNothing() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _epoch(netuid);
        _epoch(netuid);
        assertEq(reg.getSubnet(netuid).epochIndex, 2);
        assertEq(reg.getSubnet(netuid).stakeWeight, 0);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(credited, 0);
    }

    function test_runEpoch_emptyStakedSubnetPaysOnlyOwnerCut() public {
        uint16 netuid = _devSubnet(false);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        _epoch(netuid);
        uint256 weight = reg.getSubnet(netuid).stakeWeight;
        vm.roll(block.number + TEMPO);
        assertTrue(reg.runEpoch(netuid, 0));
        uint256 total = _soleTotal(weight, TEMPO, RATE);
        assertEq(reg.claimable(owner), total * OWNER_CUT / 65_535 * UNIT);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(credited, reg.claimable(owner));
    }

    function test_runEpoch_zeroRateMintsNothing() public {
        uint16 netuid = _devSubnet(false);
        ISubnetRegistry.Config memory c = _devConfig();
        c.emissionPerBlock = 0;
        vm.prank(admin);
        reg.setConfig(c);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 1 ether);
        _epoch(netuid);
        _epoch(netuid);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(credited, 0);
        assertEq(reg.getSubnet(netuid).epochIndex, 2);
    }

    function test_runEpoch_subUnitRateIsNeverRoundedUp() public {
        uint16 netuid = _devSubnet(false);
        ISubnetRegistry.Config memory c = _devConfig();
        c.emissionPerBlock = uint128(UNIT / TEMPO - 1); // TEMPO blocks give less than one unit
        vm.prank(admin);
        reg.setConfig(c);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 1 ether);
        _epoch(netuid);
        _epoch(netuid);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(credited, 0);
    }

    // ---- emission split across subnets (finding 6) ----

    /// Two subnets staked 3:1 share the global rate 3:1; together they emit at most the rate.
    function test_emission_splitByStakeAcrossSubnets() public {
        uint16 a = _devSubnet(false);
        uint16 b = _devSubnet(false);
        _register(a, neurons[0]);
        _register(b, neurons[1]);
        _stake(a, neurons[0], 300 ether);
        _stake(b, neurons[1], 100 ether);
        _epoch(a);
        _epoch(b); // same block: both weights set, halfway to the stake
        assertEq(reg.totalStakeWeight(), 200 ether / UNIT);
        uint256 start = block.number;
        for (uint256 e; e < 4; ++e) {
            _epoch(a);
            _epoch(b);
        }
        uint256 ea = reg.claimable(neurons[0]);
        uint256 eb = reg.claimable(neurons[1]);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(credited, ea + eb);
        assertLe(credited, uint256(RATE) * (block.number - start));
        assertApproxEqRel(credited, uint256(RATE) * (block.number - start), 0.001e18);
        assertApproxEqRel(ea, 3 * eb, 0.001e18);
    }

    /// New stake counts from the next epoch start (EMA: halfway per epoch); removed stake stops
    /// counting at the next start (the elapsed blocks are paid at min(weight, stake)).
    function test_emission_stakeRemovedStopsCountingAtNextStart() public {
        uint16 a = _devSubnet(false);
        uint16 b = _devSubnet(false);
        _register(a, neurons[0]);
        _register(b, neurons[1]);
        _stake(a, neurons[0], 100 ether);
        _stake(b, neurons[1], 100 ether);
        _epoch(a);
        _epoch(b);
        assertEq(reg.getSubnet(a).stakeWeight, 50 ether / UNIT);
        _epoch(a);
        _epoch(b);
        assertEq(reg.getSubnet(a).stakeWeight, 75 ether / UNIT);
        // a's staker leaves right after the start: a's next start pays nothing, its weight drops.
        bytes32 role = reg.subnetStakeRole(a);
        vm.prank(neurons[0]);
        staking.requestUnstake(role, 100 ether);
        uint256 before = reg.claimable(neurons[0]);
        _epoch(a);
        assertEq(reg.claimable(neurons[0]), before);
        assertEq(reg.getSubnet(a).stakeWeight, 0);
        assertEq(reg.totalStakeWeight(), reg.getSubnet(b).stakeWeight);
    }

    /// The fuzzed conservation: several subnets, random stakes and epochs, sum <= rate * blocks.
    function testFuzz_emission_conservedAcrossSubnets(uint128 rate, uint64[3] memory stakes, uint8 rounds) public {
        rate = uint128(bound(rate, 0, 1e24));
        rounds = uint8(bound(rounds, 1, 4));
        ISubnetRegistry.Config memory c = _devConfig();
        c.emissionPerBlock = rate;
        c.ownerMinStake = 0;
        vm.prank(admin);
        reg.setConfig(c);
        uint256 start = block.number;
        uint16[3] memory nets;
        for (uint256 i; i < 3; ++i) {
            nets[i] = _devSubnet(false);
            _register(nets[i], neurons[i]);
            _stake(nets[i], neurons[i], bound(stakes[i], 0, 100_000) * 1 ether + 1);
        }
        for (uint256 r; r < rounds; ++r) {
            for (uint256 i; i < 3; ++i) {
                vm.roll(block.number + 3 + r + i);
                _epoch(nets[i]);
            }
        }
        (uint256 credited,) = reg.emissionTotals();
        assertLe(credited, uint256(rate) * (block.number - start));
        uint256 sum = reg.claimable(owner);
        for (uint256 i; i < 3; ++i) {
            sum += reg.claimable(neurons[i]);
        }
        assertEq(sum, credited);
        _claimAllAndCheckSupply(nets[0]);
    }

    // ---- claims ----

    function test_claim_mintsCredited() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 1 ether);
        _epoch(netuid);
        _epoch(netuid);
        uint256 amount = reg.claimable(neurons[0]);
        assertGt(amount, 0);
        uint256 supply = token.totalSupply();
        uint256 balance = token.balanceOf(neurons[0]);

        vm.expectEmit(address(reg));
        emit ISubnetRegistry.EmissionClaimed(neurons[0], amount);
        vm.prank(keeper); // anyone may trigger it; the account receives
        assertEq(reg.claim(neurons[0]), amount);

        assertEq(token.balanceOf(neurons[0]), balance + amount);
        assertEq(token.totalSupply(), supply + amount);
        assertEq(reg.claimable(neurons[0]), 0);
        (, uint256 claimed) = reg.emissionTotals();
        assertEq(claimed, amount);
    }

    function test_claim_revertsWhenNothing() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNothingToClaim.selector, stranger));
        reg.claim(stranger);
    }

    function test_claim_revertsWithoutMinterRole() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 1 ether);
        _epoch(netuid);
        _epoch(netuid);
        bytes32 role = token.MINTER_ROLE();
        vm.prank(admin);
        token.revokeRole(role, address(reg));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(reg), role)
        );
        reg.claim(neurons[0]);
    }

    // ---- end to end ----

    /// Create, register 4, stake, weights (CR off), chunked epochs; miners earn by consensus,
    /// validators by dividends, the owner its cut; everything minted equals what was credited.
    function test_endToEnd_setWeights() public {
        uint16 netuid = _devSubnet(false);
        address v0 = neurons[0];
        address v1 = neurons[1];
        address m2 = neurons[2];
        address m3 = neurons[3];
        for (uint256 i; i < 4; ++i) {
            _register(netuid, neurons[i]);
        }
        _stake(netuid, v0, 600 ether);
        _stake(netuid, v1, 400 ether);
        uint256 startBlock = reg.getSubnet(netuid).lastEpochBlock;
        _runChunked(netuid, 3); // epoch 1: permits for the staked uids
        assertTrue(reg.validatorPermit(netuid, 0));
        assertTrue(reg.validatorPermit(netuid, 1));
        assertFalse(reg.validatorPermit(netuid, 2));

        _setWeights(netuid, v0, _u16(2, 3), _u16(3, 1));
        _setWeights(netuid, v1, _u16(2, 3), _u16(3, 1));
        _runChunked(netuid, 3); // epoch 2

        ISubnetRegistry.NeuronInfo memory n2 = reg.getNeuron(netuid, 2);
        ISubnetRegistry.NeuronInfo memory n3 = reg.getNeuron(netuid, 3);
        assertGt(n2.lastEmission, n3.lastEmission);
        assertGt(n3.lastEmission, 0);
        (, uint16 incentive2,,,,,) = reg.neuronTerms(netuid, 2);
        (, uint16 incentive3,,,,,) = reg.neuronTerms(netuid, 3);
        assertGt(incentive2, incentive3);
        (,, uint16 dividends0,,,,) = reg.neuronTerms(netuid, 0);
        (,, uint16 dividends1,,,,) = reg.neuronTerms(netuid, 1);
        assertGt(dividends0, dividends1);
        // Miners and validators split the epoch's emission about 50/50 (the owner is not
        // staked: no cut; the subnet is alone in the split: the whole rate).
        uint256 rao = uint256(RATE) * TEMPO / UNIT;
        uint256 minerSum = uint256(n2.lastEmission) + n3.lastEmission;
        assertApproxEqRel(minerSum, rao / 2, 0.01e18);

        uint256 expectedMax = uint256(RATE) * (block.number - startBlock);
        _assertConserved(netuid, expectedMax);
        _claimAllAndCheckSupply(netuid);
        assertGt(token.balanceOf(m2), FUNDS - FEE);
        assertGt(token.balanceOf(m3), FUNDS - FEE);
        assertGt(token.balanceOf(v1), FUNDS - FEE - 400 ether);
    }

    /// The same with commit-reveal: weights count only once revealed, one epoch after the commit.
    function test_endToEnd_commitReveal() public {
        uint16 netuid = _devSubnet(true);
        for (uint256 i; i < 4; ++i) {
            _register(netuid, neurons[i]);
        }
        _stake(netuid, neurons[0], 1000 ether);
        _runChunked(netuid, 4); // epoch index 1: permit for uid 0

        bytes32 salt = keccak256("e2e");
        bytes32 h = keccak256(abi.encode(neurons[0], netuid, _u16(2, 3), _u16(1, 1), salt, uint64(0)));
        vm.prank(neurons[0]);
        reg.commitWeights(netuid, h);
        _runChunked(netuid, 4); // epoch index 2: nothing revealed yet, miners earn nothing
        assertEq(reg.getNeuron(netuid, 2).lastEmission, 0);

        vm.prank(neurons[0]);
        reg.revealWeights(netuid, _u16(2, 3), _u16(1, 1), salt, 0);
        _runChunked(netuid, 4); // epoch index 3: the revealed weights count
        uint64 e2 = reg.getNeuron(netuid, 2).lastEmission;
        uint64 e3 = reg.getNeuron(netuid, 3).lastEmission;
        assertGt(e2, 0);
        assertApproxEqAbs(e2, e3, 1);
        _claimAllAndCheckSupply(netuid);
    }

    /// Miner emission to the owner's own uid is burned (never credited); the owner cut is paid.
    function test_endToEnd_ownerSelfWeightIsBurned() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.ownerMinStake = 0; // the owner's exemptions without stake (as in subtensor)
        vm.prank(admin);
        reg.setConfig(c);
        uint16 netuid = _devSubnet(false);
        _register(netuid, owner); // uid 0, always permitted, no stake
        _register(netuid, neurons[0]); // uid 1
        _stake(netuid, neurons[0], 1000 ether);
        _epoch(netuid);
        _setWeights(netuid, neurons[0], _u16(0), _u16(1));
        _setWeights(netuid, owner, _u16(0), _u16(1));
        uint256 ownerBefore = reg.claimable(owner);
        uint256 validatorBefore = reg.claimable(neurons[0]);
        (uint256 creditedBefore,) = reg.emissionTotals();
        uint256 weight = reg.getSubnet(netuid).stakeWeight;
        _epoch(netuid);

        uint256 total = _soleTotal(weight, TEMPO, RATE);
        uint256 cut = total * OWNER_CUT / 65_535;
        uint64 burned = reg.getNeuron(netuid, 0).lastEmission; // all of it is miner emission
        assertGt(burned, 0);
        assertEq(reg.claimable(owner) - ownerBefore, cut * UNIT);
        uint256 validatorGot = reg.claimable(neurons[0]) - validatorBefore;
        assertEq(validatorGot, uint256(reg.getNeuron(netuid, 1).lastEmission) * UNIT);
        (uint256 credited,) = reg.emissionTotals();
        assertEq(credited - creditedBefore, (cut + reg.getNeuron(netuid, 1).lastEmission) * UNIT);
        assertLe((cut + burned + reg.getNeuron(netuid, 1).lastEmission), total);
        assertApproxEqAbs(cut + burned + reg.getNeuron(netuid, 1).lastEmission, total, 2);
    }

    function testFuzz_emission_conservedAndNeverAboveRate(uint128 rate, uint16 extraBlocks, uint16 ownerCut, uint8 n)
        public
    {
        rate = uint128(bound(rate, 0, 1e24));
        n = uint8(bound(n, 1, 6));
        ISubnetRegistry.Config memory c = _devConfig();
        c.emissionPerBlock = rate;
        c.ownerMinStake = 0;
        vm.prank(admin);
        reg.setConfig(c);
        uint16 netuid = _devSubnet(false);
        ISubnetRegistry.ProtocolHyperparams memory r = reg.getSubnet(netuid).protocol;
        r.ownerCut = ownerCut;
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
        for (uint256 i; i < n; ++i) {
            _register(netuid, neurons[i]);
            _stake(netuid, neurons[i], (i + 1) * 10 ether);
        }
        _epoch(netuid); // sets the stake weight; nothing to pay before
        uint256 weight = reg.getSubnet(netuid).stakeWeight;
        uint256 start = reg.getSubnet(netuid).lastEpochBlock;
        vm.roll(start + TEMPO + extraBlocks);
        reg.runEpoch(netuid, 0);
        uint256 blocks = block.number - start;
        _assertConserved(netuid, uint256(rate) * blocks);
        (uint256 credited,) = reg.emissionTotals();
        uint256 total = _soleTotal(weight, blocks, rate);
        if (total > type(uint64).max) total = type(uint64).max;
        assertLe(total * UNIT, uint256(rate) * blocks);
        assertEq(reg.claimable(owner), total * ownerCut / 65_535 * UNIT);
        // Floors only: each uid's share is an I32F32 proportion (2^-32 resolution) of the epoch's
        // emission, floored, so each loses less than total / 2^32 + 1 units.
        assertLe(total * UNIT - credited, (uint256(n) + 1) * (total / 2 ** 32 + 1) * UNIT);
        _claimAllAndCheckSupply(netuid);
    }

    // ---- helpers ----

    function _runChunked(uint16 netuid, uint256 chunk) internal returns (uint256 calls) {
        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        uint256 due = uint256(info.lastEpochBlock) + info.hyperparams.tempo;
        if (block.number < due) vm.roll(due);
        bool finished;
        while (!finished) {
            vm.prank(keeper);
            finished = reg.runEpoch(netuid, chunk);
            ++calls;
            assertLt(calls, 200);
        }
    }

    /// credited == sum of claimable (nothing claimed yet) <= rate * blocks, and the owner cut and
    /// the uids' last emissions add up to it (minus burned owner-uid miner emission).
    function _assertConserved(uint16 netuid, uint256 maxWei) internal view {
        (uint256 credited, uint256 claimed) = reg.emissionTotals();
        uint256 sum = reg.claimable(owner);
        for (uint256 i; i < neurons.length; ++i) {
            sum += reg.claimable(neurons[i]);
        }
        assertEq(sum + claimed, credited, "credited == claimable + claimed");
        assertLe(credited, maxWei, "never more than rate * blocks");
        assertEq(credited % UNIT, 0);
        netuid;
    }

    function _claimAllAndCheckSupply(uint16 netuid) internal {
        (uint256 credited, uint256 claimedBefore) = reg.emissionTotals();
        uint256 supply = token.totalSupply();
        uint256 pending = credited - claimedBefore;
        if (reg.claimable(owner) > 0) reg.claim(owner);
        for (uint256 i; i < neurons.length; ++i) {
            if (reg.claimable(neurons[i]) > 0) reg.claim(neurons[i]);
        }
        (uint256 creditedAfter, uint256 claimed) = reg.emissionTotals();
        assertEq(creditedAfter, credited);
        assertEq(claimed, credited);
        assertEq(token.totalSupply(), supply + pending, "minted == credited");
        netuid;
    }
}
