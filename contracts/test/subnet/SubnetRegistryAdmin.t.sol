// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetRegistry} from "../../src/subnet/SubnetRegistry.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";
import {SubnetFixture} from "./SubnetFixture.sol";

/// Config, admin, subnet creation and dissolution, hyperparameters and their bounds.
contract SubnetRegistryAdminTest is SubnetFixture {
    // ---- constructor and config ----

    function test_constructor_setsAdminAndConfig() public view {
        assertEq(reg.admin(), admin);
        assertEq(address(reg.token()), address(token));
        assertEq(address(reg.staking()), address(staking));
        ISubnetRegistry.Config memory c = reg.config();
        assertEq(c.subnetLockCost, LOCK);
        assertEq(c.minTempo, 1);
        assertEq(c.maxSubnets, 32);
        assertEq(reg.subnetCount(), 0);
    }

    function test_constructor_revertsOnZeroAddresses() public {
        ISubnetRegistry.Config memory c = _devConfig();
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetZeroAddress.selector, bytes32("token")));
        new SubnetRegistry(NoosToken(address(0)), staking, admin, c);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetZeroAddress.selector, bytes32("admin")));
        new SubnetRegistry(token, staking, address(0), c);
    }

    function test_constructor_revertsOnBadConfig() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.minTempo = 0;
        vm.expectRevert(
            abi.encodeWithSelector(ISubnetRegistry.SubnetConfigOutOfRange.selector, bytes32("minTempo"), 0, 1, 50_400)
        );
        new SubnetRegistry(token, staking, admin, c);
    }

    function test_setConfig_byAdmin() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.subnetLockCost = 7 ether;
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.ConfigUpdated(c);
        vm.prank(admin);
        reg.setConfig(c);
        assertEq(reg.config().subnetLockCost, 7 ether);
    }

    function test_setConfig_revertsForNonAdmin() public {
        ISubnetRegistry.Config memory c = _devConfig();
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotAdmin.selector, stranger, admin));
        vm.prank(stranger);
        reg.setConfig(c);
    }

    function test_setConfig_revertsWhenTempoBoundsCross() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.minTempo = 500;
        c.maxTempo = 400;
        vm.expectRevert(
            abi.encodeWithSelector(ISubnetRegistry.SubnetConfigOutOfRange.selector, bytes32("minTempo"), 500, 1, 400)
        );
        vm.prank(admin);
        reg.setConfig(c);
    }

    function test_setConfig_revertsWhenFeeBoundsCross() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.minRegistrationFee = 5 ether;
        c.maxRegistrationFee = 4 ether;
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetConfigOutOfRange.selector, bytes32("minRegistrationFee"), 5 ether, 0, 4 ether
            )
        );
        vm.prank(admin);
        reg.setConfig(c);
    }

    function test_setConfig_revertsWhenDefaultFeeOutsideBounds() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.defaultRegistrationFee = 101 ether;
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetConfigOutOfRange.selector,
                bytes32("defaultRegistrationFee"),
                101 ether,
                0,
                100 ether
            )
        );
        vm.prank(admin);
        reg.setConfig(c);
    }

    function test_setConfig_revertsWhenMaxSubnetsBelowCount() public {
        _createSubnet();
        _createSubnet();
        ISubnetRegistry.Config memory c = _devConfig();
        c.maxSubnets = 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetConfigOutOfRange.selector, bytes32("maxSubnets"), 1, 2, type(uint16).max
            )
        );
        vm.prank(admin);
        reg.setConfig(c);
    }

    // ---- admin transfer ----

    function test_transferAdmin_twoSteps() public {
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.AdminTransferStarted(admin, stranger);
        vm.prank(admin);
        reg.transferAdmin(stranger);
        assertEq(reg.pendingAdmin(), stranger);
        assertEq(reg.admin(), admin);

        vm.expectEmit(address(reg));
        emit ISubnetRegistry.AdminTransferred(admin, stranger);
        vm.prank(stranger);
        reg.acceptAdmin();
        assertEq(reg.admin(), stranger);
        assertEq(reg.pendingAdmin(), address(0));
    }

    function test_transferAdmin_revertsForNonAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotAdmin.selector, stranger, admin));
        vm.prank(stranger);
        reg.transferAdmin(stranger);
    }

    function test_acceptAdmin_revertsForOthers() public {
        vm.prank(admin);
        reg.transferAdmin(stranger);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotAdmin.selector, keeper, stranger));
        vm.prank(keeper);
        reg.acceptAdmin();
    }

    // ---- createSubnet ----

    function test_createSubnet_locksAndAppliesDefaults() public {
        uint256 before = token.balanceOf(owner);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.SubnetCreated(1, owner, LOCK);
        uint16 netuid = _createSubnet();
        assertEq(netuid, 1);
        assertEq(reg.subnetCount(), 1);
        assertEq(token.balanceOf(owner), before - LOCK);
        assertEq(token.balanceOf(address(reg)), LOCK);

        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        assertEq(info.netuid, 1);
        assertEq(info.owner, owner);
        assertEq(info.locked, LOCK);
        assertEq(info.createdAt, block.number);
        assertEq(info.lastEpochBlock, block.number);
        assertEq(info.epochIndex, 0);
        assertEq(info.n, 0);
        assertFalse(info.epochInProgress);
        assertFalse(info.dissolved);

        // yuma.md §5 defaults for new subnets.
        ISubnetRegistry.Hyperparams memory p = info.hyperparams;
        assertEq(p.tempo, 360);
        assertEq(p.immunityPeriod, 5000);
        assertEq(p.weightsSetRateLimit, 100);
        assertEq(p.revealPeriodEpochs, 1);
        assertEq(p.bondsMovingAverage, 900_000);
        assertEq(p.weightsVersionKey, 0);
        assertEq(p.registrationFee, FEE);
        assertEq(p.activityCutoffFactorMilli, 13_889);
        assertEq(p.maxAllowedUids, 256);
        assertEq(p.minAllowedWeights, 1);
        assertEq(p.bondsPenalty, 65_535);
        assertEq(p.alphaLow, 45_875);
        assertEq(p.alphaHigh, 58_982);
        assertEq(p.alphaSigmoidSteepness, 1000);
        assertTrue(p.yuma3);
        assertFalse(p.liquidAlpha);
        assertTrue(p.commitReveal);
        ISubnetRegistry.ProtocolHyperparams memory r = info.protocol;
        assertEq(r.kappa, 32_767);
        assertEq(r.maxAllowedValidators, 64);
        assertEq(r.ownerCut, 11_796);
        assertEq(r.stakeThreshold, 0);
        assertEq(info.stakeWeight, 0);
        assertEq(info.ownerEarned, 0);
    }

    function test_createSubnet_clampsDefaultsToBounds() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.maxTempo = 100;
        c.maxImmunityPeriod = 50;
        c.maxWeightsSetRateLimit = 10;
        vm.prank(admin);
        reg.setConfig(c);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(_createSubnet()).hyperparams;
        assertEq(p.tempo, 100);
        assertEq(p.immunityPeriod, 50);
        assertEq(p.weightsSetRateLimit, 10);
    }

    function test_createSubnet_assignsSequentialNetuids() public {
        assertEq(_createSubnet(), 1);
        vm.prank(stranger);
        assertEq(reg.createSubnet(2 * LOCK), 2);
        assertEq(reg.getSubnet(2).owner, stranger);
    }

    // ---- lock cost (subtensor get_network_lock_cost) ----

    function test_lockCost_firstIsTheFloor() public view {
        assertEq(reg.lockCost(), LOCK);
    }

    function test_lockCost_doublesWithEachSubnet() public {
        uint256 balance = token.balanceOf(owner);
        _createSubnet();
        assertEq(reg.lockCost(), 2 * LOCK);
        _createSubnet();
        assertEq(reg.lockCost(), 4 * LOCK);
        assertEq(reg.getSubnet(2).locked, 2 * LOCK);
        assertEq(token.balanceOf(owner), balance - 3 * LOCK);
        assertEq(token.balanceOf(address(reg)), 3 * LOCK);
    }

    function test_lockCost_decaysLinearlyToTheFloor() public {
        _createSubnet(); // last lock = LOCK
        vm.roll(block.number + LOCK_INTERVAL / 4);
        assertEq(reg.lockCost(), 2 * LOCK - LOCK / 4);
        vm.roll(block.number + LOCK_INTERVAL * 3 / 4);
        assertEq(reg.lockCost(), LOCK); // back to the last lock after one interval
        vm.roll(block.number + LOCK_INTERVAL * 10);
        assertEq(reg.lockCost(), LOCK); // never below the floor
        // Two quick creations: 2x then 4x the floor, decaying from the last one.
        _createSubnet();
        _createSubnet();
        assertEq(reg.getSubnet(3).locked, 2 * LOCK);
        assertEq(reg.lockCost(), 4 * LOCK);
        vm.roll(block.number + LOCK_INTERVAL);
        assertEq(reg.lockCost(), 2 * LOCK);
    }

    function test_lockCost_zeroIntervalDisablesDoubling() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.lockReductionInterval = 0;
        vm.prank(admin);
        reg.setConfig(c);
        _createSubnet();
        _createSubnet();
        assertEq(reg.lockCost(), LOCK);
    }

    function test_createSubnet_revertsWhenDoubledLockAboveMax() public {
        _createSubnet();
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetLockAboveMax.selector, 2 * LOCK, LOCK));
        vm.prank(stranger);
        reg.createSubnet(LOCK);
    }

    function test_createSubnet_revertsWhenLockAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetLockAboveMax.selector, LOCK, LOCK - 1));
        vm.prank(owner);
        reg.createSubnet(LOCK - 1);
    }

    function test_createSubnet_revertsAtSubnetLimit() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.maxSubnets = 1;
        vm.prank(admin);
        reg.setConfig(c);
        _createSubnet();
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetLimitReached.selector, 1));
        vm.prank(owner);
        reg.createSubnet(LOCK);
    }

    function test_createSubnet_revertsWithoutAllowance() public {
        vm.prank(stranger);
        token.approve(address(reg), LOCK - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(reg), LOCK - 1, LOCK)
        );
        vm.prank(stranger);
        reg.createSubnet(LOCK);
    }

    function test_createSubnet_freeWhenLockIsZero() public {
        ISubnetRegistry.Config memory c = _devConfig();
        c.subnetLockCost = 0;
        vm.prank(admin);
        reg.setConfig(c);
        address poor = makeAddr("poor");
        vm.prank(poor);
        uint16 netuid = reg.createSubnet(0);
        assertEq(reg.getSubnet(netuid).locked, 0);
    }

    function test_getSubnet_revertsForUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUnknown.selector, 9));
        reg.getSubnet(9);
    }

    // ---- dissolveSubnet ----

    function test_dissolveSubnet_burnsLockBeforeMinLifetime() public {
        uint16 netuid = _createSubnet();
        uint256 before = token.balanceOf(owner);
        uint256 supply = token.totalSupply();
        vm.roll(block.number + MIN_LIFETIME - 1);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.SubnetDissolved(netuid, owner, 0, LOCK);
        vm.prank(owner);
        reg.dissolveSubnet(netuid);
        assertEq(token.balanceOf(owner), before);
        assertEq(token.totalSupply(), supply - LOCK);
        assertEq(token.balanceOf(address(reg)), 0);
        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        assertTrue(info.dissolved);
        assertEq(info.locked, 0);
    }

    function test_dissolveSubnet_returnsLockAfterMinLifetime() public {
        uint16 netuid = _createSubnet();
        uint256 before = token.balanceOf(owner);
        vm.roll(block.number + MIN_LIFETIME);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.SubnetDissolved(netuid, owner, LOCK, 0);
        vm.prank(owner);
        reg.dissolveSubnet(netuid);
        assertEq(token.balanceOf(owner), before + LOCK);
        assertEq(token.balanceOf(address(reg)), 0);
    }

    /// subtensor's refund: lock minus the owner emission received; the rest is burned.
    function test_dissolveSubnet_refundsLockMinusOwnerCut() public {
        uint16 netuid = _devSubnet(false);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        _register(netuid, neurons[0]);
        _stake(netuid, neurons[0], 1000 ether);
        _epoch(netuid);
        _epoch(netuid);
        uint256 earned = uint256(reg.getSubnet(netuid).ownerEarned) * UNIT;
        assertGt(earned, 0);
        assertEq(reg.claimable(owner), earned);
        vm.roll(uint256(reg.getSubnet(netuid).createdAt) + MIN_LIFETIME);
        uint256 before = token.balanceOf(owner);
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.SubnetDissolved(netuid, owner, LOCK - earned, earned);
        vm.prank(owner);
        reg.dissolveSubnet(netuid);
        assertEq(token.balanceOf(owner), before + LOCK - earned);
        assertEq(token.totalSupply(), supply - earned);
    }

    function test_dissolveSubnet_leavesTheEmissionSplit() public {
        uint16 netuid = _devSubnet(false);
        _stake(netuid, neurons[0], 100 ether);
        _epoch(netuid);
        assertEq(reg.totalStakeWeight(), 50 ether / UNIT); // EMA: halfway up
        vm.prank(owner);
        reg.dissolveSubnet(netuid);
        assertEq(reg.totalStakeWeight(), 0);
        assertEq(reg.getSubnet(netuid).stakeWeight, 0);
    }

    function test_dissolveSubnet_revertsForNonOwner() public {
        uint16 netuid = _createSubnet();
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotOwner.selector, netuid, stranger, owner));
        vm.prank(stranger);
        reg.dissolveSubnet(netuid);
    }

    function test_dissolveSubnet_revertsTwice() public {
        uint16 netuid = _createSubnet();
        vm.prank(owner);
        reg.dissolveSubnet(netuid);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetIsDissolved.selector, netuid));
        vm.prank(owner);
        reg.dissolveSubnet(netuid);
    }

    function test_dissolveSubnet_revertsForUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUnknown.selector, 3));
        vm.prank(owner);
        reg.dissolveSubnet(3);
    }

    function test_dissolveSubnet_blocksEverythingAfter() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        vm.prank(owner);
        reg.dissolveSubnet(netuid);

        bytes memory err = abi.encodeWithSelector(ISubnetRegistry.SubnetIsDissolved.selector, netuid);
        vm.expectRevert(err);
        vm.prank(neurons[1]);
        reg.registerNeuron(netuid, FEE);
        vm.expectRevert(err);
        vm.prank(neurons[0]);
        reg.setWeights(netuid, _u16(0), _u16(1), 0);
        vm.roll(block.number + TEMPO);
        vm.expectRevert(err);
        reg.runEpoch(netuid, 0);
        vm.expectRevert(err);
        vm.prank(owner);
        reg.setHyperparams(netuid, p);
    }

    // ---- setHyperparams ----

    function test_setHyperparams_byOwner() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.tempo = 20;
        p.registrationFee = 3 ether;
        p.liquidAlpha = true;
        p.commitReveal = false;
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.HyperparamsUpdated(netuid, p);
        vm.prank(owner);
        reg.setHyperparams(netuid, p);
        ISubnetRegistry.Hyperparams memory q = reg.getSubnet(netuid).hyperparams;
        assertEq(q.tempo, 20);
        assertEq(q.registrationFee, 3 ether);
        assertTrue(q.liquidAlpha);
        assertFalse(q.commitReveal);
    }

    function test_setHyperparams_byAdminMayUseNegativeSteepness() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.alphaSigmoidSteepness = -500;
        vm.prank(admin);
        reg.setHyperparams(netuid, p);
        assertEq(reg.getSubnet(netuid).hyperparams.alphaSigmoidSteepness, -500);
    }

    function test_setHyperparams_revertsForStranger() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotOwner.selector, netuid, stranger, owner));
        vm.prank(stranger);
        reg.setHyperparams(netuid, p);
    }

    function test_setHyperparams_revertsForUnknownSubnet() public {
        ISubnetRegistry.Hyperparams memory p;
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUnknown.selector, 4));
        vm.prank(owner);
        reg.setHyperparams(4, p);
    }

    function test_setHyperparams_revertsOutOfBounds() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.Hyperparams memory base = reg.getSubnet(netuid).hyperparams;
        ISubnetRegistry.Hyperparams memory p;

        p = _copy(base);
        p.tempo = 0;
        _expectOutOfRange(netuid, p, "tempo", 0, 1, 50_400);
        p = _copy(base);
        p.tempo = 50_401;
        _expectOutOfRange(netuid, p, "tempo", 50_401, 1, 50_400);
        p = _copy(base);
        p.immunityPeriod = 100_001;
        _expectOutOfRange(netuid, p, "immunityPeriod", 100_001, 0, 100_000);
        p = _copy(base);
        p.weightsSetRateLimit = 100_001;
        _expectOutOfRange(netuid, p, "weightsSetRateLimit", 100_001, 0, 100_000);
        p = _copy(base);
        p.revealPeriodEpochs = 0;
        _expectOutOfRange(netuid, p, "revealPeriodEpochs", 0, 1, 100);
        p = _copy(base);
        p.revealPeriodEpochs = 101;
        _expectOutOfRange(netuid, p, "revealPeriodEpochs", 101, 1, 100);
        p = _copy(base);
        p.bondsMovingAverage = 975_001;
        _expectOutOfRange(netuid, p, "bondsMovingAverage", 975_001, 0, 975_000);
        p = _copy(base);
        p.registrationFee = 100 ether + 1;
        _expectOutOfRange(netuid, p, "registrationFee", int256(100 ether + 1), 0, int256(100 ether));
        p = _copy(base);
        p.activityCutoffFactorMilli = 999;
        _expectOutOfRange(netuid, p, "activityCutoffFactorMilli", 999, 1000, 50_000);
        p = _copy(base);
        p.activityCutoffFactorMilli = 50_001;
        _expectOutOfRange(netuid, p, "activityCutoffFactorMilli", 50_001, 1000, 50_000);
        p = _copy(base);
        p.maxAllowedUids = 0;
        _expectOutOfRange(netuid, p, "maxAllowedUids", 0, 1, 256);
        p = _copy(base);
        p.maxAllowedUids = 257;
        _expectOutOfRange(netuid, p, "maxAllowedUids", 257, 1, 256);
        p = _copy(base);
        p.maxAllowedUids = 10;
        p.minAllowedWeights = 11;
        _expectOutOfRange(netuid, p, "minAllowedWeights", 11, 0, 10);
        p = _copy(base);
        p.alphaLow = 1637;
        _expectOutOfRange(netuid, p, "alphaLow", 1637, 1638, 58_982);
        p = _copy(base);
        p.alphaLow = 60_000;
        _expectOutOfRange(netuid, p, "alphaLow", 60_000, 1638, 58_982);
        p = _copy(base);
        p.alphaSigmoidSteepness = -1;
        _expectOutOfRange(netuid, p, "alphaSigmoidSteepness", -1, 0, 32_767);
    }

    function test_setHyperparams_revertsWhenMaxUidsBelowN() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.maxAllowedUids = 1;
        p.minAllowedWeights = 1;
        _expectOutOfRange(netuid, p, "maxAllowedUids", 1, 2, 256);
    }

    function test_setHyperparams_revertsDuringEpoch() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _startEpochLeftRunning(netuid);
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEpochInProgress.selector, netuid));
        vm.prank(owner);
        reg.setHyperparams(netuid, p);
    }

    // ---- setProtocolHyperparams ----

    function test_setProtocolHyperparams_byAdmin() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.ProtocolHyperparams memory r = ISubnetRegistry.ProtocolHyperparams({
            kappa: 40_000, maxAllowedValidators: 8, ownerCut: 0, stakeThreshold: 5
        });
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.ProtocolHyperparamsUpdated(netuid, r);
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
        ISubnetRegistry.ProtocolHyperparams memory q = reg.getSubnet(netuid).protocol;
        assertEq(q.kappa, 40_000);
        assertEq(q.maxAllowedValidators, 8);
        assertEq(q.ownerCut, 0);
        assertEq(q.stakeThreshold, 5);
    }

    function test_setProtocolHyperparams_revertsForOwner() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.ProtocolHyperparams memory r = reg.getSubnet(netuid).protocol;
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotAdmin.selector, owner, admin));
        vm.prank(owner);
        reg.setProtocolHyperparams(netuid, r);
    }

    function test_setProtocolHyperparams_revertsOnValidatorBounds() public {
        uint16 netuid = _createSubnet();
        ISubnetRegistry.ProtocolHyperparams memory r = reg.getSubnet(netuid).protocol;
        r.maxAllowedValidators = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetParamOutOfRange.selector, netuid, bytes32("maxAllowedValidators"), 0, 1, 256
            )
        );
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
        r.maxAllowedValidators = 257;
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetParamOutOfRange.selector, netuid, bytes32("maxAllowedValidators"), 257, 1, 256
            )
        );
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
    }

    function test_setProtocolHyperparams_revertsDuringEpoch() public {
        uint16 netuid = _devSubnet(false);
        _register(netuid, neurons[0]);
        _register(netuid, neurons[1]);
        _startEpochLeftRunning(netuid);
        ISubnetRegistry.ProtocolHyperparams memory r = reg.getSubnet(netuid).protocol;
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEpochInProgress.selector, netuid));
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
    }

    // ---- helpers ----

    function _expectOutOfRange(
        uint16 netuid,
        ISubnetRegistry.Hyperparams memory p,
        bytes32 field,
        int256 value,
        int256 min,
        int256 max
    ) internal {
        vm.expectRevert(
            abi.encodeWithSelector(ISubnetRegistry.SubnetParamOutOfRange.selector, netuid, field, value, min, max)
        );
        vm.prank(owner);
        reg.setHyperparams(netuid, p);
    }

    /// Structs in memory are references: a fresh copy.
    function _copy(ISubnetRegistry.Hyperparams memory p) internal pure returns (ISubnetRegistry.Hyperparams memory q) {
        q = ISubnetRegistry.Hyperparams({
            tempo: p.tempo,
            immunityPeriod: p.immunityPeriod,
            weightsSetRateLimit: p.weightsSetRateLimit,
            revealPeriodEpochs: p.revealPeriodEpochs,
            bondsMovingAverage: p.bondsMovingAverage,
            weightsVersionKey: p.weightsVersionKey,
            registrationFee: p.registrationFee,
            activityCutoffFactorMilli: p.activityCutoffFactorMilli,
            maxAllowedUids: p.maxAllowedUids,
            minAllowedWeights: p.minAllowedWeights,
            bondsPenalty: p.bondsPenalty,
            alphaLow: p.alphaLow,
            alphaHigh: p.alphaHigh,
            alphaSigmoidSteepness: p.alphaSigmoidSteepness,
            yuma3: p.yuma3,
            liquidAlpha: p.liquidAlpha,
            commitReveal: p.commitReveal
        });
    }
}
