// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IPaymentChannels} from "../../src/serving/IPaymentChannels.sol";
import {PaymentChannels} from "../../src/serving/PaymentChannels.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice A deployed PaymentChannels, NOOS, a funded payer with a signing key, and a receiver.
abstract contract PaymentChannelsFixture is Test {
    PaymentChannels internal channels;
    NoosToken internal token;
    address internal payer;
    uint256 internal payerKey;
    address internal receiver;
    uint256 internal receiverKey;

    function setUp() public virtual {
        token = new NoosToken(address(this), address(this), 1_000_000 ether);
        channels = new PaymentChannels();
        (payer, payerKey) = makeAddrAndKey("payer");
        (receiver, receiverKey) = makeAddrAndKey("receiver");
        token.transfer(payer, 100_000 ether);
        vm.prank(payer);
        token.approve(address(channels), type(uint256).max);
    }

    function _config(bytes32 salt) internal view returns (IPaymentChannels.ChannelConfig memory) {
        return IPaymentChannels.ChannelConfig({
            payer: payer,
            payerAuthorizer: address(0),
            receiver: receiver,
            receiverAuthorizer: receiver,
            token: address(token),
            withdrawDelay: 1 hours,
            salt: salt
        });
    }

    function _open(bytes32 salt, uint128 amount) internal returns (IPaymentChannels.ChannelConfig memory c) {
        c = _config(salt);
        vm.prank(payer);
        channels.deposit(c, amount);
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _voucher(IPaymentChannels.ChannelConfig memory c, uint128 max, uint128 total)
        internal
        view
        returns (IPaymentChannels.VoucherClaim memory)
    {
        bytes32 id = channels.getChannelId(c);
        return IPaymentChannels.VoucherClaim({
            channel: c,
            maxClaimableAmount: max,
            signature: _sign(payerKey, channels.getVoucherDigest(id, max)),
            totalClaimed: total
        });
    }

    function _one(IPaymentChannels.VoucherClaim memory vc)
        internal
        pure
        returns (IPaymentChannels.VoucherClaim[] memory claims)
    {
        claims = new IPaymentChannels.VoucherClaim[](1);
        claims[0] = vc;
    }
}
