// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetFixture} from "./SubnetFixture.sol";

/// Registration (fee burn, sequential uids, replacement, immunity), endpoints, neuron views.
contract SubnetRegistryNeuronsTest is SubnetFixture {
    uint16 internal netuid;

    function setUp() public override {
        super.setUp();
        netuid = _devSubnet(false);
    }

    // ---- registerNeuron ----

    function test_registerNeuron_assignsSequentialUidsAndBurnsFee() public {
        uint256 supply = token.totalSupply();
        uint256 balance = token.balanceOf(neurons[0]);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.NeuronRegistered(netuid, 0, neurons[0], FEE, address(0));
        assertEq(_register(netuid, neurons[0]), 0);
        assertEq(_register(netuid, neurons[1]), 1);

        assertEq(token.totalSupply(), supply - 2 * FEE);
        assertEq(token.balanceOf(neurons[0]), balance - FEE);
        assertEq(reg.getSubnet(netuid).n, 2);
        assertEq(reg.subnetN(netuid), 2);
        (bool registered, uint16 uid) = reg.uidOf(netuid, neurons[1]);
        assertTrue(registered);
        assertEq(uid, 1);
        assertEq(reg.blockAtRegistration(netuid, 1), block.number);

        ISubnetRegistry.NeuronInfo memory info = reg.getNeuron(netuid, 1);
        assertEq(info.uid, 1);
        assertEq(info.hotkey, neurons[1]);
        assertEq(info.registeredAt, block.number);
        assertEq(info.lastEmission, 0);
        assertEq(info.lastWeightsBlock, 0);
        assertEq(info.stake, 0);
        assertEq(info.endpoint, "");
    }

    function test_registerNeuron_revertsWhenAlreadyRegistered() public {
        _register(netuid, neurons[0]);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetAlreadyRegistered.selector, netuid, neurons[0], 0));
        vm.prank(neurons[0]);
        reg.registerNeuron(netuid, FEE);
    }

    function test_registerNeuron_revertsWhenFeeAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetFeeAboveMax.selector, netuid, FEE, FEE - 1));
        vm.prank(neurons[0]);
        reg.registerNeuron(netuid, FEE - 1);
    }

    function test_registerNeuron_revertsWithoutAllowance() public {
        vm.prank(neurons[0]);
        token.approve(address(reg), 0);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(reg), 0, FEE));
        vm.prank(neurons[0]);
        reg.registerNeuron(netuid, FEE);
    }

    function test_registerNeuron_revertsWithoutBalance() public {
        address poor = makeAddr("poor");
        vm.prank(poor);
        token.approve(address(reg), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, 0, FEE));
        vm.prank(poor);
        reg.registerNeuron(netuid, FEE);
    }

    function test_registerNeuron_freeWhenFeeIsZero() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.registrationFee = 0;
        _setHyperparams(netuid, p);
        address poor = makeAddr("poor");
        vm.prank(poor);
        assertEq(reg.registerNeuron(netuid, 0), 0);
    }

    function test_registerNeuron_revertsForUnknownSubnet() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUnknown.selector, 77));
        vm.prank(neurons[0]);
        reg.registerNeuron(77, FEE);
    }

    function test_registerNeuron_revertsDuringEpoch() public {
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _startEpochLeftRunning(netuid);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEpochInProgress.selector, netuid));
        vm.prank(neurons[2]);
        reg.registerNeuron(netuid, FEE);
    }

    function test_registerNeuron_sameHotkeyInTwoSubnets() public {
        uint16 other = _devSubnet(false);
        assertEq(_register(netuid, neurons[0]), 0);
        assertEq(_register(other, neurons[1]), 0);
        assertEq(_register(other, neurons[0]), 1);
    }

    // ---- replacement ----

    function test_registerNeuron_replacesLowestEmissionWhenFull() public {
        _limitUids(3);
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _register(netuid, neurons[2]);
        // Stake makes uids 0 and 2 earn (the epoch pays by stake when nobody set weights); uid 1 earns 0.
        _stake(netuid, neurons[0], 100 ether);
        _stake(netuid, neurons[2], 100 ether);
        _epoch(netuid); // sets the subnet's stake weight
        _epoch(netuid); // pays
        assertGt(reg.getNeuron(netuid, 0).lastEmission, 0);
        assertEq(reg.getNeuron(netuid, 1).lastEmission, 0);
        assertGt(reg.getNeuron(netuid, 2).lastEmission, 0);

        vm.prank(neurons[1]);
        reg.setEndpoint(netuid, "http://old");
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.NeuronDeregistered(netuid, 1, neurons[1]);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.NeuronRegistered(netuid, 1, neurons[3], FEE, neurons[1]);
        assertEq(_register(netuid, neurons[3]), 1);

        assertEq(reg.getSubnet(netuid).n, 3);
        (bool registered,) = reg.uidOf(netuid, neurons[1]);
        assertFalse(registered);
        ISubnetRegistry.NeuronInfo memory info = reg.getNeuron(netuid, 1);
        assertEq(info.hotkey, neurons[3]);
        assertEq(info.endpoint, "");
        assertEq(info.registeredAt, block.number);
        assertEq(reg.blockAtRegistration(netuid, 1), block.number);
        // The replaced hotkey may register again (it takes the next lowest uid).
        _register(netuid, neurons[1]);
    }

    function test_registerNeuron_tieGoesToEarliestRegistration() public {
        _limitUids(3);
        uint256 start = block.number;
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _register(netuid, neurons[2]);
        vm.roll(start + 5);
        assertEq(_register(netuid, neurons[3]), 0); // same block: lower uid
        vm.roll(start + 6);
        // All earn 0; uid 0 is now the newest, so uid 1 (registered at `start`) goes.
        assertEq(_register(netuid, neurons[4]), 1);
    }

    function test_registerNeuron_tieInSameBlockGoesToLowerUid() public {
        _limitUids(3);
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _register(netuid, neurons[2]);
        assertEq(_register(netuid, neurons[3]), 0);
        // Without immunity, the newcomer is as replaceable as the rest: uid 0 again.
        assertEq(_register(netuid, neurons[4]), 0);
        (bool registered,) = reg.uidOf(netuid, neurons[3]);
        assertFalse(registered);
    }

    function test_registerNeuron_skipsImmuneUids() public {
        _limitUids(3);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.immunityPeriod = 50;
        _setHyperparams(netuid, p);
        uint256 start = block.number;
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _stake(netuid, neurons[0], 100 ether);
        _epoch(netuid);
        _epoch(netuid);
        vm.roll(start + 60);
        _register(netuid, neurons[2]); // immune until start + 110

        // uid 1 (0 emission) goes first; then only uid 0 is not immune, whatever its emission.
        assertEq(_register(netuid, neurons[3]), 1);
        assertGt(reg.getNeuron(netuid, 0).lastEmission, 0);
        assertFalse(reg.getNeuron(netuid, 0).immune);
        assertTrue(reg.getNeuron(netuid, 2).immune);
        assertEq(_register(netuid, neurons[4]), 0);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetAllUidsImmune.selector, netuid));
        vm.prank(neurons[5]);
        reg.registerNeuron(netuid, FEE);
    }

    function test_registerNeuron_revertsWhenAllImmune() public {
        _limitUids(2);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.immunityPeriod = 10;
        _setHyperparams(netuid, p);
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        vm.roll(block.number + 9);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetAllUidsImmune.selector, netuid));
        vm.prank(neurons[2]);
        reg.registerNeuron(netuid, FEE);
        vm.roll(block.number + 1);
        assertEq(_register(netuid, neurons[2]), 0);
    }

    function test_registerNeuron_neverReplacesOwnerUid() public {
        _limitUids(2);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        _register(netuid, owner); // uid 0: oldest, no emission
        _register(netuid, neurons[0]);
        assertTrue(reg.getNeuron(netuid, 0).immune);
        assertEq(_register(netuid, neurons[1]), 1);
        assertEq(_register(netuid, neurons[2]), 1);
        assertEq(reg.getNeuron(netuid, 0).hotkey, owner);
    }

    /// Finding 6: an owner without its minimum stake has no immune uid.
    function test_registerNeuron_replacesUnstakedOwnerUid() public {
        _limitUids(2);
        _register(netuid, owner); // uid 0: oldest, no emission
        _register(netuid, neurons[0]);
        assertFalse(reg.getNeuron(netuid, 0).immune);
        assertEq(_register(netuid, neurons[1]), 0);
        assertEq(reg.getNeuron(netuid, 0).hotkey, neurons[1]);
    }

    function test_registerNeuron_replacementClearsWeightsAndCommits() public {
        uint16 cr = _devSubnet(true);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(cr).hyperparams;
        p.maxAllowedUids = 2;
        _setHyperparams(cr, p);
        _register(cr, neurons[0]);
        _register(cr, neurons[1]);
        vm.prank(neurons[0]);
        reg.commitWeights(cr, keccak256("c"));
        assertEq(reg.commitsOf(cr, 0).length, 1);
        assertEq(_register(cr, neurons[2]), 0);
        assertEq(reg.commitsOf(cr, 0).length, 0);
        assertEq(reg.exposedCommitBlock(cr, 0), type(uint64).max);
    }

    // ---- setEndpoint ----

    function test_setEndpoint_stores() public {
        _register(netuid, neurons[0]);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.EndpointSet(netuid, 0, neurons[0], "https://miner0.example:8091");
        vm.prank(neurons[0]);
        reg.setEndpoint(netuid, "https://miner0.example:8091");
        assertEq(reg.getNeuron(netuid, 0).endpoint, "https://miner0.example:8091");
    }

    function test_setEndpoint_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotRegistered.selector, netuid, stranger));
        vm.prank(stranger);
        reg.setEndpoint(netuid, "x");
    }

    function test_setEndpoint_revertsWhenTooLong() public {
        _register(netuid, neurons[0]);
        bytes memory long = new bytes(257);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEndpointTooLong.selector, 257, 256));
        vm.prank(neurons[0]);
        reg.setEndpoint(netuid, string(long));
    }

    function test_setEndpoint_allowedDuringEpoch() public {
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _startEpochLeftRunning(netuid);
        vm.prank(neurons[0]);
        reg.setEndpoint(netuid, "http://during");
        assertEq(reg.getNeuron(netuid, 0).endpoint, "http://during");
    }

    // ---- views ----

    function test_getNeuron_revertsOutOfRange() public {
        _register(netuid, neurons[0]);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUidOutOfRange.selector, netuid, 1, 1));
        reg.getNeuron(netuid, 1);
    }

    function test_stake_readsSubnetRoleInAlphaUnits() public {
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 5 ether + 123);
        assertEq(reg.getNeuron(netuid, 0).stake, 5 ether / UNIT);
        assertEq(reg.exposedStake(netuid, 0), 5 ether / UNIT);
        // Stake in another role or subnet does not count.
        vm.prank(neurons[0]);
        staking.stake(keccak256("PROVIDER"), 1 ether);
        assertEq(reg.exposedStake(netuid, 0), 5 ether / UNIT);
        assertEq(reg.subnetStakeRole(netuid), keccak256(abi.encode("SUBNET", netuid)));
    }

    function test_stake_saturatesAtU64() public {
        _register(netuid, neurons[0]);
        uint256 huge = (uint256(type(uint64).max) + 1) * UNIT;
        bytes32 minterRole = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minterRole, admin);
        vm.prank(admin);
        token.mint(neurons[0], huge);
        _stake(netuid, neurons[0], huge);
        assertEq(reg.exposedStake(netuid, 0), type(uint64).max);
    }

    function _limitUids(uint16 max) internal {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.maxAllowedUids = max;
        _setHyperparams(netuid, p);
    }
}
