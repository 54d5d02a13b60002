// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentChannels} from "./IPaymentChannels.sol";

/// @title PaymentChannels
/// @notice x402 `batch-settlement`-compatible payment channels (same EIP-712 domain, ChannelConfig
///         and Voucher types), deployed at an ordinary address: the x402 reference contract lives at
///         a fixed CREATE2 address and takes deposits only through ERC-3009 or Permit2 collectors,
///         and NOOS has EIP-2612 permits instead. See IPaymentChannels.
contract PaymentChannels is IPaymentChannels, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IPaymentChannels
    uint40 public constant MIN_WITHDRAW_DELAY = 15 minutes;
    /// @inheritdoc IPaymentChannels
    uint40 public constant MAX_WITHDRAW_DELAY = 30 days;

    bytes32 private constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 private constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 private constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
    bytes32 private constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );

    /// @dev Cumulative claimed and settled per (receiver, token): both only grow, so a claim after
    ///      a settle rewrites a nonzero slot (no 20k zero-to-nonzero store on every claim cycle).
    struct ReceiverTotals {
        uint128 claimed;
        uint128 settled;
    }

    mapping(bytes32 channelId => Channel) private _channels;
    mapping(bytes32 channelId => Withdrawal) private _withdrawals;
    mapping(address receiver => mapping(address token => ReceiverTotals)) private _receivers;

    constructor() EIP712("x402 Batch Settlement", "1") {}

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc IPaymentChannels
    function deposit(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        _deposit(config, amount);
    }

    /// @inheritdoc IPaymentChannels
    function depositWithPermit(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        // A permit front-run from the mempool spends the nonce but sets the same allowance:
        // ignore its failure and let transferFrom decide.
        try IERC20Permit(config.token).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(config, amount);
    }

    function _deposit(ChannelConfig calldata config, uint128 amount) private {
        _checkConfig(config);
        if (amount == 0) revert ChannelZeroAmount();
        bytes32 channelId = _channelId(config);
        Channel storage ch = _channels[channelId];
        uint128 balance = ch.balance;
        if (amount > type(uint128).max - balance) revert ChannelDepositOverflow(channelId, balance, amount);
        if (balance == 0 && ch.totalClaimed == 0) emit ChannelCreated(channelId, config);
        ch.balance = balance + amount;
        emit Deposited(channelId, msg.sender, amount, balance + amount);
        IERC20(config.token).safeTransferFrom(msg.sender, address(this), amount);
    }

    // ---------------------------------------------------------------- claims

    /// @inheritdoc IPaymentChannels
    function claim(VoucherClaim[] calldata claims) external nonReentrant {
        _claimAsReceiverSide(claims);
    }

    /// @inheritdoc IPaymentChannels
    function claimAndSettle(VoucherClaim[] calldata claims) external nonReentrant {
        _claimAsReceiverSide(claims);
        for (uint256 i; i < claims.length; ++i) {
            _settle(claims[i].channel.receiver, claims[i].channel.token);
        }
    }

    function _claimAsReceiverSide(VoucherClaim[] calldata claims) private {
        uint256 n = claims.length;
        if (n == 0) revert ChannelEmptyBatch();
        for (uint256 i; i < n; ++i) {
            ChannelConfig calldata c = claims[i].channel;
            if (msg.sender != c.receiver && msg.sender != c.receiverAuthorizer) {
                revert ChannelNotReceiverSide(_channelId(c), msg.sender);
            }
            _claim(claims[i]);
        }
    }

    /// @inheritdoc IPaymentChannels
    function claimWithSignature(VoucherClaim[] calldata claims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        uint256 n = claims.length;
        if (n == 0) revert ChannelEmptyBatch();
        address authorizer = claims[0].channel.receiverAuthorizer;
        for (uint256 i = 1; i < n; ++i) {
            address a = claims[i].channel.receiverAuthorizer;
            if (a != authorizer) revert ChannelMixedAuthorizers(authorizer, a);
        }
        if (!SignatureChecker.isValidSignatureNow(authorizer, _claimBatchDigest(claims), authorizerSignature)) {
            revert ChannelInvalidClaimSignature(authorizer);
        }
        for (uint256 i; i < n; ++i) {
            _claim(claims[i]);
        }
    }

    /// @dev Checks the payer's voucher and moves `totalClaimed - previous` from the channel to the
    ///      receiver's unsettled total. A row that claims nothing new is skipped without a signature check.
    function _claim(VoucherClaim calldata vc) private {
        bytes32 channelId = _channelId(vc.channel);
        Channel storage ch = _channels[channelId];
        Channel memory state = ch;
        if (vc.totalClaimed <= state.totalClaimed) return;
        if (vc.totalClaimed > vc.maxClaimableAmount) {
            revert ChannelClaimAboveVoucher(channelId, vc.totalClaimed, vc.maxClaimableAmount);
        }
        // Cannot underflow: totalClaimed > state.totalClaimed was checked above.
        uint128 amount;
        unchecked {
            amount = vc.totalClaimed - state.totalClaimed;
        }
        if (amount > state.balance) revert ChannelClaimAboveBalance(channelId, amount, state.balance);

        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, vc.maxClaimableAmount)));
        address signer = vc.channel.payerAuthorizer;
        bool valid = signer != address(0)
            ? ECDSA.recoverCalldata(digest, vc.signature) == signer
            : SignatureChecker.isValidSignatureNow(vc.channel.payer, digest, vc.signature);
        if (!valid) revert ChannelInvalidVoucherSignature(channelId, vc.maxClaimableAmount);

        // Bounded: amount <= balance (checked above).
        unchecked {
            ch.balance = state.balance - amount;
        }
        ch.totalClaimed = vc.totalClaimed;
        _receivers[vc.channel.receiver][vc.channel.token].claimed += amount;
        emit Claimed(channelId, vc.channel.receiver, amount, vc.totalClaimed);
    }

    /// @inheritdoc IPaymentChannels
    function settle(address receiver, address token) external nonReentrant {
        _settle(receiver, token);
    }

    function _settle(address receiver, address token) private {
        ReceiverTotals storage totals = _receivers[receiver][token];
        uint128 claimed = totals.claimed;
        uint128 amount = claimed - totals.settled;
        if (amount == 0) return;
        totals.settled = claimed;
        emit Settled(receiver, token, msg.sender, amount);
        IERC20(token).safeTransfer(receiver, amount);
    }

    // ---------------------------------------------------------------- exits

    /// @inheritdoc IPaymentChannels
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        bytes32 channelId = _channelId(config);
        _onlyPayerSide(config, channelId);
        if (amount == 0) revert ChannelZeroAmount();
        Withdrawal storage w = _withdrawals[channelId];
        if (w.initiatedAt != 0) revert ChannelWithdrawPending(channelId);
        uint128 balance = _channels[channelId].balance;
        if (amount > balance) revert ChannelWithdrawAboveBalance(channelId, amount, balance);
        w.amount = amount;
        w.initiatedAt = uint40(block.timestamp);
        emit WithdrawInitiated(channelId, amount, uint40(block.timestamp) + config.withdrawDelay);
    }

    /// @inheritdoc IPaymentChannels
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        bytes32 channelId = _channelId(config);
        _onlyPayerSide(config, channelId);
        Withdrawal memory w = _withdrawals[channelId];
        if (w.initiatedAt == 0) revert ChannelNoWithdrawPending(channelId);
        uint256 finalizeAfter = uint256(w.initiatedAt) + config.withdrawDelay;
        if (block.timestamp < finalizeAfter) revert ChannelWithdrawTooEarly(channelId, finalizeAfter, block.timestamp);
        delete _withdrawals[channelId];
        Channel storage ch = _channels[channelId];
        uint128 balance = ch.balance;
        // Claims landed during the delay may have shrunk the balance: pay what is left of the request.
        uint128 amount = w.amount > balance ? balance : w.amount;
        unchecked {
            ch.balance = balance - amount;
        }
        emit WithdrawFinalized(channelId, msg.sender, amount);
        if (amount > 0) IERC20(config.token).safeTransfer(config.payer, amount);
    }

    /// @inheritdoc IPaymentChannels
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        bytes32 channelId = _channelId(config);
        if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) {
            revert ChannelNotReceiverSide(channelId, msg.sender);
        }
        if (amount == 0) revert ChannelZeroAmount();
        Channel storage ch = _channels[channelId];
        uint128 balance = ch.balance;
        uint128 refunded = amount > balance ? balance : amount;
        if (refunded == 0) return;
        unchecked {
            ch.balance = balance - refunded;
        }
        Withdrawal storage w = _withdrawals[channelId];
        if (w.initiatedAt != 0) {
            if (refunded >= w.amount) delete _withdrawals[channelId];
            else w.amount -= refunded;
        }
        emit Refunded(channelId, msg.sender, refunded);
        IERC20(config.token).safeTransfer(config.payer, refunded);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPaymentChannels
    function getChannelId(ChannelConfig calldata config) external view returns (bytes32) {
        return _channelId(config);
    }

    /// @inheritdoc IPaymentChannels
    function getChannel(bytes32 channelId) external view returns (Channel memory) {
        return _channels[channelId];
    }

    /// @inheritdoc IPaymentChannels
    function getWithdrawal(bytes32 channelId) external view returns (Withdrawal memory) {
        return _withdrawals[channelId];
    }

    /// @inheritdoc IPaymentChannels
    function unsettled(address receiver, address token) external view returns (uint128) {
        ReceiverTotals memory totals = _receivers[receiver][token];
        return totals.claimed - totals.settled;
    }

    /// @inheritdoc IPaymentChannels
    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    /// @inheritdoc IPaymentChannels
    function getClaimBatchDigest(VoucherClaim[] calldata claims) external view returns (bytes32) {
        return _claimBatchDigest(claims);
    }

    // ---------------------------------------------------------------- internals

    function _channelId(ChannelConfig calldata config) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    function _claimBatchDigest(VoucherClaim[] calldata claims) private view returns (bytes32) {
        uint256 n = claims.length;
        bytes32[] memory entries = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            entries[i] = keccak256(
                abi.encode(
                    CLAIM_ENTRY_TYPEHASH, _channelId(claims[i].channel), claims[i].maxClaimableAmount, claims[i].totalClaimed
                )
            );
        }
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entries)))));
    }

    function _checkConfig(ChannelConfig calldata config) private pure {
        if (config.payer == address(0)) revert ChannelZeroAddress(0);
        if (config.receiver == address(0)) revert ChannelZeroAddress(2);
        if (config.receiverAuthorizer == address(0)) revert ChannelZeroAddress(3);
        if (config.token == address(0)) revert ChannelZeroAddress(4);
        uint40 delay = config.withdrawDelay;
        if (delay < MIN_WITHDRAW_DELAY || delay > MAX_WITHDRAW_DELAY) {
            revert ChannelWithdrawDelayOutOfRange(delay, MIN_WITHDRAW_DELAY, MAX_WITHDRAW_DELAY);
        }
    }

    function _onlyPayerSide(ChannelConfig calldata config, bytes32 channelId) private view {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) {
            revert ChannelNotPayerSide(channelId, msg.sender);
        }
    }
}
