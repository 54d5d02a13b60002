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
        assertTrue(proofs.isVerified(hashedInputModel, inputHash, outputHash));
        IProofRegistry.Inference memory inf = proofs.latestInference(hashedInputModel, inputHash);
        assertEq(inf.recordId, recordId);
        assertEq(inf.outputHash, outputHash);
        assertEq(inf.submitter, submitter);
        assertEq(inf.verifiedAt, block.timestamp);
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
