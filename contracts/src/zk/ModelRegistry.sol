// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "./IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Registry of zkML models: ONNX hash, settings hash, Groth16 verifier, public-signal layout
///         and (hashed params) the weight commitment, with weight versions sharing one verifier.
///         Ownership belongs to the model, not to a version: one owner, kept on the version-1 record,
///         controls every version of the family.
contract ModelRegistry is IModelRegistry {
    /// @notice Most public signals a model may have (calldata and gas grow ~7k per signal).
    uint256 public constant MAX_SIGNALS = 64;
    /// @notice Longest metadata URI, in bytes.
    uint256 public constant MAX_METADATA_LENGTH = 512;
    /// @notice BN254 scalar field: every public signal, the commitment included, is below it.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev Flat storage so a proof check reads three slots: [verifier, deprecated, layout], the
    ///      commitment and the verifier's code hash.
    struct StoredModel {
        /// @dev The family's owner on the version-1 record; zero on later versions (see `_ownerOf`).
        address owner;
        uint64 registeredAt;
        uint32 version;
        address verifier;
        bool deprecated;
        bool hasParamHash;
        uint8 inputSignals;
        uint8 outputSignals;
        InputVisibility inputVisibility;
        OutputVisibility outputVisibility;
        uint256 paramCommitment;
        bytes32 onnxHash;
        bytes32 settingsHash;
        uint256 baseModelId;
        bytes32 verifierCodeHash;
        string metadataURI;
    }

    mapping(uint256 modelId => StoredModel) private _models;
    mapping(uint256 baseModelId => uint256 modelId) private _latest;
    uint256 private _count;

    /// @inheritdoc IModelRegistry
    function registerModel(Registration calldata r) external returns (uint256 modelId) {
        _validateHashes(r.onnxHash, r.settingsHash);
        if (r.verifier.code.length == 0) revert ModelRegistryVerifierWithoutCode(r.verifier);
        _validateLayout(r.layout);
        _validateCommitment(r.layout.hasParamHash, r.paramCommitment);
        _validateMetadata(r.metadataURI);

        modelId = ++_count;
        StoredModel storage m = _models[modelId];
        m.owner = msg.sender;
        m.registeredAt = uint64(block.timestamp);
        m.version = 1;
        m.verifier = r.verifier;
        m.hasParamHash = r.layout.hasParamHash;
        m.inputSignals = r.layout.inputSignals;
        m.outputSignals = r.layout.outputSignals;
        m.inputVisibility = r.layout.inputVisibility;
        m.outputVisibility = r.layout.outputVisibility;
        m.paramCommitment = r.paramCommitment;
        m.onnxHash = r.onnxHash;
        m.settingsHash = r.settingsHash;
        m.baseModelId = modelId;
        m.verifierCodeHash = r.verifier.codehash;
        m.metadataURI = r.metadataURI;
        _latest[modelId] = modelId;
        emit ModelRegistered(modelId, msg.sender, r.verifier, r.onnxHash, r.settingsHash, r.paramCommitment);
    }

    /// @inheritdoc IModelRegistry
    function registerVersion(
        uint256 modelId,
        bytes32 onnxHash,
        bytes32 settingsHash,
        uint256 paramCommitment,
        string calldata metadataURI
    ) external returns (uint256 newModelId) {
        (StoredModel storage prev, address familyOwner) = _owned(modelId);
        if (prev.deprecated) revert ModelRegistryDeprecated(modelId);
        if (!prev.hasParamHash) revert ModelRegistryParamsNotHashed(modelId);
        _validateHashes(onnxHash, settingsHash);
        _validateCommitment(true, paramCommitment);
        _validateMetadata(metadataURI);

        uint256 baseModelId = prev.baseModelId;
        // Versions count per family, from the latest, so ids and versions stay monotonic.
        uint32 version = _models[_latest[baseModelId]].version + 1;
        newModelId = ++_count;
        StoredModel storage m = _models[newModelId];
        // No owner here: the family's owner (on the version-1 record) owns every version.
        m.registeredAt = uint64(block.timestamp);
        m.version = version;
        m.verifier = prev.verifier;
        m.hasParamHash = true;
        m.inputSignals = prev.inputSignals;
        m.outputSignals = prev.outputSignals;
        m.inputVisibility = prev.inputVisibility;
        m.outputVisibility = prev.outputVisibility;
        m.paramCommitment = paramCommitment;
        m.onnxHash = onnxHash;
        m.settingsHash = settingsHash;
        m.baseModelId = baseModelId;
        m.verifierCodeHash = prev.verifierCodeHash;
        m.metadataURI = metadataURI;
        _latest[baseModelId] = newModelId;
        emit ModelRegistered(newModelId, familyOwner, m.verifier, onnxHash, settingsHash, paramCommitment);
        emit ModelVersionRegistered(newModelId, baseModelId, modelId, version);
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(uint256 modelId, address newOwner) external {
        (StoredModel storage m,) = _owned(modelId);
        if (newOwner == address(0)) revert ModelRegistryZeroOwner();
        uint256 baseModelId = m.baseModelId;
        _models[baseModelId].owner = newOwner;
        emit ModelOwnershipTransferred(baseModelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function deprecateModel(uint256 modelId) external {
        (StoredModel storage m,) = _owned(modelId);
        if (m.deprecated) revert ModelRegistryDeprecated(modelId);
        m.deprecated = true;
        emit ModelDeprecated(modelId);
    }

    /// @inheritdoc IModelRegistry
    function updateMetadata(uint256 modelId, string calldata metadataURI) external {
        (StoredModel storage m,) = _owned(modelId);
        _validateMetadata(metadataURI);
        m.metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory model) {
        StoredModel storage m = _existing(modelId);
        model = Model({
            owner: _ownerOf(m),
            registeredAt: m.registeredAt,
            deprecated: m.deprecated,
            verifier: m.verifier,
            verifierCodeHash: m.verifierCodeHash,
            version: m.version,
            layout: _layout(m),
            onnxHash: m.onnxHash,
            settingsHash: m.settingsHash,
            paramCommitment: m.paramCommitment,
            baseModelId: m.baseModelId,
            metadataURI: m.metadataURI
        });
    }

    /// @inheritdoc IModelRegistry
    function proofContext(uint256 modelId) external view returns (ProofContext memory) {
        // No revert: ProofRegistry.verify answers false for an unknown model.
        StoredModel storage m = _models[modelId];
        return ProofContext({
            verifier: m.verifier,
            verifierCodeHash: m.verifierCodeHash,
            deprecated: m.deprecated,
            layout: _layout(m),
            paramCommitment: m.paramCommitment
        });
    }

    /// @inheritdoc IModelRegistry
    function exists(uint256 modelId) external view returns (bool) {
        return _models[modelId].verifier != address(0);
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IModelRegistry
    function latestVersion(uint256 modelId) external view returns (uint256) {
        return _latest[_existing(modelId).baseModelId];
    }

    /// @inheritdoc IModelRegistry
    function signalCount(Layout calldata layout) external pure returns (uint256) {
        return _signalCount(layout.hasParamHash, layout.inputSignals, layout.outputSignals);
    }

    function _existing(uint256 modelId) private view returns (StoredModel storage m) {
        m = _models[modelId];
        // Every registered model has a verifier with code, so a zero verifier means "no model".
        if (m.verifier == address(0)) revert ModelRegistryUnknownModel(modelId);
    }

    /// @dev The model and its family's owner; reverts unless the caller is that owner.
    function _owned(uint256 modelId) private view returns (StoredModel storage m, address familyOwner) {
        m = _existing(modelId);
        familyOwner = _ownerOf(m);
        if (familyOwner != msg.sender) revert ModelRegistryNotOwner(modelId, msg.sender, familyOwner);
    }

    /// @dev Every version is owned by its family's owner, kept on the version-1 record.
    function _ownerOf(StoredModel storage m) private view returns (address) {
        return _models[m.baseModelId].owner;
    }

    function _layout(StoredModel storage m) private view returns (Layout memory) {
        return Layout({
            hasParamHash: m.hasParamHash,
            inputSignals: m.inputSignals,
            outputSignals: m.outputSignals,
            inputVisibility: m.inputVisibility,
            outputVisibility: m.outputVisibility
        });
    }

    function _signalCount(bool hasParamHash, uint256 inputs, uint256 outputs) private pure returns (uint256) {
        return (hasParamHash ? 1 : 0) + inputs + outputs;
    }

    function _validateHashes(bytes32 onnxHash, bytes32 settingsHash) private pure {
        if (onnxHash == bytes32(0)) revert ModelRegistryZeroHash("onnxHash");
        if (settingsHash == bytes32(0)) revert ModelRegistryZeroHash("settingsHash");
    }

    function _validateLayout(Layout calldata l) private pure {
        InputVisibility iv = l.inputVisibility;
        uint256 inputs = l.inputSignals;
        if (
            (iv == InputVisibility.Private && inputs != 0) || (iv == InputVisibility.Hashed && inputs != 1)
                || (iv == InputVisibility.Public && inputs == 0)
        ) revert ModelRegistryInvalidInputSignals(iv, inputs);
        OutputVisibility ov = l.outputVisibility;
        uint256 outputs = l.outputSignals;
        if (outputs == 0 || (ov == OutputVisibility.Hashed && outputs != 1)) {
            revert ModelRegistryInvalidOutputSignals(ov, outputs);
        }
        uint256 total = _signalCount(l.hasParamHash, inputs, outputs);
        if (total > MAX_SIGNALS) revert ModelRegistryTooManySignals(total, MAX_SIGNALS);
    }

    function _validateCommitment(bool hasParamHash, uint256 commitment) private pure {
        bool valid = hasParamHash ? commitment != 0 && commitment < FIELD_MODULUS : commitment == 0;
        if (!valid) revert ModelRegistryInvalidParamCommitment(hasParamHash, commitment);
    }

    function _validateMetadata(string calldata uri) private pure {
        if (bytes(uri).length > MAX_METADATA_LENGTH) {
            revert ModelRegistryMetadataTooLong(bytes(uri).length, MAX_METADATA_LENGTH);
        }
    }
}
