// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDatatoken} from "./IDatatoken.sol";

/// @title IDataNFT
/// @notice A data asset's ownership: an ERC-721 with only token 1 (Ocean v4's ERC721Template).
///         It holds the asset's metadata pointer (the DDO's CID and its sha256), the serving
///         provider (`decryptorAddress` / `decryptorUrl`: the only party that can decrypt the
///         files), the access policy (compute-only, metrics-only), the on-chain algorithm
///         allow-list, and its datatokens.
///
///         Roles: the owner of token 1 grants/revokes Manager; managers grant/revoke Deployer
///         (creates datatokens, manages their minters and pricing) and MetadataUpdater. The owner
///         always acts as every role. A transfer (only if `transferable`) wipes all roles, and the
///         datatokens' minters and payment collectors, in favour of the new owner (Ocean's
///         cleanPermissions).
interface IDataNFT {
    /// @notice NFT-level roles.
    enum Role {
        Manager,
        Deployer,
        MetadataUpdater
    }

    /// @notice Metadata states (Ocean): 0 active, 1 end-of-life (no ordering), 2 deprecated,
    ///         3 revoked, 4 ordering disabled, 5 unlisted (orderable). Datatokens refuse orders in
    ///         states 1, 2, 3 and 4.
    /// @param state See above.
    /// @param decryptorUrl The serving provider's base URL.
    /// @param decryptorAddress The serving provider's Ethereum address (its key decrypts the files).
    /// @param metadataCid The DDO JSON's CID in the content store.
    /// @param metadataHash sha256 of the DDO JSON bytes.
    /// @param computeOnly Only compute-to-data, no download.
    /// @param metricsOnly C2D jobs return metrics only, no output files.
    struct MetadataParams {
        uint8 state;
        string decryptorUrl;
        address decryptorAddress;
        string metadataCid;
        bytes32 metadataHash;
        bool computeOnly;
        bool metricsOnly;
    }

    /// @notice Stored metadata: the params plus when it was created and last updated.
    struct Metadata {
        uint8 state;
        string decryptorUrl;
        address decryptorAddress;
        string metadataCid;
        bytes32 metadataHash;
        bool computeOnly;
        bool metricsOnly;
        uint64 createdAt;
        uint64 updatedAt;
    }

    /// @notice First metadata set.
    event MetadataCreated(
        address indexed updater, uint8 state, string decryptorUrl, address decryptorAddress, string metadataCid, bytes32 metadataHash
    );
    /// @notice Metadata replaced.
    event MetadataUpdated(
        address indexed updater, uint8 state, string decryptorUrl, address decryptorAddress, string metadataCid, bytes32 metadataHash
    );
    /// @notice Only the state changed.
    event MetadataStateUpdated(address indexed updater, uint8 state);
    /// @notice `algorithm` (a hash) was added to (`allowed`) or removed from the allow-list.
    event AlgorithmAllowedSet(bytes32 indexed algorithm, bool allowed);
    /// @notice `account` got `role`.
    event RoleGranted(Role indexed role, address indexed account, address indexed sender);
    /// @notice `account` lost `role`.
    event RoleRevoked(Role indexed role, address indexed account, address indexed sender);
    /// @notice All roles were wiped on a transfer to `newOwner`.
    event PermissionsCleaned(address indexed newOwner);
    /// @notice A datatoken was created under this NFT.
    event DatatokenAdded(address indexed datatoken);

    /// @notice `caller` lacks `role` (and is not the owner).
    error DataNFTMissingRole(Role role, address caller);
    /// @notice `caller` is not the owner of token 1.
    error DataNFTNotOwner(address caller);
    /// @notice Already initialized (templates are initialized at deployment so nobody can).
    error DataNFTAlreadyInitialized();
    /// @notice The NFT is not transferable (or the token id is not 1).
    error DataNFTNotTransferable(uint256 tokenId);
    /// @notice A metadata state above 5.
    error DataNFTBadState(uint8 state);
    /// @notice The metadata's decryptor address is zero.
    error DataNFTZeroDecryptor();
    /// @notice The metadata hash is zero.
    error DataNFTZeroMetadataHash();
    /// @notice An address parameter is zero.
    error DataNFTZeroAddress(bytes32 field);

    /// @notice Called once by the factory on the clone.
    function initialize(
        address owner,
        string calldata name_,
        string calldata symbol_,
        string calldata tokenURI_,
        bool transferable_,
        address factory_,
        bytes32 did_
    ) external;
    /// @notice The factory ends its setup rights on this NFT (it keeps none afterwards).
    function closeFactorySetup() external;

    /// @notice The factory that created this NFT.
    function factory() external view returns (address);
    /// @notice The DID hash.
    function did() external view returns (bytes32);
    /// @notice Whether token 1 may be transferred.
    function transferable() external view returns (bool);
    /// @notice Owner of token 1.
    function owner() external view returns (address);
    /// @notice Whether `account` has `role` (the owner has every role).
    function hasDataRole(Role role, address account) external view returns (bool);
    /// @notice Grants `role`: Manager only by the owner; others by a manager.
    function grantDataRole(Role role, address account) external;
    /// @notice Revokes `role`: Manager only by the owner; others by a manager.
    function revokeDataRole(Role role, address account) external;

    /// @notice Creates a datatoken under this NFT. Only a Deployer.
    function createDatatoken(IDatatoken.DatatokenParams calldata p) external returns (address datatoken);
    /// @notice Records a datatoken the factory cloned for this NFT. Only the factory.
    function registerDatatoken(address datatoken) external;
    /// @notice The datatokens created under this NFT.
    function getDatatokens() external view returns (address[] memory);

    /// @notice Sets (or replaces) the metadata. Only a MetadataUpdater.
    function setMetadata(MetadataParams calldata p) external;
    /// @notice Sets only the state. Only a MetadataUpdater.
    function setMetadataState(uint8 state) external;
    /// @notice Only the metadata state (what datatokens check on every order; cheaper than getMetadata).
    function metadataState() external view returns (uint8);
    /// @notice The metadata (createdAt == 0: none yet).
    function getMetadata() external view returns (Metadata memory);

    /// @notice Adds or removes algorithm hashes from the compute allow-list. Only a MetadataUpdater.
    function setAlgorithmsAllowed(bytes32[] calldata algorithms, bool allowed) external;
    /// @notice Whether `algorithm` may run on this asset (compute-to-data).
    function isAlgorithmAllowed(bytes32 algorithm) external view returns (bool);
    /// @notice The allow-list (unordered).
    function getAllowedAlgorithms() external view returns (bytes32[] memory);
}
