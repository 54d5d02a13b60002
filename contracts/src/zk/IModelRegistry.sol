// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IModelRegistry
/// @notice zkML models, EZKL-style: each model names its ONNX file (sha256), its settings (hash),
///         the Groth16 verifier generated for its circuit, and the layout of its public signals.
///         With hashed params the weights are a private witness bound by a Poseidon commitment that
///         is the first public signal: one verifier then serves every weight version, and a new
///         version is a new model id that points at the same verifier with a new commitment.
/// @dev Model ids are sequential from 1 (0 is never a model). Ownership belongs to the model, not to
///      a version: every version of a family (same `baseModelId`) has one owner, and only that owner
///      may add versions (moving `latestVersion`), deprecate a version, edit its metadata or hand the
///      whole family on. Public signals, in order:
///      `[param_hash]?` (iff `layout.hasParamHash`) ++ input signals (private: none; hashed: one
///      Poseidon hash; public: every element) ++ output signals (public: every element; hashed: one hash).
interface IModelRegistry {
    /// @notice How the model's input appears among the public signals.
    enum InputVisibility {
        Private,
        Hashed,
        Public
    }

    /// @notice How the model's output appears among the public signals.
    enum OutputVisibility {
        Public,
        Hashed
    }

    /// @notice The public-signal layout of a model's circuit.
    /// @dev Private input: `inputSignals == 0`; hashed: 1; public: >= 1. Hashed output:
    ///      `outputSignals == 1`; public: >= 1.
    struct Layout {
        bool hasParamHash;
        uint8 inputSignals;
        uint8 outputSignals;
        InputVisibility inputVisibility;
        OutputVisibility outputVisibility;
    }

    /// @notice What the owner supplies to register a model.
    struct Registration {
        /// @dev sha256 of the ONNX bytes.
        bytes32 onnxHash;
        /// @dev Hash of the settings the circuit was compiled with (the SDK uses sha256 of settings.json).
        bytes32 settingsHash;
        /// @dev Groth16 verifier contract (snarkjs `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])`).
        address verifier;
        /// @dev Poseidon commitment to the weights (a field element) when `layout.hasParamHash`; else 0.
        uint256 paramCommitment;
        Layout layout;
        /// @dev Where the model card, ONNX and settings live (URI or CID).
        string metadataURI;
    }

    /// @notice A registered model (one version of it).
    struct Model {
        /// @dev The family's owner: the same for every version of the model.
        address owner;
        uint64 registeredAt;
        bool deprecated;
        address verifier;
        /// @dev The verifier's EXTCODEHASH at registration: compare it with a verifier you compiled yourself.
        bytes32 verifierCodeHash;
        /// @dev 1 for a model registered with `registerModel`; +1 per `registerVersion`.
        uint32 version;
        Layout layout;
        bytes32 onnxHash;
        bytes32 settingsHash;
        uint256 paramCommitment;
        /// @dev The id of version 1 (the model's own id for version 1).
        uint256 baseModelId;
        string metadataURI;
    }

    /// @notice What a proof check needs, in one call.
    struct ProofContext {
        address verifier;
        /// @dev The verifier's EXTCODEHASH at registration; a proof check requires it unchanged.
        bytes32 verifierCodeHash;
        bool deprecated;
        Layout layout;
        uint256 paramCommitment;
    }

    /// @notice No model has this id.
    error ModelRegistryUnknownModel(uint256 modelId);
    /// @notice The caller is not the owner of the model's family (`owner` is).
    error ModelRegistryNotOwner(uint256 modelId, address caller, address owner);
    /// @notice The model is deprecated (deprecation is final).
    error ModelRegistryDeprecated(uint256 modelId);
    /// @notice The verifier address has no code.
    error ModelRegistryVerifierWithoutCode(address verifier);
    /// @notice A required hash is zero (`field` names it: "onnxHash" or "settingsHash").
    error ModelRegistryZeroHash(string field);
    /// @notice The param commitment does not fit the layout: non-zero field element iff hashed params.
    error ModelRegistryInvalidParamCommitment(bool hasParamHash, uint256 paramCommitment);
    /// @notice The input signal count does not fit the input visibility.
    error ModelRegistryInvalidInputSignals(InputVisibility visibility, uint256 count);
    /// @notice The output signal count does not fit the output visibility.
    error ModelRegistryInvalidOutputSignals(OutputVisibility visibility, uint256 count);
    /// @notice More public signals than a verifier call may carry.
    error ModelRegistryTooManySignals(uint256 count, uint256 max);
    /// @notice The metadata URI is longer than `max` bytes.
    error ModelRegistryMetadataTooLong(uint256 length, uint256 max);
    /// @notice New versions need a model with hashed params.
    error ModelRegistryParamsNotHashed(uint256 modelId);
    /// @notice The new owner is the zero address.
    error ModelRegistryZeroOwner();

    /// @notice A model (or a new version of one) was registered.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        address indexed verifier,
        bytes32 onnxHash,
        bytes32 settingsHash,
        uint256 paramCommitment
    );
    /// @notice `modelId` is version `version` of `baseModelId`, made from `previousModelId`.
    event ModelVersionRegistered(
        uint256 indexed modelId, uint256 indexed baseModelId, uint256 indexed previousModelId, uint32 version
    );
    /// @notice The model, every version of it, changed hands. `modelId` is the family's version-1 id
    ///         (its `baseModelId`), whichever version's id the transfer was called with.
    event ModelOwnershipTransferred(uint256 indexed modelId, address indexed previousOwner, address indexed newOwner);
    /// @notice The model takes no more proofs.
    event ModelDeprecated(uint256 indexed modelId);
    /// @notice The model's metadata URI changed.
    event ModelMetadataUpdated(uint256 indexed modelId, string metadataURI);

    /// @notice Registers a model owned by the caller; returns its id (sequential from 1).
    function registerModel(Registration calldata registration) external returns (uint256 modelId);

    /// @notice Registers a new weight version of a hashed-params model: same verifier and layout,
    ///         new ONNX hash, settings hash and weight commitment. Caller must own `modelId`'s
    ///         family, and `modelId` must not be deprecated. Returns the new version's model id
    ///         (owned, like every version, by the family's owner) and makes it the latest version.
    function registerVersion(
        uint256 modelId,
        bytes32 onnxHash,
        bytes32 settingsHash,
        uint256 paramCommitment,
        string calldata metadataURI
    ) external returns (uint256 newModelId);

    /// @notice Hands the model, every version of its family, to `newOwner` (family owner only).
    ///         Any version's id names the family.
    function transferModelOwnership(uint256 modelId, address newOwner) external;

    /// @notice Stops this version from taking proofs, for good (family owner only). Records stay.
    function deprecateModel(uint256 modelId) external;

    /// @notice Replaces this version's metadata URI (family owner only).
    function updateMetadata(uint256 modelId, string calldata metadataURI) external;

    /// @notice The model record (reverts for an unknown id).
    function getModel(uint256 modelId) external view returns (Model memory);

    /// @notice Verifier, its registered code hash, deprecation, layout and commitment; all zero
    ///         (verifier 0) for an unknown id.
    function proofContext(uint256 modelId) external view returns (ProofContext memory);

    /// @notice Whether `modelId` is registered.
    function exists(uint256 modelId) external view returns (bool);

    /// @notice The number of models registered, which is also the highest id.
    function modelCount() external view returns (uint256);

    /// @notice The id of the newest version in `modelId`'s family (reverts for an unknown id).
    function latestVersion(uint256 modelId) external view returns (uint256);

    /// @notice The public-signal count of a layout.
    function signalCount(Layout calldata layout) external pure returns (uint256);
}
