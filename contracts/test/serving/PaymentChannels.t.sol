// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPaymentChannels} from "../../src/serving/IPaymentChannels.sol";
import {PaymentChannelsFixture} from "./PaymentChannelsFixture.sol";

contract PaymentChannelsTest is PaymentChannelsFixture {
    bytes32 internal constant SALT = bytes32(uint256(1));

    // ---------------------------------------------------------------- deposit

    function test_deposit_createsChannel() public {
        IPaymentChannels.ChannelConfig memory c = _config(SALT);
        bytes32 id = channels.getChannelId(c);
        vm.expectEmit(address(channels));
        emit IPaymentChannels.ChannelCreated(id, c);
        vm.expectEmit(address(channels));
        emit IPaymentChannels.Deposited(id, payer, 10 ether, 10 ether);
        vm.prank(payer);
        channels.deposit(c, 10 ether);
        assertEq(channels.getChannel(id).balance, 10 ether);
        assertEq(token.balanceOf(address(channels)), 10 ether);
    }

    function test_deposit_topUpByAnyoneAddsToBalance() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        token.approve(address(channels), 5 ether);
        vm.recordLogs();
        channels.deposit(c, 5 ether);
        assertEq(vm.getRecordedLogs().length, 2, "Deposited + Transfer, no ChannelCreated");
        assertEq(channels.getChannel(channels.getChannelId(c)).balance, 15 ether);
    }

    function test_deposit_revertsOnZeroAmount() public {
        vm.expectRevert(IPaymentChannels.ChannelZeroAmount.selector);
        vm.prank(payer);
        channels.deposit(_config(SALT), 0);
    }

    function test_deposit_revertsOnZeroAddresses() public {
        IPaymentChannels.ChannelConfig memory c = _config(SALT);
        c.payer = address(0);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelZeroAddress.selector, 0));
        channels.deposit(c, 1);
        c = _config(SALT);
        c.receiver = address(0);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelZeroAddress.selector, 2));
        channels.deposit(c, 1);
        c = _config(SALT);
        c.receiverAuthorizer = address(0);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelZeroAddress.selector, 3));
        channels.deposit(c, 1);
        c = _config(SALT);
        c.token = address(0);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelZeroAddress.selector, 4));
        channels.deposit(c, 1);
    }

    function test_deposit_revertsOnWithdrawDelayOutOfRange() public {
        IPaymentChannels.ChannelConfig memory c = _config(SALT);
        c.withdrawDelay = 15 minutes - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelWithdrawDelayOutOfRange.selector, 15 minutes - 1, 15 minutes, 30 days
            )
        );
        vm.prank(payer);
        channels.deposit(c, 1);
        c.withdrawDelay = 30 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelWithdrawDelayOutOfRange.selector, 30 days + 1, 15 minutes, 30 days
            )
        );
        vm.prank(payer);
        channels.deposit(c, 1);
    }

    function test_deposit_revertsOnOverflow() public {
        deal(address(token), payer, type(uint256).max);
        IPaymentChannels.ChannelConfig memory c = _open(SALT, type(uint128).max);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelDepositOverflow.selector, channels.getChannelId(c), type(uint128).max, 1
            )
        );
        vm.prank(payer);
        channels.deposit(c, 1);
    }

    function test_deposit_revertsWithoutAllowance() public {
        vm.prank(payer);
        token.approve(address(channels), 0);
        vm.expectRevert();
        vm.prank(payer);
        channels.deposit(_config(SALT), 1 ether);
    }

    function _permit(uint256 amount, uint256 deadline) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                payer,
                address(channels),
                amount,
                token.nonces(payer),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (v, r, s) = vm.sign(payerKey, digest);
    }

    function test_depositWithPermit_opensWithoutApprove() public {
        vm.prank(payer);
        token.approve(address(channels), 0);
        (uint8 v, bytes32 r, bytes32 s) = _permit(3 ether, block.timestamp + 1 hours);
        vm.prank(payer);
        channels.depositWithPermit(_config(SALT), 3 ether, block.timestamp + 1 hours, v, r, s);
        assertEq(channels.getChannel(channels.getChannelId(_config(SALT))).balance, 3 ether);
        assertEq(token.allowance(payer, address(channels)), 0);
    }

    function test_depositWithPermit_frontRunPermitStillDeposits() public {
        vm.prank(payer);
        token.approve(address(channels), 0);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(3 ether, deadline);
        token.permit(payer, address(channels), 3 ether, deadline, v, r, s); // someone front-runs
        vm.prank(payer);
        channels.depositWithPermit(_config(SALT), 3 ether, deadline, v, r, s);
        assertEq(channels.getChannel(channels.getChannelId(_config(SALT))).balance, 3 ether);
    }

    function test_depositWithPermit_revertsOnBadPermit() public {
        vm.prank(payer);
        token.approve(address(channels), 0);
        (uint8 v, bytes32 r, bytes32 s) = _permit(3 ether, block.timestamp + 1 hours);
        vm.expectRevert(); // permit for 3 ether, deposit asks 4: no allowance
        vm.prank(payer);
        channels.depositWithPermit(_config(SALT), 4 ether, block.timestamp + 1 hours, v, r, s);
    }

    // ---------------------------------------------------------------- claim

    function test_claim_movesValueToReceiver() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        bytes32 id = channels.getChannelId(c);
        vm.expectEmit(address(channels));
        emit IPaymentChannels.Claimed(id, receiver, 2 ether, 2 ether);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 3 ether, 2 ether));
        vm.prank(receiver);
        channels.claim(rows);
        assertEq(channels.getChannel(id).balance, 8 ether);
        assertEq(channels.getChannel(id).totalClaimed, 2 ether);
        assertEq(channels.unsettled(receiver, address(token)), 2 ether);
    }

    function test_claim_replayAndLowerVoucherAreNoops() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        bytes32 id = channels.getChannelId(c);
        vm.startPrank(receiver);
        channels.claim(_one(_voucher(c, 5 ether, 5 ether)));
        channels.claim(_one(_voucher(c, 5 ether, 5 ether)));
        channels.claim(_one(_voucher(c, 3 ether, 3 ether)));
        vm.stopPrank();
        assertEq(channels.getChannel(id).totalClaimed, 5 ether);
        assertEq(channels.unsettled(receiver, address(token)), 5 ether);
    }

    function test_claim_revertsAboveVoucher() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 3 ether, 4 ether));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelClaimAboveVoucher.selector, channels.getChannelId(c), 4 ether, 3 ether
            )
        );
        vm.prank(receiver);
        channels.claim(rows);
    }

    function test_claim_revertsAboveBalance() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 1 ether);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 2 ether, 2 ether));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelClaimAboveBalance.selector, channels.getChannelId(c), 2 ether, 1 ether
            )
        );
        vm.prank(receiver);
        channels.claim(rows);
    }

    function test_claim_revertsOnForgedVoucher() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        IPaymentChannels.VoucherClaim memory vc = _voucher(c, 3 ether, 3 ether);
        vc.signature = _sign(receiverKey, channels.getVoucherDigest(channels.getChannelId(c), 3 ether));
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelInvalidVoucherSignature.selector, channels.getChannelId(c), 3 ether
            )
        );
        vm.prank(receiver);
        channels.claim(_one(vc));
    }

    function test_claim_revertsOnRaisedAmount() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        IPaymentChannels.VoucherClaim memory vc = _voucher(c, 3 ether, 3 ether);
        vc.maxClaimableAmount = 9 ether; // the receiver edits the signed ceiling
        vc.totalClaimed = 9 ether;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelInvalidVoucherSignature.selector, channels.getChannelId(c), 9 ether
            )
        );
        vm.prank(receiver);
        channels.claim(_one(vc));
    }

    function test_claim_revertsForNonReceiver() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 3 ether, 3 ether));
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.ChannelNotReceiverSide.selector, channels.getChannelId(c), payer)
        );
        vm.prank(payer);
        channels.claim(rows);
    }

    function test_claim_revertsOnEmptyBatch() public {
        vm.expectRevert(IPaymentChannels.ChannelEmptyBatch.selector);
        channels.claim(new IPaymentChannels.VoucherClaim[](0));
    }

    function test_claim_payerAuthorizerKeySigns() public {
        (address agentKey, uint256 agentPk) = makeAddrAndKey("agent");
        IPaymentChannels.ChannelConfig memory c = _config(SALT);
        c.payerAuthorizer = agentKey;
        vm.prank(payer);
        channels.deposit(c, 10 ether);
        bytes32 id = channels.getChannelId(c);
        IPaymentChannels.VoucherClaim memory vc = _voucher(c, 1 ether, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelInvalidVoucherSignature.selector, id, 1 ether));
        vm.prank(receiver);
        channels.claim(_one(vc)); // payer's own key is not the authorizer
        vc.signature = _sign(agentPk, channels.getVoucherDigest(id, 1 ether));
        vm.prank(receiver);
        channels.claim(_one(vc));
        assertEq(channels.getChannel(id).totalClaimed, 1 ether);
    }

    function test_claim_manyChannelsInOneCall() public {
        IPaymentChannels.VoucherClaim[] memory claims = new IPaymentChannels.VoucherClaim[](5);
        for (uint256 i; i < 5; ++i) {
            IPaymentChannels.ChannelConfig memory c = _open(bytes32(i + 10), 1 ether);
            claims[i] = _voucher(c, 0.5 ether, uint128(0.1 ether * (i + 1)));
        }
        vm.prank(receiver);
        channels.claim(claims);
        assertEq(channels.unsettled(receiver, address(token)), 1.5 ether);
    }

    // ---------------------------------------------------------------- claimAndSettle

    function test_claimAndSettle_paysReceiverInSameCall() public {
        IPaymentChannels.ChannelConfig memory a = _open(SALT, 10 ether);
        IPaymentChannels.ChannelConfig memory b = _open(bytes32(uint256(2)), 10 ether);
        IPaymentChannels.VoucherClaim[] memory rows = new IPaymentChannels.VoucherClaim[](2);
        rows[0] = _voucher(a, 3 ether, 3 ether);
        rows[1] = _voucher(b, 1 ether, 1 ether);
        vm.prank(receiver);
        channels.claimAndSettle(rows);
        assertEq(token.balanceOf(receiver), 4 ether);
        assertEq(channels.unsettled(receiver, address(token)), 0);
        assertEq(token.balanceOf(address(channels)), 16 ether);
    }

    function test_claimAndSettle_revertsForNonReceiverAndEmpty() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 3 ether, 3 ether));
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.ChannelNotReceiverSide.selector, channels.getChannelId(c), payer)
        );
        vm.prank(payer);
        channels.claimAndSettle(rows);
        vm.expectRevert(IPaymentChannels.ChannelEmptyBatch.selector);
        channels.claimAndSettle(new IPaymentChannels.VoucherClaim[](0));
    }

    // ---------------------------------------------------------------- claimWithSignature

    function _batchSig(IPaymentChannels.VoucherClaim[] memory claims, uint256 key)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, channels.getClaimBatchDigest(claims));
    }

    function test_claimWithSignature_relayedByAnyone() public {
        IPaymentChannels.VoucherClaim[] memory claims = _one(_voucher(_open(SALT, 10 ether), 4 ether, 4 ether));
        bytes memory sig = _batchSig(claims, receiverKey);
        vm.prank(makeAddr("relayer"));
        channels.claimWithSignature(claims, sig);
        assertEq(channels.unsettled(receiver, address(token)), 4 ether);
    }

    function test_claimWithSignature_revertsOnWrongSigner() public {
        IPaymentChannels.VoucherClaim[] memory claims = _one(_voucher(_open(SALT, 10 ether), 4 ether, 4 ether));
        bytes memory sig = _batchSig(claims, payerKey);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelInvalidClaimSignature.selector, receiver));
        channels.claimWithSignature(claims, sig);
    }

    function test_claimWithSignature_revertsOnEditedBatch() public {
        IPaymentChannels.VoucherClaim[] memory claims = _one(_voucher(_open(SALT, 10 ether), 4 ether, 2 ether));
        bytes memory sig = _batchSig(claims, receiverKey);
        claims[0].totalClaimed = 4 ether;
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelInvalidClaimSignature.selector, receiver));
        channels.claimWithSignature(claims, sig);
    }

    function test_claimWithSignature_revertsOnMixedAuthorizers() public {
        IPaymentChannels.ChannelConfig memory a = _open(SALT, 1 ether);
        IPaymentChannels.ChannelConfig memory b = _config(bytes32(uint256(2)));
        b.receiverAuthorizer = payer;
        vm.prank(payer);
        channels.deposit(b, 1 ether);
        IPaymentChannels.VoucherClaim[] memory claims = new IPaymentChannels.VoucherClaim[](2);
        claims[0] = _voucher(a, 1, 1);
        claims[1] = _voucher(b, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelMixedAuthorizers.selector, receiver, payer));
        channels.claimWithSignature(claims, "");
    }

    function test_claimWithSignature_revertsOnEmptyBatch() public {
        vm.expectRevert(IPaymentChannels.ChannelEmptyBatch.selector);
        channels.claimWithSignature(new IPaymentChannels.VoucherClaim[](0), "");
    }

    // ---------------------------------------------------------------- settle

    function test_settle_paysReceiverOnce() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 4 ether, 4 ether));
        vm.prank(receiver);
        channels.claim(rows);
        vm.expectEmit(address(channels));
        emit IPaymentChannels.Settled(receiver, address(token), address(this), 4 ether);
        channels.settle(receiver, address(token));
        assertEq(token.balanceOf(receiver), 4 ether);
        channels.settle(receiver, address(token)); // nothing owed: no-op, no revert
        assertEq(token.balanceOf(receiver), 4 ether);
        assertEq(channels.unsettled(receiver, address(token)), 0);
    }

    function test_settle_nothingOwedIsNoop() public {
        vm.recordLogs();
        channels.settle(receiver, address(token));
        assertEq(vm.getRecordedLogs().length, 0);
    }

    // ---------------------------------------------------------------- withdraw

    function test_withdraw_afterDelayReturnsUnclaimed() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        bytes32 id = channels.getChannelId(c);
        uint256 before = token.balanceOf(payer);
        vm.expectEmit(address(channels));
        emit IPaymentChannels.WithdrawInitiated(id, 10 ether, uint40(block.timestamp + 1 hours));
        vm.prank(payer);
        channels.initiateWithdraw(c, 10 ether);
        vm.warp(block.timestamp + 1 hours);
        vm.prank(payer);
        channels.finalizeWithdraw(c);
        assertEq(token.balanceOf(payer) - before, 10 ether);
        assertEq(channels.getWithdrawal(id).initiatedAt, 0);
    }

    function test_withdraw_receiverClaimsFirstDuringDelay() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        vm.prank(payer);
        channels.initiateWithdraw(c, 10 ether);
        vm.warp(block.timestamp + 30 minutes);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 6 ether, 6 ether));
        vm.prank(receiver);
        channels.claim(rows);
        vm.warp(block.timestamp + 30 minutes);
        uint256 before = token.balanceOf(payer);
        vm.prank(payer);
        channels.finalizeWithdraw(c);
        assertEq(token.balanceOf(payer) - before, 4 ether, "withdrawal capped at what was left");
        channels.settle(receiver, address(token));
        assertEq(token.balanceOf(receiver), 6 ether);
        assertEq(token.balanceOf(address(channels)), 0);
    }

    function test_withdraw_lateClaimFails() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        vm.prank(payer);
        channels.initiateWithdraw(c, 10 ether);
        vm.warp(block.timestamp + 1 hours);
        vm.prank(payer);
        channels.finalizeWithdraw(c);
        IPaymentChannels.VoucherClaim[] memory rows = _one(_voucher(c, 1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.ChannelClaimAboveBalance.selector, channels.getChannelId(c), 1, 0)
        );
        vm.prank(receiver);
        channels.claim(rows);
    }

    function test_initiateWithdraw_revertsForNonPayer() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.ChannelNotPayerSide.selector, channels.getChannelId(c), receiver)
        );
        vm.prank(receiver);
        channels.initiateWithdraw(c, 1 ether);
    }

    function test_initiateWithdraw_revertsOnZeroAboveBalanceAndPending() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        bytes32 id = channels.getChannelId(c);
        vm.startPrank(payer);
        vm.expectRevert(IPaymentChannels.ChannelZeroAmount.selector);
        channels.initiateWithdraw(c, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.ChannelWithdrawAboveBalance.selector, id, 11 ether, 10 ether)
        );
        channels.initiateWithdraw(c, 11 ether);
        channels.initiateWithdraw(c, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelWithdrawPending.selector, id));
        channels.initiateWithdraw(c, 1 ether);
        vm.stopPrank();
    }

    function test_finalizeWithdraw_revertsTooEarlyNonePendingAndNonPayer() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        bytes32 id = channels.getChannelId(c);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelNoWithdrawPending.selector, id));
        channels.finalizeWithdraw(c);
        vm.prank(payer);
        channels.initiateWithdraw(c, 1 ether);
        vm.warp(block.timestamp + 1 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.ChannelWithdrawTooEarly.selector, id, block.timestamp + 1, block.timestamp
            )
        );
        vm.prank(payer);
        channels.finalizeWithdraw(c);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.ChannelNotPayerSide.selector, id, receiver));
        vm.prank(receiver);
        channels.finalizeWithdraw(c);
    }

    // ---------------------------------------------------------------- refund

    function test_refund_returnsUnclaimedAndShrinksWithdrawal() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        bytes32 id = channels.getChannelId(c);
        vm.prank(payer);
        channels.initiateWithdraw(c, 5 ether);
        uint256 before = token.balanceOf(payer);
        vm.prank(receiver);
        channels.refund(c, 2 ether);
        assertEq(token.balanceOf(payer) - before, 2 ether);
        assertEq(channels.getWithdrawal(id).amount, 3 ether);
        vm.prank(receiver);
        channels.refund(c, 100 ether); // capped at the balance; clears the withdrawal
        assertEq(token.balanceOf(payer) - before, 10 ether);
        assertEq(channels.getWithdrawal(id).initiatedAt, 0);
        assertEq(channels.getChannel(id).balance, 0);
    }

    function test_refund_emptyChannelIsNoop() public {
        IPaymentChannels.ChannelConfig memory c = _config(SALT);
        vm.recordLogs();
        vm.prank(receiver);
        channels.refund(c, 1 ether);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_refund_revertsForNonReceiverAndZero() public {
        IPaymentChannels.ChannelConfig memory c = _open(SALT, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.ChannelNotReceiverSide.selector, channels.getChannelId(c), payer)
        );
        vm.prank(payer);
        channels.refund(c, 1 ether);
        vm.expectRevert(IPaymentChannels.ChannelZeroAmount.selector);
        vm.prank(receiver);
        channels.refund(c, 0);
    }

    // ---------------------------------------------------------------- ids and fuzz

    function test_getChannelId_bindsEveryField() public view {
        IPaymentChannels.ChannelConfig memory c = _config(SALT);
        bytes32 id = channels.getChannelId(c);
        c.withdrawDelay += 1;
        assertTrue(channels.getChannelId(c) != id);
        c = _config(SALT);
        c.salt = bytes32(uint256(2));
        assertTrue(channels.getChannelId(c) != id);
    }

    /// Any sequence of cumulative vouchers claims exactly the highest total, and value is conserved.
    function testFuzz_claim_conservesValue(uint128 deposit, uint128 a, uint128 b, uint128 refundAmount) public {
        deposit = uint128(bound(deposit, 1, 50_000 ether));
        a = uint128(bound(a, 1, deposit));
        b = uint128(bound(b, 1, deposit));
        refundAmount = uint128(bound(refundAmount, 1, 100_000 ether));
        IPaymentChannels.ChannelConfig memory c = _open(SALT, deposit);
        bytes32 id = channels.getChannelId(c);
        vm.startPrank(receiver);
        channels.claim(_one(_voucher(c, a, a)));
        channels.claim(_one(_voucher(c, b, b)));
        uint128 top = a > b ? a : b;
        assertEq(channels.getChannel(id).totalClaimed, top);
        channels.refund(c, refundAmount);
        vm.stopPrank();
        channels.settle(receiver, address(token));
        uint128 refunded = deposit - top < refundAmount ? deposit - top : refundAmount;
        assertEq(token.balanceOf(receiver), top);
        assertEq(token.balanceOf(address(channels)), deposit - top - refunded);
        assertEq(channels.getChannel(id).balance, deposit - top - refunded);
    }
}
