// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDispenser
/// @notice Free datatokens (Ocean v4's Dispenser): anyone may take up to `maxTokens` per call
///         while the destination holds less than `maxBalance`. The dispenser mints the shortfall
///         when it is a minter of the datatoken, else hands out what it holds.
interface IDispenser {
    struct Status {
        bool exists;
        bool active;
        uint256 maxTokens;
        uint256 maxBalance;
        address allowedSwapper;
        uint256 balance;
        bool isMinter;
    }

    event DispenserCreated(address indexed datatoken, address indexed creator, uint256 maxTokens, uint256 maxBalance);
    event DispenserActivated(address indexed datatoken, uint256 maxTokens, uint256 maxBalance);
    event DispenserDeactivated(address indexed datatoken);
    event DispenserAllowedSwapperChanged(address indexed datatoken, address indexed swapper);
    event TokensDispensed(address indexed datatoken, address indexed caller, address indexed destination, uint256 amount);
    event OwnerWithdrawn(address indexed datatoken, address indexed to, uint256 amount);

    error DispenserNotFactoryDatatoken(address datatoken);
    error DispenserExists(address datatoken);
    error DispenserUnknown(address datatoken);
    error DispenserInactive(address datatoken);
    error DispenserNotDeployer(address datatoken, address caller);
    error DispenserNotAllowedSwapper(address datatoken, address caller, address allowed);
    error DispenserAboveMaxTokens(uint256 amount, uint256 maxTokens);
    error DispenserBalanceAtMax(address destination, uint256 balance, uint256 maxBalance);
    error DispenserNotEnoughTokens(uint256 amount, uint256 available);
    error DispenserZeroAmount();
    error DispenserZeroAddress(bytes32 field);

    function factory() external view returns (address);

    /// @notice Creates an active dispenser. Caller: the datatoken's NFT owner or a Deployer, or the factory.
    function create(address datatoken, uint256 maxTokens, uint256 maxBalance, address allowedSwapper) external;
    /// @notice Re-activates with new limits. Owner side.
    function activate(address datatoken, uint256 maxTokens, uint256 maxBalance) external;
    /// @notice Stops dispensing. Owner side.
    function deactivate(address datatoken) external;
    /// @notice Restricts `dispense` to `swapper` (zero: anyone). Owner side.
    function setAllowedSwapper(address datatoken, address swapper) external;
    /// @notice Sends `amount` to `destination` (minting the shortfall if a minter).
    function dispense(address datatoken, uint256 amount, address destination) external;
    /// @notice Sends everything held to the datatoken's payment collector. Owner side.
    function ownerWithdraw(address datatoken) external;
    function status(address datatoken) external view returns (Status memory);
}
