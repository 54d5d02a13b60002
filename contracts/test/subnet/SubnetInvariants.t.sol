// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";
import {SubnetFixture, SubnetRegistryHarness} from "./SubnetFixture.sol";

/// Random subnet life: creations (doubling locks), stake in and out, registrations, chunked
/// epochs, rate changes, dissolutions and claims, with ghost totals of what may be emitted and
/// what was locked.
contract SubnetHandler is Test {
    uint256 internal constant UNIT = 1e9;

    SubnetRegistryHarness internal reg;
    NoosToken internal token;
    Staking internal staking;
    address internal admin;
    address[] internal actors;
    uint16[] public netuids;

    /// Sum over blocks of the global rate in force (NOOS wei): the most that may be credited.
    uint256 public ghostEmissionBound;
    uint256 public ghostLocked;
    uint256 public ghostReturned;
    uint256 public ghostBurned;

    constructor(
        SubnetRegistryHarness reg_,
        NoosToken token_,
        Staking staking_,
        address admin_,
        address[] memory actors_
    ) {
        reg = reg_;
        token = token_;
        staking = staking_;
        admin = admin_;
        actors = actors_;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function actorAt(uint256 i) external view returns (address) {
        return actors[i];
    }

    function netuidCount() external view returns (uint256) {
        return netuids.length;
    }

    function createSubnet(uint256 actorSeed) external {
        address who = actors[actorSeed % actors.length];
        uint256 cost = reg.lockCost();
        vm.prank(who);
        try reg.createSubnet(cost) returns (uint16 netuid) {
            netuids.push(netuid);
            ghostLocked += reg.getSubnet(netuid).locked;
            ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
            p.tempo = uint64(5 + actorSeed % 20);
            p.commitReveal = false;
            vm.prank(who);
            reg.setHyperparams(netuid, p);
        } catch {}
    }

    /// Stakes in a subnet's role, registering the staker there first if it can.
    function stake(uint256 actorSeed, uint256 netSeed, uint256 amount) external {
        if (netuids.length == 0) return;
        address who = actors[actorSeed % actors.length];
        uint16 netuid = netuids[netSeed % netuids.length];
        bytes32 role = reg.subnetStakeRole(netuid);
        amount = bound(amount, 1 gwei, 1000 ether);
        vm.prank(who);
        try reg.registerNeuron(netuid, type(uint256).max) {} catch {}
        vm.prank(who);
        staking.stake(role, amount);
    }

    function unstake(uint256 actorSeed, uint256 netSeed, uint256 amount) external {
        if (netuids.length == 0) return;
        address who = actors[actorSeed % actors.length];
        bytes32 role = reg.subnetStakeRole(netuids[netSeed % netuids.length]);
        uint256 staked = staking.stakeOf(who, role);
        if (staked == 0) return;
        amount = bound(amount, 1, staked);
        vm.prank(who);
        try staking.requestUnstake(role, amount) {} catch {}
    }

    function register(uint256 actorSeed, uint256 netSeed) external {
        if (netuids.length == 0) return;
        address who = actors[actorSeed % actors.length];
        vm.prank(who);
        try reg.registerNeuron(netuids[netSeed % netuids.length], type(uint256).max) {} catch {}
    }

    /// Starts or continues every subnet's epoch that can run (a keeper's sweep).
    function runEpochs(uint256 budget) external {
        budget = bound(budget, 0, 64);
        for (uint256 i; i < netuids.length; ++i) {
            try reg.runEpoch(netuids[i], budget) {} catch {}
        }
    }

    /// Mines blocks, then a keeper sweeps the due epochs.
    function roll(uint256 blocks) external {
        blocks = bound(blocks, 1, 40);
        ghostEmissionBound += uint256(reg.config().emissionPerBlock) * blocks;
        vm.roll(block.number + blocks);
        for (uint256 i; i < netuids.length; ++i) {
            try reg.runEpoch(netuids[i], 0) {} catch {}
        }
    }

    function setRate(uint256 rate) external {
        ISubnetRegistry.Config memory c = reg.config();
        c.emissionPerBlock = uint128(bound(rate, 0, 10 ether));
        vm.prank(admin);
        reg.setConfig(c);
    }

    function dissolve(uint256 netSeed) external {
        if (netuids.length == 0) return;
        uint16 netuid = netuids[netSeed % netuids.length];
        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        uint256 balance = token.balanceOf(info.owner);
        uint256 supply = token.totalSupply();
        vm.prank(info.owner);
        try reg.dissolveSubnet(netuid) {
            ghostReturned += token.balanceOf(info.owner) - balance;
            ghostBurned += supply - token.totalSupply();
        } catch {}
    }

    function claim(uint256 actorSeed) external {
        address who = actors[actorSeed % actors.length];
        if (reg.claimable(who) > 0) reg.claim(who);
    }
}

/// Emission and locks are conserved whatever the sequence of calls.
contract SubnetInvariantsTest is SubnetFixture {
    SubnetHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory actors = new address[](5);
        actors[0] = owner;
        for (uint256 i; i < 4; ++i) {
            actors[i + 1] = neurons[i];
        }
        ISubnetRegistry.Config memory c = _devConfig();
        c.lockReductionInterval = 200;
        c.subnetMinLifetime = 100;
        vm.prank(admin);
        reg.setConfig(c);
        handler = new SubnetHandler(reg, token, staking, admin, actors);
        targetContract(address(handler));
    }

    /// All subnets together are credited at most the global rate summed over the blocks, and
    /// what is credited is claimable or claimed (minted).
    function invariant_emissionConserved() public view {
        (uint256 credited, uint256 claimed) = reg.emissionTotals();
        assertLe(credited, handler.ghostEmissionBound(), "credited <= sum of rate x blocks");
        uint256 pending;
        for (uint256 i; i < handler.actorCount(); ++i) {
            pending += reg.claimable(handler.actorAt(i));
        }
        assertEq(pending + claimed, credited, "credited == claimable + claimed");
    }

    /// Lock in == held + returned + burned; the registry holds exactly the live subnets' locks;
    /// the split's denominator is the sum of the live subnets' weights.
    function invariant_locksAndWeightsConserved() public view {
        uint256 held;
        uint256 weights;
        for (uint256 i; i < handler.netuidCount(); ++i) {
            ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(handler.netuids(i));
            held += info.locked;
            weights += info.stakeWeight;
            if (info.dissolved) {
                assertEq(info.locked, 0);
                assertEq(info.stakeWeight, 0);
            }
        }
        assertEq(token.balanceOf(address(reg)), held, "registry holds the live locks");
        assertEq(handler.ghostLocked(), held + handler.ghostReturned() + handler.ghostBurned(), "lock in == out");
        assertEq(reg.totalStakeWeight(), weights, "total weight == sum of weights");
    }
}
