// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IProviderRegistry
/// @notice Compute providers: host URI, self-declared attributes, attributes signed by auditors,
///         and placement matching as in Akash (required attributes must be a subset of the
///         provider's own set, or of auditor-signed sets when the order names auditors).
interface IProviderRegistry {
    /// @notice A key/value attribute (region=eu, gpu/vendor/nvidia/model/a100=true, ...).
    struct Attribute {
        string key;
        string value;
    }

    /// @notice Placement requirements of an order.
    /// @dev `attributes` keys may contain `*`, which matches any run of characters but `/`.
    ///      With `allOf`/`anyOf` empty the provider's own attributes are used; otherwise every
    ///      `allOf` auditor and at least one `anyOf` auditor must have signed a superset. An auditor
    ///      that never signed, revoked, or signed an empty set has not signed.
    struct Placement {
        Attribute[] attributes;
        address[] allOf;
        address[] anyOf;
    }

    /// @notice A provider record.
    struct Provider {
        string hostUri;
        Attribute[] attributes;
        uint64 registeredAt;
    }

    /// @notice The caller is already registered.
    error RegistryAlreadyRegistered(address provider);
    /// @notice The provider is not registered.
    error RegistryNotRegistered(address provider);
    /// @notice The host URI is empty or longer than `max` bytes.
    error RegistryInvalidHostUri(uint256 length, uint256 max);
    /// @notice More attributes than allowed.
    error RegistryTooManyAttributes(uint256 count, uint256 max);
    /// @notice Attribute `index` has an empty or oversized key or value, or a repeated key.
    error RegistryInvalidAttribute(uint256 index);
    /// @notice The provider's stake in the provider role is below the minimum.
    error RegistryInsufficientStake(address provider, uint256 stake, uint256 minimum);

    /// @notice A provider registered.
    event ProviderRegistered(address indexed provider, string hostUri);
    /// @notice A provider changed its host URI or attributes.
    event ProviderUpdated(address indexed provider, string hostUri);
    /// @notice A provider left the registry.
    event ProviderUnregistered(address indexed provider);
    /// @notice `auditor` signed (replaced) its attribute set for `provider`.
    event AttributesSigned(address indexed provider, address indexed auditor, uint256 count);
    /// @notice `auditor` withdrew its attribute set for `provider`.
    event AttributesRevoked(address indexed provider, address indexed auditor);

    /// @notice Registers the caller with a host URI and attributes. Needs the minimum provider stake.
    function register(string calldata hostUri, Attribute[] calldata attributes) external;
    /// @notice Replaces the caller's host URI and attributes.
    function update(string calldata hostUri, Attribute[] calldata attributes) external;
    /// @notice Removes the caller from the registry. Running leases are not affected.
    function unregister() external;
    /// @notice The caller, as auditor, signs (replaces) its attribute set for `provider`.
    function signAttributes(address provider, Attribute[] calldata attributes) external;
    /// @notice The caller, as auditor, withdraws its attribute set for `provider`.
    function revokeAttributes(address provider) external;

    /// @notice Whether `provider` is registered.
    function isRegistered(address provider) external view returns (bool);
    /// @notice Whether `provider` is registered and holds the minimum stake (may bid).
    function isEligible(address provider) external view returns (bool);
    /// @notice The provider record (reverts if not registered).
    function getProvider(address provider) external view returns (Provider memory);
    /// @notice Attributes `auditor` signed for `provider` (empty if none).
    function signedAttributes(address provider, address auditor) external view returns (Attribute[] memory);
    /// @notice Every registered provider, in registration order.
    function providers() external view returns (address[] memory);
    /// @notice Whether `provider` satisfies `placement`.
    function matchesPlacement(address provider, Placement calldata placement) external view returns (bool);
}
