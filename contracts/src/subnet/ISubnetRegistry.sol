// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISubnetRegistry
/// @notice Bittensor-style incentive subnets. A subnet is created by locking NOOS; its owner sets
///         hyperparameters within protocol bounds; neurons (miners and validators) register a
///         hotkey to a uid by burning a fee; validators set weights directly or by commit-reveal;
///         anyone runs the Yuma epoch every `tempo` blocks, in chunks, and the emission is credited
///         to miners, validators and the subnet owner, claimable as newly minted NOOS.
/// @dev Units. The epoch engine works in u64 "alpha units": 1 unit = ALPHA_UNIT = 1e9 NOOS wei
///      (1 gwei). Stake is read from the Staking contract in the subnet's role
///      `keccak256(abi.encode("SUBNET", netuid))` for the hotkey, divided by 1e9 and saturated at
///      2^64-1.
///
///      Emission across subnets (dTAO's split, on a stake signal). One global rate,
///      `config.emissionPerBlock`, is shared by the live subnets pro rata to their stake weight w,
///      through a cumulative index (NOOS wei * 1e18 per unit of weight):
///        index += emissionPerBlock * blocks * 1e18 / sum(w)        (nothing accrues while sum(w) = 0)
///      A subnet's weight is set at each epoch start from S = the NOOS staked in its role
///      (`Staking.totalStaked`, units), as an EMA that rises halfway toward S per epoch and falls
///      to S at once; the epoch start pays the blocks since the last one at min(w, S):
///        total    = min(min(w, S) * (index - indexAtLastStart) / 1e18 / 1e9, 2^64-1)
///        w'       = S <= min(w, S) ? S : min(w, S) + (S - min(w, S)) / 2
///      So sum over subnets of total <= emissionPerBlock * blocks (floors only), a subnet with
///      1 gwei of stake next to subnets with real stake earns ~nothing, stake added only counts
///      from the next epoch and stake removed stops counting at the next epoch start. In dTAO the
///      share is the subnet's moving (EMA) alpha price, i.e. the TAO staked into its pool against
///      its alpha (later the EMA of its net TAO inflows); here staking NOOS in the subnet's role
///      plays "buying its alpha", and the EMA plus the unbonding period play the moving price's
///      resistance to flash stake. A new subnet earns from its second epoch (weight 0 before).
///      Inside the subnet:
///        ownerCut = total * ownerCut / 65535 (floor) if the owner is staked (below), else 0
///        rao      = total - ownerCut                               (distributed by the epoch)
///      The engine floors each uid's server and validator share, so sum(paid) <= rao; the dust and
///      the server share of the owner's own uid (burned, as in subtensor) are never minted.
///      Minted NOOS == credited == (ownerCut + sum(paid)) * 1e9 over every epoch.
///
///      Owner exemptions (its cut, its uid's permit and immunity, setting weights without a
///      permit or the stake threshold) hold only while the owner's own stake in the subnet role is
///      at least `config.ownerMinStake`.
///
///      Lock (subtensor's `get_network_lock_cost`): each creation locks
///        cost = max(config.subnetLockCost, 2 * lastLock - lastLock * (block - lastLockBlock) / lockReductionInterval)
///      (lastLock = the previous creation's cost; the first creation pays the floor): the cost
///      doubles with each new subnet and decays linearly back to the floor. Dissolving before
///      `config.subnetMinLifetime` blocks burns the lock; after, the owner gets the lock minus the
///      owner cut it was credited (subtensor's refund = lock - owner emission), the rest is burned.
///      Lock in == returned + burned.
///      Hotkey = the registering account (msg.sender); one uid per hotkey per subnet.
interface ISubnetRegistry {
    // ------------------------------------------------------------------ types

    /// @notice Hyperparameters the subnet owner sets (the registry admin may set them too).
    /// @dev Bounds: tempo in [config.minTempo, config.maxTempo]; immunityPeriod <=
    ///      config.maxImmunityPeriod; weightsSetRateLimit <= config.maxWeightsSetRateLimit;
    ///      revealPeriodEpochs in [1, 100]; bondsMovingAverage <= 975000; registrationFee in
    ///      [config.minRegistrationFee, config.maxRegistrationFee]; activityCutoffFactorMilli in
    ///      [1000, 50000]; maxAllowedUids in [max(n, 1), 256]; minAllowedWeights <= maxAllowedUids;
    ///      1638 <= alphaLow <= alphaHigh; alphaSigmoidSteepness >= 0 (the admin may set < 0).
    struct Hyperparams {
        /// Blocks between epochs (default 360).
        uint64 tempo;
        /// Blocks after registration during which a uid cannot be replaced (default 5000).
        uint64 immunityPeriod;
        /// Blocks between two weight settings (or commits) of a uid (default 100).
        uint64 weightsSetRateLimit;
        /// A commit made at epoch index e is revealed at epoch index e + revealPeriodEpochs (default 1).
        uint64 revealPeriodEpochs;
        /// Bonds EMA, per million (default 900000, i.e. alpha = 0.1).
        uint64 bondsMovingAverage;
        /// Weights must carry a version key >= this one, unless it is 0 (default 0).
        uint64 weightsVersionKey;
        /// NOOS wei burned by a registration.
        uint128 registrationFee;
        /// Activity cutoff in blocks = max(1, factor * tempo / 1000) (default 13889).
        uint32 activityCutoffFactorMilli;
        /// Most uids (default 256, the hard cap).
        uint16 maxAllowedUids;
        /// Fewest weights a non-self weight vector may carry (capped at n; default 1).
        uint16 minAllowedWeights;
        /// Bonds penalty, u16 proportion (default 65535).
        uint16 bondsPenalty;
        /// Liquid alpha bounds, u16 proportions (default 45875, 58982).
        uint16 alphaLow;
        uint16 alphaHigh;
        /// Liquid alpha sigmoid steepness (default 1000).
        int16 alphaSigmoidSteepness;
        /// Yuma3 bonds (default true for new subnets).
        bool yuma3;
        /// Liquid alpha (default false).
        bool liquidAlpha;
        /// Commit-reveal of weights (default true).
        bool commitReveal;
    }

    /// @notice Hyperparameters only the registry admin (root) sets.
    struct ProtocolHyperparams {
        /// Consensus majority, u16 proportion (default 32767).
        uint16 kappa;
        /// Validator permits (default 64), in [1, 256].
        uint16 maxAllowedValidators;
        /// Subnet owner's share of the emission, u16 proportion (default 11796, ~18%).
        uint16 ownerCut;
        /// Stake (alpha units) below which a uid's stake counts as 0 in the epoch (default 0).
        uint64 stakeThreshold;
    }

    /// @notice Protocol-wide settings and bounds, set by the registry admin.
    /// @dev Production: minTempo 360, maxTempo 50400. A devnet that mines blocks on demand uses
    ///      minTempo 1. Changing the bounds does not touch existing subnets' values.
    struct Config {
        /// Floor of the lock cost, NOOS wei (subtensor's NetworkMinLockCost).
        uint128 subnetLockCost;
        /// Registration fee of a new subnet; in [minRegistrationFee, maxRegistrationFee].
        uint128 defaultRegistrationFee;
        uint128 minRegistrationFee;
        uint128 maxRegistrationFee;
        /// Global emission, NOOS wei per block, shared by all subnets pro rata to stake weight.
        uint128 emissionPerBlock;
        /// Own stake (NOOS wei, subnet role) the owner needs for its cut and exemptions.
        uint128 ownerMinStake;
        /// 1 <= minTempo <= maxTempo.
        uint64 minTempo;
        uint64 maxTempo;
        uint64 maxImmunityPeriod;
        uint64 maxWeightsSetRateLimit;
        /// Blocks over which a doubled lock cost decays by the last lock (subtensor's
        /// NetworkLockReductionInterval); 0 = the cost is always the floor.
        uint64 lockReductionInterval;
        /// Blocks a subnet must live before dissolving returns (part of) its lock.
        uint64 subnetMinLifetime;
        /// Most subnets that may ever be created (netuids are never reused).
        uint16 maxSubnets;
    }

    /// @notice A subnet as returned by `getSubnet`.
    struct SubnetInfo {
        uint16 netuid;
        address owner;
        /// NOOS wei locked at creation.
        uint128 locked;
        uint64 createdAt;
        /// Block at which the last epoch started (creation block before the first).
        uint64 lastEpochBlock;
        /// Number of finished epochs.
        uint64 epochIndex;
        bool epochInProgress;
        bool dissolved;
        /// Registered uids.
        uint16 n;
        /// Alpha units being distributed by the epoch in progress (0 otherwise).
        uint64 pendingEmission;
        /// Owner cut, alpha units, of the epoch in progress.
        uint64 pendingOwnerCut;
        /// Stake weight in the emission split across subnets, alpha units.
        uint64 stakeWeight;
        /// Owner cut credited so far, alpha units (deducted from the lock refund).
        uint64 ownerEarned;
        Hyperparams hyperparams;
        ProtocolHyperparams protocol;
    }

    /// @notice A uid as returned by `getNeuron`.
    struct NeuronInfo {
        uint16 uid;
        address hotkey;
        uint64 registeredAt;
        /// Emission of the last epoch (server + validator), alpha units.
        uint64 lastEmission;
        /// Block of the last setWeights or commit (0 if none since registration).
        uint64 lastWeightsBlock;
        /// Cannot be replaced yet (immunity period, or the subnet owner's uid).
        bool immune;
        /// Current stake in the subnet role, alpha units.
        uint64 stake;
        string endpoint;
    }

    /// @notice An unrevealed weight commit.
    struct WeightCommit {
        bytes32 commitHash;
        /// Epoch index at commit time.
        uint64 commitEpoch;
        uint64 commitBlock;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Only the registry admin (or, for acceptAdmin, the pending admin) may do this.
    error SubnetNotAdmin(address caller, address admin);
    /// @notice A NOOS transfer returned false.
    error SubnetTransferFailed();
    /// @notice No subnet `netuid` was ever created.
    error SubnetUnknown(uint16 netuid);
    /// @notice The subnet was dissolved.
    error SubnetIsDissolved(uint16 netuid);
    /// @notice Only the subnet owner (or the registry admin) may do this.
    error SubnetNotOwner(uint16 netuid, address caller, address owner);
    /// @notice A hyperparameter is outside its bounds.
    error SubnetParamOutOfRange(uint16 netuid, bytes32 field, int256 value, int256 min, int256 max);
    /// @notice A protocol config value is outside its bounds.
    error SubnetConfigOutOfRange(bytes32 field, uint256 value, uint256 min, uint256 max);
    /// @notice An address argument is the zero address.
    error SubnetZeroAddress(bytes32 field);
    /// @notice The subnet lock cost is above what the caller accepted.
    error SubnetLockAboveMax(uint256 lock, uint256 maxLock);
    /// @notice `maxSubnets` subnets already exist.
    error SubnetLimitReached(uint16 maxSubnets);
    /// @notice An epoch of the subnet is in progress: weights, registrations and parameters wait.
    error SubnetEpochInProgress(uint16 netuid);
    /// @notice The next epoch may start in `blocksLeft` blocks.
    error SubnetTempoNotReached(uint16 netuid, uint64 blocksLeft);
    /// @notice The hotkey already holds `uid` in the subnet.
    error SubnetAlreadyRegistered(uint16 netuid, address hotkey, uint16 uid);
    /// @notice The hotkey holds no uid in the subnet.
    error SubnetNotRegistered(uint16 netuid, address hotkey);
    /// @notice The registration fee is above what the caller accepted.
    error SubnetFeeAboveMax(uint16 netuid, uint256 fee, uint256 maxFee);
    /// @notice The subnet is full and every uid is immune.
    error SubnetAllUidsImmune(uint16 netuid);
    /// @notice The endpoint is longer than `max` bytes.
    error SubnetEndpointTooLong(uint256 length, uint256 max);
    /// @notice `uids` and `values` differ in length.
    error SubnetWeightsLengthMismatch(uint256 uidsLength, uint256 valuesLength);
    /// @notice A weight targets a uid that does not exist.
    error SubnetUidOutOfRange(uint16 netuid, uint16 uid, uint16 n);
    /// @notice A uid appears twice in the weights.
    error SubnetDuplicateUid(uint16 netuid, uint16 uid);
    /// @notice Fewer weights than the subnet's minimum (capped at n).
    error SubnetTooFewWeights(uint16 netuid, uint256 count, uint256 min);
    /// @notice The uid holds no validator permit (only a self-weight or the owner may set weights).
    error SubnetNoValidatorPermit(uint16 netuid, uint16 uid);
    /// @notice The uid's stake is below the subnet's stake threshold.
    error SubnetStakeBelowThreshold(uint16 netuid, uint16 uid, uint64 stake, uint64 threshold);
    /// @notice The weights' version key is below the subnet's.
    error SubnetVersionKeyTooLow(uint16 netuid, uint64 versionKey, uint64 required);
    /// @notice The uid set weights (or committed) too recently; allowed again at `nextBlock`.
    error SubnetWeightsRateLimited(uint16 netuid, uint16 uid, uint64 nextBlock);
    /// @notice Commit-reveal is on: use commitWeights/revealWeights.
    error SubnetCommitRevealEnabled(uint16 netuid);
    /// @notice Commit-reveal is off: use setWeights.
    error SubnetCommitRevealDisabled(uint16 netuid);
    /// @notice The uid already has `max` unrevealed commits.
    error SubnetTooManyCommits(uint16 netuid, uint16 uid, uint256 max);
    /// @notice No commit of the uid matches the revealed weights.
    error SubnetCommitNotFound(uint16 netuid, uint16 uid, bytes32 commitHash);
    /// @notice The commit may be revealed at epoch index `revealEpoch`; it is `currentEpoch`.
    error SubnetRevealTooEarly(uint16 netuid, uint16 uid, uint64 currentEpoch, uint64 revealEpoch);
    /// @notice The commit could be revealed only at epoch index `revealEpoch`; it is `currentEpoch`.
    error SubnetCommitExpired(uint16 netuid, uint16 uid, uint64 currentEpoch, uint64 revealEpoch);
    /// @notice The account has no emission to claim.
    error SubnetNothingToClaim(address account);

    // ------------------------------------------------------------------ events

    /// @notice `newAdmin` may accept the admin role.
    event AdminTransferStarted(address indexed admin, address indexed newAdmin);
    /// @notice The admin changed.
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);
    /// @notice The protocol config changed.
    event ConfigUpdated(Config config);
    /// @notice `owner` created subnet `netuid`, locking `locked` NOOS wei.
    event SubnetCreated(uint16 indexed netuid, address indexed owner, uint256 locked);
    /// @notice The owner dissolved the subnet: `returned` NOOS wei of the lock went back to it,
    ///         `burned` were burned.
    event SubnetDissolved(uint16 indexed netuid, address indexed owner, uint256 returned, uint256 burned);
    /// @notice The owner-settable hyperparameters changed.
    event HyperparamsUpdated(uint16 indexed netuid, Hyperparams hyperparams);
    /// @notice The admin-only hyperparameters changed.
    event ProtocolHyperparamsUpdated(uint16 indexed netuid, ProtocolHyperparams protocol);
    /// @notice `hotkey` registered to `uid`, burning `fee`; `replaced` is the previous occupant or 0.
    event NeuronRegistered(uint16 indexed netuid, uint16 uid, address indexed hotkey, uint256 fee, address replaced);
    /// @notice `hotkey` lost `uid` to a new registration.
    event NeuronDeregistered(uint16 indexed netuid, uint16 uid, address indexed hotkey);
    /// @notice A neuron published its endpoint.
    event EndpointSet(uint16 indexed netuid, uint16 uid, address indexed hotkey, string endpoint);
    /// @notice `uid` set (or revealed) `count` weights; read them with `weightsOf`.
    event WeightsSet(uint16 indexed netuid, uint16 uid, address indexed hotkey, uint256 count, uint64 versionKey);
    /// @notice `uid` committed weights, to reveal at epoch index `revealEpoch`.
    event WeightsCommitted(
        uint16 indexed netuid, uint16 uid, address indexed hotkey, bytes32 commitHash, uint64 revealEpoch
    );
    /// @notice `uid` revealed the commit `commitHash`.
    event WeightsRevealed(uint16 indexed netuid, uint16 uid, address indexed hotkey, bytes32 commitHash);
    /// @notice An epoch started: `blocks` since the last one, `emission` alpha units in total of
    ///         which `ownerCut` goes to the owner.
    event EpochStarted(uint16 indexed netuid, uint64 epochIndex, uint64 blocks, uint64 emission, uint64 ownerCut);
    /// @notice An epoch finished: `epochIndex` is the number of finished epochs, amounts in alpha
    ///         units; `credited` = ownerCut + server + validator - burned.
    event EpochFinished(
        uint16 indexed netuid,
        uint64 epochIndex,
        uint64 ownerCut,
        uint64 totalServer,
        uint64 totalValidator,
        uint64 burned,
        uint256 credited
    );
    /// @notice `amount` NOOS wei of emission was minted to `account`.
    event EmissionClaimed(address indexed account, uint256 amount);

    // ------------------------------------------------------------------ admin

    /// @notice Starts handing the admin role to `newAdmin` (who must accept). Only the admin.
    function transferAdmin(address newAdmin) external;
    /// @notice Accepts a pending admin transfer. Only the pending admin.
    function acceptAdmin() external;
    /// @notice Replaces the protocol config. Only the registry admin.
    function setConfig(Config memory config) external;
    /// @notice Sets kappa, max validators, owner cut and stake threshold of a subnet. Only the
    ///         registry admin; not during an epoch.
    function setProtocolHyperparams(uint16 netuid, ProtocolHyperparams memory protocol) external;

    // ------------------------------------------------------------------ subnet owner

    /// @notice Creates a subnet owned by the caller, locking `lockCost()` NOOS (approve the
    ///         registry first), with the default hyperparameters. The next lock costs double.
    /// @param maxLock Most the caller accepts to lock (front-running guard on a config change).
    /// @return netuid The new subnet's id (from 1).
    function createSubnet(uint256 maxLock) external returns (uint16 netuid);
    /// @notice Dissolves the subnet. Before `config.subnetMinLifetime` blocks the lock is burned;
    ///         after, the owner gets the lock minus the owner cut it was credited, the rest is
    ///         burned. The subnet leaves the emission split. Neurons keep their claimable emission;
    ///         nothing else can happen in the subnet. Only the owner; not during an epoch.
    function dissolveSubnet(uint16 netuid) external;
    /// @notice Replaces the owner-settable hyperparameters, each within its bounds. Only the owner
    ///         or the registry admin; not during an epoch.
    function setHyperparams(uint16 netuid, Hyperparams memory hyperparams) external;

    // ------------------------------------------------------------------ neurons

    /// @notice Registers the caller as a hotkey of the subnet, burning the registration fee
    ///         (approve the registry first). Takes the next uid, or when the subnet is full the
    ///         non-immune uid with the lowest last-epoch emission (ties: the earliest registration,
    ///         then the lower uid). The subnet owner's uid is never replaced.
    /// @param maxFee Most the caller accepts to burn.
    /// @return uid The caller's uid.
    function registerNeuron(uint16 netuid, uint256 maxFee) external returns (uint16 uid);
    /// @notice Publishes the caller's endpoint (at most 256 bytes), e.g. an HTTP URL of a miner.
    function setEndpoint(uint16 netuid, string calldata endpoint) external;
    /// @notice Sets the caller's weights (commit-reveal off). Checks, in order: lengths, registered,
    ///         stake threshold (owner exempt), version key, rate limit, permit (unless a single
    ///         self-weight or the owner), uids in range and unique, count >= min(minAllowedWeights, n)
    ///         (unless a self-weight). Values are max-upscaled so the largest becomes 65535.
    function setWeights(uint16 netuid, uint16[] calldata uids, uint16[] calldata values, uint64 versionKey) external;
    /// @notice Commits keccak256(abi.encode(caller, netuid, uids, values, salt, versionKey)), with
    ///         uint16[] uids and values, bytes32 salt and uint64 versionKey (commit-reveal on). Rate-limited like setWeights; counts as the uid's last update. At most 10
    ///         unrevealed commits.
    function commitWeights(uint16 netuid, bytes32 commitHash) external;
    /// @notice Reveals a commit at epoch index commitEpoch + revealPeriodEpochs and sets the
    ///         weights (the setWeights checks except the rate limit; the last update stays the
    ///         commit's).
    function revealWeights(
        uint16 netuid,
        uint16[] calldata uids,
        uint16[] calldata values,
        bytes32 salt,
        uint64 versionKey
    ) external;

    // ------------------------------------------------------------------ epoch and emission

    /// @notice Starts the subnet's epoch if `tempo` blocks passed since the last one, or continues
    ///         the one in progress, doing at most `maxColumns` units of work (0 = no limit). Anyone.
    ///         A call that starts the epoch does at least min(whole epoch, n + 128) units
    ///         (whole epoch <= 5n units, 9n with liquid alpha): a small subnet's epoch finishes in
    ///         the starting call, a large one's starter pays the prepare, every row sum of up to 128
    ///         validators and more (about 25M gas at 64 validators x 256 uids), so a 1-unit start
    ///         cannot leave the subnet frozen for others to pay.
    /// @return finished True when the epoch finished in this call.
    function runEpoch(uint16 netuid, uint256 maxColumns) external returns (bool finished);
    /// @notice Mints `account`'s credited emission to it. Anyone may trigger it.
    /// @return amount NOOS wei minted.
    function claim(address account) external returns (uint256 amount);

    // ------------------------------------------------------------------ views

    /// @notice The registry admin (subtensor's root for these subnets).
    function admin() external view returns (address);
    /// @notice The account that may accept the admin role, or 0.
    function pendingAdmin() external view returns (address);
    /// @notice The protocol config.
    function config() external view returns (Config memory);
    /// @notice Number of subnets created (netuids 1..subnetCount).
    function subnetCount() external view returns (uint16);
    /// @notice NOOS wei the next createSubnet locks.
    function lockCost() external view returns (uint256);
    /// @notice Sum of the live subnets' stake weights (alpha units), the emission split's denominator.
    function totalStakeWeight() external view returns (uint256);
    /// @notice A subnet with its hyperparameters and epoch state.
    function getSubnet(uint16 netuid) external view returns (SubnetInfo memory);
    /// @notice A uid of the subnet.
    function getNeuron(uint16 netuid, uint16 uid) external view returns (NeuronInfo memory);
    /// @notice The uid of `hotkey` in the subnet, if registered.
    function uidOf(uint16 netuid, address hotkey) external view returns (bool registered, uint16 uid);
    /// @notice The uid's unrevealed commits (expired ones included until they are dropped).
    function commitsOf(uint16 netuid, uint16 uid) external view returns (WeightCommit[] memory);
    /// @notice NOOS wei credited to `account` and not yet claimed.
    function claimable(address account) external view returns (uint256);
    /// @notice Totals over all subnets: NOOS wei credited, and minted by claims.
    function emissionTotals() external view returns (uint256 credited, uint256 claimed);
    /// @notice The Staking role whose stake counts in subnet `netuid`.
    function subnetStakeRole(uint16 netuid) external pure returns (bytes32);
}
