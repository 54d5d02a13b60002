// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {ISubnetRegistry} from "../../src/subnet/ISubnetRegistry.sol";
import {SubnetRegistry} from "../../src/subnet/SubnetRegistry.sol";
import {SubnetRegistryLib} from "../../src/subnet/SubnetRegistryLib.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice Exposes the engine hooks the registry implements, to test them without running an epoch.
contract SubnetRegistryHarness is SubnetRegistry {
    constructor(NoosToken token_, Staking staking_, address admin_, Config memory config_)
        SubnetRegistry(token_, staking_, admin_, config_)
    {}

    function exposedParams(uint16 netuid) external view returns (YumaParams memory) {
        return _yumaParams(netuid);
    }

    function exposedStake(uint16 netuid, uint16 uid) external view returns (uint64) {
        return _yumaStake(netuid, uid);
    }

    function exposedCommitBlock(uint16 netuid, uint16 uid) external view returns (uint64) {
        return _yumaCommitBlock(netuid, uid);
    }

    function maxUpscale(uint16[] memory values) external pure returns (uint16[] memory) {
        return SubnetRegistryLib.maxUpscale(values);
    }
}

/// @notice Deploys token -> params -> staking -> subnet registry (holding NOOS's MINTER_ROLE)
///         with devnet bounds (tempo >= 1), and gives tests helpers to create subnets, register,
///         stake, weight and run epochs.
abstract contract SubnetFixture is Test {
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 ether;
    uint256 internal constant FUNDS = 1_000_000 ether;
    uint128 internal constant LOCK = 100 ether;
    uint128 internal constant FEE = 1 ether;
    uint128 internal constant RATE = 1 ether; // NOOS wei per block, shared by all subnets
    uint128 internal constant OWNER_MIN_STAKE = 10 ether;
    uint64 internal constant LOCK_INTERVAL = 50_400; // one week of 12 s blocks
    uint64 internal constant MIN_LIFETIME = 50_400;
    uint64 internal constant TEMPO = 10;
    uint256 internal constant UNIT = 1e9;

    NoosToken internal token;
    ProtocolParams internal params;
    Staking internal staking;
    SubnetRegistryHarness internal reg;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal owner = makeAddr("subnetOwner");
    address internal stranger = makeAddr("stranger");
    address internal keeper = makeAddr("keeper");
    address[] internal neurons;

    function setUp() public virtual {
        vm.roll(100);
        token = new NoosToken(admin, treasury, INITIAL_SUPPLY);
        params = new ProtocolParams(admin, treasury);
        staking = new Staking(token, params, admin);
        reg = new SubnetRegistryHarness(token, staking, admin, _devConfig());
        bytes32 minterRole = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minterRole, address(reg));

        _fund(owner);
        _fund(stranger);
        for (uint256 i; i < 8; ++i) {
            address who = makeAddr(string.concat("neuron", vm.toString(i)));
            neurons.push(who);
            _fund(who);
        }
    }

    function _devConfig() internal pure returns (ISubnetRegistry.Config memory c) {
        c.subnetLockCost = LOCK;
        c.defaultRegistrationFee = FEE;
        c.minRegistrationFee = 0;
        c.maxRegistrationFee = 100 ether;
        c.emissionPerBlock = RATE;
        c.ownerMinStake = OWNER_MIN_STAKE;
        c.lockReductionInterval = LOCK_INTERVAL;
        c.subnetMinLifetime = MIN_LIFETIME;
        c.minTempo = 1;
        c.maxTempo = 50_400;
        c.maxImmunityPeriod = 100_000;
        c.maxWeightsSetRateLimit = 100_000;
        c.maxSubnets = 32;
    }

    function _fund(address who) internal {
        vm.prank(treasury);
        assertTrue(token.transfer(who, FUNDS));
        vm.startPrank(who);
        token.approve(address(reg), type(uint256).max);
        token.approve(address(staking), type(uint256).max);
        vm.stopPrank();
    }

    function _createSubnet() internal returns (uint16 netuid) {
        uint256 cost = reg.lockCost();
        vm.prank(owner);
        netuid = reg.createSubnet(cost);
    }

    /// A subnet with a short tempo, no rate limit, no immunity and commit-reveal as asked.
    function _devSubnet(bool commitReveal) internal returns (uint16 netuid) {
        netuid = _createSubnet();
        ISubnetRegistry.Hyperparams memory p = reg.getSubnet(netuid).hyperparams;
        p.tempo = TEMPO;
        p.weightsSetRateLimit = 0;
        p.immunityPeriod = 0;
        p.commitReveal = commitReveal;
        _setHyperparams(netuid, p);
    }

    function _setHyperparams(uint16 netuid, ISubnetRegistry.Hyperparams memory p) internal {
        vm.prank(owner);
        reg.setHyperparams(netuid, p);
    }

    function _register(uint16 netuid, address who) internal returns (uint16 uid) {
        vm.prank(who);
        uid = reg.registerNeuron(netuid, type(uint256).max);
    }

    function _stake(uint16 netuid, address who, uint256 amount) internal {
        bytes32 role = reg.subnetStakeRole(netuid);
        vm.prank(who);
        staking.stake(role, amount);
    }

    function _setWeights(uint16 netuid, address who, uint16[] memory uids, uint16[] memory values) internal {
        vm.prank(who);
        reg.setWeights(netuid, uids, values, 0);
    }

    /// Rolls past the tempo and runs the epoch to the end in one call.
    function _epoch(uint16 netuid) internal {
        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        uint256 due = uint256(info.lastEpochBlock) + info.hyperparams.tempo;
        if (block.number < due) vm.roll(due);
        vm.prank(keeper);
        assertTrue(reg.runEpoch(netuid, 0));
    }

    /// Pads the subnet to 50 uids (unstaked fillers) and starts its epoch with a 1-unit budget:
    /// at 50 uids the start (n + 128 units, finding 11) leaves the epoch running.
    function _startEpochLeftRunning(uint16 netuid) internal {
        for (uint256 i = reg.getSubnet(netuid).n; i < 50; ++i) {
            address filler = makeAddr(string.concat("filler", vm.toString(i)));
            _fund(filler);
            _register(netuid, filler);
        }
        ISubnetRegistry.SubnetInfo memory info = reg.getSubnet(netuid);
        uint256 due = uint256(info.lastEpochBlock) + info.hyperparams.tempo;
        if (block.number < due) vm.roll(due);
        assertFalse(reg.runEpoch(netuid, 1));
        assertTrue(reg.getSubnet(netuid).epochInProgress);
    }

    /// Emission of an epoch start for a subnet that is alone in the split with weight `w` (units)
    /// over `blocks` blocks at `rate` wei per block: the index arithmetic of SubnetRegistryLib.
    function _soleTotal(uint256 w, uint256 blocks, uint256 rate) internal pure returns (uint256) {
        if (w == 0) return 0;
        return w * (rate * blocks * 1e18 / w) / 1e18 / UNIT;
    }

    function _u16(uint16 a) internal pure returns (uint16[] memory v) {
        v = new uint16[](1);
        v[0] = a;
    }

    function _u16(uint16 a, uint16 b) internal pure returns (uint16[] memory v) {
        v = new uint16[](2);
        v[0] = a;
        v[1] = b;
    }

    function _u16(uint16 a, uint16 b, uint16 c) internal pure returns (uint16[] memory v) {
        v = new uint16[](3);
        v[0] = a;
        v[1] = b;
        v[2] = c;
    }

    function _u16(uint16 a, uint16 b, uint16 c, uint16 d) internal pure returns (uint16[] memory v) {
        v = new uint16[](4);
        v[0] = a;
        v[1] = b;
        v[2] = c;
        v[3] = d;
    }
}
