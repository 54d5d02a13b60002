// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISubnetRegistry} from "./ISubnetRegistry.sol";

/// @title SubnetRegistryLib
/// @notice SubnetRegistry's out-of-line code: config and hyperparameters (defaults, bounds,
///         storage writes), subnet creation with its doubling lock cost, the emission split
///         across subnets (stake-weighted index), dissolution and its lock refund, the subnet
///         view, the choice of the uid to replace, and the weight max-upscale. Formulas:
///         ISubnetRegistry's header.
/// @dev A linked library (DELEGATECALL on the registry's storage, so its events come from the
///      registry): the registry shares the 24 KiB code-size limit with the Yuma epoch engine.
library SubnetRegistryLib {
    uint16 internal constant MAX_UIDS = 256;
    uint64 internal constant MAX_REVEAL_PERIOD = 100;
    uint64 internal constant MAX_BONDS_MOVING_AVERAGE = 975_000;
    uint16 internal constant MIN_ALPHA_LOW = 1638;
    uint32 internal constant MIN_ACTIVITY_FACTOR = 1000;
    uint32 internal constant MAX_ACTIVITY_FACTOR = 50_000;
    uint256 internal constant U16_MAX = type(uint16).max;
    /// @notice NOOS wei per alpha unit.
    uint256 internal constant ALPHA_UNIT = 1e9;
    /// @notice Scale of the emission index (NOOS wei * 1e18 per unit of stake weight).
    uint256 internal constant INDEX_SCALE = 1e18;

    /// @notice A subnet's registry state.
    struct Subnet {
        address owner;
        uint64 createdAt;
        bool dissolved;
        bool epochRunning;
        uint16 n;
        uint64 lastEpochBlock;
        uint64 epochIndex;
        uint64 pendingEmission;
        uint64 pendingOwnerCut;
        uint128 locked;
        // Running tallies of the epoch in progress, alpha units.
        uint64 epochPaid;
        uint64 epochBurned;
        // Emission split: stake weight (units), owner cut credited (units), index at the last start.
        uint64 stakeWeight;
        uint64 ownerEarned;
        uint256 indexAt;
        ISubnetRegistry.Hyperparams hp;
        ISubnetRegistry.ProtocolHyperparams php;
    }

    /// @notice Network-wide emission index and lock-cost state.
    struct Network {
        /// Cumulative NOOS wei * INDEX_SCALE per unit of stake weight.
        uint256 index;
        /// Sum of the live subnets' stake weights (units).
        uint128 totalWeight;
        /// Block the index was last brought up to.
        uint64 indexBlock;
        /// Cost of the last creation and its block (0 = none yet).
        uint128 lastLock;
        uint64 lastLockBlock;
    }

    /// @notice Per-uid registry state, one slot: what replacement and the rate limit read.
    struct Neuron {
        uint64 registeredAt;
        uint64 lastEmission;
        uint64 lastWeightsBlock;
    }

    /// @notice Validates and stores `c` as the protocol config (at least `count` subnets exist);
    ///         the emission index is first brought up to now at the old rate.
    function setConfig(
        ISubnetRegistry.Config storage config,
        Network storage net,
        ISubnetRegistry.Config memory c,
        uint16 count
    ) external {
        if (c.minTempo < 1 || c.minTempo > c.maxTempo) {
            revert ISubnetRegistry.SubnetConfigOutOfRange("minTempo", c.minTempo, 1, c.maxTempo);
        }
        if (c.minRegistrationFee > c.maxRegistrationFee) {
            revert ISubnetRegistry.SubnetConfigOutOfRange(
                "minRegistrationFee", c.minRegistrationFee, 0, c.maxRegistrationFee
            );
        }
        if (c.defaultRegistrationFee < c.minRegistrationFee || c.defaultRegistrationFee > c.maxRegistrationFee) {
            revert ISubnetRegistry.SubnetConfigOutOfRange(
                "defaultRegistrationFee", c.defaultRegistrationFee, c.minRegistrationFee, c.maxRegistrationFee
            );
        }
        if (c.maxSubnets < count) {
            revert ISubnetRegistry.SubnetConfigOutOfRange("maxSubnets", c.maxSubnets, count, type(uint16).max);
        }
        _accrue(net, config.emissionPerBlock);
        config.subnetLockCost = c.subnetLockCost;
        config.defaultRegistrationFee = c.defaultRegistrationFee;
        config.minRegistrationFee = c.minRegistrationFee;
        config.maxRegistrationFee = c.maxRegistrationFee;
        config.emissionPerBlock = c.emissionPerBlock;
        config.ownerMinStake = c.ownerMinStake;
        config.minTempo = c.minTempo;
        config.maxTempo = c.maxTempo;
        config.maxImmunityPeriod = c.maxImmunityPeriod;
        config.maxWeightsSetRateLimit = c.maxWeightsSetRateLimit;
        config.lockReductionInterval = c.lockReductionInterval;
        config.subnetMinLifetime = c.subnetMinLifetime;
        config.maxSubnets = c.maxSubnets;
        emit ISubnetRegistry.ConfigUpdated(c);
    }

    /// @notice subtensor's `get_network_lock_cost`: max(floor, mult * lastLock - lastLock *
    ///         elapsed / interval), mult = 2 after the first creation (1 before); interval 0 = floor.
    function lockCost(Network storage net, ISubnetRegistry.Config storage c) public view returns (uint256 cost) {
        uint256 interval = c.lockReductionInterval;
        uint256 last = net.lastLock;
        uint256 floor = c.subnetLockCost;
        if (interval != 0 && net.lastLockBlock != 0) {
            uint256 decay = last * (block.number - net.lastLockBlock) / interval;
            uint256 doubled = 2 * last;
            cost = doubled > decay ? doubled - decay : 0;
        }
        if (cost < floor) cost = floor;
    }

    /// @notice Initialises subnet `s` for the caller, charging `lockCost()` (reverts above
    ///         `maxLock`); the next cost doubles from it. Returns the lock to transfer in.
    function initSubnet(Subnet storage s, Network storage net, ISubnetRegistry.Config storage c, uint256 maxLock)
        external
        returns (uint128 lock)
    {
        uint256 cost = lockCost(net, c);
        if (cost > maxLock) revert ISubnetRegistry.SubnetLockAboveMax(cost, maxLock);
        if (cost > type(uint128).max) cost = type(uint128).max;
        // forge-lint: disable-next-line(unsafe-typecast) saturated on the line above
        lock = uint128(cost);
        uint64 now_ = uint64(block.number);
        net.lastLock = lock;
        net.lastLockBlock = now_;
        s.owner = msg.sender;
        s.createdAt = now_;
        s.lastEpochBlock = now_;
        s.locked = lock;
        _initHyperparams(s.hp, c);
        s.php = ISubnetRegistry.ProtocolHyperparams({
            kappa: 32_767, maxAllowedValidators: 64, ownerCut: 11_796, stakeThreshold: 0
        });
    }

    /// @notice Starts an epoch's emission: checks the tempo, pays the blocks since the last start
    ///         at min(weight, `staked`) out of the index, moves the weight toward `staked` (EMA up,
    ///         at once down), and splits the total into the owner cut (0 if `ownerStaked` is false)
    ///         and the rao the engine distributes (pendingOwnerCut, pendingEmission).
    function startEpoch(
        Subnet storage s,
        Network storage net,
        uint256 rate,
        uint16 netuid,
        uint64 staked,
        bool ownerStaked
    ) external returns (uint64 elapsed) {
        uint64 now_ = uint64(block.number);
        elapsed = now_ - s.lastEpochBlock;
        uint64 tempo = s.hp.tempo;
        if (elapsed < tempo) revert ISubnetRegistry.SubnetTempoNotReached(netuid, tempo - elapsed);
        _accrue(net, rate);
        uint64 total = _settle(s, net, staked);
        uint64 cut;
        // forge-lint: disable-next-line(unsafe-typecast) the cut is at most total (u64)
        if (ownerStaked) cut = uint64(uint256(total) * s.php.ownerCut / U16_MAX);
        s.epochRunning = true;
        s.lastEpochBlock = now_;
        s.pendingEmission = total - cut;
        s.pendingOwnerCut = cut;
        s.epochPaid = 0;
        s.epochBurned = 0;
    }

    /// @notice Dissolves `s`: it leaves the emission split; before `subnetMinLifetime` blocks the
    ///         whole lock is burned, after it the owner gets lock - ownerEarned (floored at 0).
    function dissolve(Subnet storage s, Network storage net, ISubnetRegistry.Config storage c)
        external
        returns (uint256 refund, uint256 burned)
    {
        _accrue(net, c.emissionPerBlock);
        net.totalWeight -= s.stakeWeight;
        s.stakeWeight = 0;
        uint256 lock = s.locked;
        if (block.number >= uint256(s.createdAt) + c.subnetMinLifetime) {
            uint256 earned = uint256(s.ownerEarned) * ALPHA_UNIT;
            refund = lock > earned ? lock - earned : 0;
        }
        burned = lock - refund;
        s.dissolved = true;
        s.locked = 0;
    }

    /// @notice The subnet as `getSubnet` returns it.
    function subnetInfo(Subnet storage s, uint16 netuid)
        external
        view
        returns (ISubnetRegistry.SubnetInfo memory info)
    {
        info.netuid = netuid;
        info.owner = s.owner;
        info.locked = s.locked;
        info.createdAt = s.createdAt;
        info.lastEpochBlock = s.lastEpochBlock;
        info.epochIndex = s.epochIndex;
        info.epochInProgress = s.epochRunning;
        info.dissolved = s.dissolved;
        info.n = s.n;
        info.pendingEmission = s.pendingEmission;
        info.pendingOwnerCut = s.pendingOwnerCut;
        info.stakeWeight = s.stakeWeight;
        info.ownerEarned = s.ownerEarned;
        info.hyperparams = s.hp;
        info.protocol = s.php;
    }

    /// Pays the index since the last start at min(weight, staked) (units, saturated) and moves
    /// the weight: halfway up toward `staked`, or down to it at once.
    function _settle(Subnet storage s, Network storage net, uint64 staked) private returns (uint64 total) {
        uint64 weight = s.stakeWeight;
        uint64 paid = staked < weight ? staked : weight;
        uint256 index = net.index;
        uint256 units = uint256(paid) * (index - s.indexAt) / INDEX_SCALE / ALPHA_UNIT;
        // forge-lint: disable-next-line(unsafe-typecast) saturated on the line itself
        total = units > type(uint64).max ? type(uint64).max : uint64(units);
        uint64 next = staked <= paid ? staked : paid + (staked - paid) / 2;
        net.totalWeight = net.totalWeight - weight + next;
        s.stakeWeight = next;
        s.indexAt = index;
    }

    /// Brings the index up to this block at `rate`; blocks with no weight anywhere emit nothing.
    function _accrue(Network storage net, uint256 rate) private {
        uint64 now_ = uint64(block.number);
        uint256 weight = net.totalWeight;
        if (weight != 0 && now_ > net.indexBlock) {
            net.index += rate * (now_ - net.indexBlock) * INDEX_SCALE / weight;
        }
        net.indexBlock = now_;
    }

    /// Writes yuma.md §5 defaults for a new subnet; tempo, immunity and rate limit clamped to the
    /// config's bounds, registration fee = the config's default.
    function _initHyperparams(ISubnetRegistry.Hyperparams storage hp, ISubnetRegistry.Config storage c) private {
        ISubnetRegistry.Hyperparams memory p;
        p.tempo = _clamp(360, c.minTempo, c.maxTempo);
        p.immunityPeriod = _clamp(5000, 0, c.maxImmunityPeriod);
        p.weightsSetRateLimit = _clamp(100, 0, c.maxWeightsSetRateLimit);
        p.revealPeriodEpochs = 1;
        p.bondsMovingAverage = 900_000;
        p.registrationFee = c.defaultRegistrationFee;
        p.activityCutoffFactorMilli = 13_889;
        p.maxAllowedUids = MAX_UIDS;
        p.minAllowedWeights = 1;
        p.bondsPenalty = type(uint16).max;
        p.alphaLow = 45_875;
        p.alphaHigh = 58_982;
        p.alphaSigmoidSteepness = 1000;
        p.yuma3 = true;
        p.commitReveal = true;
        _store(hp, p);
    }

    /// @notice Validates `p` against the bounds (the admin may set a negative steepness) and
    ///         stores it; `n` is the subnet's current uid count.
    function setHyperparams(
        ISubnetRegistry.Hyperparams storage hp,
        ISubnetRegistry.Config storage c,
        uint16 netuid,
        uint16 n,
        ISubnetRegistry.Hyperparams memory p,
        bool isAdmin
    ) external {
        _range(netuid, "tempo", p.tempo, c.minTempo, c.maxTempo);
        _range(netuid, "immunityPeriod", p.immunityPeriod, 0, c.maxImmunityPeriod);
        _range(netuid, "weightsSetRateLimit", p.weightsSetRateLimit, 0, c.maxWeightsSetRateLimit);
        _range(netuid, "revealPeriodEpochs", p.revealPeriodEpochs, 1, MAX_REVEAL_PERIOD);
        _range(netuid, "bondsMovingAverage", p.bondsMovingAverage, 0, MAX_BONDS_MOVING_AVERAGE);
        _range(netuid, "registrationFee", p.registrationFee, c.minRegistrationFee, c.maxRegistrationFee);
        _range(
            netuid, "activityCutoffFactorMilli", p.activityCutoffFactorMilli, MIN_ACTIVITY_FACTOR, MAX_ACTIVITY_FACTOR
        );
        _range(netuid, "maxAllowedUids", p.maxAllowedUids, n > 0 ? n : 1, MAX_UIDS);
        _range(netuid, "minAllowedWeights", p.minAllowedWeights, 0, p.maxAllowedUids);
        _range(netuid, "alphaLow", p.alphaLow, MIN_ALPHA_LOW, p.alphaHigh);
        int256 minSteepness = isAdmin ? int256(type(int16).min) : int256(0);
        if (p.alphaSigmoidSteepness < minSteepness) {
            revert ISubnetRegistry.SubnetParamOutOfRange(
                netuid, "alphaSigmoidSteepness", p.alphaSigmoidSteepness, minSteepness, type(int16).max
            );
        }
        _store(hp, p);
        emit ISubnetRegistry.HyperparamsUpdated(netuid, p);
    }

    /// @notice Removes the commit `hash` of `uid` if it is revealable at epoch index `current`
    ///         (commitEpoch + period == current; order kept), then the expired ones.
    function consumeCommit(
        ISubnetRegistry.WeightCommit[] storage queue,
        uint16 netuid,
        uint16 uid,
        bytes32 hash,
        uint64 current,
        uint64 period
    ) external {
        uint256 length = queue.length;
        uint256 index = length;
        for (uint256 i; i < length; ++i) {
            if (queue[i].commitHash == hash) {
                index = i;
                break;
            }
        }
        if (index == length) revert ISubnetRegistry.SubnetCommitNotFound(netuid, uid, hash);
        uint64 revealEpoch = queue[index].commitEpoch + period;
        if (current < revealEpoch) revert ISubnetRegistry.SubnetRevealTooEarly(netuid, uid, current, revealEpoch);
        if (current > revealEpoch) revert ISubnetRegistry.SubnetCommitExpired(netuid, uid, current, revealEpoch);
        // Remove it keeping the order (at most 10 entries), then drop the expired ones.
        for (uint256 i = index + 1; i < length; ++i) {
            queue[i - 1] = queue[i];
        }
        queue.pop();
        dropExpired(queue, current, period);
    }

    /// @notice Drops commits that can no longer be revealed (commitEpoch + period < current).
    ///         Order kept.
    function dropExpired(ISubnetRegistry.WeightCommit[] storage queue, uint64 current, uint64 period) public {
        uint256 length = queue.length;
        uint256 kept;
        for (uint256 i; i < length; ++i) {
            ISubnetRegistry.WeightCommit memory c = queue[i];
            if (current <= c.commitEpoch + period) {
                if (kept != i) queue[kept] = c;
                ++kept;
            }
        }
        while (queue.length > kept) queue.pop();
    }

    /// @notice Min commit block of the non-expired commits, type(uint64).max if none.
    function commitBlock(ISubnetRegistry.WeightCommit[] storage queue, uint64 current, uint64 period)
        external
        view
        returns (uint64 minBlock)
    {
        minBlock = type(uint64).max;
        for (uint256 i; i < queue.length; ++i) {
            ISubnetRegistry.WeightCommit storage c = queue[i];
            if (current <= c.commitEpoch + period && c.commitBlock < minBlock) minBlock = c.commitBlock;
        }
    }

    /// @notice The uid a registration into a full subnet replaces: the non-immune uid (not the
    ///         owner's, `ownerPlusOne` = its uid + 1 or 0) with the lowest last emission; ties go to
    ///         the earliest registration, then the lower uid.
    function uidToReplace(
        mapping(uint16 uid => Neuron) storage neurons,
        uint16 netuid,
        uint16 n,
        uint16 ownerPlusOne,
        uint64 immunityPeriod
    ) external view returns (uint16 best) {
        bool found;
        uint64 bestEmission;
        uint64 bestRegistered;
        for (uint16 uid; uid < n; ++uid) {
            if (uid + 1 == ownerPlusOne) continue;
            Neuron memory nr = neurons[uid];
            if (block.number < uint256(nr.registeredAt) + immunityPeriod) continue; // immune
            if (
                !found || nr.lastEmission < bestEmission
                    || (nr.lastEmission == bestEmission && nr.registeredAt < bestRegistered)
            ) {
                found = true;
                best = uid;
                bestEmission = nr.lastEmission;
                bestRegistered = nr.registeredAt;
            }
        }
        if (!found) revert ISubnetRegistry.SubnetAllUidsImmune(netuid);
    }

    /// @notice subtensor's `vec_u16_max_upscale_to_u16`, bit-exact: scales so the largest value
    ///         becomes 65535, in I32F32 with round-half-away-from-zero (yuma.md §4.3).
    function maxUpscale(uint16[] memory values) external pure returns (uint16[] memory out) {
        uint256 length = values.length;
        out = new uint16[](length);
        uint256 max;
        for (uint256 i; i < length; ++i) {
            if (values[i] > max) max = values[i];
        }
        if (max == 0) return out; // all zero
        // Fixed-point bits (value * 2^32). Above 32768, e*65535 could leave I32F32's range, so
        // subtensor divides first: ratio = trunc(65535 * 2^32 / max), then e * ratio (exact).
        uint256 ratio = max > 32_768 ? (U16_MAX << 32) / max : 0;
        for (uint256 i; i < length; ++i) {
            uint256 bits = ratio != 0 ? values[i] * ratio : (uint256(values[i]) * U16_MAX << 32) / max;
            uint256 rounded = (bits + (1 << 31)) >> 32;
            // forge-lint: disable-next-line(unsafe-typecast) saturated at 65535 on the line itself
            out[i] = rounded > U16_MAX ? uint16(U16_MAX) : uint16(rounded);
        }
    }

    function _store(ISubnetRegistry.Hyperparams storage hp, ISubnetRegistry.Hyperparams memory p) private {
        hp.tempo = p.tempo;
        hp.immunityPeriod = p.immunityPeriod;
        hp.weightsSetRateLimit = p.weightsSetRateLimit;
        hp.revealPeriodEpochs = p.revealPeriodEpochs;
        hp.bondsMovingAverage = p.bondsMovingAverage;
        hp.weightsVersionKey = p.weightsVersionKey;
        hp.registrationFee = p.registrationFee;
        hp.activityCutoffFactorMilli = p.activityCutoffFactorMilli;
        hp.maxAllowedUids = p.maxAllowedUids;
        hp.minAllowedWeights = p.minAllowedWeights;
        hp.bondsPenalty = p.bondsPenalty;
        hp.alphaLow = p.alphaLow;
        hp.alphaHigh = p.alphaHigh;
        hp.alphaSigmoidSteepness = p.alphaSigmoidSteepness;
        hp.yuma3 = p.yuma3;
        hp.liquidAlpha = p.liquidAlpha;
        hp.commitReveal = p.commitReveal;
    }

    function _range(uint16 netuid, bytes32 field, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) {
            // forge-lint: disable-next-line(unsafe-typecast) every caller passes values below 2^128
            revert ISubnetRegistry.SubnetParamOutOfRange(netuid, field, int256(value), int256(min), int256(max));
        }
    }

    function _clamp(uint64 value, uint64 min, uint64 max) private pure returns (uint64) {
        return value < min ? min : value > max ? max : value;
    }
}
