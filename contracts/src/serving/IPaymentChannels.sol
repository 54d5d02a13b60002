// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPaymentChannels
/// @notice Unidirectional payment channels for pay-per-call serving, with the semantics of x402's
///         `batch-settlement` scheme on EVM: a payer deposits once; per call it signs a cumulative
///         EIP-712 `Voucher(bytes32 channelId,uint128 maxClaimableAmount)` under the domain
///         "x402 Batch Settlement" v"1"; the receiver claims the latest voucher of many channels in
///         one transaction and sweeps what it claimed with one `settle(receiver, token)` transfer.
///
///         A channel is identified by the EIP-712 hash of its immutable `ChannelConfig` (bound to
///         chain id and this contract), so no configuration is stored: every call passes it.
///
///         Exit: the payer starts a timed withdrawal (`initiateWithdraw`); after `withdrawDelay` it
///         takes back whatever is still unclaimed (`finalizeWithdraw`). Vouchers not claimed by then
///         are lost to the receiver, so receivers claim when they see `WithdrawInitiated`. The
///         receiver side may also refund unclaimed escrow at any time (`refund`).
///
///         Accounting: a channel's `balance` is its unclaimed escrow; a claim moves value from the
///         channel to the receiver's unsettled total. Token held == sum(balance) + sum(unsettled).
interface IPaymentChannels {
    /// @notice Immutable channel parameters; their EIP-712 hash is the channel id.
    /// @param payer Owner of the escrow: refunds and withdrawals go here.
    /// @param payerAuthorizer Key that signs vouchers (zero: the payer signs; ERC-1271 allowed).
    /// @param receiver Paid on `settle`.
    /// @param receiverAuthorizer May claim and refund, and signs claim batches for relayers.
    /// @param token ERC-20 of the escrow (no fee-on-transfer or rebasing tokens).
    /// @param withdrawDelay Seconds between `initiateWithdraw` and `finalizeWithdraw`.
    /// @param salt Lets one payer open several channels to the same receiver.
    struct ChannelConfig {
        address payer;
        address payerAuthorizer;
        address receiver;
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    /// @notice Per-channel state. `totalClaimed` is cumulative (what vouchers are compared with).
    struct Channel {
        uint128 balance;
        uint128 totalClaimed;
    }

    /// @notice A pending timed withdrawal (`initiatedAt == 0`: none).
    struct Withdrawal {
        uint128 amount;
        uint40 initiatedAt;
    }

    /// @notice One claim row: the payer-signed voucher and the new cumulative total claimed
    ///         (at most `maxClaimableAmount`). A row at or below the channel's `totalClaimed` is a
    ///         no-op, so replaying an applied voucher does nothing.
    struct VoucherClaim {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
        bytes signature;
        uint128 totalClaimed;
    }

    /// @notice First deposit into a channel with no escrow and no claims.
    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    /// @notice `sender` deposited `amount`; the channel's unclaimed balance is now `newBalance`.
    event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance);
    /// @notice The receiver side claimed `amount` more; the cumulative total is `newTotalClaimed`.
    event Claimed(bytes32 indexed channelId, address indexed receiver, uint128 amount, uint128 newTotalClaimed);
    /// @notice `amount` of claimed `token` was transferred to `receiver`.
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    /// @notice The receiver side refunded `amount` of unclaimed escrow to the payer.
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount);
    /// @notice The payer started a withdrawal of `amount`, final after `finalizeAfter`.
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter);
    /// @notice The payer's withdrawal completed: `amount` went back to the payer.
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);

    /// @notice A config field is the zero address (`field` names it: 0 payer, 2 receiver, 3
    ///         receiverAuthorizer, 4 token).
    error ChannelZeroAddress(uint8 field);
    /// @notice `withdrawDelay` is outside [min, max].
    error ChannelWithdrawDelayOutOfRange(uint40 withdrawDelay, uint40 min, uint40 max);
    /// @notice A deposit, refund or withdrawal of zero.
    error ChannelZeroAmount();
    /// @notice The deposit would overflow the uint128 balance.
    error ChannelDepositOverflow(bytes32 channelId, uint128 balance, uint128 amount);
    /// @notice A claim call with no rows.
    error ChannelEmptyBatch();
    /// @notice `caller` is neither the channel's receiver nor its receiverAuthorizer.
    error ChannelNotReceiverSide(bytes32 channelId, address caller);
    /// @notice `caller` is neither the channel's payer nor its payerAuthorizer.
    error ChannelNotPayerSide(bytes32 channelId, address caller);
    /// @notice The voucher's signature is not the payer's (or the payerAuthorizer's).
    error ChannelInvalidVoucherSignature(bytes32 channelId, uint128 maxClaimableAmount);
    /// @notice The claim batch's signature is not the receiverAuthorizer's.
    error ChannelInvalidClaimSignature(address receiverAuthorizer);
    /// @notice A claim-batch row has another receiverAuthorizer than the first row.
    error ChannelMixedAuthorizers(address expected, address actual);
    /// @notice The claimed total exceeds what the voucher signs.
    error ChannelClaimAboveVoucher(bytes32 channelId, uint128 totalClaimed, uint128 maxClaimableAmount);
    /// @notice The claim needs `needed` more than the channel's unclaimed balance `balance`.
    error ChannelClaimAboveBalance(bytes32 channelId, uint128 needed, uint128 balance);
    /// @notice A withdrawal is already pending.
    error ChannelWithdrawPending(bytes32 channelId);
    /// @notice No withdrawal is pending.
    error ChannelNoWithdrawPending(bytes32 channelId);
    /// @notice The withdrawal asks for more than the unclaimed balance.
    error ChannelWithdrawAboveBalance(bytes32 channelId, uint128 amount, uint128 balance);
    /// @notice `finalizeWithdraw` before `finalizeAfter`.
    error ChannelWithdrawTooEarly(bytes32 channelId, uint256 finalizeAfter, uint256 now_);

    /// @notice Shortest allowed withdraw delay (15 minutes, as x402).
    function MIN_WITHDRAW_DELAY() external view returns (uint40);
    /// @notice Longest allowed withdraw delay (30 days, as x402).
    function MAX_WITHDRAW_DELAY() external view returns (uint40);

    /// @notice Moves `amount` of `config.token` from the caller into the channel (approve first).
    ///         Anyone may top up; the escrow still belongs to `config.payer`.
    function deposit(ChannelConfig calldata config, uint128 amount) external;

    /// @notice `deposit` with an EIP-2612 permit from the caller (one transaction, no approve).
    ///         A front-run permit is tolerated: the transfer still needs the allowance.
    function depositWithPermit(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Applies a batch of vouchers; the caller is each row's receiver or receiverAuthorizer.
    function claim(VoucherClaim[] calldata claims) external;

    /// @notice `claim`, then `settle` for each row's (receiver, token): the receiver is paid in the
    ///         same transaction (one intrinsic cost instead of two; no claim/settle ordering race).
    function claimAndSettle(VoucherClaim[] calldata claims) external;

    /// @notice Applies a batch of vouchers authorized by the receiverAuthorizer's EIP-712
    ///         `ClaimBatch` signature (anyone may relay). All rows share that authorizer.
    function claimWithSignature(VoucherClaim[] calldata claims, bytes calldata authorizerSignature) external;

    /// @notice Transfers everything `receiver` claimed in `token` and has not been paid yet.
    ///         Permissionless; returns without effect when nothing is owed (front-running is harmless).
    function settle(address receiver, address token) external;

    /// @notice The payer (or payerAuthorizer) starts withdrawing `amount` of unclaimed escrow.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external;

    /// @notice After the delay, pays the pending withdrawal (capped at the unclaimed balance).
    function finalizeWithdraw(ChannelConfig calldata config) external;

    /// @notice The receiver side returns up to `amount` of unclaimed escrow to the payer (capped at
    ///         the balance); a pending withdrawal shrinks by what was refunded.
    function refund(ChannelConfig calldata config, uint128 amount) external;

    /// @notice The channel id: EIP-712 hash of `config` under this contract's domain.
    function getChannelId(ChannelConfig calldata config) external view returns (bytes32);
    /// @notice A channel's unclaimed balance and cumulative total claimed.
    function getChannel(bytes32 channelId) external view returns (Channel memory);
    /// @notice A channel's pending withdrawal.
    function getWithdrawal(bytes32 channelId) external view returns (Withdrawal memory);
    /// @notice Claimed but not yet settled for (`receiver`, `token`).
    function unsettled(address receiver, address token) external view returns (uint128);
    /// @notice EIP-712 digest the payer signs for a voucher.
    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) external view returns (bytes32);
    /// @notice EIP-712 digest the receiverAuthorizer signs for `claimWithSignature`.
    function getClaimBatchDigest(VoucherClaim[] calldata claims) external view returns (bytes32);
}
