// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStaking} from "../staking/IStaking.sol";
import {NoosToken} from "../token/NoosToken.sol";
import {ISubnetRegistry} from "./ISubnetRegistry.sol";
import {SubnetRegistryLib} from "./SubnetRegistryLib.sol";
import {YumaEpochEngine} from "./YumaEpochEngine.sol";

/// @title SubnetRegistry
/// @notice Subnets, neurons, weights and emission around the Yuma epoch engine. See
///         ISubnetRegistry for units and formulas (the stake-weighted emission split across
///         subnets, the doubling lock cost, the lock refund, the owner's staked exemptions). The
///         registry admin plays subtensor's root: protocol config, kappa, validator permits, owner
///         cut, stake threshold and the global emission rate. Needs NoosToken's MINTER_ROLE to pay
///         claims.
/// @dev A plain two-step admin rather than AccessControl: the registry shares its code-size
///      budget with the epoch engine.
contract SubnetRegistry is ISubnetRegistry, YumaEpochEngine {
    /// @notice NOOS wei per alpha unit of the engine (1 gwei).
    uint256 internal constant ALPHA_UNIT = 1e9;
    /// @notice Hard cap on uids per subnet (subtensor's DefaultMaxAllowedUids); the duplicate
    ///         check uses one 256-bit map.
    uint16 internal constant MAX_UIDS = 256;
    /// @notice Most unrevealed commits per uid (subtensor: 10).
    uint256 internal constant MAX_COMMITS = 10;
    /// @notice Longest endpoint, bytes.
    uint256 internal constant MAX_ENDPOINT_LENGTH = 256;
    uint16 internal constant U16_MAX = type(uint16).max;
    /// @notice Work units a starting runEpoch call does beyond the prepare (n units) unless the
    ///         whole epoch is smaller: 64 validators x 256 uids measure ~25M gas for n + 128.
    uint256 internal constant EPOCH_START_EXTRA_WORK = 128;

    /// @notice The NOOS token: fees are burned from it, emissions minted by it.
    NoosToken public immutable token;
    /// @notice Where subnet stake is read.
    IStaking public immutable staking;

    address private _admin;
    address private _pendingAdmin;
    Config private _config;
    SubnetRegistryLib.Network private _network;
    uint16 private _subnetCount;
    uint256 private _totalCredited;
    uint256 private _totalClaimed;
    mapping(uint16 netuid => SubnetRegistryLib.Subnet) private _subnets;
    mapping(uint16 netuid => mapping(uint16 uid => address)) private _hotkeys;
    mapping(uint16 netuid => mapping(uint16 uid => SubnetRegistryLib.Neuron)) private _neurons;
    mapping(uint16 netuid => mapping(address hotkey => uint16)) private _uidPlusOne;
    mapping(uint16 netuid => mapping(uint16 uid => string)) private _endpoints;
    mapping(uint16 netuid => mapping(uint16 uid => WeightCommit[])) private _commits;
    mapping(address account => uint256) private _claimable;

    /// @param token_ NOOS (the registry needs its MINTER_ROLE).
    /// @param staking_ Staking, read for subnet stake.
    /// @param admin_ The registry admin.
    /// @param config_ Protocol config and bounds.
    constructor(NoosToken token_, IStaking staking_, address admin_, Config memory config_) {
        if (address(token_) == address(0)) revert SubnetZeroAddress("token");
        if (address(staking_) == address(0)) revert SubnetZeroAddress("staking");
        if (admin_ == address(0)) revert SubnetZeroAddress("admin");
        token = token_;
        staking = staking_;
        _admin = admin_;
        emit AdminTransferred(address(0), admin_);
        SubnetRegistryLib.setConfig(_config, _network, config_, 0);
    }

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert SubnetNotAdmin(msg.sender, _admin);
        _;
    }

    // ------------------------------------------------------------------ admin

    /// @inheritdoc ISubnetRegistry
    function transferAdmin(address newAdmin) external onlyAdmin {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @inheritdoc ISubnetRegistry
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin) revert SubnetNotAdmin(msg.sender, _pendingAdmin);
        address previous = _admin;
        _admin = msg.sender;
        _pendingAdmin = address(0);
        emit AdminTransferred(previous, msg.sender);
    }

    /// @inheritdoc ISubnetRegistry
    function setConfig(Config memory config_) external onlyAdmin {
        SubnetRegistryLib.setConfig(_config, _network, config_, _subnetCount);
    }

    /// @inheritdoc ISubnetRegistry
    function setProtocolHyperparams(uint16 netuid, ProtocolHyperparams memory protocol) external onlyAdmin {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        _requireNoEpoch(netuid, s);
        uint16 validators = protocol.maxAllowedValidators;
        if (validators == 0 || validators > MAX_UIDS) {
            revert SubnetParamOutOfRange(
                netuid, "maxAllowedValidators", int256(uint256(validators)), 1, int256(uint256(MAX_UIDS))
            );
        }
        s.php = protocol;
        emit ProtocolHyperparamsUpdated(netuid, protocol);
    }

    // ------------------------------------------------------------------ subnet owner

    /// @inheritdoc ISubnetRegistry
    function createSubnet(uint256 maxLock) external returns (uint16 netuid) {
        Config storage c = _config;
        if (_subnetCount >= c.maxSubnets) revert SubnetLimitReached(c.maxSubnets);
        netuid = ++_subnetCount;
        uint128 lock = SubnetRegistryLib.initSubnet(_subnets[netuid], _network, c, maxLock);
        emit SubnetCreated(netuid, msg.sender, lock);
        // NoosToken reverts on failure; the bool is checked anyway.
        if (lock > 0 && !token.transferFrom(msg.sender, address(this), lock)) revert SubnetTransferFailed();
    }

    /// @inheritdoc ISubnetRegistry
    function dissolveSubnet(uint16 netuid) external {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        if (msg.sender != s.owner) revert SubnetNotOwner(netuid, msg.sender, s.owner);
        _requireNoEpoch(netuid, s);
        (uint256 refund, uint256 burned) = SubnetRegistryLib.dissolve(s, _network, _config);
        emit SubnetDissolved(netuid, msg.sender, refund, burned);
        if (burned > 0) token.burn(burned);
        if (refund > 0 && !token.transfer(msg.sender, refund)) revert SubnetTransferFailed();
    }

    /// @inheritdoc ISubnetRegistry
    function setHyperparams(uint16 netuid, Hyperparams memory p) external {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        bool isAdmin = msg.sender == _admin;
        if (msg.sender != s.owner && !isAdmin) revert SubnetNotOwner(netuid, msg.sender, s.owner);
        _requireNoEpoch(netuid, s);
        SubnetRegistryLib.setHyperparams(s.hp, _config, netuid, s.n, p, isAdmin);
    }

    // ------------------------------------------------------------------ neurons

    /// @inheritdoc ISubnetRegistry
    function registerNeuron(uint16 netuid, uint256 maxFee) external returns (uint16 uid) {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        _requireNoEpoch(netuid, s);
        uint16 existing = _uidPlusOne[netuid][msg.sender];
        if (existing != 0) revert SubnetAlreadyRegistered(netuid, msg.sender, existing - 1);
        uint256 fee = s.hp.registrationFee;
        if (fee > maxFee) revert SubnetFeeAboveMax(netuid, fee, maxFee);

        uint64 now_ = uint64(block.number);
        address replaced;
        if (s.n < s.hp.maxAllowedUids) {
            uid = s.n;
            s.n = uid + 1;
            _yumaSetN(netuid, uid + 1);
        } else {
            uid = SubnetRegistryLib.uidToReplace(
                _neurons[netuid], netuid, s.n, _ownerPlusOne(netuid, s), s.hp.immunityPeriod
            );
            replaced = _hotkeys[netuid][uid];
            delete _uidPlusOne[netuid][replaced];
            delete _endpoints[netuid][uid];
            delete _commits[netuid][uid];
            emit NeuronDeregistered(netuid, uid, replaced);
        }
        _hotkeys[netuid][uid] = msg.sender;
        _uidPlusOne[netuid][msg.sender] = uid + 1;
        _neurons[netuid][uid] = SubnetRegistryLib.Neuron({registeredAt: now_, lastEmission: 0, lastWeightsBlock: 0});
        _yumaResetUid(netuid, uid, now_);
        emit NeuronRegistered(netuid, uid, msg.sender, fee, replaced);
        if (fee > 0) token.burnFrom(msg.sender, fee);
    }

    /// @inheritdoc ISubnetRegistry
    function setEndpoint(uint16 netuid, string calldata endpoint) external {
        _activeSubnet(netuid);
        uint16 uid = _registeredUid(netuid, msg.sender);
        if (bytes(endpoint).length > MAX_ENDPOINT_LENGTH) {
            revert SubnetEndpointTooLong(bytes(endpoint).length, MAX_ENDPOINT_LENGTH);
        }
        _endpoints[netuid][uid] = endpoint;
        emit EndpointSet(netuid, uid, msg.sender, endpoint);
    }

    /// @inheritdoc ISubnetRegistry
    function setWeights(uint16 netuid, uint16[] calldata uids, uint16[] calldata values, uint64 versionKey) external {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        _requireNoEpoch(netuid, s);
        if (s.hp.commitReveal) revert SubnetCommitRevealEnabled(netuid);
        if (uids.length != values.length) revert SubnetWeightsLengthMismatch(uids.length, values.length);
        uint16 uid = _registeredUid(netuid, msg.sender);
        _applyWeights(netuid, s, uid, uids, values, versionKey, true);
        uint64 now_ = uint64(block.number);
        _neurons[netuid][uid].lastWeightsBlock = now_;
        _yumaSetLastUpdate(netuid, uid, now_);
    }

    /// @inheritdoc ISubnetRegistry
    function commitWeights(uint16 netuid, bytes32 hash) external {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        _requireNoEpoch(netuid, s);
        if (!s.hp.commitReveal) revert SubnetCommitRevealDisabled(netuid);
        uint16 uid = _registeredUid(netuid, msg.sender);
        _checkRateLimit(netuid, s, uid);
        uint64 current = s.epochIndex;
        uint64 period = s.hp.revealPeriodEpochs;
        WeightCommit[] storage queue = _commits[netuid][uid];
        SubnetRegistryLib.dropExpired(queue, current, period);
        if (queue.length >= MAX_COMMITS) revert SubnetTooManyCommits(netuid, uid, MAX_COMMITS);
        uint64 now_ = uint64(block.number);
        queue.push(WeightCommit({commitHash: hash, commitEpoch: current, commitBlock: now_}));
        _neurons[netuid][uid].lastWeightsBlock = now_;
        _yumaSetLastUpdate(netuid, uid, now_);
        emit WeightsCommitted(netuid, uid, msg.sender, hash, current + period);
    }

    /// @inheritdoc ISubnetRegistry
    function revealWeights(
        uint16 netuid,
        uint16[] calldata uids,
        uint16[] calldata values,
        bytes32 salt,
        uint64 versionKey
    ) external {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        _requireNoEpoch(netuid, s);
        if (!s.hp.commitReveal) revert SubnetCommitRevealDisabled(netuid);
        if (uids.length != values.length) revert SubnetWeightsLengthMismatch(uids.length, values.length);
        uint16 uid = _registeredUid(netuid, msg.sender);
        bytes32 hash = keccak256(abi.encode(msg.sender, netuid, uids, values, salt, versionKey));
        SubnetRegistryLib.consumeCommit(_commits[netuid][uid], netuid, uid, hash, s.epochIndex, s.hp.revealPeriodEpochs);
        _applyWeights(netuid, s, uid, uids, values, versionKey, false);
        emit WeightsRevealed(netuid, uid, msg.sender, hash);
    }

    // ------------------------------------------------------------------ epoch and emission

    /// @inheritdoc ISubnetRegistry
    function runEpoch(uint16 netuid, uint256 maxColumns) external returns (bool finished) {
        SubnetRegistryLib.Subnet storage s = _activeSubnet(netuid);
        if (!s.epochRunning) maxColumns = _startEpoch(netuid, s, maxColumns);
        // 0 = no limit; 2^128 stays clear of overflow in the engine's budget arithmetic.
        finished =
            _yumaEpochStep(netuid, maxColumns == 0 || maxColumns > type(uint128).max ? type(uint128).max : maxColumns);
    }

    /// Starts the epoch's emission and returns the starting call's work budget: the whole epoch
    /// (<= 5n units, 9n with liquid alpha) or at least n + EPOCH_START_EXTRA_WORK (finding 11).
    function _startEpoch(uint16 netuid, SubnetRegistryLib.Subnet storage s, uint256 maxColumns)
        private
        returns (uint256)
    {
        uint64 elapsed = SubnetRegistryLib.startEpoch(
            s,
            _network,
            _config.emissionPerBlock,
            netuid,
            _units(staking.totalStaked(subnetStakeRole(netuid))),
            _ownerStaked(netuid, s)
        );
        uint64 cut = s.pendingOwnerCut;
        emit EpochStarted(netuid, s.epochIndex, elapsed, s.pendingEmission + cut, cut);
        uint256 n = s.n;
        uint256 minWork = n * (s.hp.liquidAlpha ? 9 : 5);
        if (minWork > n + EPOCH_START_EXTRA_WORK) minWork = n + EPOCH_START_EXTRA_WORK;
        return maxColumns != 0 && maxColumns < minWork ? minWork : maxColumns;
    }

    /// @inheritdoc ISubnetRegistry
    function claim(address account) external returns (uint256 amount) {
        amount = _claimable[account];
        if (amount == 0) revert SubnetNothingToClaim(account);
        _claimable[account] = 0;
        _totalClaimed += amount;
        emit EmissionClaimed(account, amount);
        token.mint(account, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISubnetRegistry
    function admin() external view returns (address) {
        return _admin;
    }

    /// @inheritdoc ISubnetRegistry
    function pendingAdmin() external view returns (address) {
        return _pendingAdmin;
    }

    /// @inheritdoc ISubnetRegistry
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @inheritdoc ISubnetRegistry
    function subnetCount() external view returns (uint16) {
        return _subnetCount;
    }

    /// @inheritdoc ISubnetRegistry
    function lockCost() external view returns (uint256) {
        return SubnetRegistryLib.lockCost(_network, _config);
    }

    /// @inheritdoc ISubnetRegistry
    function totalStakeWeight() external view returns (uint256) {
        return _network.totalWeight;
    }

    /// @inheritdoc ISubnetRegistry
    function getSubnet(uint16 netuid) external view returns (SubnetInfo memory) {
        return SubnetRegistryLib.subnetInfo(_subnet(netuid), netuid);
    }

    /// @inheritdoc ISubnetRegistry
    function getNeuron(uint16 netuid, uint16 uid) external view returns (NeuronInfo memory info) {
        SubnetRegistryLib.Subnet storage s = _subnet(netuid);
        if (uid >= s.n) revert SubnetUidOutOfRange(netuid, uid, s.n);
        SubnetRegistryLib.Neuron memory nr = _neurons[netuid][uid];
        address hotkey = _hotkeys[netuid][uid];
        info.uid = uid;
        info.hotkey = hotkey;
        info.registeredAt = nr.registeredAt;
        info.lastEmission = nr.lastEmission;
        info.lastWeightsBlock = nr.lastWeightsBlock;
        info.immune = (hotkey == s.owner && _ownerStaked(netuid, s)) || _isImmune(nr.registeredAt, s.hp.immunityPeriod);
        info.stake = _stakeUnits(netuid, hotkey);
        info.endpoint = _endpoints[netuid][uid];
    }

    /// @inheritdoc ISubnetRegistry
    function uidOf(uint16 netuid, address hotkey) external view returns (bool registered, uint16 uid) {
        uint16 plusOne = _uidPlusOne[netuid][hotkey];
        return plusOne == 0 ? (false, 0) : (true, plusOne - 1);
    }

    /// @inheritdoc ISubnetRegistry
    function commitsOf(uint16 netuid, uint16 uid) external view returns (WeightCommit[] memory) {
        return _commits[netuid][uid];
    }

    /// @inheritdoc ISubnetRegistry
    function claimable(address account) external view returns (uint256) {
        return _claimable[account];
    }

    /// @inheritdoc ISubnetRegistry
    function emissionTotals() external view returns (uint256 credited, uint256 claimed) {
        return (_totalCredited, _totalClaimed);
    }

    /// @inheritdoc ISubnetRegistry
    function subnetStakeRole(uint16 netuid) public pure returns (bytes32) {
        return keccak256(abi.encode("SUBNET", netuid));
    }

    // ------------------------------------------------------------------ engine hooks

    function _yumaParams(uint16 netuid) internal view override returns (YumaParams memory p) {
        SubnetRegistryLib.Subnet storage s = _subnets[netuid];
        Hyperparams storage hp = s.hp;
        uint16 ownerPlusOne = _ownerPlusOne(netuid, s);
        uint256 cutoff = uint256(hp.activityCutoffFactorMilli) * hp.tempo / 1000;
        p.tempo = hp.tempo;
        p.kappa = s.php.kappa;
        p.bondsPenalty = hp.bondsPenalty;
        p.bondsMovingAverage = hp.bondsMovingAverage;
        p.yuma3 = hp.yuma3;
        p.liquidAlpha = hp.liquidAlpha;
        p.alphaLow = hp.alphaLow;
        p.alphaHigh = hp.alphaHigh;
        p.alphaSigmoidSteepness = hp.alphaSigmoidSteepness;
        p.maxAllowedValidators = s.php.maxAllowedValidators;
        p.hasOwner = ownerPlusOne != 0;
        p.ownerUid = ownerPlusOne == 0 ? 0 : ownerPlusOne - 1;
        p.stakeThreshold = s.php.stakeThreshold;
        if (cutoff > type(uint64).max) cutoff = type(uint64).max;
        // forge-lint: disable-next-line(unsafe-typecast) saturated above
        p.activityCutoff = cutoff == 0 ? 1 : uint64(cutoff);
        p.commitReveal = hp.commitReveal;
        p.raoEmission = s.pendingEmission;
    }

    function _yumaStake(uint16 netuid, uint16 uid) internal view override returns (uint64) {
        return _stakeUnits(netuid, _hotkeys[netuid][uid]);
    }

    function _yumaCommitBlock(uint16 netuid, uint16 uid) internal view override returns (uint64) {
        SubnetRegistryLib.Subnet storage s = _subnets[netuid];
        return SubnetRegistryLib.commitBlock(_commits[netuid][uid], s.epochIndex, s.hp.revealPeriodEpochs);
    }

    function _yumaPayout(uint16 netuid, uint16 uid, uint64 serverEmission, uint64 validatorEmission) internal override {
        SubnetRegistryLib.Subnet storage s = _subnets[netuid];
        uint256 emission = uint256(serverEmission) + validatorEmission;
        // forge-lint: disable-next-line(unsafe-typecast) saturated on the line itself
        _neurons[netuid][uid].lastEmission = emission > type(uint64).max ? type(uint64).max : uint64(emission);
        address hotkey = _hotkeys[netuid][uid];
        uint256 units = validatorEmission;
        // As in subtensor, miner emission to the owner's own hotkey is burned (owners use
        // self-weight to burn emission); its validator emission is paid.
        if (hotkey == s.owner) s.epochBurned += serverEmission;
        else units += serverEmission;
        // Never pay more than the epoch's emission, whatever the engine reports.
        uint256 left = s.pendingEmission - s.epochPaid;
        if (units > left) units = left;
        if (units == 0) return;
        // forge-lint: disable-next-line(unsafe-typecast) units <= left <= pendingEmission (u64)
        s.epochPaid += uint64(units);
        _credit(hotkey, units * ALPHA_UNIT);
    }

    function _yumaEpochFinished(uint16 netuid, uint64 totalServer, uint64 totalValidator) internal override {
        SubnetRegistryLib.Subnet storage s = _subnets[netuid];
        uint64 cut = s.pendingOwnerCut;
        uint256 credited = (uint256(cut) + s.epochPaid) * ALPHA_UNIT;
        uint64 burned = s.epochBurned;
        if (cut > 0) {
            _credit(s.owner, uint256(cut) * ALPHA_UNIT);
            uint256 earned = uint256(s.ownerEarned) + cut;
            // forge-lint: disable-next-line(unsafe-typecast) saturated on the line itself
            s.ownerEarned = earned > type(uint64).max ? type(uint64).max : uint64(earned);
        }
        uint64 index = s.epochIndex + 1;
        s.epochIndex = index;
        s.epochRunning = false;
        s.pendingEmission = 0;
        s.pendingOwnerCut = 0;
        s.epochPaid = 0;
        s.epochBurned = 0;
        emit EpochFinished(netuid, index, cut, totalServer, totalValidator, burned, credited);
    }

    // ------------------------------------------------------------------ internals

    function _applyWeights(
        uint16 netuid,
        SubnetRegistryLib.Subnet storage s,
        uint16 uid,
        uint16[] calldata uids,
        uint16[] calldata values,
        uint64 versionKey,
        bool rateLimited
    ) private {
        _checkSetter(netuid, s, uid, versionKey, rateLimited);
        _checkTargets(netuid, s, uid, uids);
        _yumaSetWeights(netuid, uid, uids, SubnetRegistryLib.maxUpscale(values));
        emit WeightsSet(netuid, uid, msg.sender, uids.length, versionKey);
    }

    /// Stake threshold (owner exempt), version key, rate limit.
    function _checkSetter(
        uint16 netuid,
        SubnetRegistryLib.Subnet storage s,
        uint16 uid,
        uint64 versionKey,
        bool rateLimited
    ) private view {
        uint64 threshold = s.php.stakeThreshold;
        if (threshold > 0 && !_isStakedOwner(netuid, s)) {
            uint64 stake_ = _stakeUnits(netuid, msg.sender);
            if (stake_ < threshold) revert SubnetStakeBelowThreshold(netuid, uid, stake_, threshold);
        }
        uint64 required = s.hp.weightsVersionKey;
        if (required != 0 && versionKey < required) revert SubnetVersionKeyTooLow(netuid, versionKey, required);
        if (rateLimited) _checkRateLimit(netuid, s, uid);
    }

    /// Permit (unless a single self-weight or the owner), uids in range and unique, enough weights.
    function _checkTargets(uint16 netuid, SubnetRegistryLib.Subnet storage s, uint16 uid, uint16[] calldata uids)
        private
        view
    {
        bool selfWeight = uids.length == 1 && uids[0] == uid;
        if (!selfWeight && !_isStakedOwner(netuid, s) && !_hasPermit(netuid, uid)) {
            revert SubnetNoValidatorPermit(netuid, uid);
        }
        uint16 n = s.n;
        uint256 seen; // bit u set once uid u is listed (n <= 256)
        for (uint256 i; i < uids.length; ++i) {
            uint16 target = uids[i];
            if (target >= n) revert SubnetUidOutOfRange(netuid, target, n);
            uint256 bit = uint256(1) << target;
            if (seen & bit != 0) revert SubnetDuplicateUid(netuid, target);
            seen |= bit;
        }
        if (!selfWeight) {
            uint256 min = s.hp.minAllowedWeights < n ? s.hp.minAllowedWeights : n;
            if (uids.length < min) revert SubnetTooFewWeights(netuid, uids.length, min);
        }
    }

    function _checkRateLimit(uint16 netuid, SubnetRegistryLib.Subnet storage s, uint16 uid) private view {
        uint64 last = _neurons[netuid][uid].lastWeightsBlock;
        if (last == 0) return; // the first weights after registration are never limited
        uint256 next = uint256(last) + s.hp.weightsSetRateLimit;
        // forge-lint: disable-next-line(unsafe-typecast) u64 + u64 < 2^65; only shown in the error
        if (block.number < next) revert SubnetWeightsRateLimited(netuid, uid, uint64(next));
    }

    function _isImmune(uint64 registeredAt, uint64 immunityPeriod) private view returns (bool) {
        return block.number < uint256(registeredAt) + immunityPeriod;
    }

    function _credit(address account, uint256 amount) private {
        _claimable[account] += amount;
        _totalCredited += amount;
    }

    function _stakeUnits(uint16 netuid, address hotkey) private view returns (uint64) {
        if (hotkey == address(0)) return 0;
        return _units(staking.stakeOf(hotkey, subnetStakeRole(netuid)));
    }

    function _units(uint256 amount) private pure returns (uint64) {
        uint256 units = amount / ALPHA_UNIT;
        // forge-lint: disable-next-line(unsafe-typecast) saturated on the line itself
        return units > type(uint64).max ? type(uint64).max : uint64(units);
    }

    /// The owner's exemptions hold only while it stakes at least config.ownerMinStake in the subnet.
    function _ownerStaked(uint16 netuid, SubnetRegistryLib.Subnet storage s) private view returns (bool) {
        return staking.stakeOf(s.owner, subnetStakeRole(netuid)) >= _config.ownerMinStake;
    }

    function _isStakedOwner(uint16 netuid, SubnetRegistryLib.Subnet storage s) private view returns (bool) {
        return msg.sender == s.owner && _ownerStaked(netuid, s);
    }

    /// The owner's uid + 1 if it is registered and staked (its exemptions hold), else 0.
    function _ownerPlusOne(uint16 netuid, SubnetRegistryLib.Subnet storage s) private view returns (uint16) {
        uint16 plusOne = _uidPlusOne[netuid][s.owner];
        return plusOne != 0 && _ownerStaked(netuid, s) ? plusOne : 0;
    }

    function _hasPermit(uint16 netuid, uint16 uid) private view returns (bool) {
        // The engine exposes the permit as an external view only.
        return this.validatorPermit(netuid, uid);
    }

    function _subnet(uint16 netuid) private view returns (SubnetRegistryLib.Subnet storage s) {
        s = _subnets[netuid];
        if (s.owner == address(0)) revert SubnetUnknown(netuid);
    }

    function _activeSubnet(uint16 netuid) private view returns (SubnetRegistryLib.Subnet storage s) {
        s = _subnet(netuid);
        if (s.dissolved) revert SubnetIsDissolved(netuid);
    }

    function _requireNoEpoch(uint16 netuid, SubnetRegistryLib.Subnet storage s) private view {
        if (s.epochRunning) revert SubnetEpochInProgress(netuid);
    }

    function _registeredUid(uint16 netuid, address hotkey) private view returns (uint16) {
        uint16 plusOne = _uidPlusOne[netuid][hotkey];
        if (plusOne == 0) revert SubnetNotRegistered(netuid, hotkey);
        return plusOne - 1;
    }
}
