// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IStaking} from "../staking/IStaking.sol";
import {IProviderRegistry} from "./IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Registry of compute providers and auditor-signed attributes.
contract ProviderRegistry is IProviderRegistry {
    /// @notice Most attributes in one set (provider's own or an auditor's).
    uint256 public constant MAX_ATTRIBUTES = 32;
    /// @notice Longest attribute key or value, in bytes.
    uint256 public constant MAX_ATTRIBUTE_LENGTH = 128;
    /// @notice Longest host URI, in bytes.
    uint256 public constant MAX_HOST_URI_LENGTH = 256;

    /// @notice Staking role of providers (same constant as Staking.PROVIDER_ROLE).
    bytes32 public constant PROVIDER_ROLE = keccak256("PROVIDER");

    IStaking public immutable staking;
    IProtocolParams public immutable params;

    mapping(address provider => Provider) private _providers;
    mapping(address provider => mapping(address auditor => Attribute[])) private _signed;
    address[] private _providerList;
    mapping(address provider => uint256 indexPlusOne) private _listIndex;

    constructor(IStaking staking_, IProtocolParams params_) {
        staking = staking_;
        params = params_;
    }

    /// @inheritdoc IProviderRegistry
    function register(string calldata hostUri, Attribute[] calldata attributes) external {
        if (_listIndex[msg.sender] != 0) revert RegistryAlreadyRegistered(msg.sender);
        uint256 stake = staking.stakeOf(msg.sender, PROVIDER_ROLE);
        uint256 minimum = params.minProviderStake();
        if (stake < minimum) revert RegistryInsufficientStake(msg.sender, stake, minimum);
        _validateHostUri(hostUri);
        Provider storage p = _providers[msg.sender];
        p.hostUri = hostUri;
        p.registeredAt = uint64(block.timestamp);
        _store(p.attributes, attributes);
        _providerList.push(msg.sender);
        _listIndex[msg.sender] = _providerList.length;
        emit ProviderRegistered(msg.sender, hostUri);
    }

    /// @inheritdoc IProviderRegistry
    function update(string calldata hostUri, Attribute[] calldata attributes) external {
        if (_listIndex[msg.sender] == 0) revert RegistryNotRegistered(msg.sender);
        _validateHostUri(hostUri);
        Provider storage p = _providers[msg.sender];
        p.hostUri = hostUri;
        _store(p.attributes, attributes);
        emit ProviderUpdated(msg.sender, hostUri);
    }

    /// @inheritdoc IProviderRegistry
    function unregister() external {
        uint256 indexPlusOne = _listIndex[msg.sender];
        if (indexPlusOne == 0) revert RegistryNotRegistered(msg.sender);
        address last = _providerList[_providerList.length - 1];
        _providerList[indexPlusOne - 1] = last;
        _listIndex[last] = indexPlusOne;
        _providerList.pop();
        delete _listIndex[msg.sender];
        delete _providers[msg.sender];
        emit ProviderUnregistered(msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function signAttributes(address provider, Attribute[] calldata attributes) external {
        if (_listIndex[provider] == 0) revert RegistryNotRegistered(provider);
        _store(_signed[provider][msg.sender], attributes);
        emit AttributesSigned(provider, msg.sender, attributes.length);
    }

    /// @inheritdoc IProviderRegistry
    function revokeAttributes(address provider) external {
        delete _signed[provider][msg.sender];
        emit AttributesRevoked(provider, msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function isRegistered(address provider) external view returns (bool) {
        return _listIndex[provider] != 0;
    }

    /// @inheritdoc IProviderRegistry
    function isEligible(address provider) external view returns (bool) {
        return _listIndex[provider] != 0 && staking.stakeOf(provider, PROVIDER_ROLE) >= params.minProviderStake();
    }

    /// @inheritdoc IProviderRegistry
    function getProvider(address provider) external view returns (Provider memory) {
        if (_listIndex[provider] == 0) revert RegistryNotRegistered(provider);
        return _providers[provider];
    }

    /// @inheritdoc IProviderRegistry
    function signedAttributes(address provider, address auditor) external view returns (Attribute[] memory) {
        return _signed[provider][auditor];
    }

    /// @inheritdoc IProviderRegistry
    function providers() external view returns (address[] memory) {
        return _providerList;
    }

    /// @inheritdoc IProviderRegistry
    function matchesPlacement(address provider, Placement calldata placement) external view returns (bool) {
        if (_listIndex[provider] == 0) return false;
        if (placement.allOf.length == 0 && placement.anyOf.length == 0) {
            return _subset(placement.attributes, _providers[provider].attributes);
        }
        for (uint256 i; i < placement.allOf.length; ++i) {
            if (!_signedSubset(placement.attributes, _signed[provider][placement.allOf[i]])) return false;
        }
        if (placement.anyOf.length == 0) return true;
        for (uint256 i; i < placement.anyOf.length; ++i) {
            if (_signedSubset(placement.attributes, _signed[provider][placement.anyOf[i]])) return true;
        }
        return false;
    }

    // ---- internals ----

    /// @dev An auditor counts only if it has signed a (non-empty) set, as in Akash: otherwise an
    ///      order with no attribute requirements would accept an auditor that never audited the provider.
    function _signedSubset(Attribute[] calldata required, Attribute[] storage signed) private view returns (bool) {
        return signed.length != 0 && _subset(required, signed);
    }

    /// @dev Every required attribute is matched by one of `have` (key glob, equal value).
    function _subset(Attribute[] calldata required, Attribute[] storage have) private view returns (bool) {
        uint256 n = have.length;
        for (uint256 i; i < required.length; ++i) {
            bytes memory key = bytes(required[i].key);
            bytes32 valueHash = keccak256(bytes(required[i].value));
            bool found;
            for (uint256 j; j < n && !found; ++j) {
                found = keccak256(bytes(have[j].value)) == valueHash && _globMatch(key, bytes(have[j].key));
            }
            if (!found) return false;
        }
        return true;
    }

    /// @dev Key match as Go's filepath.Match restricted to `*` (any run of bytes but `/`).
    ///      Greedy with one backtrack point: linear in practice for short attribute keys.
    function _globMatch(bytes memory pattern, bytes memory text) private pure returns (bool) {
        uint256 p;
        uint256 t;
        uint256 starP = type(uint256).max;
        uint256 starT;
        while (t < text.length) {
            if (p < pattern.length && pattern[p] == "*") {
                starP = p++;
                starT = t;
            } else if (p < pattern.length && pattern[p] == text[t]) {
                ++p;
                ++t;
            } else if (starP != type(uint256).max && text[starT] != "/") {
                p = starP + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (p < pattern.length && pattern[p] == "*") ++p;
        return p == pattern.length;
    }

    function _store(Attribute[] storage target, Attribute[] calldata source) private {
        if (source.length > MAX_ATTRIBUTES) revert RegistryTooManyAttributes(source.length, MAX_ATTRIBUTES);
        while (target.length > 0) target.pop();
        for (uint256 i; i < source.length; ++i) {
            uint256 keyLength = bytes(source[i].key).length;
            uint256 valueLength = bytes(source[i].value).length;
            if (
                keyLength == 0 || keyLength > MAX_ATTRIBUTE_LENGTH || valueLength == 0
                    || valueLength > MAX_ATTRIBUTE_LENGTH
            ) {
                revert RegistryInvalidAttribute(i);
            }
            bytes32 keyHash = keccak256(bytes(source[i].key));
            for (uint256 j; j < i; ++j) {
                if (keccak256(bytes(source[j].key)) == keyHash) revert RegistryInvalidAttribute(i);
            }
            target.push(source[i]);
        }
    }

    function _validateHostUri(string calldata hostUri) private pure {
        uint256 length = bytes(hostUri).length;
        if (length == 0 || length > MAX_HOST_URI_LENGTH) revert RegistryInvalidHostUri(length, MAX_HOST_URI_LENGTH);
    }
}
