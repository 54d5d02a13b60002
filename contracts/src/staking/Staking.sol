// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IStaking} from "./IStaking.sol";

/// @title Staking
/// @notice NOOS staking by role with unbonding and module-only slashing.
contract Staking is IStaking, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role of modules allowed to slash (the compute market, later the subnets).
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice Role of modules allowed to lock stake behind open obligations (the compute market).
    bytes32 public constant LOCKER_ROLE = keccak256("LOCKER_ROLE");
    /// @notice Staking role of compute providers.
    bytes32 public constant PROVIDER_ROLE = keccak256("PROVIDER");
    /// @notice Bound on pending unbonding entries per (account, role): keeps loops short.
    uint256 public constant MAX_UNBONDINGS = 16;
    uint16 internal constant BPS = 10_000;

    /// @notice The staked token (NOOS).
    IERC20 public immutable token;
    /// @notice Where the unbonding period, reporter share and treasury are read.
    IProtocolParams public immutable params;

    mapping(address account => mapping(bytes32 role => uint256)) private _stakes;
    mapping(address account => mapping(bytes32 role => Unbonding[])) private _unbondings;
    mapping(bytes32 role => uint256) private _totalStaked;
    mapping(address account => mapping(bytes32 role => uint256)) private _locked;

    constructor(IERC20 token_, IProtocolParams params_, address admin) {
        token = token_;
        params = params_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IStaking
    function stake(bytes32 role, uint256 amount) external nonReentrant {
        _stake(msg.sender, role, amount);
    }

    /// @inheritdoc IStaking
    function stakeFor(address account, bytes32 role, uint256 amount) external nonReentrant {
        _stake(account, role, amount);
    }

    /// @inheritdoc IStaking
    function requestUnstake(bytes32 role, uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        uint256 staked = _stakes[msg.sender][role];
        if (amount > staked) revert StakingInsufficientStake(msg.sender, role, amount, staked);
        uint256 free = staked - _locked[msg.sender][role]; // locked <= staked
        if (amount > free) revert StakingInsufficientUnlockedStake(msg.sender, role, amount, free);
        Unbonding[] storage entries = _unbondings[msg.sender][role];
        if (entries.length >= MAX_UNBONDINGS) revert StakingTooManyUnbondings(msg.sender, role, MAX_UNBONDINGS);

        _stakes[msg.sender][role] = staked - amount;
        _totalStaked[role] -= amount;
        uint64 releaseAt = SafeCast.toUint64(block.timestamp + params.unbondingPeriod());
        entries.push(Unbonding(SafeCast.toUint128(amount), releaseAt));
        emit UnstakeRequested(msg.sender, role, amount, releaseAt);
    }

    /// @inheritdoc IStaking
    function withdraw(bytes32 role) external nonReentrant returns (uint256 amount) {
        Unbonding[] storage entries = _unbondings[msg.sender][role];
        // In-place compaction over at most MAX_UNBONDINGS entries. The period may change, so matured
        // entries can sit anywhere; the rest keep their request order, which `slash` relies on
        // (newest last). Swap-and-pop would move the newest entry in front of older ones.
        uint256 length = entries.length;
        uint256 kept;
        for (uint256 i; i < length; ++i) {
            Unbonding memory entry = entries[i];
            if (entry.releaseAt <= block.timestamp) {
                amount += entry.amount;
            } else {
                if (kept != i) entries[kept] = entry;
                ++kept;
            }
        }
        if (amount == 0) revert StakingNothingToWithdraw(msg.sender, role);
        while (entries.length > kept) entries.pop();
        emit Withdrawn(msg.sender, role, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function slash(address account, bytes32 role, uint256 amount, address reporter)
        external
        onlyRole(SLASHER_ROLE)
        nonReentrant
        returns (uint256 slashed)
    {
        uint256 staked = _stakes[account][role];
        uint256 fromStake = amount < staked ? amount : staked;
        if (fromStake > 0) {
            _stakes[account][role] = staked - fromStake;
            _totalStaked[role] -= fromStake;
            // Keep locked <= staked: a slash by any module may eat into the locked part.
            if (_locked[account][role] > staked - fromStake) _locked[account][role] = staked - fromStake;
        }
        slashed = fromStake;
        // Then the newest unbondings: stake that is leaving stays accountable until it has left.
        Unbonding[] storage entries = _unbondings[account][role];
        for (uint256 i = entries.length; i > 0 && slashed < amount; --i) {
            Unbonding storage entry = entries[i - 1];
            uint256 take = amount - slashed;
            if (take >= entry.amount) {
                slashed += entry.amount;
                entries.pop(); // the last entry, since we walk from the end
            } else {
                entry.amount -= SafeCast.toUint128(take);
                slashed += take;
            }
        }
        if (slashed == 0) return 0;

        uint256 reward = reporter == address(0) ? 0 : (slashed * params.reporterRewardBps()) / BPS;
        emit Slashed(account, role, msg.sender, slashed, reporter, reward);
        if (reward > 0) token.safeTransfer(reporter, reward);
        token.safeTransfer(params.treasury(), slashed - reward);
    }

    /// @inheritdoc IStaking
    function lock(address account, bytes32 role, uint256 amount) external onlyRole(LOCKER_ROLE) {
        if (amount == 0) revert StakingZeroAmount();
        uint256 locked = _locked[account][role];
        uint256 free = _stakes[account][role] - locked;
        if (amount > free) revert StakingInsufficientUnlockedStake(account, role, amount, free);
        _locked[account][role] = locked + amount;
        emit StakeLocked(account, role, msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function unlock(address account, bytes32 role, uint256 amount)
        external
        onlyRole(LOCKER_ROLE)
        returns (uint256 unlocked)
    {
        uint256 locked = _locked[account][role];
        unlocked = amount < locked ? amount : locked;
        if (unlocked == 0) return 0;
        _locked[account][role] = locked - unlocked;
        emit StakeUnlocked(account, role, msg.sender, unlocked);
    }

    /// @inheritdoc IStaking
    function lockedOf(address account, bytes32 role) external view returns (uint256) {
        return _locked[account][role];
    }

    /// @inheritdoc IStaking
    function stakeOf(address account, bytes32 role) external view returns (uint256) {
        return _stakes[account][role];
    }

    /// @inheritdoc IStaking
    function unbondingsOf(address account, bytes32 role) external view returns (Unbonding[] memory) {
        return _unbondings[account][role];
    }

    /// @inheritdoc IStaking
    function unbondingOf(address account, bytes32 role) external view returns (uint256 total) {
        Unbonding[] storage entries = _unbondings[account][role];
        for (uint256 i; i < entries.length; ++i) {
            total += entries[i].amount;
        }
    }

    /// @inheritdoc IStaking
    function totalStaked(bytes32 role) external view returns (uint256) {
        return _totalStaked[role];
    }

    function _stake(address account, bytes32 role, uint256 amount) private {
        if (amount == 0) revert StakingZeroAmount();
        if (account == address(0)) revert StakingZeroAccount();
        _stakes[account][role] += amount;
        _totalStaked[role] += amount;
        emit Staked(account, role, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }
}
