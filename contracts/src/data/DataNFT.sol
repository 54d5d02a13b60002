// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IDataNFT} from "./IDataNFT.sol";
import {IDataNFTFactory} from "./IDataNFTFactory.sol";
import {IDatatoken} from "./IDatatoken.sol";

/// @title DataNFT
/// @notice Template cloned (EIP-1167) by the DataNFTFactory for each data asset. Name and symbol
///         live in storage (a clone runs no constructor).
contract DataNFT is ERC721, IDataNFT {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint8 private constant MAX_STATE = 5;

    bool private _initialized;
    bool private _factorySetup;
    bool private _transferable;
    address private _factory;
    bytes32 private _did;
    string private _name;
    string private _symbol;
    string private _tokenURI;
    /// Roles are keyed by epoch: a transfer bumps the epoch, which wipes every role at once.
    uint256 private _roleEpoch;
    mapping(uint256 epoch => mapping(Role role => mapping(address account => bool))) private _roles;
    address[] private _datatokens;
    Metadata private _metadata;
    EnumerableSet.Bytes32Set private _allowed;

    /// The template itself is initialized so that nobody can take it over.
    constructor() ERC721("", "") {
        _initialized = true;
    }

    /// @inheritdoc IDataNFT
    function initialize(
        address owner_,
        string calldata name_,
        string calldata symbol_,
        string calldata tokenURI_,
        bool transferable_,
        address factory_,
        bytes32 did_
    ) external {
        if (_initialized) revert DataNFTAlreadyInitialized();
        if (owner_ == address(0)) revert DataNFTZeroAddress("owner");
        _initialized = true;
        _factorySetup = true;
        _factory = factory_;
        _did = did_;
        _name = name_;
        _symbol = symbol_;
        _tokenURI = tokenURI_;
        _transferable = transferable_;
        _mint(owner_, 1);
    }

    /// @inheritdoc IDataNFT
    function closeFactorySetup() external {
        if (msg.sender != _factory) revert DataNFTMissingRole(Role.Manager, msg.sender);
        _factorySetup = false;
    }

    // ---------------------------------------------------------------- views

    function name() public view override returns (string memory) {
        return _name;
    }

    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _tokenURI;
    }

    /// @inheritdoc IDataNFT
    function factory() external view returns (address) {
        return _factory;
    }

    /// @inheritdoc IDataNFT
    function did() external view returns (bytes32) {
        return _did;
    }

    /// @inheritdoc IDataNFT
    function transferable() external view returns (bool) {
        return _transferable;
    }

    /// @inheritdoc IDataNFT
    function owner() public view returns (address) {
        return _ownerOf(1);
    }

    /// @inheritdoc IDataNFT
    function hasDataRole(Role role, address account) public view returns (bool) {
        return account == owner() || _roles[_roleEpoch][role][account];
    }

    /// @inheritdoc IDataNFT
    function getDatatokens() external view returns (address[] memory) {
        return _datatokens;
    }

    /// @inheritdoc IDataNFT
    function metadataState() external view returns (uint8) {
        return _metadata.state;
    }

    /// @inheritdoc IDataNFT
    function getMetadata() external view returns (Metadata memory) {
        return _metadata;
    }

    /// @inheritdoc IDataNFT
    function isAlgorithmAllowed(bytes32 algorithm) external view returns (bool) {
        return _allowed.contains(algorithm);
    }

    /// @inheritdoc IDataNFT
    function getAllowedAlgorithms() external view returns (bytes32[] memory) {
        return _allowed.values();
    }

    // ---------------------------------------------------------------- roles

    /// @inheritdoc IDataNFT
    function grantDataRole(Role role, address account) external {
        _checkRoleAdmin(role);
        if (account == address(0)) revert DataNFTZeroAddress("account");
        _roles[_roleEpoch][role][account] = true;
        emit RoleGranted(role, account, msg.sender);
    }

    /// @inheritdoc IDataNFT
    function revokeDataRole(Role role, address account) external {
        _checkRoleAdmin(role);
        _roles[_roleEpoch][role][account] = false;
        emit RoleRevoked(role, account, msg.sender);
    }

    function _checkRoleAdmin(Role role) private view {
        if (role == Role.Manager) {
            if (msg.sender != owner()) revert DataNFTNotOwner(msg.sender);
        } else if (!hasDataRole(Role.Manager, msg.sender)) {
            revert DataNFTMissingRole(Role.Manager, msg.sender);
        }
    }

    /// The factory acts as every role only inside its own publish transaction (before closeFactorySetup).
    function _checkRole(Role role) private view {
        if (_factorySetup && msg.sender == _factory) return;
        if (!hasDataRole(role, msg.sender)) revert DataNFTMissingRole(role, msg.sender);
    }

    // ---------------------------------------------------------------- datatokens

    /// @inheritdoc IDataNFT
    function createDatatoken(IDatatoken.DatatokenParams calldata p) external returns (address datatoken) {
        _checkRole(Role.Deployer);
        datatoken = IDataNFTFactory(_factory).deployDatatoken(p, new address[](0));
    }

    /// @inheritdoc IDataNFT
    function registerDatatoken(address datatoken) external {
        if (msg.sender != _factory) revert DataNFTMissingRole(Role.Deployer, msg.sender);
        _datatokens.push(datatoken);
        emit DatatokenAdded(datatoken);
    }

    // ---------------------------------------------------------------- metadata

    /// @inheritdoc IDataNFT
    function setMetadata(MetadataParams calldata p) external {
        _checkRole(Role.MetadataUpdater);
        if (p.state > MAX_STATE) revert DataNFTBadState(p.state);
        if (p.decryptorAddress == address(0)) revert DataNFTZeroDecryptor();
        if (p.metadataHash == bytes32(0)) revert DataNFTZeroMetadataHash();
        bool created = _metadata.createdAt == 0;
        uint64 now_ = uint64(block.timestamp);
        _metadata = Metadata({
            state: p.state,
            decryptorUrl: p.decryptorUrl,
            decryptorAddress: p.decryptorAddress,
            metadataCid: p.metadataCid,
            metadataHash: p.metadataHash,
            computeOnly: p.computeOnly,
            metricsOnly: p.metricsOnly,
            createdAt: created ? now_ : _metadata.createdAt,
            updatedAt: now_
        });
        if (created) {
            emit MetadataCreated(msg.sender, p.state, p.decryptorUrl, p.decryptorAddress, p.metadataCid, p.metadataHash);
        } else {
            emit MetadataUpdated(msg.sender, p.state, p.decryptorUrl, p.decryptorAddress, p.metadataCid, p.metadataHash);
        }
    }

    /// @inheritdoc IDataNFT
    function setMetadataState(uint8 state) external {
        _checkRole(Role.MetadataUpdater);
        if (state > MAX_STATE) revert DataNFTBadState(state);
        _metadata.state = state;
        _metadata.updatedAt = uint64(block.timestamp);
        emit MetadataStateUpdated(msg.sender, state);
    }

    /// @inheritdoc IDataNFT
    function setAlgorithmsAllowed(bytes32[] calldata algorithms, bool allowed) external {
        _checkRole(Role.MetadataUpdater);
        for (uint256 i; i < algorithms.length; ++i) {
            if (allowed) _allowed.add(algorithms[i]);
            else _allowed.remove(algorithms[i]);
            emit AlgorithmAllowedSet(algorithms[i], allowed);
        }
    }

    // ---------------------------------------------------------------- transfer

    /// Only token 1 exists; a transfer needs `transferable` and wipes every permission (Ocean's cleanPermissions).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) {
            if (!_transferable || to == address(0)) revert DataNFTNotTransferable(tokenId);
            unchecked {
                ++_roleEpoch; // bounded by the number of transfers
            }
            for (uint256 i; i < _datatokens.length; ++i) {
                IDatatoken(_datatokens[i]).cleanPermissions(to);
            }
            emit PermissionsCleaned(to);
        }
    }
}
