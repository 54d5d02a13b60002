// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IModelRegistry} from "./IModelRegistry.sol";
import {IProofRegistry} from "./IProofRegistry.sol";

/// @title ProofRegistry
/// @notice Verifies zkML proofs with each model's own Groth16 verifier and records the verified
///         (model, input hash, output hash) statements, once each, with whose claim each one is
///         (commit, then submit; see IProofRegistry).
contract ProofRegistry is IProofRegistry {
    /// @notice BN254 scalar field modulus: public signals are elements of this field.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IModelRegistry private immutable _modelRegistry;

    /// @dev One slot per record. uint40 seconds last ~35,000 years; uint48 blocks ~2.8e14 blocks.
    struct StoredRecord {
        address submitter;
        uint40 verifiedAt;
        uint48 claimBlock;
        bool committed;
    }

    mapping(bytes32 recordId => StoredRecord) private _records;
    mapping(address committer => mapping(bytes32 commitment => uint256 blockNumber)) private _commitBlocks;
    mapping(uint256 modelId => mapping(bytes32 inputHash => bytes32 outputHash)) private _latestOutput;

    /// @dev What a checked proof states.
    struct Statement {
        bytes32 inputHash;
        bytes32 outputHash;
        uint256 outputStart;
    }

    constructor(IModelRegistry modelRegistry_) {
        _modelRegistry = modelRegistry_;
    }

    /// @inheritdoc IProofRegistry
    function verifyAndRecord(uint256 modelId, uint256[8] calldata proof, uint256[] calldata publicSignals)
        external
        returns (bytes32 recordId)
    {
        IModelRegistry.ProofContext memory ctx = _modelRegistry.proofContext(modelId);
        (bytes memory failure, Statement memory st) = _statement(modelId, ctx, publicSignals);
        if (failure.length == 0) {
            recordId = recordIdOf(modelId, st.inputHash, st.outputHash);
            // Before the pairing check: a duplicate costs ~10k gas, not ~220k.
            if (_records[recordId].verifiedAt != 0) {
                failure = abi.encodeWithSelector(ProofRegistryAlreadyRecorded.selector, modelId, recordId);
            } else {
                failure = _checkProof(modelId, ctx, proof, publicSignals);
            }
        }
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
        _records[recordId] = StoredRecord({
            submitter: msg.sender,
            verifiedAt: SafeCast.toUint40(block.timestamp),
            claimBlock: SafeCast.toUint48(block.number),
            committed: false
        });
        _latestOutput[modelId][st.inputHash] = st.outputHash;
        emit InferenceVerified(modelId, st.inputHash, st.outputHash, publicSignals[st.outputStart:], msg.sender);
    }

    /// @inheritdoc IProofRegistry
    function commitProof(bytes32 commitment) external {
        uint256 existing = _commitBlocks[msg.sender][commitment];
        if (existing != 0) revert ProofRegistryCommitmentExists(msg.sender, commitment, existing);
        _commitBlocks[msg.sender][commitment] = block.number;
        emit ProofCommitted(msg.sender, commitment);
    }

    /// @inheritdoc IProofRegistry
    function verifyAndRecordCommitted(
        uint256 modelId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals,
        bytes32 salt
    ) external returns (bytes32 recordId) {
        IModelRegistry.ProofContext memory ctx = _modelRegistry.proofContext(modelId);
        (bytes memory failure, Statement memory st) = _statement(modelId, ctx, publicSignals);
        bytes32 commitment;
        uint256 commitBlock;
        if (failure.length == 0) {
            recordId = recordIdOf(modelId, st.inputHash, st.outputHash);
            commitment = proofCommitment(msg.sender, modelId, proof, publicSignals, salt);
            commitBlock = _commitBlocks[msg.sender][commitment];
            failure = _claimFailure(recordId, commitment, commitBlock);
            // The pairing check runs even for a claim on a recorded statement: a commitment to
            // bytes that are not a valid proof must never take a claim.
            if (failure.length == 0) failure = _checkProof(modelId, ctx, proof, publicSignals);
        }
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
        delete _commitBlocks[msg.sender][commitment];
        StoredRecord storage r = _records[recordId];
        address previous = r.submitter;
        if (r.verifiedAt == 0) {
            r.verifiedAt = SafeCast.toUint40(block.timestamp);
            _latestOutput[modelId][st.inputHash] = st.outputHash;
            emit InferenceVerified(modelId, st.inputHash, st.outputHash, publicSignals[st.outputStart:], msg.sender);
        }
        r.submitter = msg.sender;
        r.claimBlock = SafeCast.toUint48(commitBlock);
        r.committed = true;
        emit InferenceClaimed(recordId, modelId, msg.sender, previous, commitBlock);
    }

    /// @inheritdoc IProofRegistry
    function verify(uint256 modelId, uint256[8] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool)
    {
        IModelRegistry.ProofContext memory ctx = _modelRegistry.proofContext(modelId);
        (bytes memory failure,) = _statement(modelId, ctx, publicSignals);
        return failure.length == 0 && _checkProof(modelId, ctx, proof, publicSignals).length == 0;
    }

    /// @inheritdoc IProofRegistry
    function statementOf(uint256 modelId, uint256[] calldata publicSignals)
        external
        view
        returns (bytes32 inputHash, bytes32 outputHash, uint256[] memory outputs)
    {
        IModelRegistry.ProofContext memory ctx = _modelRegistry.proofContext(modelId);
        (bytes memory failure, Statement memory st) = _statement(modelId, ctx, publicSignals);
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
        return (st.inputHash, st.outputHash, publicSignals[st.outputStart:]);
    }

    /// @inheritdoc IProofRegistry
    function proofCommitment(
        address submitter,
        uint256 modelId,
        uint256[8] calldata proof,
        uint256[] calldata publicSignals,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(submitter, modelId, proof, publicSignals, salt));
    }

    /// @inheritdoc IProofRegistry
    function commitmentBlock(address committer, bytes32 commitment) external view returns (uint256) {
        return _commitBlocks[committer][commitment];
    }

    /// @inheritdoc IProofRegistry
    function recordIdOf(uint256 modelId, bytes32 inputHash, bytes32 outputHash) public pure returns (bytes32) {
        return keccak256(abi.encode(modelId, inputHash, outputHash));
    }

    /// @inheritdoc IProofRegistry
    function getRecord(bytes32 recordId) external view returns (Record memory) {
        StoredRecord memory r = _records[recordId];
        return
            Record({submitter: r.submitter, verifiedAt: r.verifiedAt, committed: r.committed, claimBlock: r.claimBlock});
    }

    /// @inheritdoc IProofRegistry
    function isVerified(uint256 modelId, bytes32 inputHash, bytes32 outputHash) external view returns (bool) {
        return _records[recordIdOf(modelId, inputHash, outputHash)].verifiedAt != 0;
    }

    /// @inheritdoc IProofRegistry
    function latestInference(uint256 modelId, bytes32 inputHash) external view returns (Inference memory inference) {
        bytes32 outputHash = _latestOutput[modelId][inputHash];
        bytes32 recordId = recordIdOf(modelId, inputHash, outputHash);
        StoredRecord memory record = _records[recordId];
        if (record.verifiedAt == 0) return inference;
        return Inference({
            recordId: recordId,
            outputHash: outputHash,
            submitter: record.submitter,
            verifiedAt: record.verifiedAt,
            committed: record.committed
        });
    }

    /// @inheritdoc IProofRegistry
    function modelRegistry() external view returns (IModelRegistry) {
        return _modelRegistry;
    }

    /// @dev Checks the model and the signals against its layout; on failure returns the encoded
    ///      revert (so `verify` can answer false where `verifyAndRecord` reverts).
    function _statement(uint256 modelId, IModelRegistry.ProofContext memory ctx, uint256[] calldata signals)
        private
        pure
        returns (bytes memory failure, Statement memory st)
    {
        if (ctx.verifier == address(0)) {
            return (abi.encodeWithSelector(ProofRegistryUnknownModel.selector, modelId), st);
        }
        if (ctx.deprecated) return (abi.encodeWithSelector(ProofRegistryModelDeprecated.selector, modelId), st);
        IModelRegistry.Layout memory l = ctx.layout;
        uint256 inputStart = l.hasParamHash ? 1 : 0;
        st.outputStart = inputStart + l.inputSignals;
        uint256 expected = st.outputStart + l.outputSignals;
        if (signals.length != expected) {
            return (abi.encodeWithSelector(ProofRegistrySignalCount.selector, modelId, signals.length, expected), st);
        }
        for (uint256 i; i < expected; ++i) {
            if (signals[i] >= FIELD_MODULUS) {
                return (abi.encodeWithSelector(ProofRegistrySignalNotInField.selector, i, signals[i]), st);
            }
        }
        if (l.hasParamHash && signals[0] != ctx.paramCommitment) {
            return (
                abi.encodeWithSelector(
                    ProofRegistryParamHashMismatch.selector, modelId, signals[0], ctx.paramCommitment
                ),
                st
            );
        }
        if (l.inputVisibility == IModelRegistry.InputVisibility.Hashed) {
            st.inputHash = bytes32(signals[inputStart]);
        } else if (l.inputVisibility == IModelRegistry.InputVisibility.Public) {
            st.inputHash = keccak256(abi.encodePacked(signals[inputStart:st.outputStart]));
        }
        st.outputHash = l.outputVisibility == IModelRegistry.OutputVisibility.Hashed
            ? bytes32(signals[st.outputStart])
            : keccak256(abi.encodePacked(signals[st.outputStart:]));
    }

    /// @dev Why a committed submission may not take the claim (empty if it may): no commitment, a
    ///      commitment from this block, or a recorded claim at least as old as the commitment.
    function _claimFailure(bytes32 recordId, bytes32 commitment, uint256 commitBlock)
        private
        view
        returns (bytes memory)
    {
        if (commitBlock == 0) {
            return abi.encodeWithSelector(ProofRegistryNoCommitment.selector, msg.sender, commitment);
        }
        if (commitBlock >= block.number) {
            return abi.encodeWithSelector(ProofRegistryCommitmentTooRecent.selector, commitment, commitBlock);
        }
        StoredRecord storage r = _records[recordId];
        if (r.verifiedAt != 0 && r.claimBlock <= commitBlock) {
            return abi.encodeWithSelector(ProofRegistryClaimNotEarlier.selector, recordId, commitBlock, r.claimBlock);
        }
        return "";
    }

    /// @dev Checks that the verifier still has the code registered with the model (EXTCODEHASH, which
    ///      also warms the account for the call), then runs it; on failure returns the encoded revert.
    function _checkProof(
        uint256 modelId,
        IModelRegistry.ProofContext memory ctx,
        uint256[8] calldata proof,
        uint256[] calldata signals
    ) private view returns (bytes memory failure) {
        bytes32 current = ctx.verifier.codehash;
        if (current != ctx.verifierCodeHash) {
            return abi.encodeWithSelector(
                ProofRegistryVerifierCodeChanged.selector, modelId, ctx.verifier, ctx.verifierCodeHash, current
            );
        }
        if (!_callVerifier(ctx.verifier, proof, signals)) {
            return abi.encodeWithSelector(ProofRegistryInvalidProof.selector, modelId, ctx.verifier);
        }
    }

    /// @dev Calls `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])` with the static
    ///      arrays inline (selector ++ 8 proof words ++ N signals). Valid only on a 32-byte `true`;
    ///      a revert, a short answer or an account without code is invalid.
    function _callVerifier(address verifier, uint256[8] calldata proof, uint256[] calldata signals)
        private
        view
        returns (bool valid)
    {
        uint256 n = signals.length;
        bytes4 selector = bytes4(
            keccak256(
                bytes.concat(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", bytes(Strings.toString(n)), "])"
                )
            )
        );
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            calldatacopy(add(ptr, 4), proof, 256)
            calldatacopy(add(ptr, 260), signals.offset, mul(n, 32))
            let ok := staticcall(gas(), verifier, ptr, add(260, mul(n, 32)), 0, 32)
            valid := and(ok, and(gt(returndatasize(), 31), eq(mload(0), 1)))
        }
    }
}
