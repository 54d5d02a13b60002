// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../../src/zk/IModelRegistry.sol";
import {IProofRegistry} from "../../src/zk/IProofRegistry.sol";
import {ProofRegistry} from "../../src/zk/ProofRegistry.sol";
import {Groth16VerifierHashedInput} from "./fixtures/Groth16VerifierHashedInput.sol";
import {ZkFixtures} from "./fixtures/ZkFixtures.sol";
import {ZkFixture} from "./ZkFixture.sol";

/// @dev Answers every call with `answer` (raw bytes), whatever the selector.
contract ScriptedVerifier {
    bytes internal answer;

    constructor(bytes memory answer_) {
        answer = answer_;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        return answer;
    }
}

/// @dev Answers `true` to every call, from code alone (no storage), so it can be etched anywhere.
contract AcceptingVerifier {
    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(true);
    }
}

/// @dev Reverts on every call.
contract RevertingVerifier {
    error Nope();

    fallback() external {
        revert Nope();
    }
}

contract ProofRegistryTest is ZkFixture {
    event InferenceVerified(
        uint256 indexed modelId,
        bytes32 indexed inputHash,
        bytes32 outputHash,
        uint256[] outputs,
        address indexed submitter
    );
    event ProofCommitted(address indexed committer, bytes32 indexed commitment);
    event InferenceClaimed(
        bytes32 indexed recordId,
        uint256 indexed modelId,
        address indexed submitter,
        address previousSubmitter,
        uint256 claimBlock
    );

    address internal copier = makeAddr("copier");
    bytes32 internal constant SALT = keccak256("prover's secret salt");

    // ---------------------------------------------------------------- success paths

    function test_verifyAndRecord_hashedInputRecordsStatement() public {
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        bytes32 inputHash = bytes32(s[0]);
        bytes32 outputHash = _packedHash(s, 1, 3);
        vm.expectEmit(address(proofs));
        emit InferenceVerified(hashedInputModel, inputHash, outputHash, _slice(s, 1), submitter);
        vm.prank(submitter);
        bytes32 recordId = proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);

        assertEq(recordId, keccak256(abi.encode(hashedInputModel, inputHash, outputHash)));
        assertEq(recordId, proofs.recordIdOf(hashedInputModel, inputHash, outputHash));
        IProofRegistry.Record memory r = proofs.getRecord(recordId);
        assertEq(r.submitter, submitter);
        assertEq(r.verifiedAt, block.timestamp);
        assertFalse(r.committed, "a plain submission is no claim");
        assertEq(r.claimBlock, block.number);
        assertTrue(proofs.isVerified(hashedInputModel, inputHash, outputHash));
        IProofRegistry.Inference memory inf = proofs.latestInference(hashedInputModel, inputHash);
        assertEq(inf.recordId, recordId);
        assertEq(inf.outputHash, outputHash);
        assertEq(inf.submitter, submitter);
        assertEq(inf.verifiedAt, block.timestamp);
        assertFalse(inf.committed);
    }

    function test_verifyAndRecord_hashedParamsRecordsStatement() public {
        uint256[] memory s = ZkFixtures.hashedParamsV1Signals();
        vm.expectEmit(address(proofs));
        emit InferenceVerified(hashedParamsModel, bytes32(s[1]), _packedHash(s, 2, 3), _slice(s, 2), submitter);
        vm.prank(submitter);
        proofs.verifyAndRecord(hashedParamsModel, ZkFixtures.hashedParamsV1Proof(), s);
        assertTrue(proofs.isVerified(hashedParamsModel, bytes32(s[1]), keccak256(abi.encodePacked(s[2]))));
    }

    function test_verifyAndRecord_publicInputHashesInputsAndKeepsOutputHash() public {
        uint256[] memory s = ZkFixtures.publicInputSignals();
        bytes32 inputHash = keccak256(abi.encodePacked(s[0], s[1], s[2]));
        vm.expectEmit(address(proofs));
        emit InferenceVerified(publicInputModel, inputHash, bytes32(s[3]), _slice(s, 3), submitter);
        vm.prank(submitter);
        proofs.verifyAndRecord(publicInputModel, ZkFixtures.publicInputProof(), s);
        assertEq(proofs.latestInference(publicInputModel, inputHash).outputHash, bytes32(s[3]));
    }

    function test_verifyAndRecord_newWeightVersionUsesSameVerifier() public {
        uint256[] memory s = ZkFixtures.hashedParamsV2Signals();
        vm.prank(owner);
        uint256 v2 = models.registerVersion(hashedParamsModel, keccak256("onnx v2"), keccak256("settings v2"), s[0], "");
        bytes32 recordId = proofs.verifyAndRecord(v2, ZkFixtures.hashedParamsV2Proof(), s);
        assertEq(proofs.getRecord(recordId).submitter, address(this));
        // Version 1 still takes its own weights' proofs.
        proofs.verifyAndRecord(hashedParamsModel, ZkFixtures.hashedParamsV1Proof(), ZkFixtures.hashedParamsV1Signals());
    }

    function test_verifyAndRecord_privateInputRecordsZeroInputHash() public {
        // No circuit fixture has a private input; a verifier that accepts anything checks the bookkeeping.
        address yes = address(new ScriptedVerifier(abi.encode(true)));
        IModelRegistry.Layout memory l = _hashedInputLayout();
        l.inputVisibility = IModelRegistry.InputVisibility.Private;
        l.inputSignals = 0;
        uint256 id = models.registerModel(_registration(yes, l, 0));
        uint256[] memory s = new uint256[](2);
        s[0] = 5;
        s[1] = 6;
        vm.expectEmit(address(proofs));
        emit InferenceVerified(id, bytes32(0), keccak256(abi.encodePacked(s)), s, address(this));
        proofs.verifyAndRecord(id, ZkFixtures.hashedInputProof(), s);
        assertEq(proofs.latestInference(id, 0).outputHash, keccak256(abi.encodePacked(s)));
    }

    function test_verifyAndRecord_secondInputGetsItsOwnRecord() public {
        bytes32 first =
            proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        bytes32 second =
            proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInput2Proof(), ZkFixtures.hashedInput2Signals());
        assertTrue(first != second);
        assertEq(
            proofs.latestInference(hashedInputModel, bytes32(ZkFixtures.hashedInput2Signals()[0])).recordId, second
        );
        assertEq(proofs.latestInference(hashedInputModel, bytes32(ZkFixtures.hashedInputSignals()[0])).recordId, first);
    }

    function test_verifyAndRecord_sameProofForSameCircuitOnTwoModels() public {
        // One circuit registered twice (e.g. two owners): each model records its own statement.
        vm.prank(stranger);
        uint256 twin = models.registerModel(_registration(verifierHashedInput, _hashedInputLayout(), 0));
        bytes32 a =
            proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        bytes32 b = proofs.verifyAndRecord(twin, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        assertTrue(a != b);
    }

    // ---------------------------------------------------------------- failure paths

    function test_verifyAndRecord_revertsOnDuplicateStatement() public {
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        bytes32 recordId = proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistryAlreadyRecorded.selector, hashedInputModel, recordId)
        );
        vm.prank(stranger);
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);
        assertEq(proofs.getRecord(recordId).submitter, address(this));
    }

    function test_verifyAndRecord_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryUnknownModel.selector, 99));
        proofs.verifyAndRecord(99, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsOnDeprecatedModel() public {
        vm.prank(owner);
        models.deprecateModel(hashedInputModel);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryModelDeprecated.selector, hashedInputModel));
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsOnTooFewSignals() public {
        uint256[] memory s = new uint256[](2);
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistrySignalCount.selector, hashedInputModel, 2, 3)
        );
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);
    }

    function test_verifyAndRecord_revertsOnTooManySignals() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistrySignalCount.selector, hashedInputModel, 4, 3)
        );
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.publicInputProof(), ZkFixtures.publicInputSignals());
    }

    function test_verifyAndRecord_revertsOnParamHashMismatch() public {
        // Version 2 weights against version 1's commitment.
        uint256[] memory s = ZkFixtures.hashedParamsV2Signals();
        uint256 expected = ZkFixtures.hashedParamsV1Signals()[0];
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofRegistry.ProofRegistryParamHashMismatch.selector, hashedParamsModel, s[0], expected
            )
        );
        proofs.verifyAndRecord(hashedParamsModel, ZkFixtures.hashedParamsV2Proof(), s);
    }

    function test_verifyAndRecord_revertsOnSignalOutsideField() public {
        // s + p is the same field element to the pairing; the registry refuses the alias.
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        s[1] += FIELD_MODULUS;
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistrySignalNotInField.selector, 1, s[1]));
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);
    }

    function test_verifyAndRecord_revertsOnTamperedProofCoordinate() public {
        // An off-curve point: the precompile fails inside the verifier.
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        p[0] ^= 1;
        _expectInvalid(hashedInputModel, verifierHashedInput);
        proofs.verifyAndRecord(hashedInputModel, p, ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsOnNegatedProofPoint() public {
        // -A is on the curve, so only the pairing equation can reject it.
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        p[1] = 21888242871839275222246405745257275088696311157297823662689037894645226208583 - p[1];
        _expectInvalid(hashedInputModel, verifierHashedInput);
        proofs.verifyAndRecord(hashedInputModel, p, ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsOnTamperedProofB() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        (p[2], p[3]) = (p[3], p[2]);
        _expectInvalid(hashedInputModel, verifierHashedInput);
        proofs.verifyAndRecord(hashedInputModel, p, ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsOnTamperedOutputSignal() public {
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        s[1] += 1;
        _expectInvalid(hashedInputModel, verifierHashedInput);
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);
    }

    function test_verifyAndRecord_revertsOnTamperedInputHash() public {
        uint256[] memory s = ZkFixtures.hashedParamsV1Signals();
        s[1] -= 1;
        _expectInvalid(hashedParamsModel, verifierHashedParams);
        proofs.verifyAndRecord(hashedParamsModel, ZkFixtures.hashedParamsV1Proof(), s);
    }

    function test_verifyAndRecord_revertsOnTamperedPublicInput() public {
        uint256[] memory s = ZkFixtures.publicInputSignals();
        s[0] = 4;
        _expectInvalid(publicInputModel, verifierPublicInput);
        proofs.verifyAndRecord(publicInputModel, ZkFixtures.publicInputProof(), s);
    }

    function test_verifyAndRecord_revertsOnProofForAnotherModel() public {
        // Same layout, same input, different weights: only the verifying key tells them apart.
        _expectInvalid(hashedInputAltModel, verifierHashedInputAlt);
        proofs.verifyAndRecord(hashedInputAltModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        _expectInvalid(hashedInputModel, verifierHashedInput);
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputAltProof(), ZkFixtures.hashedInputAltSignals());
    }

    function test_verifyAndRecord_revertsWhenLayoutDisagreesWithVerifier() public {
        // A 3-signal layout on the 4-signal verifier: the selector does not exist there.
        uint256 id = models.registerModel(_registration(verifierPublicInput, _hashedInputLayout(), 0));
        _expectInvalid(id, verifierPublicInput);
        proofs.verifyAndRecord(id, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsWhenVerifierReverts() public {
        address v = address(new RevertingVerifier());
        uint256 id = models.registerModel(_registration(v, _hashedInputLayout(), 0));
        _expectInvalid(id, v);
        proofs.verifyAndRecord(id, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsWhenVerifierAnswersShort() public {
        address v = address(new ScriptedVerifier(hex"01"));
        uint256 id = models.registerModel(_registration(v, _hashedInputLayout(), 0));
        _expectInvalid(id, v);
        proofs.verifyAndRecord(id, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsWhenVerifierAnswersNonBool() public {
        address v = address(new ScriptedVerifier(abi.encode(uint256(2))));
        uint256 id = models.registerModel(_registration(v, _hashedInputLayout(), 0));
        _expectInvalid(id, v);
        proofs.verifyAndRecord(id, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_verifyAndRecord_revertsWhenVerifierLostItsCode() public {
        // Registration requires code; an account that has none at call time answers nothing.
        uint256 id = models.registerModel(_registration(verifierHashedInput, _hashedInputLayout(), 0));
        bytes32 registered = verifierHashedInput.codehash;
        vm.etch(verifierHashedInput, "");
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofRegistry.ProofRegistryVerifierCodeChanged.selector,
                id,
                verifierHashedInput,
                registered,
                verifierHashedInput.codehash
            )
        );
        proofs.verifyAndRecord(id, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    // ---------------------------------------------------------------- finding 10: whose proof is it

    function test_finding10_frontRunCopyDoesNotKeepTheClaim() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        _commit(submitter, hashedInputModel, p, s, SALT);
        // Block 11: the prover's submission is in the mempool; a copier sends the same proof first.
        vm.roll(11);
        vm.prank(copier);
        bytes32 recordId = proofs.verifyAndRecord(hashedInputModel, p, s);
        assertEq(proofs.getRecord(recordId).submitter, copier);
        assertFalse(proofs.getRecord(recordId).committed);

        // The prover's submission lands after it, and the claim is the prover's, from block 10.
        vm.expectEmit(address(proofs));
        emit InferenceClaimed(recordId, hashedInputModel, submitter, copier, 10);
        vm.prank(submitter);
        assertEq(proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT), recordId);
        IProofRegistry.Record memory r = proofs.getRecord(recordId);
        assertEq(r.submitter, submitter);
        assertTrue(r.committed);
        assertEq(r.claimBlock, 10);
        assertEq(r.verifiedAt, block.timestamp);
        IProofRegistry.Inference memory inf = proofs.latestInference(hashedInputModel, bytes32(s[0]));
        assertEq(inf.submitter, submitter);
        assertTrue(inf.committed);
    }

    function test_finding10_copierCommittingAfterSeeingTheProofLoses() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        _commit(submitter, hashedInputModel, p, s, SALT);
        // The prover's reveal sits in the mempool; the copier commits to the copied proof (block 11)
        // and gets its own committed submission in first (block 12).
        vm.roll(11);
        _commit(copier, hashedInputModel, p, s, keccak256("copier salt"));
        vm.roll(12);
        vm.prank(copier);
        bytes32 recordId = proofs.verifyAndRecordCommitted(hashedInputModel, p, s, keccak256("copier salt"));
        assertEq(proofs.getRecord(recordId).submitter, copier);

        // The earlier commitment takes the claim over.
        vm.roll(13);
        vm.prank(submitter);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);
        assertEq(proofs.getRecord(recordId).submitter, submitter);
        assertEq(proofs.getRecord(recordId).claimBlock, 10);

        // And keeps it: any commitment made since is later.
        _commit(copier, hashedInputModel, p, s, keccak256("again"));
        vm.roll(14);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryClaimNotEarlier.selector, recordId, 13, 10));
        vm.prank(copier);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, keccak256("again"));
    }

    function test_finding10_rerandomisedCopyNeedsItsOwnLaterCommitment() public {
        // Groth16 is malleable: (-A, -B, C) verifies too. The copy's bytes differ, so it needs a
        // commitment of its own, made after the original was public: it cannot win the claim.
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        _commit(submitter, hashedInputModel, p, s, SALT);
        vm.roll(11);
        vm.prank(submitter);
        bytes32 recordId = proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);

        uint256[8] memory q = _negateAB(p);
        assertTrue(proofs.verify(hashedInputModel, q, s), "the re-randomised proof is valid");
        _commit(copier, hashedInputModel, q, s, SALT);
        vm.roll(12);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryClaimNotEarlier.selector, recordId, 11, 10));
        vm.prank(copier);
        proofs.verifyAndRecordCommitted(hashedInputModel, q, s, SALT);
    }

    function test_verifyAndRecordCommitted_recordsNewStatementWithClaim() public {
        uint256[8] memory p = ZkFixtures.hashedParamsV1Proof();
        uint256[] memory s = ZkFixtures.hashedParamsV1Signals();
        bytes32 commitment = proofs.proofCommitment(submitter, hashedParamsModel, p, s, SALT);
        vm.roll(10);
        vm.expectEmit(address(proofs));
        emit ProofCommitted(submitter, commitment);
        vm.prank(submitter);
        proofs.commitProof(commitment);
        assertEq(proofs.commitmentBlock(submitter, commitment), 10);

        vm.roll(11);
        bytes32 recordId = proofs.recordIdOf(hashedParamsModel, bytes32(s[1]), _packedHash(s, 2, 3));
        vm.expectEmit(address(proofs));
        emit InferenceVerified(hashedParamsModel, bytes32(s[1]), _packedHash(s, 2, 3), _slice(s, 2), submitter);
        vm.expectEmit(address(proofs));
        emit InferenceClaimed(recordId, hashedParamsModel, submitter, address(0), 10);
        vm.prank(submitter);
        assertEq(proofs.verifyAndRecordCommitted(hashedParamsModel, p, s, SALT), recordId);

        IProofRegistry.Record memory r = proofs.getRecord(recordId);
        assertEq(r.submitter, submitter);
        assertTrue(r.committed);
        assertEq(r.claimBlock, 10);
        assertEq(r.verifiedAt, block.timestamp);
        assertEq(proofs.latestInference(hashedParamsModel, bytes32(s[1])).recordId, recordId);
        assertEq(proofs.commitmentBlock(submitter, commitment), 0, "the commitment is consumed");
        // A plain submission of the same statement afterwards is a duplicate.
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistryAlreadyRecorded.selector, hashedParamsModel, recordId)
        );
        proofs.verifyAndRecord(hashedParamsModel, p, s);
    }

    function test_proofCommitment_isAbiEncodingHash() public view {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        assertEq(
            proofs.proofCommitment(submitter, hashedInputModel, p, s, SALT),
            keccak256(abi.encode(submitter, hashedInputModel, p, s, SALT))
        );
    }

    function test_commitProof_revertsWhenAlreadyCommitted() public {
        vm.roll(10);
        vm.startPrank(submitter);
        proofs.commitProof(keccak256("c"));
        vm.roll(11);
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistryCommitmentExists.selector, submitter, keccak256("c"), 10)
        );
        proofs.commitProof(keccak256("c"));
        vm.stopPrank();
        assertEq(proofs.commitmentBlock(submitter, keccak256("c")), 10, "the earlier block stays");
        // Another committer may hold the same value (a copied commitment griefs no one).
        vm.prank(copier);
        proofs.commitProof(keccak256("c"));
        assertEq(proofs.commitmentBlock(copier, keccak256("c")), 11);
    }

    function test_verifyAndRecordCommitted_revertsWithoutCommitment() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        _commit(submitter, hashedInputModel, p, s, SALT);
        vm.roll(11);
        // The prover's salt in another sender's hands names another commitment.
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofRegistry.ProofRegistryNoCommitment.selector,
                copier,
                proofs.proofCommitment(copier, hashedInputModel, p, s, SALT)
            )
        );
        vm.prank(copier);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);
        // A wrong salt, too.
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofRegistry.ProofRegistryNoCommitment.selector,
                submitter,
                proofs.proofCommitment(submitter, hashedInputModel, p, s, bytes32(0))
            )
        );
        vm.prank(submitter);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, bytes32(0));
        assertFalse(proofs.isVerified(hashedInputModel, bytes32(s[0]), _packedHash(s, 1, 3)));
    }

    function test_verifyAndRecordCommitted_revertsInTheCommitmentsBlock() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        bytes32 c = _commit(submitter, hashedInputModel, p, s, SALT);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryCommitmentTooRecent.selector, c, 10));
        vm.prank(submitter);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);
    }

    function test_verifyAndRecordCommitted_revertsWhenRecordedInTheCommitmentsBlock() public {
        // Recorded in block 10 by a plain submission; a commitment also from block 10 is not earlier.
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        vm.prank(copier);
        bytes32 recordId = proofs.verifyAndRecord(hashedInputModel, p, s);
        _commit(submitter, hashedInputModel, p, s, SALT);
        vm.roll(11);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryClaimNotEarlier.selector, recordId, 10, 10));
        vm.prank(submitter);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);
        assertEq(proofs.getRecord(recordId).submitter, copier);
    }

    function test_verifyAndRecordCommitted_revertsOnInvalidProofEvenForRecordedStatement() public {
        // Someone who knew the statement early commits to garbage bytes, then tries to take the
        // claim of the real proof's record: the pairing check still runs.
        uint256[8] memory garbage;
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        bytes32 c = _commit(copier, hashedInputModel, garbage, s, SALT);
        vm.roll(11);
        vm.prank(submitter);
        bytes32 recordId = proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), s);
        vm.roll(12);
        _expectInvalid(hashedInputModel, verifierHashedInput);
        vm.prank(copier);
        proofs.verifyAndRecordCommitted(hashedInputModel, garbage, s, SALT);
        assertEq(proofs.getRecord(recordId).submitter, submitter);
        assertEq(proofs.commitmentBlock(copier, c), 10, "a failed submission keeps the commitment");
    }

    function test_verifyAndRecordCommitted_revertsOnStatementAndModelChecks() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        _commit(submitter, hashedInputModel, p, s, SALT);
        vm.roll(11);
        vm.startPrank(submitter);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryUnknownModel.selector, 99));
        proofs.verifyAndRecordCommitted(99, p, s, SALT);
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistrySignalCount.selector, publicInputModel, 3, 4)
        );
        proofs.verifyAndRecordCommitted(publicInputModel, p, s, SALT);
        vm.stopPrank();

        bytes32 registered = verifierHashedInput.codehash;
        vm.etch(verifierHashedInput, address(new AcceptingVerifier()).code);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofRegistry.ProofRegistryVerifierCodeChanged.selector,
                hashedInputModel,
                verifierHashedInput,
                registered,
                verifierHashedInput.codehash
            )
        );
        vm.prank(submitter);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);

        vm.prank(owner);
        models.deprecateModel(hashedInputModel);
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryModelDeprecated.selector, hashedInputModel));
        vm.prank(submitter);
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);
    }

    function _commit(address who, uint256 modelId, uint256[8] memory p, uint256[] memory s, bytes32 salt)
        private
        returns (bytes32 commitment)
    {
        commitment = proofs.proofCommitment(who, modelId, p, s, salt);
        vm.prank(who);
        proofs.commitProof(commitment);
    }

    /// @dev (A, B, C) -> (-A, -B, C): negates A's y in Fq and B's y (both Fq2 parts).
    function _negateAB(uint256[8] memory p) private pure returns (uint256[8] memory q) {
        uint256 fq = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
        q = p;
        q[1] = fq - p[1];
        q[4] = fq - p[4];
        q[5] = fq - p[5];
    }

    // ---------------------------------------------------------------- finding 12: verifier code is pinned

    function test_finding12_verifierCodeChangeRejected() public {
        // The verifier's code changes after registration (vm.etch stands for a metamorphic redeploy
        // or an EIP-7702 re-delegation) into code that accepts anything.
        bytes32 registered = models.getModel(hashedInputModel).verifierCodeHash;
        vm.etch(verifierHashedInput, address(new AcceptingVerifier()).code);
        uint256[8] memory forged;
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        s[1] += 1; // a false output

        vm.expectRevert(
            abi.encodeWithSelector(
                IProofRegistry.ProofRegistryVerifierCodeChanged.selector,
                hashedInputModel,
                verifierHashedInput,
                registered,
                verifierHashedInput.codehash
            )
        );
        proofs.verifyAndRecord(hashedInputModel, forged, s);
        assertFalse(proofs.verify(hashedInputModel, forged, s));
        assertFalse(proofs.isVerified(hashedInputModel, bytes32(s[0]), _packedHash(s, 1, 3)));
    }

    function test_finding12_verifierCodeRestoredVerifiesAgain() public {
        bytes memory original = verifierHashedInput.code;
        vm.etch(verifierHashedInput, address(new AcceptingVerifier()).code);
        assertFalse(proofs.verify(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals()));
        vm.etch(verifierHashedInput, original);
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    // ---------------------------------------------------------------- verify (view)

    function test_verify_trueForEachFixture() public view {
        assertTrue(proofs.verify(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals()));
        assertTrue(proofs.verify(hashedInputModel, ZkFixtures.hashedInput2Proof(), ZkFixtures.hashedInput2Signals()));
        assertTrue(
            proofs.verify(hashedInputAltModel, ZkFixtures.hashedInputAltProof(), ZkFixtures.hashedInputAltSignals())
        );
        assertTrue(
            proofs.verify(hashedParamsModel, ZkFixtures.hashedParamsV1Proof(), ZkFixtures.hashedParamsV1Signals())
        );
        assertTrue(proofs.verify(publicInputModel, ZkFixtures.publicInputProof(), ZkFixtures.publicInputSignals()));
    }

    function test_verify_staysTrueAfterRecording() public {
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        assertTrue(proofs.verify(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals()));
    }

    function test_verify_falseInsteadOfReverting() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        assertFalse(proofs.verify(99, p, s), "unknown model");
        assertFalse(proofs.verify(hashedInputModel, p, new uint256[](2)), "signal count");
        assertFalse(proofs.verify(hashedInputAltModel, p, s), "another model");
        assertFalse(
            proofs.verify(hashedParamsModel, ZkFixtures.hashedParamsV2Proof(), ZkFixtures.hashedParamsV2Signals()),
            "param hash"
        );
        p[0] ^= 1;
        assertFalse(proofs.verify(hashedInputModel, p, s), "tampered proof");
        p[0] ^= 1;
        s[2] += 1;
        assertFalse(proofs.verify(hashedInputModel, p, s), "tampered signal");
        s[2] = s[2] - 1 + FIELD_MODULUS;
        assertFalse(proofs.verify(hashedInputModel, p, s), "signal outside field");
        vm.prank(owner);
        models.deprecateModel(hashedInputModel);
        assertFalse(proofs.verify(hashedInputModel, p, ZkFixtures.hashedInputSignals()), "deprecated");
    }

    // ---------------------------------------------------------------- views

    function test_statementOf_splitsSignals() public view {
        uint256[] memory s = ZkFixtures.hashedParamsV1Signals();
        (bytes32 inputHash, bytes32 outputHash, uint256[] memory outputs) = proofs.statementOf(hashedParamsModel, s);
        assertEq(inputHash, bytes32(s[1]));
        assertEq(outputHash, keccak256(abi.encodePacked(s[2])));
        assertEq(outputs.length, 1);
        assertEq(outputs[0], s[2]);
    }

    function test_statementOf_revertsOnBadLayout() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProofRegistry.ProofRegistrySignalCount.selector, publicInputModel, 3, 4)
        );
        proofs.statementOf(publicInputModel, ZkFixtures.hashedInputSignals());
    }

    function test_latestInference_isZeroWhenNothingRecorded() public view {
        IProofRegistry.Inference memory inf = proofs.latestInference(hashedInputModel, bytes32(uint256(1)));
        assertEq(inf.recordId, 0);
        assertEq(inf.verifiedAt, 0);
        assertFalse(proofs.isVerified(hashedInputModel, bytes32(uint256(1)), bytes32(uint256(2))));
    }

    function test_modelRegistry_isTheConstructorArgument() public view {
        assertEq(address(proofs.modelRegistry()), address(models));
    }

    // ---------------------------------------------------------------- gas

    // Bare snarkjs verifier vs verifyAndRecord, each from cold accounts in its own test
    // (execution gas only: no 21k base, no calldata).

    function test_gas_hashedInputBare() public {
        _bare("hashedInput", verifierHashedInput, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_gas_hashedInputVerifyAndRecord() public {
        _recorded("hashedInput", hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function test_gas_hashedParamsBare() public {
        _bare(
            "hashedParams", verifierHashedParams, ZkFixtures.hashedParamsV1Proof(), ZkFixtures.hashedParamsV1Signals()
        );
    }

    function test_gas_hashedParamsVerifyAndRecord() public {
        _recorded(
            "hashedParams", hashedParamsModel, ZkFixtures.hashedParamsV1Proof(), ZkFixtures.hashedParamsV1Signals()
        );
    }

    function test_gas_publicInputBare() public {
        _bare("publicInput", verifierPublicInput, ZkFixtures.publicInputProof(), ZkFixtures.publicInputSignals());
    }

    function test_gas_publicInputVerifyAndRecord() public {
        _recorded("publicInput", publicInputModel, ZkFixtures.publicInputProof(), ZkFixtures.publicInputSignals());
    }

    function test_gas_hashedInputVerifyAndRecordCommitted() public {
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        vm.roll(10);
        bytes32 c = proofs.proofCommitment(address(this), hashedInputModel, p, s, SALT);
        uint256 before = gasleft();
        proofs.commitProof(c);
        emit log_named_uint("commitProof", before - gasleft());
        vm.roll(11);
        before = gasleft();
        proofs.verifyAndRecordCommitted(hashedInputModel, p, s, SALT);
        uint256 used = before - gasleft();
        emit log_named_uint("hashedInput verifyAndRecordCommitted", used);
        assertLt(used, 330_000);
    }

    function test_gas_verifyView() public {
        uint256 before = gasleft();
        bool ok = proofs.verify(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        emit log_named_uint("hashedInput verify (view)", before - gasleft());
        assertTrue(ok);
    }

    function test_gas_typedVerifierCallMatchesFlatEncoding() public view {
        // The uint256[8] order is exactly the verifier's (pA, pB, pC) ABI layout.
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        bool ok = Groth16VerifierHashedInput(verifierHashedInput)
            .verifyProof([p[0], p[1]], [[p[2], p[3]], [p[4], p[5]]], [p[6], p[7]], [s[0], s[1], s[2]]);
        assertTrue(ok);
    }

    function _bare(string memory name, address verifier, uint256[8] memory p, uint256[] memory s) private {
        bytes memory call = abi.encodePacked(
            bytes4(
                keccak256(
                    bytes(
                        string.concat(
                            "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", vm.toString(s.length), "])"
                        )
                    )
                )
            ),
            p,
            s
        );
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = verifier.staticcall(call);
        uint256 used = before - gasleft();
        emit log_named_uint(string.concat(name, " bare verifyProof"), used);
        assertTrue(ok && abi.decode(ret, (bool)));
        assertLt(used, 250_000);
    }

    function _recorded(string memory name, uint256 modelId, uint256[8] memory p, uint256[] memory s) private {
        uint256 before = gasleft();
        proofs.verifyAndRecord(modelId, p, s);
        uint256 used = before - gasleft();
        emit log_named_uint(string.concat(name, " verifyAndRecord"), used);
        assertLt(used, 320_000);
    }

    function _expectInvalid(uint256 modelId, address verifier) private {
        vm.expectRevert(abi.encodeWithSelector(IProofRegistry.ProofRegistryInvalidProof.selector, modelId, verifier));
    }

    // Keeps the ProofRegistry import used for its constant in one place.
    function test_fieldModulus_isBn254ScalarField() public view {
        assertEq(ProofRegistry(address(proofs)).FIELD_MODULUS(), FIELD_MODULUS);
    }
}
