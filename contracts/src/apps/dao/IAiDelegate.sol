// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/// @title IAiDelegate
/// @notice A DAO vote delegate run by a zk-verified classifier ("an AI delegate that escalates when
///         uncertain"). Token holders delegate votes to it. For each proposal, anyone triggers it; it
///         asks the Noosphere coprocessor for a zk-proven classification of the proposal's
///         pre-agreed feature vector, and in the callback votes For or Against when the margin
///         between the top two logits reaches the DAO's threshold, else abstains and emits
///         `Escalated` so that the humans who delegated can step in.
/// @dev Pre-agreed features. The feature vector is committed in the proposal itself: the proposal's
///      description ends with `#ai-features=0x<64 hex digits>`, the keccak256 of
///      `abi.encode(int256[] features)`. The description is hashed into the proposal id, so the
///      features are fixed when the proposal is made, are public to every voter, and nobody (the
///      proposer included) can change them afterwards. `trigger` takes the proposal's full
///      (targets, values, calldatas, description) plus the features, recomputes the proposal id and
///      checks the commitment. A proposal without the suffix cannot be triggered.
///
///      Feature units. Features are fixed-point integers with 4 decimals (`FEATURE_ONE = 10_000`
///      is 1.0), independent of the model. The delegate converts them to the current model's input
///      scale (round(f * 2^inputScale / 10_000), half away from zero) and requests with the values
///      inline and `inputHash = 0`: the model's circuit takes public inputs, so the coordinator
///      computes the input hash from exactly these values on chain and the proof is bound to them.
///
///      Outputs. The model returns 2 or 3 logits in GovernorCountingSimple's order: 0 Against,
///      1 For (, 2 Abstain). The top logit wins (the lower index on a tie); its margin over the
///      runner-up, in the model's output fixed point, is compared with the threshold converted to
///      that scale (ceil(threshold * 2^outputScale / 10_000)). A margin below it casts Abstain and
///      emits `Escalated`. A threshold of 0 never escalates.
///
///      Timing. A proposal may be triggered while Pending or Active. If the result arrives while the
///      proposal is still Pending, the decision is recorded (`Decided`) and anyone casts it with
///      `castDecision` once voting opens. A result that arrives after voting closed is recorded
///      (`Late`); the callback does not revert for any of these.
///
///      Retrigger. A second trigger of a proposal is rejected unless its request was refunded
///      (not delivered by its deadline: anyone calls the coordinator's `refund`), disputed, or
///      delivered with a failed callback; then a new request replaces it.
///
///      Fees. The delegate pays the coprocessor from its own escrow at the coordinator: anyone (the
///      DAO's treasury, say) funds it with `coordinator.deposit(address(delegate), token, amount)`.
///
///      Governance. Only the DAO's executor (the TimelockController of a GovernorTimelockControl
///      governor) changes the model, the threshold and the request settings.
interface IAiDelegate {
    /// @notice Where a proposal stands with the delegate.
    enum Status {
        /// @dev Never triggered.
        None,
        /// @dev Waiting for the coprocessor.
        Requested,
        /// @dev Result in; the vote waits for the voting window (`castDecision`).
        Decided,
        /// @dev The vote (For, Against or Abstain) was cast.
        Cast,
        /// @dev The result came after voting closed (or the proposal was canceled): recorded only.
        Late,
        /// @dev The verified output had neither 2 nor 3 logits: recorded, no vote.
        Invalid
    }

    /// @notice The classifier: a ModelRegistry model with public inputs, and its fixed-point scales.
    struct ModelConfig {
        uint256 modelId;
        /// @dev Input values per request.
        uint8 featureCount;
        /// @dev The circuit's input scale: values are round(x * 2^inputScale).
        uint8 inputScale;
        /// @dev The circuit's output scale: logits are round(y * 2^outputScale).
        uint8 outputScale;
    }

    /// @notice How the delegate pays and bounds its requests.
    struct RequestConfig {
        /// @dev A ProtocolParams-listed ERC-20 escrowed for the delegate at the coordinator.
        address token;
        /// @dev Most paid per request (node fee + protocol fee).
        uint128 feeCap;
        /// @dev Gas given to the callback (which casts the vote: keep >= 200k).
        uint32 callbackGasLimit;
        /// @dev Seconds from trigger until the request is refundable.
        uint32 timeout;
    }

    /// @notice The delegate's record of one proposal.
    struct ProposalVote {
        /// @dev The current (latest) coprocessor request.
        uint256 requestId;
        Status status;
        /// @dev What was (or will be) cast: 0 Against, 1 For, 2 Abstain.
        uint8 support;
        /// @dev True when the margin was below the threshold (Abstain + `Escalated`).
        bool escalated;
        /// @dev The model (id) that answered.
        uint256 modelId;
        /// @dev The threshold in the model's output fixed point, fixed at trigger.
        uint128 thresholdRaw;
        /// @dev The top logit minus the runner-up, output fixed point (saturated to int128).
        int128 margin;
    }

    /// @notice The caller is not the DAO's executor (timelock).
    error AiDelegateNotTimelock(address caller);
    /// @notice A constructor address is zero.
    error AiDelegateZeroAddress();
    /// @notice The model settings are unusable (no features, or a scale above 32 bits).
    error AiDelegateInvalidModel(uint256 modelId, uint8 featureCount, uint8 inputScale, uint8 outputScale);
    /// @notice The request settings are unusable (no token, zero callback gas or zero timeout).
    error AiDelegateInvalidRequestConfig(address token, uint32 callbackGasLimit, uint32 timeout);
    /// @notice The governor knows no proposal with this id.
    error AiDelegateUnknownProposal(uint256 proposalId);
    /// @notice The proposal is not in a state for this action (trigger: Pending or Active;
    ///         castDecision: Active).
    error AiDelegateProposalNotOpen(uint256 proposalId, IGovernor.ProposalState state);
    /// @notice The proposal was already triggered and its request is still live or answered.
    error AiDelegateAlreadyTriggered(uint256 proposalId, uint256 requestId);
    /// @notice The description does not end with `#ai-features=0x<64 hex>`.
    error AiDelegateNoFeatureCommitment(uint256 proposalId);
    /// @notice The supplied features do not hash to the proposal's commitment.
    error AiDelegateFeaturesMismatch(uint256 proposalId, bytes32 committed, bytes32 supplied);
    /// @notice The number of features is not the model's.
    error AiDelegateFeatureCount(uint256 expected, uint256 received);
    /// @notice A feature is beyond +-FEATURE_LIMIT.
    error AiDelegateFeatureOutOfRange(uint256 index, int256 value);
    /// @notice There is no recorded decision waiting to be cast for the proposal.
    error AiDelegateNothingToCast(uint256 proposalId, Status status);

    /// @notice `caller` triggered the delegate on `proposalId`: request `requestId` asks `modelId`.
    event Triggered(
        uint256 indexed proposalId,
        uint256 indexed requestId,
        address indexed caller,
        uint256 modelId,
        bytes32 featuresHash
    );
    /// @notice The verified output of `requestId` decided `support` (0 Against, 1 For, 2 Abstain).
    event Decided(
        uint256 indexed proposalId, uint256 indexed requestId, uint8 support, int256 margin, uint256 thresholdRaw
    );
    /// @notice The margin was below the threshold: the delegate abstains and defers to the humans.
    event Escalated(uint256 indexed proposalId, uint256 indexed requestId, int256 margin, uint256 thresholdRaw);
    /// @notice The delegate cast `support` on `proposalId` with `weight` votes.
    event DelegateVoted(uint256 indexed proposalId, uint8 support, uint256 weight);
    /// @notice The decision waits for the voting window (proposal `state` when the result came).
    event VoteDeferred(uint256 indexed proposalId, IGovernor.ProposalState state);
    /// @notice The result came when the proposal was past voting (`state`): recorded, no vote.
    event ResultLate(uint256 indexed proposalId, uint256 indexed requestId, IGovernor.ProposalState state);
    /// @notice The verified output had `outputs` values, neither 2 nor 3: recorded, no vote.
    event ResultInvalid(uint256 indexed proposalId, uint256 indexed requestId, uint256 outputs);
    /// @notice The DAO set the model.
    event ModelSet(uint256 indexed modelId, uint8 featureCount, uint8 inputScale, uint8 outputScale);
    /// @notice The DAO set the margin threshold (ten-thousandths of a logit).
    event ThresholdSet(uint64 previous, uint64 threshold);
    /// @notice The DAO set how requests are paid and bounded.
    event RequestConfigSet(address indexed token, uint128 feeCap, uint32 callbackGasLimit, uint32 timeout);

    /// @notice Triggers the delegate on the proposal (targets, values, calldatas, description) with
    ///         the features its description commits to; anyone may call. Requests a zk-verified
    ///         classification paid from the delegate's escrow.
    function trigger(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description,
        int256[] calldata features
    ) external returns (uint256 proposalId, uint256 requestId);

    /// @notice Casts a recorded decision whose result came before voting opened; anyone may call
    ///         once the proposal is Active.
    function castDecision(uint256 proposalId) external returns (uint256 weight);

    /// @notice Sets the model (DAO only). Proposals already triggered keep their request.
    function setModel(ModelConfig calldata model) external;

    /// @notice Sets the margin threshold in ten-thousandths of a logit (DAO only); applies to
    ///         proposals triggered afterwards.
    function setThreshold(uint64 threshold) external;

    /// @notice Sets the payment token, fee cap, callback gas and timeout (DAO only).
    function setRequestConfig(RequestConfig calldata config) external;

    /// @notice The current model.
    function model() external view returns (ModelConfig memory);

    /// @notice The margin threshold, ten-thousandths of a logit.
    function threshold() external view returns (uint64);

    /// @notice The request settings.
    function requestConfig() external view returns (RequestConfig memory);

    /// @notice The delegate's record of a proposal.
    function voteOf(uint256 proposalId) external view returns (ProposalVote memory);

    /// @notice The proposal a request was made for (0 if none).
    function proposalOfRequest(uint256 requestId) external view returns (uint256);

    /// @notice keccak256(abi.encode(features)): what a description commits to.
    function featuresHashOf(int256[] calldata features) external pure returns (bytes32);

    /// @notice The hash a description commits to (its `#ai-features=0x...` suffix), or 0 if none.
    function featureCommitmentOf(string calldata description) external pure returns (bytes32);

    /// @notice The features at the current model's input scale, as the delegate requests them.
    function quantize(int256[] calldata features) external view returns (int256[] memory);
}
