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
interface IProofRegistry {
    /// @notice A recorded inference: who submitted its proof, and when. Zero if not recorded.
    struct Record {
        address submitter;
        uint64 verifiedAt;
    }

    /// @notice The latest verified output for a (model, input hash); all zero if none.
    struct Inference {
        bytes32 recordId;
        bytes32 outputHash;
        address submitter;
        uint64 verifiedAt;
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

    /// @notice A proof for `modelId` verified: on input `inputHash` the model outputs `outputs`.
    event InferenceVerified(
        uint256 indexed modelId,
        bytes32 indexed inputHash,
        bytes32 outputHash,
        uint256[] outputs,
        address indexed submitter
    );

    /// @notice Verifies `proof` for `modelId` and records the statement; returns its record id.
    /// @param proof pA, pB, pC flattened in snarkjs' `exportSolidityCallData` order:
    ///        [a0, a1, b00, b01, b10, b11, c0, c1] (pB's inner pairs already swapped).
    /// @param publicSignals The proof's public signals, in the model's layout order.
    function verifyAndRecord(uint256 modelId, uint256[8] calldata proof, uint256[] calldata publicSignals)
        external
        returns (bytes32 recordId);

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
