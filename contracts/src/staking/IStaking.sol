// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStaking
/// @notice NOOS staking per (account, role). Unstaking starts an unbonding entry that can be
///         withdrawn after the unbonding period; stake and unbonding entries stay slashable.
///         Only modules holding SLASHER_ROLE can slash. Modules holding LOCKER_ROLE (the compute
///         market) lock active stake that backs an open obligation (a lease): locked stake cannot be
///         unstaked until it is unlocked, so it is still there to slash. `lockedOf <= stakeOf` always.
interface IStaking {
    /// @notice One pending withdrawal.
    struct Unbonding {
        uint128 amount;
        uint64 releaseAt;
    }

    /// @notice The amount is zero.
    error StakingZeroAmount();
    /// @notice The account is the zero address (its stake could never be withdrawn).
    error StakingZeroAccount();
    /// @notice The account has less active stake in `role` than requested.
    error StakingInsufficientStake(address account, bytes32 role, uint256 requested, uint256 available);
    /// @notice The account already has the most pending unbonding entries for `role`.
    error StakingTooManyUnbondings(address account, bytes32 role, uint256 max);
    /// @notice The account's active stake in `role` that is not locked is less than requested.
    error StakingInsufficientUnlockedStake(address account, bytes32 role, uint256 requested, uint256 available);
    /// @notice No unbonding entry of the account in `role` has matured.
    error StakingNothingToWithdraw(address account, bytes32 role);

    /// @notice `account` staked `amount` in `role`.
    event Staked(address indexed account, bytes32 indexed role, uint256 amount);
    /// @notice `account` asked to unstake `amount`, withdrawable at `releaseAt`.
    event UnstakeRequested(address indexed account, bytes32 indexed role, uint256 amount, uint64 releaseAt);
    /// @notice `account` withdrew matured unbondings.
    event Withdrawn(address indexed account, bytes32 indexed role, uint256 amount);
    /// @notice `slasher` slashed `amount` from `account`: `reporterReward` to `reporter`, the rest to the treasury.
    event Slashed(
        address indexed account,
        bytes32 indexed role,
        address indexed slasher,
        uint256 amount,
        address reporter,
        uint256 reporterReward
    );

    /// @notice `locker` locked `amount` of the account's active stake in `role`.
    event StakeLocked(address indexed account, bytes32 indexed role, address indexed locker, uint256 amount);
    /// @notice `locker` unlocked `amount` of the account's stake in `role`.
    event StakeUnlocked(address indexed account, bytes32 indexed role, address indexed locker, uint256 amount);

    /// @notice Stakes `amount` NOOS from the caller in `role`.
    function stake(bytes32 role, uint256 amount) external;
    /// @notice Stakes `amount` NOOS for `account` in `role`, paid by the caller.
    function stakeFor(address account, bytes32 role, uint256 amount) external;
    /// @notice Moves `amount` of the caller's stake in `role` to unbonding. Locked stake cannot be
    ///         moved: reverts with StakingInsufficientUnlockedStake above `stakeOf - lockedOf`.
    function requestUnstake(bytes32 role, uint256 amount) external;
    /// @notice Withdraws every matured unbonding entry of the caller in `role`.
    /// @return amount Total withdrawn.
    function withdraw(bytes32 role) external returns (uint256 amount);
    /// @notice Slashes up to `amount` from `account` in `role` (active stake first, then the
    ///         newest unbondings). Only SLASHER_ROLE. If the active stake falls below the locked
    ///         amount, the lock shrinks to the stake (`lockedOf <= stakeOf`).
    /// @return slashed The amount actually slashed (at most what the account had).
    function slash(address account, bytes32 role, uint256 amount, address reporter) external returns (uint256 slashed);

    /// @notice Locks `amount` of the account's unlocked active stake in `role`. Only LOCKER_ROLE.
    ///         Reverts with StakingInsufficientUnlockedStake if `stakeOf - lockedOf < amount`.
    function lock(address account, bytes32 role, uint256 amount) external;
    /// @notice Unlocks up to `amount` of the account's locked stake in `role` (saturating: a slash
    ///         may already have shrunk the lock). Only LOCKER_ROLE.
    /// @return unlocked The amount actually unlocked.
    function unlock(address account, bytes32 role, uint256 amount) external returns (uint256 unlocked);

    /// @notice Active stake of `account` in `role`.
    function stakeOf(address account, bytes32 role) external view returns (uint256);
    /// @notice Part of the account's active stake in `role` that is locked (cannot be unstaked).
    function lockedOf(address account, bytes32 role) external view returns (uint256);
    /// @notice Pending unbonding entries of `account` in `role`.
    function unbondingsOf(address account, bytes32 role) external view returns (Unbonding[] memory);
    /// @notice Sum of the account's pending unbondings in `role`.
    function unbondingOf(address account, bytes32 role) external view returns (uint256);
    /// @notice Total active stake in `role`.
    function totalStaked(bytes32 role) external view returns (uint256);
}
