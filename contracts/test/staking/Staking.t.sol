// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, Vm} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {IStaking} from "../../src/staking/IStaking.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

contract StakingTest is Test {
    bytes32 internal constant PROVIDER = keccak256("PROVIDER");
    bytes32 internal constant VALIDATOR = keccak256("VALIDATOR");
    uint256 internal constant FUNDS = 1_000_000 ether;

    NoosToken internal token;
    ProtocolParams internal params;
    Staking internal staking;

    address internal owner = makeAddr("owner");
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal bank = makeAddr("bank");
    address internal slasher = makeAddr("slasher");
    address internal locker = makeAddr("locker");
    address internal reporter = makeAddr("reporter");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        token = new NoosToken(admin, bank, 10 * FUNDS);
        params = new ProtocolParams(owner, treasury);
        staking = new Staking(IERC20(address(token)), params, admin);

        bytes32 slasherRole = staking.SLASHER_ROLE();
        vm.prank(admin);
        staking.grantRole(slasherRole, slasher);
        bytes32 lockerRole = staking.LOCKER_ROLE();
        vm.prank(admin);
        staking.grantRole(lockerRole, locker);

        _fund(alice);
        _fund(bob);
    }

    // ---- lock / unlock (finding 5) ----

    function test_lock_blocksUnstakingLockedPart() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IStaking.StakeLocked(alice, PROVIDER, locker, 30 ether);
        vm.prank(locker);
        staking.lock(alice, PROVIDER, 30 ether);
        assertEq(staking.lockedOf(alice, PROVIDER), 30 ether);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStaking.StakingInsufficientUnlockedStake.selector, alice, PROVIDER, 71 ether, 70 ether
            )
        );
        staking.requestUnstake(PROVIDER, 71 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 70 ether);
        assertEq(staking.stakeOf(alice, PROVIDER), 30 ether);
    }

    function test_lock_revertsAboveUnlockedStake() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(locker);
        staking.lock(alice, PROVIDER, 60 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStaking.StakingInsufficientUnlockedStake.selector, alice, PROVIDER, 41 ether, 40 ether
            )
        );
        staking.lock(alice, PROVIDER, 41 ether);
        vm.stopPrank();
    }

    function test_lock_revertsOnZeroAmount() public {
        vm.prank(locker);
        vm.expectRevert(IStaking.StakingZeroAmount.selector);
        staking.lock(alice, PROVIDER, 0);
    }

    function test_lock_revertsWithoutLockerRole() public {
        _stake(alice, PROVIDER, 100 ether);
        bytes32 role = staking.LOCKER_ROLE();
        vm.prank(slasher);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, slasher, role));
        staking.lock(alice, PROVIDER, 1 ether);
        vm.prank(slasher);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, slasher, role));
        staking.unlock(alice, PROVIDER, 1 ether);
    }

    function test_unlock_saturatesAndFreesStake() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(locker);
        staking.lock(alice, PROVIDER, 30 ether);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IStaking.StakeUnlocked(alice, PROVIDER, locker, 30 ether);
        assertEq(staking.unlock(alice, PROVIDER, 50 ether), 30 ether);
        assertEq(staking.unlock(alice, PROVIDER, 1 ether), 0);
        vm.stopPrank();
        assertEq(staking.lockedOf(alice, PROVIDER), 0);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether);
    }

    /// @dev A slash (by any module) that eats into the locked part shrinks the lock: locked <= staked.
    function test_slash_shrinksLockToStake() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(locker);
        staking.lock(alice, PROVIDER, 80 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 50 ether, address(0));
        assertEq(staking.stakeOf(alice, PROVIDER), 50 ether);
        assertEq(staking.lockedOf(alice, PROVIDER), 50 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 10 ether, address(0));
        assertEq(staking.lockedOf(alice, PROVIDER), 40 ether);
    }

    function testFuzz_lock_neverExceedsStake(uint256 stakeAmt, uint256 lockAmt, uint256 slashAmt) public {
        stakeAmt = bound(stakeAmt, 1, 1_000 ether);
        lockAmt = bound(lockAmt, 1, stakeAmt);
        slashAmt = bound(slashAmt, 0, 2_000 ether);
        _stake(alice, PROVIDER, stakeAmt);
        vm.prank(locker);
        staking.lock(alice, PROVIDER, lockAmt);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, slashAmt, address(0));
        assertLe(staking.lockedOf(alice, PROVIDER), staking.stakeOf(alice, PROVIDER));
    }

    // ---- constructor ----

    function test_constructor_wiresTokenParamsAndAdmin() public view {
        assertEq(address(staking.token()), address(token));
        assertEq(address(staking.params()), address(params));
        assertTrue(staking.hasRole(staking.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(staking.hasRole(staking.SLASHER_ROLE(), slasher));
        assertEq(staking.PROVIDER_ROLE(), PROVIDER);
        assertEq(staking.SLASHER_ROLE(), keccak256("SLASHER_ROLE"));
        assertEq(staking.MAX_UNBONDINGS(), 16);
    }

    function test_grantRole_revertsForNonAdmin() public {
        bytes32 slasherRole = staking.SLASHER_ROLE();
        bytes32 adminRole = staking.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, adminRole)
        );
        vm.prank(alice);
        staking.grantRole(slasherRole, alice);
    }

    // ---- stake ----

    function test_stake_movesTokensAndRecordsStake() public {
        vm.expectEmit(true, true, false, true, address(staking));
        emit IStaking.Staked(alice, PROVIDER, 150 ether);
        vm.prank(alice);
        staking.stake(PROVIDER, 150 ether);

        assertEq(staking.stakeOf(alice, PROVIDER), 150 ether);
        assertEq(staking.totalStaked(PROVIDER), 150 ether);
        assertEq(token.balanceOf(address(staking)), 150 ether);
        assertEq(token.balanceOf(alice), FUNDS - 150 ether);
    }

    function test_stake_accumulatesAndKeepsRolesApart() public {
        vm.startPrank(alice);
        staking.stake(PROVIDER, 100 ether);
        staking.stake(PROVIDER, 50 ether);
        staking.stake(VALIDATOR, 7 ether);
        vm.stopPrank();
        vm.prank(bob);
        staking.stake(PROVIDER, 20 ether);

        assertEq(staking.stakeOf(alice, PROVIDER), 150 ether);
        assertEq(staking.stakeOf(alice, VALIDATOR), 7 ether);
        assertEq(staking.stakeOf(bob, PROVIDER), 20 ether);
        assertEq(staking.stakeOf(bob, VALIDATOR), 0);
        assertEq(staking.totalStaked(PROVIDER), 170 ether);
        assertEq(staking.totalStaked(VALIDATOR), 7 ether);
    }

    function test_stake_revertsOnZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingZeroAmount.selector));
        vm.prank(alice);
        staking.stake(PROVIDER, 0);
    }

    function test_stake_revertsWithoutAllowance() public {
        address poor = makeAddr("poor");
        vm.prank(bank);
        token.transfer(poor, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 10 ether)
        );
        vm.prank(poor);
        staking.stake(PROVIDER, 10 ether);
    }

    function test_stake_revertsWithoutBalance() public {
        address poor = makeAddr("poor");
        vm.prank(poor);
        token.approve(address(staking), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, 0, 10 ether));
        vm.prank(poor);
        staking.stake(PROVIDER, 10 ether);
    }

    // ---- stakeFor ----

    function test_stakeFor_creditsAccountPaidByCaller() public {
        address provider = makeAddr("provider");
        vm.expectEmit(true, true, false, true, address(staking));
        emit IStaking.Staked(provider, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.stakeFor(provider, PROVIDER, 100 ether);

        assertEq(staking.stakeOf(provider, PROVIDER), 100 ether);
        assertEq(staking.stakeOf(alice, PROVIDER), 0);
        assertEq(token.balanceOf(alice), FUNDS - 100 ether);
        assertEq(token.balanceOf(provider), 0);
        assertEq(staking.totalStaked(PROVIDER), 100 ether);

        // The account owns the stake: it can unstake and withdraw it.
        vm.prank(provider);
        staking.requestUnstake(PROVIDER, 100 ether);
        vm.warp(block.timestamp + 7 days);
        vm.prank(provider);
        staking.withdraw(PROVIDER);
        assertEq(token.balanceOf(provider), 100 ether);
    }

    function test_stakeFor_revertsOnZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingZeroAmount.selector));
        vm.prank(alice);
        staking.stakeFor(bob, PROVIDER, 0);
    }

    function test_stakeFor_revertsOnZeroAccount() public {
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingZeroAccount.selector));
        vm.prank(alice);
        staking.stakeFor(address(0), PROVIDER, 1 ether);
    }

    function test_stakeFor_revertsWithoutAllowance() public {
        address poor = makeAddr("poor");
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 1 ether)
        );
        vm.prank(poor);
        staking.stakeFor(alice, PROVIDER, 1 ether);
    }

    // ---- requestUnstake ----

    function test_requestUnstake_createsEntry() public {
        _stake(alice, PROVIDER, 100 ether);
        uint64 releaseAt = uint64(block.timestamp + 7 days);

        vm.expectEmit(true, true, false, true, address(staking));
        emit IStaking.UnstakeRequested(alice, PROVIDER, 40 ether, releaseAt);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 40 ether);

        assertEq(staking.stakeOf(alice, PROVIDER), 60 ether);
        assertEq(staking.totalStaked(PROVIDER), 60 ether);
        assertEq(staking.unbondingOf(alice, PROVIDER), 40 ether);
        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 1);
        assertEq(entries[0].amount, 40 ether);
        assertEq(entries[0].releaseAt, releaseAt);
        // Tokens stay in the contract until withdrawn.
        assertEq(token.balanceOf(address(staking)), 100 ether);
    }

    function test_requestUnstake_wholeStake() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether);
        assertEq(staking.stakeOf(alice, PROVIDER), 0);
        assertEq(staking.unbondingOf(alice, PROVIDER), 100 ether);
    }

    function test_requestUnstake_revertsOnZeroAmount() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingZeroAmount.selector));
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 0);
    }

    function test_requestUnstake_revertsAboveStake() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStaking.StakingInsufficientStake.selector, alice, PROVIDER, 100 ether + 1, 100 ether
            )
        );
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether + 1);
    }

    function test_requestUnstake_revertsInOtherRole() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IStaking.StakingInsufficientStake.selector, alice, VALIDATOR, 1 ether, 0)
        );
        vm.prank(alice);
        staking.requestUnstake(VALIDATOR, 1 ether);
    }

    function test_requestUnstake_revertsAtMaxUnbondings() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        for (uint256 i; i < 16; ++i) {
            staking.requestUnstake(PROVIDER, 1 ether);
        }
        assertEq(staking.unbondingsOf(alice, PROVIDER).length, 16);
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingTooManyUnbondings.selector, alice, PROVIDER, 16));
        staking.requestUnstake(PROVIDER, 1 ether);
        vm.stopPrank();

        // Another role has its own bound.
        _stake(alice, VALIDATOR, 1 ether);
        vm.prank(alice);
        staking.requestUnstake(VALIDATOR, 1 ether);
    }

    function test_requestUnstake_slotsFreeAfterWithdraw() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        for (uint256 i; i < 16; ++i) {
            staking.requestUnstake(PROVIDER, 1 ether);
        }
        vm.warp(block.timestamp + 7 days);
        assertEq(staking.withdraw(PROVIDER), 16 ether);
        staking.requestUnstake(PROVIDER, 1 ether);
        vm.stopPrank();
        assertEq(staking.unbondingsOf(alice, PROVIDER).length, 1);
    }

    function test_requestUnstake_revertsAboveUint128() public {
        uint256 huge = uint256(type(uint128).max) + 1;
        NoosToken big = new NoosToken(admin, alice, huge);
        Staking bigStaking = new Staking(IERC20(address(big)), params, admin);
        vm.startPrank(alice);
        big.approve(address(bigStaking), huge);
        bigStaking.stake(PROVIDER, huge);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, huge));
        bigStaking.requestUnstake(PROVIDER, huge);
        vm.stopPrank();
    }

    // ---- withdraw ----

    function test_withdraw_revertsBeforeUnbondingPeriod() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether);
        vm.warp(block.timestamp + 7 days - 1);
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingNothingToWithdraw.selector, alice, PROVIDER));
        vm.prank(alice);
        staking.withdraw(PROVIDER);
    }

    function test_withdraw_revertsWithNoEntries() public {
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingNothingToWithdraw.selector, alice, PROVIDER));
        vm.prank(alice);
        staking.withdraw(PROVIDER);
    }

    function test_withdraw_afterUnbondingPeriod() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 60 ether);
        vm.warp(block.timestamp + 7 days); // releaseAt is inclusive

        vm.expectEmit(true, true, false, true, address(staking));
        emit IStaking.Withdrawn(alice, PROVIDER, 60 ether);
        vm.prank(alice);
        uint256 amount = staking.withdraw(PROVIDER);

        assertEq(amount, 60 ether);
        assertEq(token.balanceOf(alice), FUNDS - 40 ether);
        assertEq(token.balanceOf(address(staking)), 40 ether);
        assertEq(staking.unbondingOf(alice, PROVIDER), 0);
        assertEq(staking.unbondingsOf(alice, PROVIDER).length, 0);
        assertEq(staking.stakeOf(alice, PROVIDER), 40 ether);

        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingNothingToWithdraw.selector, alice, PROVIDER));
        vm.prank(alice);
        staking.withdraw(PROVIDER);
    }

    function test_withdraw_onlyMaturedEntries() public {
        _stake(alice, PROVIDER, 100 ether);
        uint256 t0 = block.timestamp;
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 10 ether);
        vm.warp(t0 + 3 days);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 20 ether);

        vm.warp(t0 + 7 days);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 10 ether);
        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 1);
        assertEq(entries[0].amount, 20 ether);
        assertEq(entries[0].releaseAt, t0 + 10 days);

        vm.warp(t0 + 10 days);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 20 ether);
        assertEq(token.balanceOf(alice), FUNDS - 70 ether);
    }

    function test_withdraw_sumsSeveralMaturedEntries() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        staking.requestUnstake(PROVIDER, 10 ether);
        staking.requestUnstake(PROVIDER, 20 ether);
        staking.requestUnstake(PROVIDER, 30 ether);
        vm.warp(block.timestamp + 30 days);
        vm.expectEmit(true, true, false, true, address(staking));
        emit IStaking.Withdrawn(alice, PROVIDER, 60 ether);
        assertEq(staking.withdraw(PROVIDER), 60 ether);
        vm.stopPrank();
        assertEq(staking.unbondingsOf(alice, PROVIDER).length, 0);
    }

    function test_withdraw_withChangedUnbondingPeriod() public {
        _stake(alice, PROVIDER, 100 ether);
        uint256 t0 = block.timestamp;
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 10 ether); // releases at t0 + 7 days

        vm.prank(owner);
        params.setUnbondingPeriod(1 days);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 20 ether); // releases at t0 + 1 day, before the first

        vm.prank(owner);
        params.setUnbondingPeriod(3 days);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 30 ether); // releases at t0 + 3 days

        // Only the newest-but-shortest entry has matured: it sits in the middle.
        vm.warp(t0 + 1 days);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 20 ether);
        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 2);
        assertEq(entries[0].amount, 10 ether);
        assertEq(entries[0].releaseAt, t0 + 7 days);
        assertEq(entries[1].amount, 30 ether);
        assertEq(entries[1].releaseAt, t0 + 3 days);

        vm.warp(t0 + 3 days);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 30 ether);

        vm.warp(t0 + 7 days - 1);
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingNothingToWithdraw.selector, alice, PROVIDER));
        vm.prank(alice);
        staking.withdraw(PROVIDER);

        vm.warp(t0 + 7 days);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 10 ether);
        assertEq(token.balanceOf(alice), FUNDS - 40 ether);
    }

    function test_withdraw_immediateWithZeroPeriod() public {
        vm.prank(owner);
        params.setUnbondingPeriod(0);
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        staking.requestUnstake(PROVIDER, 100 ether);
        assertEq(staking.withdraw(PROVIDER), 100 ether);
        vm.stopPrank();
        assertEq(token.balanceOf(alice), FUNDS);
    }

    function test_withdraw_keepsRequestOrderOfRemainingEntries() public {
        _stake(alice, PROVIDER, 250 ether);
        uint256 t0 = block.timestamp;
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether); // A: t0 + 7d
        vm.warp(t0 + 1 days);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether); // B: t0 + 8d
        vm.warp(t0 + 2 days);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 50 ether); // C: t0 + 9d

        vm.warp(t0 + 7 days);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 100 ether);

        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 2);
        assertEq(entries[0].releaseAt, t0 + 8 days);
        assertEq(entries[1].releaseAt, t0 + 9 days);

        // So a slash still takes the newest request (C) first, then B.
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 60 ether, address(0));
        entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 1);
        assertEq(entries[0].amount, 90 ether);
        assertEq(entries[0].releaseAt, t0 + 8 days);
    }

    /// @dev Entries with random periods; after a withdraw at a random time the pending entries are
    ///      exactly the unmatured ones, in request order, and the matured ones were paid out.
    function testFuzz_withdraw_keepsPendingEntriesInOrder(uint32[8] calldata periods, uint256 elapsed) public {
        _stake(alice, PROVIDER, 100 ether);
        uint256 t0 = block.timestamp;
        uint256[8] memory releaseAt;
        for (uint256 i; i < periods.length; ++i) {
            uint32 period = uint32(bound(periods[i], 0, 10 days));
            releaseAt[i] = t0 + period;
            vm.prank(owner);
            params.setUnbondingPeriod(period);
            vm.prank(alice);
            staking.requestUnstake(PROVIDER, (i + 1) * 1 ether); // the amount names the entry
        }
        vm.warp(t0 + bound(elapsed, 0, 11 days));

        uint256 matured;
        for (uint256 i; i < periods.length; ++i) {
            if (releaseAt[i] <= block.timestamp) matured += (i + 1) * 1 ether;
        }
        vm.prank(alice);
        if (matured == 0) {
            vm.expectRevert(abi.encodeWithSelector(IStaking.StakingNothingToWithdraw.selector, alice, PROVIDER));
            staking.withdraw(PROVIDER);
        } else {
            assertEq(staking.withdraw(PROVIDER), matured);
        }

        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        uint256 k;
        for (uint256 i; i < periods.length; ++i) {
            if (releaseAt[i] > block.timestamp) {
                assertEq(entries[k].amount, (i + 1) * 1 ether);
                assertEq(entries[k].releaseAt, releaseAt[i]);
                ++k;
            }
        }
        assertEq(entries.length, k);
        assertEq(token.balanceOf(alice), FUNDS - 100 ether + matured);
    }

    // ---- slash ----

    function test_slash_revertsWithoutSlasherRole() public {
        _stake(alice, PROVIDER, 100 ether);
        bytes32 role = staking.SLASHER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, role));
        vm.prank(bob);
        staking.slash(alice, PROVIDER, 10 ether, bob);
    }

    function test_slash_revertsForAdminWithoutSlasherRole() public {
        bytes32 role = staking.SLASHER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        staking.slash(alice, PROVIDER, 10 ether, admin);
    }

    function test_slash_revertsAfterRoleRevoked() public {
        _stake(alice, PROVIDER, 100 ether);
        bytes32 role = staking.SLASHER_ROLE();
        vm.prank(admin);
        staking.revokeRole(role, slasher);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, slasher, role));
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 10 ether, reporter);
    }

    function test_slash_activeStakeFirstAndSplitsReward() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 30 ether);

        vm.expectEmit(true, true, true, true, address(staking));
        emit IStaking.Slashed(alice, PROVIDER, slasher, 50 ether, reporter, 5 ether);
        vm.prank(slasher);
        uint256 slashed = staking.slash(alice, PROVIDER, 50 ether, reporter);

        assertEq(slashed, 50 ether);
        assertEq(staking.stakeOf(alice, PROVIDER), 20 ether);
        assertEq(staking.totalStaked(PROVIDER), 20 ether);
        assertEq(staking.unbondingOf(alice, PROVIDER), 30 ether); // untouched
        // reporter gets slashed * reporterRewardBps / 10000 (10%), the rest goes to the treasury.
        assertEq(token.balanceOf(reporter), 5 ether);
        assertEq(token.balanceOf(treasury), 45 ether);
        assertEq(token.balanceOf(address(staking)), 50 ether);
    }

    function test_slash_thenNewestUnbondings() public {
        _stake(alice, PROVIDER, 300 ether);
        uint256 t0 = block.timestamp;
        vm.startPrank(alice);
        staking.requestUnstake(PROVIDER, 100 ether); // oldest
        vm.warp(t0 + 1 hours);
        staking.requestUnstake(PROVIDER, 100 ether);
        vm.warp(t0 + 2 hours);
        staking.requestUnstake(PROVIDER, 50 ether); // newest
        vm.stopPrank();
        // 50 active, unbondings [100, 100, 50]

        vm.prank(slasher);
        uint256 slashed = staking.slash(alice, PROVIDER, 120 ether, reporter);

        assertEq(slashed, 120 ether);
        assertEq(staking.stakeOf(alice, PROVIDER), 0);
        assertEq(staking.totalStaked(PROVIDER), 0);
        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 2);
        assertEq(entries[0].amount, 100 ether);
        assertEq(entries[0].releaseAt, t0 + 7 days);
        assertEq(entries[1].amount, 80 ether); // newest entry gone, the next one partially slashed
        assertEq(entries[1].releaseAt, t0 + 1 hours + 7 days);
        assertEq(staking.unbondingOf(alice, PROVIDER), 180 ether);
        assertEq(token.balanceOf(reporter), 12 ether);
        assertEq(token.balanceOf(treasury), 108 ether);
    }

    function test_slash_partialEntryKeepsReleaseTime() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether);
        uint64 releaseAt = uint64(block.timestamp + 7 days);

        vm.prank(slasher);
        assertEq(staking.slash(alice, PROVIDER, 1 ether, reporter), 1 ether);
        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 1);
        assertEq(entries[0].amount, 99 ether);
        assertEq(entries[0].releaseAt, releaseAt);

        vm.warp(releaseAt);
        vm.prank(alice);
        assertEq(staking.withdraw(PROVIDER), 99 ether);
    }

    function test_slash_exactEntryRemovesIt() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        staking.requestUnstake(PROVIDER, 60 ether);
        staking.requestUnstake(PROVIDER, 40 ether);
        vm.stopPrank();
        vm.prank(slasher);
        assertEq(staking.slash(alice, PROVIDER, 40 ether, address(0)), 40 ether);
        IStaking.Unbonding[] memory entries = staking.unbondingsOf(alice, PROVIDER);
        assertEq(entries.length, 1);
        assertEq(entries[0].amount, 60 ether);
    }

    function test_slash_maturedButNotWithdrawnIsSlashable() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(alice);
        staking.requestUnstake(PROVIDER, 100 ether);
        vm.warp(block.timestamp + 30 days);
        vm.prank(slasher);
        assertEq(staking.slash(alice, PROVIDER, 100 ether, reporter), 100 ether);
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingNothingToWithdraw.selector, alice, PROVIDER));
        vm.prank(alice);
        staking.withdraw(PROVIDER);
    }

    function test_slash_moreThanAvailableSlashesWhatExists() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        staking.requestUnstake(PROVIDER, 30 ether);
        staking.requestUnstake(PROVIDER, 20 ether);
        vm.stopPrank();

        vm.expectEmit(true, true, true, true, address(staking));
        emit IStaking.Slashed(alice, PROVIDER, slasher, 100 ether, reporter, 10 ether);
        vm.prank(slasher);
        uint256 slashed = staking.slash(alice, PROVIDER, 1_000 ether, reporter);

        assertEq(slashed, 100 ether);
        assertEq(staking.stakeOf(alice, PROVIDER), 0);
        assertEq(staking.unbondingOf(alice, PROVIDER), 0);
        assertEq(staking.unbondingsOf(alice, PROVIDER).length, 0);
        assertEq(token.balanceOf(reporter), 10 ether);
        assertEq(token.balanceOf(treasury), 90 ether);
        assertEq(token.balanceOf(address(staking)), 0);
    }

    function test_slash_leavesOtherAccountsAndRolesAlone() public {
        _stake(alice, PROVIDER, 100 ether);
        _stake(alice, VALIDATOR, 100 ether);
        _stake(bob, PROVIDER, 100 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 1_000 ether, reporter);
        assertEq(staking.stakeOf(alice, VALIDATOR), 100 ether);
        assertEq(staking.stakeOf(bob, PROVIDER), 100 ether);
        assertEq(staking.totalStaked(PROVIDER), 100 ether);
        assertEq(staking.totalStaked(VALIDATOR), 100 ether);
        assertEq(token.balanceOf(address(staking)), 200 ether);
    }

    function test_slash_zeroReporterSendsAllToTreasury() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IStaking.Slashed(alice, PROVIDER, slasher, 50 ether, address(0), 0);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 50 ether, address(0));
        assertEq(token.balanceOf(treasury), 50 ether);
        assertEq(token.balanceOf(address(0)), 0);
    }

    function test_slash_zeroRewardBpsSendsAllToTreasury() public {
        vm.prank(owner);
        params.setReporterRewardBps(0);
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 50 ether, reporter);
        assertEq(token.balanceOf(reporter), 0);
        assertEq(token.balanceOf(treasury), 50 ether);
    }

    function test_slash_fullRewardBpsSendsAllToReporter() public {
        vm.prank(owner);
        params.setReporterRewardBps(10_000);
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 50 ether, reporter);
        assertEq(token.balanceOf(reporter), 50 ether);
        assertEq(token.balanceOf(treasury), 0);
    }

    function test_slash_rewardRoundsDown() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 19, reporter); // 19 * 1000 / 10000 = 1.9 -> 1
        assertEq(token.balanceOf(reporter), 1);
        assertEq(token.balanceOf(treasury), 18);
    }

    function test_slash_readsCurrentTreasury() public {
        address newTreasury = makeAddr("newTreasury");
        vm.prank(owner);
        params.setTreasury(newTreasury);
        _stake(alice, PROVIDER, 100 ether);
        vm.prank(slasher);
        staking.slash(alice, PROVIDER, 10 ether, address(0));
        assertEq(token.balanceOf(newTreasury), 10 ether);
        assertEq(token.balanceOf(treasury), 0);
    }

    function test_slash_nothingReturnsZeroAndTransfersNothing() public {
        _stake(bob, PROVIDER, 100 ether); // the contract holds tokens, alice has none
        vm.recordLogs();
        vm.prank(slasher);
        uint256 slashed = staking.slash(alice, PROVIDER, 50 ether, reporter);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertEq(slashed, 0);
        assertEq(logs.length, 0); // no Slashed, no Transfer
        assertEq(token.balanceOf(reporter), 0);
        assertEq(token.balanceOf(treasury), 0);
        assertEq(token.balanceOf(address(staking)), 100 ether);
    }

    function test_slash_zeroAmountReturnsZero() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.recordLogs();
        vm.prank(slasher);
        assertEq(staking.slash(alice, PROVIDER, 0, reporter), 0);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(staking.stakeOf(alice, PROVIDER), 100 ether);
    }

    function testFuzz_slash_splitsExactly(uint256 stakeAmount, uint256 unstakeAmount, uint256 amount, uint16 bps)
        public
    {
        stakeAmount = bound(stakeAmount, 1, FUNDS);
        unstakeAmount = bound(unstakeAmount, 0, stakeAmount);
        amount = bound(amount, 0, 2 * FUNDS);
        bps = uint16(bound(bps, 0, 10_000));
        vm.prank(owner);
        params.setReporterRewardBps(bps);
        _stake(alice, PROVIDER, stakeAmount);
        if (unstakeAmount > 0) {
            vm.prank(alice);
            staking.requestUnstake(PROVIDER, unstakeAmount);
        }

        vm.prank(slasher);
        uint256 slashed = staking.slash(alice, PROVIDER, amount, reporter);

        uint256 expected = amount < stakeAmount ? amount : stakeAmount;
        assertEq(slashed, expected);
        uint256 reward = (slashed * bps) / 10_000;
        assertEq(token.balanceOf(reporter), reward);
        assertEq(token.balanceOf(treasury), slashed - reward);
        assertEq(staking.stakeOf(alice, PROVIDER) + staking.unbondingOf(alice, PROVIDER), stakeAmount - slashed);
        assertEq(token.balanceOf(address(staking)), stakeAmount - slashed);
        // Active stake goes first.
        uint256 active = stakeAmount - unstakeAmount;
        assertEq(staking.stakeOf(alice, PROVIDER), slashed >= active ? 0 : active - slashed);
    }

    // ---- views ----

    function test_views_unbondingOfSumsEntries() public {
        _stake(alice, PROVIDER, 100 ether);
        vm.startPrank(alice);
        staking.requestUnstake(PROVIDER, 1 ether);
        staking.requestUnstake(PROVIDER, 2 ether);
        staking.requestUnstake(PROVIDER, 3 ether);
        vm.stopPrank();
        assertEq(staking.unbondingOf(alice, PROVIDER), 6 ether);
        assertEq(staking.unbondingsOf(alice, PROVIDER).length, 3);
        assertEq(staking.unbondingOf(alice, VALIDATOR), 0);
        assertEq(staking.unbondingsOf(bob, PROVIDER).length, 0);
        assertEq(staking.stakeOf(alice, PROVIDER), 94 ether);
        assertEq(staking.totalStaked(PROVIDER), 94 ether);
    }

    // ---- accounting fuzz ----

    /// @dev Random stake / stakeFor / unstake / withdraw / slash / warp / period-change steps over two
    ///      accounts and two roles; after each step the contract's balance equals every stake plus
    ///      every unbonding entry, and totalStaked equals the sum of the stakes in its role.
    function testFuzz_accounting_balanceEqualsStakesPlusUnbondings(uint256[24] calldata steps) public {
        address[2] memory accounts = [alice, bob];
        bytes32[2] memory roles = [PROVIDER, VALIDATOR];
        for (uint256 i; i < steps.length; ++i) {
            uint256 r = steps[i];
            uint256 op = r % 7;
            address account = accounts[(r >> 8) % 2];
            bytes32 role = roles[(r >> 16) % 2];
            uint256 amount = bound(r >> 24, 1, 200 ether);
            if (op == 0) {
                _stake(account, role, amount);
            } else if (op == 1) {
                vm.prank(accounts[((r >> 8) + 1) % 2]);
                staking.stakeFor(account, role, amount);
            } else if (op == 2) {
                uint256 staked = staking.stakeOf(account, role);
                if (staked > 0 && staking.unbondingsOf(account, role).length < staking.MAX_UNBONDINGS()) {
                    vm.prank(account);
                    staking.requestUnstake(role, bound(amount, 1, staked));
                }
            } else if (op == 3) {
                vm.prank(account);
                try staking.withdraw(role) {} catch {}
            } else if (op == 4) {
                vm.prank(slasher);
                staking.slash(account, role, bound(amount, 0, 300 ether), r % 3 == 0 ? address(0) : reporter);
            } else if (op == 5) {
                vm.warp(block.timestamp + bound(r >> 24, 0, 10 days));
            } else {
                vm.prank(owner);
                params.setUnbondingPeriod(SafeCast.toUint32(bound(r >> 24, 0, 10 days)));
            }
            _assertAccounting(accounts, roles);
        }
    }

    // ---- helpers ----

    function _assertAccounting(address[2] memory accounts, bytes32[2] memory roles) internal view {
        uint256 liabilities;
        for (uint256 j; j < roles.length; ++j) {
            uint256 roleStake;
            for (uint256 k; k < accounts.length; ++k) {
                roleStake += staking.stakeOf(accounts[k], roles[j]);
                liabilities += staking.stakeOf(accounts[k], roles[j]) + staking.unbondingOf(accounts[k], roles[j]);
            }
            assertEq(staking.totalStaked(roles[j]), roleStake, "totalStaked");
        }
        assertEq(token.balanceOf(address(staking)), liabilities, "balance == stakes + unbondings");
    }

    function _fund(address account) internal {
        vm.prank(bank);
        token.transfer(account, FUNDS);
        vm.prank(account);
        token.approve(address(staking), type(uint256).max);
    }

    function _stake(address account, bytes32 role, uint256 amount) internal {
        vm.prank(account);
        staking.stake(role, amount);
    }
}
