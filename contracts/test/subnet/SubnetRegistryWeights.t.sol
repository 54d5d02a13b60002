// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetFixture} from "./SubnetFixture.sol";

/// set_weights preprocessing (yuma.md §4.3), max-upscale, commit-reveal (§6).
contract SubnetRegistryWeightsTest is SubnetFixture {
    uint16 internal netuid; // commit-reveal off
    uint16 internal crNet; // commit-reveal on
    bytes32 internal constant SALT = keccak256("salt");

    address internal validator;
    address internal miner1;
    address internal miner2;
    address internal unpermitted;

    function setUp() public override {
        super.setUp();
        validator = neurons[0];
        miner1 = neurons[1];
        miner2 = neurons[2];
        unpermitted = neurons[3];
        netuid = _devSubnet(false);
        crNet = _devSubnet(true);
        for (uint256 i; i < 4; ++i) {
            _register(netuid, neurons[i]);
            _register(crNet, neurons[i]);
        }
        // Only uid 0 has stake: the first epoch gives it the only validator permit (top-k non-zero).
        _stake(netuid, validator, 1000 ether);
        _stake(crNet, validator, 1000 ether);
        _epoch(netuid);
        _epoch(crNet);
        assertTrue(reg.validatorPermit(netuid, 0));
        assertFalse(reg.validatorPermit(netuid, 3));
    }

    // ---- maxUpscale (vec_u16_max_upscale_to_u16) ----

    function test_maxUpscale_vectors() public view {
        _assertUpscale(_u16(1, 2), _u16(32_768, 65_535)); // 32767.5 rounds half away from zero
        _assertUpscale(_u16(1, 3), _u16(21_845, 65_535));
        _assertUpscale(_u16(2, 3), _u16(43_690, 65_535));
        _assertUpscale(_u16(100, 40_000), _u16(164, 65_535));
        _assertUpscale(_u16(16_383, 32_767, 49_149, 65_535), _u16(16_383, 32_767, 49_149, 65_535));
        _assertUpscale(_u16(32_767, 32_767), _u16(65_535, 65_535)); // test_active_stake: stored 65535
        _assertUpscale(_u16(32_768, 16_384), _u16(65_535, 32_768));
        _assertUpscale(_u16(1, 32_769), _u16(2, 65_535));
        _assertUpscale(_u16(7, 0, 5), _u16(65_535, 0, 46_811));
        _assertUpscale(_u16(40_000, 39_999, 1), _u16(65_535, 65_533, 2));
        // Above 32768 subtensor divides first: 20000 * trunc(65535/40000) = 32767.4999.. -> 32767,
        // where multiplying first would give 32767.5 -> 32768.
        _assertUpscale(_u16(20_000, 40_000), _u16(32_767, 65_535));
        _assertUpscale(_u16(0, 0), _u16(0, 0));
        assertEq(reg.maxUpscale(new uint16[](0)).length, 0);
    }

    function testFuzz_maxUpscale_properties(uint16 a, uint16 b, uint16 c) public view {
        uint16[] memory v = _u16(a, b, c);
        uint16[] memory out = reg.maxUpscale(v);
        uint256 max = a > b ? (a > c ? a : c) : (b > c ? b : c);
        for (uint256 i; i < 3; ++i) {
            if (max == 0) {
                assertEq(out[i], 0);
                continue;
            }
            if (v[i] == max) assertEq(out[i], 65_535);
            // Within one of the exact value e * 65535 / max.
            uint256 exact2 = uint256(v[i]) * 65_535 * 2 / max; // twice the exact value, floored
            assertApproxEqAbs(uint256(out[i]) * 2, exact2, 2);
            for (uint256 k; k < 3; ++k) {
                if (v[i] < v[k]) assertLe(out[i], out[k]);
            }
        }
    }

    // ---- setWeights ----

    function test_setWeights_storesUpscaledRowAndLastUpdate() public {
        vm.roll(block.number + 3);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.WeightsSet(netuid, 0, validator, 2, 0);
        _setWeights(netuid, validator, _u16(1, 2), _u16(1, 3));
        (uint16[] memory uids, uint16[] memory values) = reg.weightsOf(netuid, 0);
        assertEq(uids.length, 2);
        assertEq(uids[0], 1);
        assertEq(uids[1], 2);
        assertEq(values[0], 21_845);
        assertEq(values[1], 65_535);
        assertEq(reg.lastUpdate(netuid, 0), block.number);
        assertEq(reg.getNeuron(netuid, 0).lastWeightsBlock, block.number);
    }

    function test_setWeights_replacesRow() public {
        _setWeights(netuid, validator, _u16(1, 2), _u16(1, 3));
        _setWeights(netuid, validator, _u16(3), _u16(9));
        (uint16[] memory uids, uint16[] memory values) = reg.weightsOf(netuid, 0);
        assertEq(uids.length, 1);
        assertEq(uids[0], 3);
        assertEq(values[0], 65_535);
    }

    function test_setWeights_revertsWhenCommitRevealOn() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitRevealEnabled.selector, crNet));
        vm.prank(validator);
        reg.setWeights(crNet, _u16(1), _u16(1), 0);
    }

    function test_setWeights_revertsOnLengthMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetWeightsLengthMismatch.selector, 2, 1));
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1, 2), _u16(1), 0);
    }

    function test_setWeights_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotRegistered.selector, netuid, stranger));
        vm.prank(stranger);
        reg.setWeights(netuid, _u16(1), _u16(1), 0);
    }

    function test_setWeights_revertsOnUidOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetUidOutOfRange.selector, netuid, 4, 4));
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1, 4), _u16(1, 1), 0);
    }

    function test_setWeights_revertsOnDuplicateUid() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetDuplicateUid.selector, netuid, 2));
        vm.prank(validator);
        reg.setWeights(netuid, _u16(2, 1, 2), _u16(1, 1, 1), 0);
    }

    function test_setWeights_revertsOnTooFewWeights() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.minAllowedWeights = 3;
        _setHyperparams(netuid, p);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetTooFewWeights.selector, netuid, 2, 3));
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1, 2), _u16(1, 1), 0);
    }

    function test_setWeights_minWeightsCappedAtN() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.minAllowedWeights = 100;
        _setHyperparams(netuid, p);
        _setWeights(netuid, validator, _u16(0, 1, 2, 3), _u16(1, 1, 1, 1));
        assertEq(reg.getNeuron(netuid, 0).lastWeightsBlock, block.number);
    }

    function test_setWeights_revertsWithoutPermit() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNoValidatorPermit.selector, netuid, 3));
        vm.prank(unpermitted);
        reg.setWeights(netuid, _u16(1), _u16(1), 0);
    }

    function test_setWeights_selfWeightNeedsNoPermitNorMinimum() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.minAllowedWeights = 3;
        _setHyperparams(netuid, p);
        _setWeights(netuid, unpermitted, _u16(3), _u16(5));
        (uint16[] memory uids, uint16[] memory values) = reg.weightsOf(netuid, 3);
        assertEq(uids[0], 3);
        assertEq(values[0], 65_535);
    }

    function test_setWeights_ownerNeedsNoPermit() public {
        _register(netuid, owner);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        (, uint16 ownerUid) = reg.uidOf(netuid, owner);
        assertFalse(reg.validatorPermit(netuid, ownerUid));
        _setWeights(netuid, owner, _u16(1, 2), _u16(1, 1));
        (uint16[] memory uids,) = reg.weightsOf(netuid, ownerUid);
        assertEq(uids.length, 2);
    }

    /// Finding 6: the owner's exemption needs its own stake in the subnet.
    function test_setWeights_unstakedOwnerNeedsPermit() public {
        _register(netuid, owner);
        _stake(netuid, owner, OWNER_MIN_STAKE - 1);
        (, uint16 ownerUid) = reg.uidOf(netuid, owner);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNoValidatorPermit.selector, netuid, ownerUid));
        vm.prank(owner);
        reg.setWeights(netuid, _u16(1, 2), _u16(1, 1), 0);
    }

    function test_setWeights_rateLimited() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.weightsSetRateLimit = 5;
        _setHyperparams(netuid, p);
        _setWeights(netuid, validator, _u16(1), _u16(1)); // the first one after registration is free
        uint256 setAt = block.number;
        vm.roll(setAt + 4);
        vm.expectRevert(
            abi.encodeWithSelector(ISubnetRegistry.SubnetWeightsRateLimited.selector, netuid, 0, uint64(setAt + 5))
        );
        vm.prank(validator);
        reg.setWeights(netuid, _u16(2), _u16(1), 0);
        vm.roll(setAt + 5);
        _setWeights(netuid, validator, _u16(2), _u16(1));
    }

    function test_setWeights_revertsBelowStakeThreshold() public {
        ISubnetRegistry.ProtocolHyperparams memory r = reg.getSubnet(netuid).protocol;
        r.stakeThreshold = uint64(1001 ether / UNIT);
        vm.prank(admin);
        reg.setProtocolHyperparams(netuid, r);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetStakeBelowThreshold.selector,
                netuid,
                0,
                uint64(1000 ether / UNIT),
                uint64(1001 ether / UNIT)
            )
        );
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1), _u16(1), 0);
        // The owner is exempt once it holds the owner minimum stake (below the threshold).
        _register(netuid, owner);
        (, uint16 ownerUid) = reg.uidOf(netuid, owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetStakeBelowThreshold.selector, netuid, ownerUid, 0, uint64(1001 ether / UNIT)
            )
        );
        vm.prank(owner);
        reg.setWeights(netuid, _u16(1), _u16(1), 0);
        _stake(netuid, owner, OWNER_MIN_STAKE);
        _setWeights(netuid, owner, _u16(1), _u16(1));
    }

    function test_setWeights_checksVersionKey() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.weightsVersionKey = 7;
        _setHyperparams(netuid, p);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetVersionKeyTooLow.selector, netuid, 6, 7));
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1), _u16(1), 6);
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1), _u16(1), 8);
    }

    function test_setWeights_revertsDuringEpoch() public {
        _startEpochLeftRunning(netuid);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEpochInProgress.selector, netuid));
        vm.prank(validator);
        reg.setWeights(netuid, _u16(1), _u16(1), 0);
    }

    // ---- commitWeights ----

    function test_commitWeights_queuesAndSetsLastUpdate() public {
        vm.roll(block.number + 2);
        bytes32 h = _hash(validator, crNet, _u16(1, 2), _u16(1, 1));
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.WeightsCommitted(crNet, 0, validator, h, 2);
        vm.prank(validator);
        reg.commitWeights(crNet, h);
        ISubnetRegistry.WeightCommit[] memory commits = reg.commitsOf(crNet, 0);
        assertEq(commits.length, 1);
        assertEq(commits[0].commitHash, h);
        assertEq(commits[0].commitEpoch, 1);
        assertEq(commits[0].commitBlock, block.number);
        assertEq(reg.lastUpdate(crNet, 0), block.number);
        assertEq(reg.exposedCommitBlock(crNet, 0), block.number);
    }

    function test_commitWeights_revertsWhenCommitRevealOff() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitRevealDisabled.selector, netuid));
        vm.prank(validator);
        reg.commitWeights(netuid, SALT);
    }

    function test_commitWeights_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotRegistered.selector, crNet, stranger));
        vm.prank(stranger);
        reg.commitWeights(crNet, SALT);
    }

    function test_commitWeights_rateLimited() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(crNet).hyperparams;
        p.weightsSetRateLimit = 3;
        _setHyperparams(crNet, p);
        vm.prank(validator);
        reg.commitWeights(crNet, keccak256("a"));
        vm.expectRevert(
            abi.encodeWithSelector(
                ISubnetRegistry.SubnetWeightsRateLimited.selector, crNet, 0, uint64(block.number + 3)
            )
        );
        vm.prank(validator);
        reg.commitWeights(crNet, keccak256("b"));
    }

    function test_commitWeights_revertsAfterTenUnrevealed() public {
        for (uint256 i; i < 10; ++i) {
            vm.prank(validator);
            reg.commitWeights(crNet, keccak256(abi.encode(i)));
        }
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetTooManyCommits.selector, crNet, 0, 10));
        vm.prank(validator);
        reg.commitWeights(crNet, keccak256("eleventh"));
    }

    function test_commitWeights_dropsExpiredCommits() public {
        for (uint256 i; i < 10; ++i) {
            vm.prank(validator);
            reg.commitWeights(crNet, keccak256(abi.encode(i)));
        }
        // Commits of epoch 1 can be revealed at epoch 2 only; at epoch 3 they are expired.
        _epoch(crNet);
        _epoch(crNet);
        assertEq(reg.exposedCommitBlock(crNet, 0), type(uint64).max);
        vm.prank(validator);
        reg.commitWeights(crNet, keccak256("fresh"));
        ISubnetRegistry.WeightCommit[] memory commits = reg.commitsOf(crNet, 0);
        assertEq(commits.length, 1);
        assertEq(commits[0].commitHash, keccak256("fresh"));
    }

    function test_commitWeights_revertsDuringEpoch() public {
        _startEpochLeftRunning(crNet);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEpochInProgress.selector, crNet));
        vm.prank(validator);
        reg.commitWeights(crNet, SALT);
    }

    // ---- revealWeights ----

    function test_revealWeights_atRevealEpochSetsWeights() public {
        _commit(validator, _u16(1, 2), _u16(2, 3));
        uint256 commitBlock = block.number;
        _epoch(crNet);
        vm.roll(block.number + 1);
        bytes32 h = _hash(validator, crNet, _u16(1, 2), _u16(2, 3));
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.WeightsSet(crNet, 0, validator, 2, 0);
        vm.expectEmit(address(reg));
        emit ISubnetRegistry.WeightsRevealed(crNet, 0, validator, h);
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1, 2), _u16(2, 3), SALT, 0);

        (uint16[] memory uids, uint16[] memory values) = reg.weightsOf(crNet, 0);
        assertEq(uids.length, 2);
        assertEq(values[0], 43_690);
        assertEq(values[1], 65_535);
        assertEq(reg.commitsOf(crNet, 0).length, 0);
        // The last update stays the commit's.
        assertEq(reg.lastUpdate(crNet, 0), commitBlock);
    }

    function test_revealWeights_revertsTooEarly() public {
        _commit(validator, _u16(1), _u16(1));
        vm.roll(block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetRevealTooEarly.selector, crNet, 0, 1, 2));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_revertsWhenExpired() public {
        _commit(validator, _u16(1), _u16(1));
        _epoch(crNet);
        _epoch(crNet);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitExpired.selector, crNet, 0, 3, 2));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_respectsLongerRevealPeriod() public {
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(crNet).hyperparams;
        p.revealPeriodEpochs = 2;
        _setHyperparams(crNet, p);
        _commit(validator, _u16(1), _u16(1));
        _epoch(crNet);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetRevealTooEarly.selector, crNet, 0, 2, 3));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
        _epoch(crNet);
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_revertsOnHashMismatch() public {
        _commit(validator, _u16(1), _u16(1));
        _epoch(crNet);
        bytes32 wrong = _hashWith(validator, crNet, _u16(1), _u16(1), keccak256("other salt"), 0);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitNotFound.selector, crNet, 0, wrong));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), keccak256("other salt"), 0);
        // Other weights than committed do not match either.
        bytes32 other = _hash(validator, crNet, _u16(2), _u16(1));
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitNotFound.selector, crNet, 0, other));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(2), _u16(1), SALT, 0);
    }

    function test_revealWeights_otherHotkeyCannotReveal() public {
        _commit(validator, _u16(1), _u16(1));
        _epoch(crNet);
        // The hash binds the hotkey: miner1 revealing the same weights and salt has no commit.
        bytes32 h = _hash(miner1, crNet, _u16(1), _u16(1));
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitNotFound.selector, crNet, 1, h));
        vm.prank(miner1);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_revertsWhenCommitRevealOff() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetCommitRevealDisabled.selector, netuid));
        vm.prank(validator);
        reg.revealWeights(netuid, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_revertsOnLengthMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetWeightsLengthMismatch.selector, 1, 2));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1, 2), SALT, 0);
    }

    function test_revealWeights_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetNotRegistered.selector, crNet, stranger));
        vm.prank(stranger);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_stillChecksWeights() public {
        _commit(validator, _u16(1, 1), _u16(1, 1));
        _epoch(crNet);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetDuplicateUid.selector, crNet, 1));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1, 1), _u16(1, 1), SALT, 0);
    }

    function test_revealWeights_revertsDuringEpoch() public {
        _commit(validator, _u16(1), _u16(1));
        _epoch(crNet);
        _startEpochLeftRunning(crNet);
        vm.expectRevert(abi.encodeWithSelector(ISubnetRegistry.SubnetEpochInProgress.selector, crNet));
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
    }

    function test_revealWeights_picksMatchingCommitAmongSeveral() public {
        _commit(validator, _u16(1), _u16(1));
        _commit(validator, _u16(2), _u16(1));
        _commit(validator, _u16(3), _u16(1));
        _epoch(crNet);
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(2), _u16(1), SALT, 0);
        ISubnetRegistry.WeightCommit[] memory left = reg.commitsOf(crNet, 0);
        assertEq(left.length, 2);
        assertEq(left[0].commitHash, _hash(validator, crNet, _u16(1), _u16(1)));
        assertEq(left[1].commitHash, _hash(validator, crNet, _u16(3), _u16(1)));
    }

    // ---- commit block seen by the epoch ----

    function test_commitBlock_isMinOfLiveCommits() public {
        assertEq(reg.exposedCommitBlock(crNet, 0), type(uint64).max);
        uint256 first = block.number;
        _commit(validator, _u16(1), _u16(1));
        vm.roll(first + 3);
        _commit(validator, _u16(2), _u16(1));
        assertEq(reg.exposedCommitBlock(crNet, 0), first);
        _epoch(crNet);
        vm.prank(validator);
        reg.revealWeights(crNet, _u16(1), _u16(1), SALT, 0);
        assertEq(reg.exposedCommitBlock(crNet, 0), first + 3);
    }

    // ---- helpers ----

    function _commit(address who, uint16[] memory uids, uint16[] memory values) internal {
        bytes32 h = _hash(who, crNet, uids, values);
        vm.prank(who);
        reg.commitWeights(crNet, h);
    }

    function _hash(address who, uint16 net, uint16[] memory uids, uint16[] memory values)
        internal
        pure
        returns (bytes32)
    {
        return _hashWith(who, net, uids, values, SALT, 0);
    }

    function _hashWith(
        address who,
        uint16 net,
        uint16[] memory uids,
        uint16[] memory values,
        bytes32 salt,
        uint64 versionKey
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(who, net, uids, values, salt, versionKey));
    }

    function _assertUpscale(uint16[] memory input, uint16[] memory expected) internal view {
        uint16[] memory out = reg.maxUpscale(input);
        assertEq(out.length, expected.length);
        for (uint256 i; i < out.length; ++i) {
            assertEq(out[i], expected[i]);
        }
    }
}
