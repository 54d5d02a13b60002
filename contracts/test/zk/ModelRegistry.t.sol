// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../../src/zk/IModelRegistry.sol";
import {ZkFixtures} from "./fixtures/ZkFixtures.sol";
import {ZkFixture} from "./ZkFixture.sol";

contract ModelRegistryTest is ZkFixture {
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        address indexed verifier,
        bytes32 onnxHash,
        bytes32 settingsHash,
        uint256 paramCommitment
    );
    event ModelVersionRegistered(
        uint256 indexed modelId, uint256 indexed baseModelId, uint256 indexed previousModelId, uint32 version
    );
    event ModelOwnershipTransferred(uint256 indexed modelId, address indexed previousOwner, address indexed newOwner);
    event ModelDeprecated(uint256 indexed modelId);
    event ModelMetadataUpdated(uint256 indexed modelId, string metadataURI);

    bytes32 internal constant ONNX_V2 = keccak256("onnx bytes v2");
    bytes32 internal constant SETTINGS_V2 = keccak256("settings v2");

    // ---------------------------------------------------------------- registerModel

    function test_registerModel_storesRecordAndEmits() public {
        vm.expectEmit(address(models));
        emit ModelRegistered(5, stranger, verifierHashedInput, ONNX_HASH, SETTINGS_HASH, 0);
        vm.prank(stranger);
        uint256 id = models.registerModel(_registration(verifierHashedInput, _hashedInputLayout(), 0));

        assertEq(id, 5);
        assertEq(models.modelCount(), 5);
        assertTrue(models.exists(id));
        IModelRegistry.Model memory m = models.getModel(id);
        assertEq(m.owner, stranger);
        assertEq(m.registeredAt, block.timestamp);
        assertFalse(m.deprecated);
        assertEq(m.verifier, verifierHashedInput);
        assertEq(m.verifierCodeHash, verifierHashedInput.codehash);
        assertEq(m.version, 1);
        assertEq(m.onnxHash, ONNX_HASH);
        assertEq(m.settingsHash, SETTINGS_HASH);
        assertEq(m.paramCommitment, 0);
        assertEq(m.baseModelId, id);
        assertEq(m.metadataURI, METADATA);
        assertEq(abi.encode(m.layout), abi.encode(_hashedInputLayout()));
        assertEq(models.latestVersion(id), id);
    }

    function test_registerModel_idsAreSequentialFromOne() public view {
        assertEq(hashedInputModel, 1);
        assertEq(hashedInputAltModel, 2);
        assertEq(hashedParamsModel, 3);
        assertEq(publicInputModel, 4);
        assertFalse(models.exists(0));
        assertFalse(models.exists(5));
    }

    function test_registerModel_storesHashedParamsCommitment() public view {
        IModelRegistry.Model memory m = models.getModel(hashedParamsModel);
        assertEq(m.paramCommitment, ZkFixtures.hashedParamsV1Signals()[0]);
        assertTrue(m.layout.hasParamHash);
    }

    function test_registerModel_revertsWhenVerifierHasNoCode() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryVerifierWithoutCode.selector, stranger));
        models.registerModel(_registration(stranger, _hashedInputLayout(), 0));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryVerifierWithoutCode.selector, address(0)));
        models.registerModel(_registration(address(0), _hashedInputLayout(), 0));
    }

    function test_registerModel_revertsOnZeroOnnxHash() public {
        IModelRegistry.Registration memory r = _registration(verifierHashedInput, _hashedInputLayout(), 0);
        r.onnxHash = 0;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryZeroHash.selector, "onnxHash"));
        models.registerModel(r);
    }

    function test_registerModel_revertsOnZeroSettingsHash() public {
        IModelRegistry.Registration memory r = _registration(verifierHashedInput, _hashedInputLayout(), 0);
        r.settingsHash = 0;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryZeroHash.selector, "settingsHash"));
        models.registerModel(r);
    }

    function test_registerModel_revertsOnCommitmentWithFixedParams() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryInvalidParamCommitment.selector, false, uint256(7))
        );
        models.registerModel(_registration(verifierHashedInput, _hashedInputLayout(), 7));
    }

    function test_registerModel_revertsOnMissingCommitmentWithHashedParams() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryInvalidParamCommitment.selector, true, uint256(0))
        );
        models.registerModel(_registration(verifierHashedParams, _hashedParamsLayout(), 0));
    }

    function test_registerModel_revertsOnCommitmentOutsideField() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryInvalidParamCommitment.selector, true, FIELD_MODULUS)
        );
        models.registerModel(_registration(verifierHashedParams, _hashedParamsLayout(), FIELD_MODULUS));
    }

    function test_registerModel_revertsOnPrivateInputWithSignals() public {
        IModelRegistry.Layout memory l = _hashedInputLayout();
        l.inputVisibility = IModelRegistry.InputVisibility.Private;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.ModelRegistryInvalidInputSignals.selector, IModelRegistry.InputVisibility.Private, 1
            )
        );
        models.registerModel(_registration(verifierHashedInput, l, 0));
    }

    function test_registerModel_revertsOnHashedInputWithTwoSignals() public {
        IModelRegistry.Layout memory l = _hashedInputLayout();
        l.inputSignals = 2;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.ModelRegistryInvalidInputSignals.selector, IModelRegistry.InputVisibility.Hashed, 2
            )
        );
        models.registerModel(_registration(verifierHashedInput, l, 0));
    }

    function test_registerModel_revertsOnPublicInputWithoutSignals() public {
        IModelRegistry.Layout memory l = _publicInputLayout();
        l.inputSignals = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.ModelRegistryInvalidInputSignals.selector, IModelRegistry.InputVisibility.Public, 0
            )
        );
        models.registerModel(_registration(verifierPublicInput, l, 0));
    }

    function test_registerModel_revertsOnNoOutputSignals() public {
        IModelRegistry.Layout memory l = _hashedInputLayout();
        l.outputSignals = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.ModelRegistryInvalidOutputSignals.selector, IModelRegistry.OutputVisibility.Public, 0
            )
        );
        models.registerModel(_registration(verifierHashedInput, l, 0));
    }

    function test_registerModel_revertsOnHashedOutputWithTwoSignals() public {
        IModelRegistry.Layout memory l = _publicInputLayout();
        l.outputSignals = 2;
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.ModelRegistryInvalidOutputSignals.selector, IModelRegistry.OutputVisibility.Hashed, 2
            )
        );
        models.registerModel(_registration(verifierPublicInput, l, 0));
    }

    function test_registerModel_revertsOnTooManySignals() public {
        IModelRegistry.Layout memory l = _publicInputLayout();
        l.inputSignals = 63;
        l.hasParamHash = true;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryTooManySignals.selector, 65, 64));
        models.registerModel(_registration(verifierPublicInput, l, 1));
    }

    function test_registerModel_acceptsSixtyFourSignals() public {
        IModelRegistry.Layout memory l = _publicInputLayout();
        l.inputSignals = 63;
        uint256 id = models.registerModel(_registration(verifierPublicInput, l, 0));
        assertEq(models.getModel(id).layout.inputSignals, 63);
    }

    function test_registerModel_revertsOnLongMetadata() public {
        IModelRegistry.Registration memory r = _registration(verifierHashedInput, _hashedInputLayout(), 0);
        r.metadataURI = string(new bytes(513));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryMetadataTooLong.selector, 513, 512));
        models.registerModel(r);
    }

    function testFuzz_registerModel_signalCountsFollowVisibility(
        uint8 inputs,
        uint8 outputs,
        uint8 inVis,
        uint8 outVis,
        bool hasParamHash
    ) public {
        inVis = uint8(bound(inVis, 0, 2));
        outVis = uint8(bound(outVis, 0, 1));
        IModelRegistry.Layout memory l = IModelRegistry.Layout({
            hasParamHash: hasParamHash,
            inputSignals: inputs,
            outputSignals: outputs,
            inputVisibility: IModelRegistry.InputVisibility(inVis),
            outputVisibility: IModelRegistry.OutputVisibility(outVis)
        });
        bool inputOk = inVis == 0 ? inputs == 0 : inVis == 1 ? inputs == 1 : inputs > 0;
        bool outputOk = outVis == 1 ? outputs == 1 : outputs > 0;
        bool countOk = (hasParamHash ? 1 : 0) + uint256(inputs) + outputs <= 64;
        IModelRegistry.Registration memory r = _registration(verifierHashedInput, l, hasParamHash ? 1 : 0);
        if (!(inputOk && outputOk && countOk)) vm.expectRevert();
        uint256 id = models.registerModel(r);
        if (inputOk && outputOk && countOk) {
            assertEq(models.signalCount(l), (hasParamHash ? 1 : 0) + uint256(inputs) + outputs);
            assertEq(abi.encode(models.getModel(id).layout), abi.encode(l));
        }
    }

    // ---------------------------------------------------------------- registerVersion

    function test_registerVersion_sharesVerifierWithNewCommitment() public {
        uint256 commitment = ZkFixtures.hashedParamsV2Signals()[0];
        vm.expectEmit(address(models));
        emit ModelRegistered(5, owner, verifierHashedParams, ONNX_V2, SETTINGS_V2, commitment);
        vm.expectEmit(address(models));
        emit ModelVersionRegistered(5, hashedParamsModel, hashedParamsModel, 2);
        vm.prank(owner);
        uint256 id = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, commitment, "ipfs://v2");

        IModelRegistry.Model memory m = models.getModel(id);
        assertEq(m.verifier, verifierHashedParams);
        assertEq(m.version, 2);
        assertEq(m.baseModelId, hashedParamsModel);
        assertEq(m.paramCommitment, commitment);
        assertEq(m.onnxHash, ONNX_V2);
        assertEq(m.settingsHash, SETTINGS_V2);
        assertEq(m.metadataURI, "ipfs://v2");
        assertEq(abi.encode(m.layout), abi.encode(_hashedParamsLayout()));
        assertEq(models.latestVersion(hashedParamsModel), id);
        assertEq(models.latestVersion(id), id);
    }

    function test_registerVersion_countsFromLatestVersion() public {
        vm.startPrank(owner);
        uint256 v2 = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "");
        // A version made from version 1 again still gets the next number.
        uint256 v3 = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 12, "");
        vm.stopPrank();
        assertEq(models.getModel(v2).version, 2);
        assertEq(models.getModel(v3).version, 3);
        assertEq(models.latestVersion(v2), v3);
    }

    function test_registerVersion_revertsWhenNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedParamsModel, stranger, owner)
        );
        vm.prank(stranger);
        models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "");
    }

    function test_registerVersion_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, 99));
        models.registerVersion(99, ONNX_V2, SETTINGS_V2, 11, "");
    }

    function test_registerVersion_revertsWhenParamsFixed() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryParamsNotHashed.selector, hashedInputModel));
        vm.prank(owner);
        models.registerVersion(hashedInputModel, ONNX_V2, SETTINGS_V2, 11, "");
    }

    function test_registerVersion_revertsWhenDeprecated() public {
        vm.startPrank(owner);
        models.deprecateModel(hashedParamsModel);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryDeprecated.selector, hashedParamsModel));
        models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "");
        vm.stopPrank();
    }

    function test_registerVersion_revertsOnZeroCommitment() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryInvalidParamCommitment.selector, true, uint256(0))
        );
        vm.prank(owner);
        models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 0, "");
    }

    function test_registerVersion_revertsOnZeroHash() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryZeroHash.selector, "onnxHash"));
        vm.prank(owner);
        models.registerVersion(hashedParamsModel, 0, SETTINGS_V2, 11, "");
    }

    function test_registerVersion_revertsOnLongMetadata() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryMetadataTooLong.selector, 513, 512));
        vm.prank(owner);
        models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, string(new bytes(513)));
    }

    // ---------------------------------------------------------------- transferModelOwnership

    function test_transferModelOwnership_movesControl() public {
        vm.expectEmit(address(models));
        emit ModelOwnershipTransferred(hashedInputModel, owner, stranger);
        vm.prank(owner);
        models.transferModelOwnership(hashedInputModel, stranger);
        assertEq(models.getModel(hashedInputModel).owner, stranger);

        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedInputModel, owner, stranger)
        );
        vm.prank(owner);
        models.deprecateModel(hashedInputModel);
        vm.prank(stranger);
        models.deprecateModel(hashedInputModel);
        assertTrue(models.getModel(hashedInputModel).deprecated);
    }

    function test_transferModelOwnership_revertsWhenNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedInputModel, stranger, owner)
        );
        vm.prank(stranger);
        models.transferModelOwnership(hashedInputModel, stranger);
    }

    function test_transferModelOwnership_revertsOnZeroOwner() public {
        vm.expectRevert(IModelRegistry.ModelRegistryZeroOwner.selector);
        vm.prank(owner);
        models.transferModelOwnership(hashedInputModel, address(0));
    }

    function test_transferModelOwnership_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, 0));
        models.transferModelOwnership(0, stranger);
    }

    // ---------------------------------------------------------------- finding 9: ownership is the family's

    function test_finding9_transferredModelOwnsLaterVersions() public {
        // The owner made version 2, then sold the model (version 1's id) to `stranger`.
        vm.startPrank(owner);
        uint256 v2 = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "ipfs://v2");
        models.transferModelOwnership(hashedParamsModel, stranger);
        vm.stopPrank();

        // Every version, earlier or later, belongs to the new owner.
        assertEq(models.getModel(hashedParamsModel).owner, stranger);
        assertEq(models.getModel(v2).owner, stranger);

        // The old owner controls neither version 2 nor the latest pointer any more.
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, v2, owner, stranger));
        models.registerVersion(v2, ONNX_V2, SETTINGS_V2, 12, "");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, v2, owner, stranger));
        models.deprecateModel(v2);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, v2, owner, stranger));
        models.updateMetadata(v2, "ipfs://hijacked");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, v2, owner, stranger));
        models.transferModelOwnership(v2, owner);
        vm.stopPrank();
        assertEq(models.latestVersion(hashedParamsModel), v2);

        // The new owner does: a version 3 from version 2 moves the latest pointer and is theirs.
        vm.startPrank(stranger);
        uint256 v3 = models.registerVersion(v2, ONNX_V2, SETTINGS_V2, 12, "ipfs://v3");
        models.updateMetadata(v2, "ipfs://v2-new");
        models.deprecateModel(v2);
        vm.stopPrank();
        assertEq(models.latestVersion(hashedParamsModel), v3);
        assertEq(models.getModel(v3).owner, stranger);
        assertEq(models.getModel(v2).metadataURI, "ipfs://v2-new");
        assertTrue(models.getModel(v2).deprecated);
    }

    function test_finding9_transferThroughAnyVersionMovesTheFamily() public {
        vm.startPrank(owner);
        uint256 v2 = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "");
        // The event names the family (its version-1 id), whichever version was passed.
        vm.expectEmit(address(models));
        emit ModelOwnershipTransferred(hashedParamsModel, owner, stranger);
        models.transferModelOwnership(v2, stranger);
        vm.stopPrank();
        assertEq(models.getModel(hashedParamsModel).owner, stranger);
        assertEq(models.getModel(v2).owner, stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedParamsModel, owner, stranger)
        );
        vm.prank(owner);
        models.deprecateModel(hashedParamsModel);
    }

    function test_registerVersion_afterTransferBelongsToNewOwner() public {
        vm.prank(owner);
        models.transferModelOwnership(hashedParamsModel, stranger);
        vm.expectEmit(address(models));
        emit ModelRegistered(5, stranger, verifierHashedParams, ONNX_V2, SETTINGS_V2, 11);
        vm.prank(stranger);
        uint256 v2 = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "");
        assertEq(models.getModel(v2).owner, stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedParamsModel, owner, stranger)
        );
        vm.prank(owner);
        models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 12, "");
    }

    function test_transferModelOwnership_revertsOnUnknownVersionId() public {
        vm.prank(owner);
        uint256 v2 = models.registerVersion(hashedParamsModel, ONNX_V2, SETTINGS_V2, 11, "");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, v2 + 1));
        vm.prank(owner);
        models.transferModelOwnership(v2 + 1, stranger);
    }

    function test_transferModelOwnership_toSelfKeepsControl() public {
        vm.startPrank(owner);
        models.transferModelOwnership(hashedInputModel, owner);
        models.updateMetadata(hashedInputModel, "ipfs://still-mine");
        vm.stopPrank();
        assertEq(models.getModel(hashedInputModel).owner, owner);
    }

    // ---------------------------------------------------------------- deprecateModel

    function test_deprecateModel_marksAndEmits() public {
        vm.expectEmit(address(models));
        emit ModelDeprecated(hashedInputModel);
        vm.prank(owner);
        models.deprecateModel(hashedInputModel);
        assertTrue(models.getModel(hashedInputModel).deprecated);
        assertTrue(models.proofContext(hashedInputModel).deprecated);
    }

    function test_deprecateModel_revertsWhenAlreadyDeprecated() public {
        vm.startPrank(owner);
        models.deprecateModel(hashedInputModel);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryDeprecated.selector, hashedInputModel));
        models.deprecateModel(hashedInputModel);
        vm.stopPrank();
    }

    function test_deprecateModel_revertsWhenNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedInputModel, stranger, owner)
        );
        vm.prank(stranger);
        models.deprecateModel(hashedInputModel);
    }

    function test_deprecateModel_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, 42));
        models.deprecateModel(42);
    }

    // ---------------------------------------------------------------- updateMetadata

    function test_updateMetadata_replacesUri() public {
        vm.expectEmit(address(models));
        emit ModelMetadataUpdated(hashedInputModel, "ipfs://new");
        vm.prank(owner);
        models.updateMetadata(hashedInputModel, "ipfs://new");
        assertEq(models.getModel(hashedInputModel).metadataURI, "ipfs://new");
    }

    function test_updateMetadata_revertsWhenNotOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelRegistryNotOwner.selector, hashedInputModel, stranger, owner)
        );
        vm.prank(stranger);
        models.updateMetadata(hashedInputModel, "ipfs://new");
    }

    function test_updateMetadata_revertsOnLongUri() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryMetadataTooLong.selector, 513, 512));
        vm.prank(owner);
        models.updateMetadata(hashedInputModel, string(new bytes(513)));
    }

    function test_updateMetadata_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, 42));
        models.updateMetadata(42, "");
    }

    // ---------------------------------------------------------------- views

    function test_getModel_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, 5));
        models.getModel(5);
    }

    function test_latestVersion_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, 5));
        models.latestVersion(5);
    }

    function test_proofContext_isZeroForUnknownModel() public view {
        IModelRegistry.ProofContext memory ctx = models.proofContext(5);
        assertEq(ctx.verifier, address(0));
        assertEq(ctx.paramCommitment, 0);
    }

    function test_proofContext_matchesModel() public view {
        IModelRegistry.ProofContext memory ctx = models.proofContext(hashedParamsModel);
        assertEq(ctx.verifier, verifierHashedParams);
        assertEq(ctx.verifierCodeHash, verifierHashedParams.codehash);
        assertFalse(ctx.deprecated);
        assertEq(ctx.paramCommitment, ZkFixtures.hashedParamsV1Signals()[0]);
        assertEq(abi.encode(ctx.layout), abi.encode(_hashedParamsLayout()));
    }

    function test_signalCount_countsParamInputAndOutput() public view {
        assertEq(models.signalCount(_hashedInputLayout()), 3);
        assertEq(models.signalCount(_hashedParamsLayout()), 3);
        assertEq(models.signalCount(_publicInputLayout()), 4);
    }
}
