// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IProtocolParams
/// @notice The one place where the protocol's tunable parameters live. Set by the owner (a
///         timelock/governor later); every module reads them from here.
interface IProtocolParams {
    /// @notice Per-token market settings: a token must be listed to pay for orders.
    struct PaymentToken {
        bool allowed;
        uint128 minOrderDeposit;
        uint128 minBidDeposit;
    }

    /// @notice A value is outside its allowed range.
    error ParamsOutOfRange(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice An address parameter is the zero address.
    error ParamsZeroAddress(bytes32 name);

    /// @notice A numeric parameter changed.
    event ParamUpdated(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice The treasury changed.
    event TreasuryUpdated(address indexed oldTreasury, address indexed newTreasury);
    /// @notice The dispute arbiter changed.
    event ArbiterUpdated(address indexed oldArbiter, address indexed newArbiter);
    /// @notice A payment token was listed, changed or delisted.
    event PaymentTokenUpdated(address indexed token, bool allowed, uint256 minOrderDeposit, uint256 minBidDeposit);

    /// @notice Receiver of protocol fees and of the treasury share of slashes.
    function treasury() external view returns (address);
    /// @notice Account that resolves disputed batch results (the verification layer later).
    function arbiter() external view returns (address);
    /// @notice Protocol take rate on lease payments, in basis points.
    function takeRateBps() external view returns (uint16);
    /// @notice Shortest allowed bid window, in seconds.
    function minBidWindow() external view returns (uint32);
    /// @notice Longest allowed bid window, in seconds.
    function maxBidWindow() external view returns (uint32);
    /// @notice Most bids an order may accept.
    function maxBidsPerOrder() external view returns (uint16);
    /// @notice Time a tenant has to dispute a submitted batch result, in seconds.
    function disputeWindow() external view returns (uint32);
    /// @notice Longest allowed batch-job timeout, in seconds.
    function maxJobTimeout() external view returns (uint32);
    /// @notice Minimum NOOS stake (provider role) needed to register and bid.
    function minProviderStake() external view returns (uint256);
    /// @notice Share of a provider's stake slashed when it misses a batch deadline, in bps.
    function missedDeadlineSlashBps() external view returns (uint16);
    /// @notice Share of each slash paid to whoever reported it, in bps; the rest goes to the treasury.
    function reporterRewardBps() external view returns (uint16);
    /// @notice Delay between an unstake request and the withdrawal, in seconds.
    function unbondingPeriod() external view returns (uint32);
    /// @notice Market settings for `token`.
    function paymentToken(address token) external view returns (PaymentToken memory);
}
