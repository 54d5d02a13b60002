// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IPaymentChannels} from "../../src/serving/IPaymentChannels.sol";
import {PaymentChannels} from "../../src/serving/PaymentChannels.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice Random deposits, voucher claims (any order, replays, too-high rows), settles, refunds
///         and withdrawals over three channels, counting what went in and out.
contract PaymentChannelsHandler is Test {
    PaymentChannels internal channels;
    NoosToken internal token;
    address internal payer;
    uint256 internal payerKey;
    address internal receiver;
    IPaymentChannels.ChannelConfig[3] internal configs;

    uint256 public deposited;
    uint256 public claimed;
    uint256 public settled;
    uint256 public refunded;
    uint256 public withdrawn;

    constructor(PaymentChannels c, NoosToken t, address payer_, uint256 payerKey_, address receiver_) {
        channels = c;
        token = t;
        payer = payer_;
        payerKey = payerKey_;
        receiver = receiver_;
        for (uint256 i; i < 3; ++i) {
            configs[i] = IPaymentChannels.ChannelConfig({
                payer: payer,
                payerAuthorizer: address(0),
                receiver: receiver,
                receiverAuthorizer: receiver,
                token: address(token),
                withdrawDelay: 15 minutes,
                salt: bytes32(i)
            });
        }
    }

    function channelIds() external view returns (bytes32[3] memory ids) {
        for (uint256 i; i < 3; ++i) {
            ids[i] = channels.getChannelId(configs[i]);
        }
    }

    function deposit(uint256 i, uint128 amount) external {
        amount = uint128(bound(amount, 1, 100 ether));
        vm.prank(payer);
        channels.deposit(configs[i % 3], amount);
        deposited += amount;
    }

    function claim(uint256 i, uint128 max, uint128 total) external {
        IPaymentChannels.ChannelConfig memory c = configs[i % 3];
        bytes32 id = channels.getChannelId(c);
        max = uint128(bound(max, 0, 400 ether));
        total = uint128(bound(total, 0, max));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, channels.getVoucherDigest(id, max));
        IPaymentChannels.VoucherClaim[] memory claims = new IPaymentChannels.VoucherClaim[](1);
        claims[0] = IPaymentChannels.VoucherClaim(c, max, abi.encodePacked(r, s, v), total);
        uint128 before = channels.getChannel(id).totalClaimed;
        vm.prank(receiver);
        try channels.claim(claims) {
            if (total > before) claimed += total - before;
        } catch {}
    }

    function claimAndSettle(uint256 i, uint128 max, uint128 total) external {
        IPaymentChannels.ChannelConfig memory c = configs[i % 3];
        bytes32 id = channels.getChannelId(c);
        max = uint128(bound(max, 0, 400 ether));
        total = uint128(bound(total, 0, max));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, channels.getVoucherDigest(id, max));
        IPaymentChannels.VoucherClaim[] memory claims = new IPaymentChannels.VoucherClaim[](1);
        claims[0] = IPaymentChannels.VoucherClaim(c, max, abi.encodePacked(r, s, v), total);
        uint128 before = channels.getChannel(id).totalClaimed;
        uint256 paidBefore = token.balanceOf(receiver);
        vm.prank(receiver);
        try channels.claimAndSettle(claims) {
            if (total > before) claimed += total - before;
            settled += token.balanceOf(receiver) - paidBefore;
        } catch {}
    }

    function settle() external {
        uint256 owed = channels.unsettled(receiver, address(token));
        channels.settle(receiver, address(token));
        settled += owed;
    }

    function refund(uint256 i, uint128 amount) external {
        IPaymentChannels.ChannelConfig memory c = configs[i % 3];
        amount = uint128(bound(amount, 1, 200 ether));
        uint256 before = token.balanceOf(payer);
        vm.prank(receiver);
        channels.refund(c, amount);
        refunded += token.balanceOf(payer) - before;
    }

    function initiateWithdraw(uint256 i, uint128 amount) external {
        amount = uint128(bound(amount, 1, 200 ether));
        vm.prank(payer);
        try channels.initiateWithdraw(configs[i % 3], amount) {} catch {}
    }

    function finalizeWithdraw(uint256 i, uint32 wait) external {
        vm.warp(block.timestamp + bound(wait, 0, 30 minutes));
        uint256 before = token.balanceOf(payer);
        vm.prank(payer);
        try channels.finalizeWithdraw(configs[i % 3]) {
            withdrawn += token.balanceOf(payer) - before;
        } catch {}
    }
}

contract PaymentChannelsInvariantsTest is Test {
    PaymentChannels internal channels;
    NoosToken internal token;
    PaymentChannelsHandler internal handler;
    address internal receiver;

    function setUp() public {
        token = new NoosToken(address(this), address(this), 1_000_000 ether);
        channels = new PaymentChannels();
        (address payer, uint256 payerKey) = makeAddrAndKey("payer");
        receiver = makeAddr("receiver");
        token.transfer(payer, 1_000_000 ether);
        vm.prank(payer);
        token.approve(address(channels), type(uint256).max);
        handler = new PaymentChannelsHandler(channels, token, payer, payerKey, receiver);
        targetContract(address(handler));
    }

    /// Token held == sum of channel balances (unclaimed escrow) + claimed but unsettled.
    function invariant_tokenBalanceMatchesAccounts() public view {
        bytes32[3] memory ids = handler.channelIds();
        uint256 sum;
        for (uint256 i; i < 3; ++i) {
            sum += channels.getChannel(ids[i]).balance;
        }
        assertEq(token.balanceOf(address(channels)), sum + channels.unsettled(receiver, address(token)));
    }

    /// Deposits == claimed + refunded + withdrawn + remaining; settled never exceeds claimed.
    function invariant_depositsConserved() public view {
        bytes32[3] memory ids = handler.channelIds();
        uint256 remaining;
        for (uint256 i; i < 3; ++i) {
            remaining += channels.getChannel(ids[i]).balance;
        }
        assertEq(handler.deposited(), handler.claimed() + handler.refunded() + handler.withdrawn() + remaining);
        assertEq(token.balanceOf(receiver), handler.settled());
        assertLe(handler.settled(), handler.claimed());
    }
}
