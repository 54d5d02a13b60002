// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISubnetRegistry} from "./ISubnetRegistry.sol";

/// @title SubnetRegistryLib
/// @notice SubnetRegistry's out-of-line code: config and hyperparameters (defaults, bounds,
///         storage writes), the choice of the uid to replace, and the weight max-upscale.
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

    /// @notice Per-uid registry state, one slot: what replacement and the rate limit read.
    struct Neuron {
        uint64 registeredAt;
        uint64 lastEmission;
        uint64 lastWeightsBlock;
    }

    /// @notice Validates and stores `c` as the protocol config (at least `count` subnets exist).
    function setConfig(ISubnetRegistry.Config storage config, ISubnetRegistry.Config memory c, uint16 count) external {
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
        config.subnetLockCost = c.subnetLockCost;
        config.defaultRegistrationFee = c.defaultRegistrationFee;
        config.minRegistrationFee = c.minRegistrationFee;
        config.maxRegistrationFee = c.maxRegistrationFee;
        config.defaultEmissionPerBlock = c.defaultEmissionPerBlock;
        config.minTempo = c.minTempo;
        config.maxTempo = c.maxTempo;
        config.maxImmunityPeriod = c.maxImmunityPeriod;
        config.maxWeightsSetRateLimit = c.maxWeightsSetRateLimit;
        config.maxSubnets = c.maxSubnets;
        emit ISubnetRegistry.ConfigUpdated(c);
    }

    /// @notice Writes yuma.md §5 defaults for a new subnet; tempo, immunity and rate limit clamped
    ///         to the config's bounds, registration fee = the config's default.
    function initHyperparams(ISubnetRegistry.Hyperparams storage hp, ISubnetRegistry.Config storage c) external {
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
