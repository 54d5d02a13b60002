// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "./IModelRegistry.sol";

/// @title IProofRegistry
/// @notice Checks Groth16 proofs of zkML inferences against the verifier a model registered, and
///         records each verified (model, input hash, output hash) triple once.
/// @dev The statement of a proof is split by the model's layout (see IModelRegistry):
///      inputHash = the input signal (hashed input), keccak256 of the input signals packed as
///      32-byte words (public input), or 0 (private input); outputHash = the output signal (hashed
///      output) or keccak256 of the output signals packed as 32-byte words (public output).
///      A record is keyed by recordId = keccak256(abi.encode(modelId, inputHash, outputHash)):
///      for a given model that key determines the public signals, so it identifies the statement,
///      not the proof bytes (Groth16 proofs can be re-randomised; the statement cannot).
///
///      Who is the submitter? A proof does not name its prover (no public signal carries an
///      address), so a proof seen in the mempool can be copied and sent first by anyone. Two ways in:
///      - `verifyAndRecord`: `submitter` is whoever sent the first transaction that recorded the
///        statement; `committed` is false. That says nothing about who made the proof: never pay,
///        credit or rank anyone by it.
///      - commit, then submit: `commitProof(proofCommitment(you, modelId, proof, signals, salt))`,
///        then, in a later block, `verifyAndRecordCommitted(modelId, proof, signals, salt)`. The
///        record's claim dates from the commitment's block (`claimBlock`) and `committed` is true.
///        A copier only learns the proof when it is revealed, so its own commitment is later: the
///        earliest commitment wins, even against a record (committed or not) made before it revealed.
///      A committed claim shows that `submitter` held these proof bytes before anyone else who
///      claimed them here; it cannot show that no one else held the witness (anyone with the input
///      and the weights can prove the same statement).
interface IProofRegistry {
    /// @notice A recorded inference: whose claim it is, and when it was verified. Zero if not recorded.
    struct Record {
        /// @dev The claimant: meaningful only when `committed` (see the interface notes).
        address submitter;
        uint64 verifiedAt;
        /// @dev True iff `submitter` committed to the proof (commit, then submit) in block `claimBlock`.
        bool committed;
        /// @dev Committed: the commitment's block; else: the block that recorded the statement.
        uint64 claimBlock;
    }

    /// @notice The latest verified output for a (model, input hash); all zero if none.
    struct Inference {
        bytes32 recordId;
        bytes32 outputHash;
        address submitter;
        uint64 verifiedAt;
        /// @dev See `Record.committed`: whether `submitter` is a committed claim or just the sender.
        bool committed;
    }

    /// @notice No model has this id.
    error ProofRegistryUnknownModel(uint256 modelId);
    /// @notice The model is deprecated and takes no proofs.
    error ProofRegistryModelDeprecated(uint256 modelId);
    /// @notice The number of public signals does not match the model's layout.
    error ProofRegistrySignalCount(uint256 modelId, uint256 received, uint256 expected);
    /// @notice The param-hash signal is not the model version's registered weight commitment.
    error ProofRegistryParamHashMismatch(uint256 modelId, uint256 received, uint256 expected);
    /// @notice Public signal `index` is not below the BN254 scalar field modulus.
    error ProofRegistrySignalNotInField(uint256 index, uint256 value);
    /// @notice The verifier's code is no longer the code registered with the model (EXTCODEHASH
    ///         differs: a metamorphic redeploy, an EIP-7702 re-delegation, or the code is gone).
    error ProofRegistryVerifierCodeChanged(uint256 modelId, address verifier, bytes32 registered, bytes32 current);
    /// @notice The model's verifier rejected the proof (false, revert, or no answer).
    error ProofRegistryInvalidProof(uint256 modelId, address verifier);
    /// @notice This statement is already recorded (see `getRecord(recordId)`).
    error ProofRegistryAlreadyRecorded(uint256 modelId, bytes32 recordId);
    /// @notice `committer` has already committed to `commitment` (in block `commitBlock`).
    error ProofRegistryCommitmentExists(address committer, bytes32 commitment, uint256 commitBlock);
    /// @notice `submitter` has no commitment `commitment` (wrong proof, signals, salt or sender).
    error ProofRegistryNoCommitment(address submitter, bytes32 commitment);
    /// @notice The commitment was made in this block: submit in a later one.
    error ProofRegistryCommitmentTooRecent(bytes32 commitment, uint256 commitBlock);
    /// @notice The statement's current claim (from block `claimBlock`) is not later than this
    ///         commitment's block: the earliest commitment keeps it.
    error ProofRegistryClaimNotEarlier(bytes32 recordId, uint256 commitBlock, uint256 claimBlock);

    /// @notice A proof for `modelId` verified: on input `inputHash` the model outputs `outputs`.
    event InferenceVerified(
        uint256 indexed modelId,
        bytes32 indexed inputHash,
        bytes32 outputHash,
        uint256[] outputs,
        address indexed submitter
    );

    /// @notice `committer` committed to a proof it will submit in a later block (`proofCommitment`).
    event ProofCommitted(address indexed committer, bytes32 indexed commitment);

    /// @notice A committed submission set the statement's claim: `submitter`, dating from block
    ///         `claimBlock` (its commitment), replacing `previousSubmitter` (zero for a new record).
    event InferenceClaimed(
        bytes32 indexed recordId,
        uint256 indexed modelId,
        address indexed submitter,
        address previousSubmitter,
        uint256 claimBlock
    );

    /// @notice Verifies `proof` for `modelId` and records the statement; returns its record id.
    ///         The sender becomes the record's uncommitted `submitter` (see the interface notes).
    /// @param proof pA, pB, pC flattened in snarkjs' `exportSolidityCallData` order:
    ///        [a0, a1, b00, b01, b10, b11, c0, c1] (pB's inner pairs already swapped).
    /// @param publicSignals The proof's public signals, in the model's layout order.
    function verifyAndRecord(uint256 modelId, uint256[8] calldata proof, uint256[] calldata publicSignals)
        external
        returns (bytes32 recordId);

    /// @notice Records `commitment` = `proofCommitment(msg.sender, ...)` for a later
    ///         `verifyAndRecordCommitted`. Reverts if the caller already holds the same commitment.
    function commitProof(bytes32 commitment) external;

    /// @notice Verifies `proof` like `verifyAndRecord`, for the sender's commitment made in an
    ///         earlier block, and gives the sender the statement's claim from that block: records the
    ///         statement if new, or takes the claim over if its current claim dates from a later block.
    ///         Consumes the commitment. Reverts on a missing, same-block or not-earlier commitment.
    function verifyAndRecordCommitted(
        uint256 modelId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals,
        bytes32 salt
    ) external returns (bytes32 recordId);

    /// @notice keccak256(abi.encode(submitter, modelId, proof, publicSignals, salt)): what
    ///         `submitter` commits to. Keep `salt` secret and random until the submission.
    function proofCommitment(
        address submitter,
        uint256 modelId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice The block in which `committer` committed to `commitment`; 0 if none (or consumed).
    function commitmentBlock(address committer, bytes32 commitment) external view returns (uint256);

    /// @notice Whether `verifyAndRecord` would accept the proof, ignoring whether it is recorded already.
    function verify(uint256 modelId, uint256[8] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool);

    /// @notice Splits public signals into the statement (checks the model and the layout, not the proof).
    function statementOf(uint256 modelId, uint256[] calldata publicSignals)
        external
        view
        returns (bytes32 inputHash, bytes32 outputHash, uint256[] memory outputs);

    /// @notice keccak256(abi.encode(modelId, inputHash, outputHash)).
    function recordIdOf(uint256 modelId, bytes32 inputHash, bytes32 outputHash) external pure returns (bytes32);

    /// @notice The record of `recordId` (zero if none).
    function getRecord(bytes32 recordId) external view returns (Record memory);

    /// @notice Whether (modelId, inputHash) -> outputHash is a verified statement.
    function isVerified(uint256 modelId, bytes32 inputHash, bytes32 outputHash) external view returns (bool);

    /// @notice The latest verified output for (modelId, inputHash); all zero if none.
    function latestInference(uint256 modelId, bytes32 inputHash) external view returns (Inference memory);

    /// @notice The ModelRegistry this registry reads models from.
    function modelRegistry() external view returns (IModelRegistry);
}
