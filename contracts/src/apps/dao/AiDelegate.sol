// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {CallbackConsumer} from "../../coprocessor/CallbackConsumer.sol";
import {ICoprocessorCoordinator} from "../../coprocessor/ICoprocessorCoordinator.sol";
import {IAiDelegate} from "./IAiDelegate.sol";

/// @title AiDelegate
/// @notice A vote delegate that follows a zk-verified classifier and escalates when it is unsure
///         (see IAiDelegate for the feature commitment, units, timing and fees).
contract AiDelegate is CallbackConsumer, IAiDelegate {
    /// @notice 1.0 in feature and threshold units (4 decimals).
    int256 public constant FEATURE_ONE = 10_000;
    /// @notice Largest feature magnitude accepted (1e8 in feature units = 10_000.0).
    int256 public constant FEATURE_LIMIT = 1e12;
    /// @notice The description suffix that commits to the features: `#ai-features=0x` + 64 hex.
    string public constant COMMITMENT_PREFIX = "#ai-features=0x";

    uint8 internal constant AGAINST = 0;
    uint8 internal constant ABSTAIN = 2;
    uint8 internal constant MAX_SCALE = 32;
    uint256 internal constant PREFIX_LENGTH = 15;
    uint256 internal constant SUFFIX_LENGTH = PREFIX_LENGTH + 64;

    /// @notice The DAO's governor this delegate votes in.
    IGovernor public immutable GOVERNOR;
    /// @notice The DAO's executor: the only account that changes the model and threshold.
    address public immutable TIMELOCK;

    ModelConfig internal _model;
    uint64 internal _threshold;
    RequestConfig internal _requestConfig;
    mapping(uint256 proposalId => ProposalVote) internal _votes;
    mapping(uint256 requestId => uint256 proposalId) internal _proposalOf;

    modifier onlyTimelock() {
        if (msg.sender != TIMELOCK) revert AiDelegateNotTimelock(msg.sender);
        _;
    }

    constructor(
        ICoprocessorCoordinator coordinator,
        IGovernor governor,
        address timelock,
        ModelConfig memory model_,
        uint64 threshold_,
        RequestConfig memory requestConfig_
    ) CallbackConsumer(coordinator) {
        if (address(coordinator) == address(0) || address(governor) == address(0) || timelock == address(0)) {
            revert AiDelegateZeroAddress();
        }
        GOVERNOR = governor;
        TIMELOCK = timelock;
        _setModel(model_);
        _setThreshold(threshold_);
        _setRequestConfig(requestConfig_);
    }

    // ---------------------------------------------------------------- trigger and vote

    /// @inheritdoc IAiDelegate
    function trigger(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description,
        int256[] calldata features
    ) external returns (uint256 proposalId, uint256 requestId) {
        bytes32 descriptionHash = keccak256(bytes(description));
        proposalId = GOVERNOR.getProposalId(targets, values, calldatas, descriptionHash);
        if (GOVERNOR.proposalSnapshot(proposalId) == 0) revert AiDelegateUnknownProposal(proposalId);
        IGovernor.ProposalState state = GOVERNOR.state(proposalId);
        if (state != IGovernor.ProposalState.Pending && state != IGovernor.ProposalState.Active) {
            revert AiDelegateProposalNotOpen(proposalId, state);
        }
        ProposalVote storage v = _votes[proposalId];
        if (v.status != Status.None && !_retriggerable(v)) revert AiDelegateAlreadyTriggered(proposalId, v.requestId);

        bytes32 committed = _commitment(bytes(description));
        if (committed == bytes32(0)) revert AiDelegateNoFeatureCommitment(proposalId);
        bytes32 supplied = keccak256(abi.encode(features));
        if (supplied != committed) revert AiDelegateFeaturesMismatch(proposalId, committed, supplied);

        ModelConfig memory m = _model;
        RequestConfig memory rc = _requestConfig;
        requestId = _request(
            m.modelId,
            _quantize(features, m),
            bytes32(0),
            ICoprocessorCoordinator.Verification.Zk,
            1,
            rc.token,
            rc.feeCap,
            rc.callbackGasLimit,
            uint64(block.timestamp + rc.timeout)
        );
        v.requestId = requestId;
        v.status = Status.Requested;
        v.support = 0;
        v.escalated = false;
        v.modelId = m.modelId;
        v.thresholdRaw = _thresholdRaw(_threshold, m.outputScale);
        v.margin = 0;
        _proposalOf[requestId] = proposalId;
        emit Triggered(proposalId, requestId, msg.sender, m.modelId, supplied);
    }

    /// @inheritdoc IAiDelegate
    function castDecision(uint256 proposalId) external returns (uint256 weight) {
        ProposalVote storage v = _votes[proposalId];
        if (v.status != Status.Decided) revert AiDelegateNothingToCast(proposalId, v.status);
        IGovernor.ProposalState state = GOVERNOR.state(proposalId);
        if (state != IGovernor.ProposalState.Active) revert AiDelegateProposalNotOpen(proposalId, state);
        v.status = Status.Cast;
        uint8 support = v.support;
        weight = GOVERNOR.castVoteWithReason(proposalId, support, _reason(v.escalated));
        emit DelegateVoted(proposalId, support, weight);
    }

    /// @dev The coprocessor's verified answer. Never reverts on the proposal's state: a result for a
    ///      proposal that is not Active is recorded (Decided or Late).
    function _onResult(uint256 requestId, ICoprocessorCoordinator.Output calldata output, address) internal override {
        uint256 proposalId = _proposalOf[requestId];
        ProposalVote storage v = _votes[proposalId];
        if (proposalId == 0 || v.requestId != requestId || v.status != Status.Requested) return;
        int256[] calldata y = output.values;
        if (y.length != 2 && y.length != 3) {
            v.status = Status.Invalid;
            emit ResultInvalid(proposalId, requestId, y.length);
            return;
        }
        (uint8 winner, int256 margin) = _top(y);
        uint256 thresholdRaw = v.thresholdRaw;
        // forge-lint: disable-next-line(unsafe-typecast)
        bool escalated = margin < int256(thresholdRaw); // thresholdRaw < 2^96
        uint8 support = escalated ? ABSTAIN : winner;
        v.support = support;
        v.escalated = escalated;
        // forge-lint: disable-next-line(unsafe-typecast)
        v.margin = margin > type(int128).max ? type(int128).max : int128(margin); // margin >= 0, saturated
        emit Decided(proposalId, requestId, support, margin, thresholdRaw);
        if (escalated) emit Escalated(proposalId, requestId, margin, thresholdRaw);

        IGovernor.ProposalState state = GOVERNOR.state(proposalId);
        if (state == IGovernor.ProposalState.Active) {
            try GOVERNOR.castVoteWithReason(proposalId, support, _reason(escalated)) returns (uint256 weight) {
                v.status = Status.Cast;
                emit DelegateVoted(proposalId, support, weight);
            } catch {
                v.status = Status.Decided;
                emit VoteDeferred(proposalId, state);
            }
        } else if (state == IGovernor.ProposalState.Pending) {
            v.status = Status.Decided;
            emit VoteDeferred(proposalId, state);
        } else {
            v.status = Status.Late;
            emit ResultLate(proposalId, requestId, state);
        }
    }

    // ---------------------------------------------------------------- DAO settings

    /// @inheritdoc IAiDelegate
    function setModel(ModelConfig calldata model_) external onlyTimelock {
        _setModel(model_);
    }

    /// @inheritdoc IAiDelegate
    function setThreshold(uint64 threshold_) external onlyTimelock {
        _setThreshold(threshold_);
    }

    /// @inheritdoc IAiDelegate
    function setRequestConfig(RequestConfig calldata config) external onlyTimelock {
        _setRequestConfig(config);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAiDelegate
    function model() external view returns (ModelConfig memory) {
        return _model;
    }

    /// @inheritdoc IAiDelegate
    function threshold() external view returns (uint64) {
        return _threshold;
    }

    /// @inheritdoc IAiDelegate
    function requestConfig() external view returns (RequestConfig memory) {
        return _requestConfig;
    }

    /// @inheritdoc IAiDelegate
    function voteOf(uint256 proposalId) external view returns (ProposalVote memory) {
        return _votes[proposalId];
    }

    /// @inheritdoc IAiDelegate
    function proposalOfRequest(uint256 requestId) external view returns (uint256) {
        return _proposalOf[requestId];
    }

    /// @inheritdoc IAiDelegate
    function featuresHashOf(int256[] calldata features) external pure returns (bytes32) {
        return keccak256(abi.encode(features));
    }

    /// @inheritdoc IAiDelegate
    function featureCommitmentOf(string calldata description) external pure returns (bytes32) {
        return _commitment(bytes(description));
    }

    /// @inheritdoc IAiDelegate
    function quantize(int256[] calldata features) external view returns (int256[] memory) {
        return _quantize(features, _model);
    }

    // ---------------------------------------------------------------- internals

    function _setModel(ModelConfig memory m) internal {
        if (m.featureCount == 0 || m.inputScale > MAX_SCALE || m.outputScale > MAX_SCALE) {
            revert AiDelegateInvalidModel(m.modelId, m.featureCount, m.inputScale, m.outputScale);
        }
        _model = m;
        emit ModelSet(m.modelId, m.featureCount, m.inputScale, m.outputScale);
    }

    function _setThreshold(uint64 threshold_) internal {
        emit ThresholdSet(_threshold, threshold_);
        _threshold = threshold_;
    }

    function _setRequestConfig(RequestConfig memory c) internal {
        if (c.token == address(0) || c.callbackGasLimit == 0 || c.timeout == 0) {
            revert AiDelegateInvalidRequestConfig(c.token, c.callbackGasLimit, c.timeout);
        }
        _requestConfig = c;
        emit RequestConfigSet(c.token, c.feeCap, c.callbackGasLimit, c.timeout);
    }

    /// @dev A triggered proposal may be triggered again only when its request will never answer:
    ///      refunded, disputed, or delivered to a callback that failed.
    function _retriggerable(ProposalVote storage v) internal view returns (bool) {
        if (v.status != Status.Requested) return false;
        ICoprocessorCoordinator.IntervalState memory s = COORDINATOR.getInterval(v.requestId, 1);
        return s.status == ICoprocessorCoordinator.Status.Refunded
            || s.status == ICoprocessorCoordinator.Status.Disputed
            || (s.status == ICoprocessorCoordinator.Status.Delivered && s.callbackFailed);
    }

    /// @dev round(f * 2^inputScale / FEATURE_ONE), half away from zero. Bounded: |f| <= 1e12 and
    ///      inputScale <= 32, so |f| * 2^32 < 2^73.
    function _quantize(int256[] calldata features, ModelConfig memory m) internal pure returns (int256[] memory q) {
        if (features.length != m.featureCount) revert AiDelegateFeatureCount(m.featureCount, features.length);
        q = new int256[](features.length);
        int256 unit = int256(1) << m.inputScale;
        for (uint256 i; i < features.length; ++i) {
            int256 f = features[i];
            if (f > FEATURE_LIMIT || f < -FEATURE_LIMIT) revert AiDelegateFeatureOutOfRange(i, f);
            int256 a = f < 0 ? -f : f;
            int256 r = (a * unit + FEATURE_ONE / 2) / FEATURE_ONE;
            q[i] = f < 0 ? -r : r;
        }
    }

    /// @dev ceil(threshold * 2^outputScale / FEATURE_ONE); < 2^64 * 2^32.
    function _thresholdRaw(uint64 threshold_, uint8 outputScale) internal pure returns (uint128) {
        uint256 scaled = uint256(threshold_) << outputScale;
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 one = uint256(FEATURE_ONE); // a positive constant
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint128((scaled + one - 1) / one); // < 2^96
    }

    /// @dev The winning class (lowest index among the maxima) and its margin over the runner-up.
    ///      Logits are circuit outputs (field elements mapped to signed values, |y| < 2^254), so the
    ///      difference fits an int256.
    function _top(int256[] calldata y) internal pure returns (uint8 winner, int256 margin) {
        uint256 best;
        for (uint256 i = 1; i < y.length; ++i) {
            if (y[i] > y[best]) best = i;
        }
        bool hasSecond;
        int256 second;
        for (uint256 i; i < y.length; ++i) {
            if (i == best) continue;
            if (!hasSecond || y[i] > second) (second, hasSecond) = (y[i], true);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        winner = uint8(best); // y.length <= 3
        margin = y[best] - second;
    }

    /// @dev The `#ai-features=0x<64 hex>` suffix of a description, or 0 if it has none (or its
    ///      digits are not hex).
    function _commitment(bytes memory d) internal pure returns (bytes32) {
        uint256 n = d.length;
        if (n < SUFFIX_LENGTH) return bytes32(0);
        bytes memory prefix = bytes(COMMITMENT_PREFIX);
        uint256 start = n - SUFFIX_LENGTH;
        for (uint256 i; i < PREFIX_LENGTH; ++i) {
            if (d[start + i] != prefix[i]) return bytes32(0);
        }
        uint256 value;
        for (uint256 i = start + PREFIX_LENGTH; i < n; ++i) {
            uint8 c = uint8(d[i]);
            uint256 digit;
            if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
            else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
            else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
            else return bytes32(0);
            value = (value << 4) | digit;
        }
        return bytes32(value);
    }

    function _reason(bool escalated) internal pure returns (string memory) {
        return escalated
            ? "ai-delegate: margin below the DAO threshold; abstaining and escalating to token holders"
            : "ai-delegate: zk-verified model decision";
    }
}
