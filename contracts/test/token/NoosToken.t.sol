// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

contract NoosTokenTest is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 internal constant DELEGATION_TYPEHASH =
        keccak256("Delegation(address delegatee,uint256 nonce,uint256 expiry)");
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000 ether;

    NoosToken internal token;
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal minter = makeAddr("minter");
    address internal alice;
    uint256 internal aliceKey;
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public {
        (alice, aliceKey) = makeAddrAndKey("alice");
        token = new NoosToken(admin, treasury, INITIAL_SUPPLY);
    }

    // ---- constructor ----

    function test_constructor_mintsInitialSupplyToTreasury() public view {
        assertEq(token.name(), "Noosphere");
        assertEq(token.symbol(), "NOOS");
        assertEq(token.decimals(), 18);
        assertEq(token.totalSupply(), INITIAL_SUPPLY);
        assertEq(token.balanceOf(treasury), INITIAL_SUPPLY);
        assertEq(token.balanceOf(admin), 0);
    }

    function test_constructor_grantsAdminRoleOnly() public view {
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
        assertFalse(token.hasRole(token.MINTER_ROLE(), admin));
        assertFalse(token.hasRole(token.DEFAULT_ADMIN_ROLE(), treasury));
        assertEq(token.MINTER_ROLE(), keccak256("MINTER_ROLE"));
    }

    function test_constructor_emitsTransferFromZero() public {
        vm.expectEmit(true, true, false, true);
        emit IERC20.Transfer(address(0), treasury, INITIAL_SUPPLY);
        new NoosToken(admin, treasury, INITIAL_SUPPLY);
    }

    function test_constructor_revertsOnZeroTreasury() public {
        vm.expectRevert(abi.encodeWithSelector(NoosToken.NoosTokenZeroTreasury.selector));
        new NoosToken(admin, address(0), INITIAL_SUPPLY);
    }

    function test_constructor_revertsOnZeroAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(NoosToken.NoosTokenZeroAdmin.selector));
        new NoosToken(address(0), treasury, INITIAL_SUPPLY);
    }

    function test_constructor_revertsAboveSafeSupply() public {
        uint256 cap = type(uint208).max;
        vm.expectRevert(abi.encodeWithSelector(ERC20Votes.ERC20ExceededSafeSupply.selector, cap + 1, cap));
        new NoosToken(admin, treasury, cap + 1);
    }

    // ---- mint ----

    function test_mint_byMinterAfterGrant() public {
        bytes32 role = token.MINTER_ROLE();
        vm.expectEmit(true, true, true, true, address(token));
        emit IAccessControl.RoleGranted(role, minter, admin);
        vm.prank(admin);
        token.grantRole(role, minter);

        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(0), bob, 5 ether);
        vm.prank(minter);
        token.mint(bob, 5 ether);

        assertEq(token.balanceOf(bob), 5 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY + 5 ether);
    }

    function test_mint_revertsWithoutMinterRole() public {
        bytes32 role = token.MINTER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, role));
        vm.prank(bob);
        token.mint(bob, 1 ether);
    }

    function test_mint_revertsForAdminWithoutMinterRole() public {
        bytes32 role = token.MINTER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        token.mint(admin, 1 ether);
    }

    function test_mint_revertsAfterRoleRevoked() public {
        bytes32 role = token.MINTER_ROLE();
        vm.startPrank(admin);
        token.grantRole(role, minter);
        token.revokeRole(role, minter);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, minter, role));
        vm.prank(minter);
        token.mint(bob, 1 ether);
    }

    function test_mint_revertsToZeroAddress() public {
        _grantMinter();
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(minter);
        token.mint(address(0), 1 ether);
    }

    function test_mint_revertsAboveSafeSupply() public {
        _grantMinter();
        uint256 cap = type(uint208).max;
        uint256 amount = cap - INITIAL_SUPPLY + 1;
        vm.expectRevert(abi.encodeWithSelector(ERC20Votes.ERC20ExceededSafeSupply.selector, cap + 1, cap));
        vm.prank(minter);
        token.mint(bob, amount);
    }

    function test_grantRole_revertsForNonAdmin() public {
        bytes32 role = token.MINTER_ROLE();
        bytes32 adminRole = token.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, adminRole)
        );
        vm.prank(bob);
        token.grantRole(role, bob);
    }

    function testFuzz_mint_increasesSupplyAndBalance(address to, uint256 amount) public {
        vm.assume(to != address(0) && to != treasury);
        amount = bound(amount, 0, type(uint208).max - INITIAL_SUPPLY);
        _grantMinter();
        vm.prank(minter);
        token.mint(to, amount);
        assertEq(token.balanceOf(to), amount);
        assertEq(token.totalSupply(), INITIAL_SUPPLY + amount);
    }

    // ---- burn ----

    function test_burn_reducesBalanceSupplyAndVotes() public {
        vm.prank(treasury);
        token.transfer(alice, 10 ether);
        vm.prank(alice);
        token.delegate(alice);

        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(alice, address(0), 4 ether);
        vm.prank(alice);
        token.burn(4 ether);

        assertEq(token.balanceOf(alice), 6 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY - 4 ether);
        assertEq(token.getVotes(alice), 6 ether);
    }

    function test_burn_revertsAboveBalance() public {
        vm.prank(treasury);
        token.transfer(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 1 ether, 2 ether));
        vm.prank(alice);
        token.burn(2 ether);
    }

    function test_burnFrom_spendsAllowance() public {
        vm.prank(treasury);
        token.transfer(alice, 10 ether);
        vm.prank(alice);
        token.approve(bob, 5 ether);

        vm.prank(bob);
        token.burnFrom(alice, 3 ether);

        assertEq(token.balanceOf(alice), 7 ether);
        assertEq(token.allowance(alice, bob), 2 ether);
        assertEq(token.totalSupply(), INITIAL_SUPPLY - 3 ether);
    }

    function test_burnFrom_revertsWithoutAllowance() public {
        vm.prank(treasury);
        token.transfer(alice, 10 ether);
        vm.prank(alice);
        token.approve(bob, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 1 ether, 2 ether));
        vm.prank(bob);
        token.burnFrom(alice, 2 ether);
    }

    // ---- permit ----

    function test_permit_setsAllowanceAndIncrementsNonce() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 10 ether, 0, deadline);

        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Approval(alice, bob, 10 ether);
        vm.prank(carol); // anyone may submit the signature
        token.permit(alice, bob, 10 ether, deadline, v, r, s);

        assertEq(token.allowance(alice, bob), 10 ether);
        assertEq(token.nonces(alice), 1);
    }

    function test_permit_allowanceIsSpendable() public {
        vm.prank(treasury);
        token.transfer(alice, 10 ether);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 10 ether, 0, deadline);
        token.permit(alice, bob, 10 ether, deadline, v, r, s);

        vm.prank(bob);
        token.transferFrom(alice, carol, 4 ether);
        assertEq(token.balanceOf(carol), 4 ether);
        assertEq(token.balanceOf(alice), 6 ether);
        assertEq(token.allowance(alice, bob), 6 ether);
    }

    function test_permit_acceptsDeadlineEqualToNow() public {
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
        assertEq(token.allowance(alice, bob), 1 ether);
    }

    function test_permit_revertsWhenExpired() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 10 ether, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 10 ether, deadline, v, r, s);
    }

    function test_permit_revertsOnWrongSigner() public {
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(malloryKey, alice, bob, 10 ether, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, mallory, alice));
        token.permit(alice, bob, 10 ether, deadline, v, r, s);
    }

    function test_permit_revertsOnTamperedValue() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 10 ether, 0, deadline);
        // The signature over 10 ether recovers to some other address when the value differs.
        address recovered = ecrecover(_permitDigest(alice, bob, 11 ether, 0, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, alice));
        token.permit(alice, bob, 11 ether, deadline, v, r, s);
    }

    function test_permit_revertsOnReplay() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 10 ether, 0, deadline);
        token.permit(alice, bob, 10 ether, deadline, v, r, s);
        // Nonce is now 1: the same signature recovers to a different address.
        address recovered = ecrecover(_permitDigest(alice, bob, 10 ether, 1, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, alice));
        token.permit(alice, bob, 10 ether, deadline, v, r, s);
    }

    function test_permit_domainSeparatorMatchesEip712() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Noosphere"),
                keccak256("1"),
                block.chainid,
                address(token)
            )
        );
        assertEq(token.DOMAIN_SEPARATOR(), expected);
    }

    // ---- votes ----

    function test_votes_zeroUntilDelegated() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);
        assertEq(token.getVotes(alice), 0);
        assertEq(token.delegates(alice), address(0));
        assertEq(token.numCheckpoints(alice), 0);
    }

    function test_delegate_selfGivesVotes() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);

        vm.expectEmit(true, true, true, true, address(token));
        emit IVotes.DelegateChanged(alice, address(0), alice);
        vm.expectEmit(true, false, false, true, address(token));
        emit IVotes.DelegateVotesChanged(alice, 0, 100 ether);
        vm.prank(alice);
        token.delegate(alice);

        assertEq(token.delegates(alice), alice);
        assertEq(token.getVotes(alice), 100 ether);
        assertEq(token.numCheckpoints(alice), 1);
    }

    function test_delegate_toOtherMovesVotes() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);
        vm.prank(alice);
        token.delegate(alice);
        vm.roll(block.number + 1);

        vm.expectEmit(true, true, true, true, address(token));
        emit IVotes.DelegateChanged(alice, alice, bob);
        vm.prank(alice);
        token.delegate(bob);

        assertEq(token.getVotes(alice), 0);
        assertEq(token.getVotes(bob), 100 ether);
        assertEq(token.balanceOf(bob), 0);
    }

    function test_votes_checkpointsAfterTransfer() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(bob);
        uint256 first = block.number;

        vm.roll(first + 10);
        vm.expectEmit(true, false, false, true, address(token));
        emit IVotes.DelegateVotesChanged(alice, 100 ether, 70 ether);
        vm.expectEmit(true, false, false, true, address(token));
        emit IVotes.DelegateVotesChanged(bob, 0, 30 ether);
        vm.prank(alice);
        token.transfer(bob, 30 ether);
        uint256 second = block.number;
        vm.roll(second + 1);

        assertEq(token.getVotes(alice), 70 ether);
        assertEq(token.getVotes(bob), 30 ether);
        assertEq(token.numCheckpoints(alice), 2);
        assertEq(token.numCheckpoints(bob), 1);

        Checkpoints.Checkpoint208 memory c0 = token.checkpoints(alice, 0);
        Checkpoints.Checkpoint208 memory c1 = token.checkpoints(alice, 1);
        assertEq(c0._key, first);
        assertEq(c0._value, 100 ether);
        assertEq(c1._key, second);
        assertEq(c1._value, 70 ether);

        assertEq(token.getPastVotes(alice, first), 100 ether);
        assertEq(token.getPastVotes(alice, second - 1), 100 ether);
        assertEq(token.getPastVotes(alice, second), 70 ether);
        assertEq(token.getPastVotes(bob, second - 1), 0);
        assertEq(token.getPastVotes(bob, second), 30 ether);
        assertEq(token.getPastTotalSupply(second), INITIAL_SUPPLY);
    }

    function test_votes_transferToUndelegatedDropsVotes() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(alice);
        token.transfer(carol, 40 ether);
        assertEq(token.getVotes(alice), 60 ether);
        assertEq(token.getVotes(carol), 0);
    }

    function test_votes_mintAddsToDelegate() public {
        _grantMinter();
        vm.prank(alice);
        token.delegate(bob);
        vm.prank(minter);
        token.mint(alice, 7 ether);
        assertEq(token.getVotes(bob), 7 ether);
    }

    function test_delegateBySig_delegatesForSigner() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);
        uint256 expiry = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signDelegation(aliceKey, bob, 0, expiry);

        vm.expectEmit(true, true, true, true, address(token));
        emit IVotes.DelegateChanged(alice, address(0), bob);
        vm.prank(carol); // a relayer submits it
        token.delegateBySig(bob, 0, expiry, v, r, s);

        assertEq(token.delegates(alice), bob);
        assertEq(token.getVotes(bob), 100 ether);
        assertEq(token.nonces(alice), 1);
    }

    function test_delegateBySig_revertsWhenExpired() public {
        uint256 expiry = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signDelegation(aliceKey, bob, 0, expiry);
        vm.warp(expiry + 1);
        vm.expectRevert(abi.encodeWithSelector(IVotes.VotesExpiredSignature.selector, expiry));
        token.delegateBySig(bob, 0, expiry, v, r, s);
    }

    function test_delegateBySig_revertsOnReplay() public {
        uint256 expiry = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signDelegation(aliceKey, bob, 0, expiry);
        token.delegateBySig(bob, 0, expiry, v, r, s);
        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, alice, 1));
        token.delegateBySig(bob, 0, expiry, v, r, s);
    }

    function test_delegateBySig_sharesNonceWithPermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
        // A delegation signed for nonce 0 is now stale.
        (v, r, s) = _signDelegation(aliceKey, bob, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(Nonces.InvalidAccountNonce.selector, alice, 1));
        token.delegateBySig(bob, 0, deadline, v, r, s);
    }

    function test_getPastVotes_revertsOnFutureLookup() public {
        uint48 now_ = uint48(block.number);
        vm.expectRevert(abi.encodeWithSelector(Votes.ERC5805FutureLookup.selector, uint256(now_), now_));
        token.getPastVotes(alice, now_);
    }

    function test_clock_isBlockNumber() public view {
        assertEq(token.clock(), block.number);
        assertEq(token.CLOCK_MODE(), "mode=blocknumber&from=default");
    }

    function testFuzz_votes_followBalances(uint256 a, uint256 b) public {
        a = bound(a, 0, 1_000 ether);
        b = bound(b, 0, a);
        vm.prank(treasury);
        token.transfer(alice, a);
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(bob);
        vm.prank(alice);
        token.transfer(bob, b);
        assertEq(token.getVotes(alice), a - b);
        assertEq(token.getVotes(bob), b);
        assertEq(token.getVotes(alice) + token.getVotes(bob), a);
    }

    // ---- helpers ----

    function _grantMinter() internal {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(role, minter);
    }

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _signPermit(uint256 key, address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        return vm.sign(key, _permitDigest(owner, spender, value, nonce, deadline));
    }

    function _signDelegation(uint256 key, address delegatee, uint256 nonce, uint256 expiry)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(abi.encode(DELEGATION_TYPEHASH, delegatee, nonce, expiry));
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }
}
