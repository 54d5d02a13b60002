// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProtocolParams} from "./IProtocolParams.sol";

/// @title ProtocolParams
/// @notice Holds every tunable parameter with its default and its bounds. Owner-set; ownership
///         moves to a timelock/governor later (Ownable2Step makes the hand-over explicit).
contract ProtocolParams is IProtocolParams, Ownable2Step {
    uint16 internal constant BPS = 10_000;
    /// @notice Upper bound of the take rate: 50%.
    uint16 public constant MAX_TAKE_RATE_BPS = 5_000;
    /// @notice Upper bound of `maxBidsPerOrder`: losing bids are refunded in one loop.
    uint16 public constant MAX_BIDS_LIMIT = 100;

    address private _treasury;
    address private _arbiter;
    uint16 private _takeRateBps = 200; // 2%, as Akash's rate for its native token
    uint32 private _minBidWindow = 10 seconds;
    uint32 private _maxBidWindow = 1 days;
    uint16 private _maxBidsPerOrder = 20; // Akash's OrderMaxBids
    uint32 private _disputeWindow = 1 hours;
    uint32 private _maxJobTimeout = 30 days;
    uint256 private _minProviderStake = 100 ether;
    uint16 private _missedDeadlineSlashBps = 1_000; // 10%
    uint16 private _reporterRewardBps = 1_000; // 10% of a slash
    uint32 private _unbondingPeriod = 7 days;
    mapping(address token => PaymentToken) private _paymentTokens;

    /// @param owner_ Parameter owner.
    /// @param treasury_ Fee and slash receiver; also the initial arbiter.
    constructor(address owner_, address treasury_) Ownable(owner_) {
        if (treasury_ == address(0)) revert ParamsZeroAddress("treasury");
        _treasury = treasury_;
        _arbiter = owner_;
    }

    // ---- views ----

    /// @inheritdoc IProtocolParams
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IProtocolParams
    function arbiter() external view returns (address) {
        return _arbiter;
    }

    /// @inheritdoc IProtocolParams
    function takeRateBps() external view returns (uint16) {
        return _takeRateBps;
    }

    /// @inheritdoc IProtocolParams
    function minBidWindow() external view returns (uint32) {
        return _minBidWindow;
    }

    /// @inheritdoc IProtocolParams
    function maxBidWindow() external view returns (uint32) {
        return _maxBidWindow;
    }

    /// @inheritdoc IProtocolParams
    function maxBidsPerOrder() external view returns (uint16) {
        return _maxBidsPerOrder;
    }

    /// @inheritdoc IProtocolParams
    function disputeWindow() external view returns (uint32) {
        return _disputeWindow;
    }

    /// @inheritdoc IProtocolParams
    function maxJobTimeout() external view returns (uint32) {
        return _maxJobTimeout;
    }

    /// @inheritdoc IProtocolParams
    function minProviderStake() external view returns (uint256) {
        return _minProviderStake;
    }

    /// @inheritdoc IProtocolParams
    function missedDeadlineSlashBps() external view returns (uint16) {
        return _missedDeadlineSlashBps;
    }

    /// @inheritdoc IProtocolParams
    function reporterRewardBps() external view returns (uint16) {
        return _reporterRewardBps;
    }

    /// @inheritdoc IProtocolParams
    function unbondingPeriod() external view returns (uint32) {
        return _unbondingPeriod;
    }

    /// @inheritdoc IProtocolParams
    function paymentToken(address token) external view returns (PaymentToken memory) {
        return _paymentTokens[token];
    }

    // ---- setters (owner) ----

    /// @notice Sets the treasury.
    function setTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert ParamsZeroAddress("treasury");
        address old = _treasury;
        _treasury = newTreasury;
        emit TreasuryUpdated(old, newTreasury);
    }

    /// @notice Sets the dispute arbiter.
    function setArbiter(address newArbiter) external onlyOwner {
        if (newArbiter == address(0)) revert ParamsZeroAddress("arbiter");
        address old = _arbiter;
        _arbiter = newArbiter;
        emit ArbiterUpdated(old, newArbiter);
    }

    /// @notice Sets the take rate (0 to MAX_TAKE_RATE_BPS). Applies to leases created afterwards.
    function setTakeRateBps(uint16 value) external onlyOwner {
        _checkRange("takeRateBps", value, 0, MAX_TAKE_RATE_BPS);
        uint256 old = _takeRateBps;
        _takeRateBps = value;
        emit ParamUpdated("takeRateBps", old, value);
    }

    /// @notice Sets the bid window bounds (1 s .. 30 days, min <= max).
    function setBidWindowBounds(uint32 minWindow, uint32 maxWindow) external onlyOwner {
        _checkRange("minBidWindow", minWindow, 1, 30 days);
        _checkRange("maxBidWindow", maxWindow, minWindow, 30 days);
        (uint256 oldMin, uint256 oldMax) = (_minBidWindow, _maxBidWindow);
        _minBidWindow = minWindow;
        _maxBidWindow = maxWindow;
        emit ParamUpdated("minBidWindow", oldMin, minWindow);
        emit ParamUpdated("maxBidWindow", oldMax, maxWindow);
    }

    /// @notice Sets the most bids per order (1 .. MAX_BIDS_LIMIT).
    function setMaxBidsPerOrder(uint16 value) external onlyOwner {
        _checkRange("maxBidsPerOrder", value, 1, MAX_BIDS_LIMIT);
        uint256 old = _maxBidsPerOrder;
        _maxBidsPerOrder = value;
        emit ParamUpdated("maxBidsPerOrder", old, value);
    }

    /// @notice Sets the dispute window (1 s .. 30 days).
    function setDisputeWindow(uint32 value) external onlyOwner {
        _checkRange("disputeWindow", value, 1, 30 days);
        uint256 old = _disputeWindow;
        _disputeWindow = value;
        emit ParamUpdated("disputeWindow", old, value);
    }

    /// @notice Sets the longest batch-job timeout (1 s .. 365 days).
    function setMaxJobTimeout(uint32 value) external onlyOwner {
        _checkRange("maxJobTimeout", value, 1, 365 days);
        uint256 old = _maxJobTimeout;
        _maxJobTimeout = value;
        emit ParamUpdated("maxJobTimeout", old, value);
    }

    /// @notice Sets the minimum provider stake.
    function setMinProviderStake(uint256 value) external onlyOwner {
        uint256 old = _minProviderStake;
        _minProviderStake = value;
        emit ParamUpdated("minProviderStake", old, value);
    }

    /// @notice Sets the stake share slashed on a missed deadline (0 .. 100%).
    function setMissedDeadlineSlashBps(uint16 value) external onlyOwner {
        _checkRange("missedDeadlineSlashBps", value, 0, BPS);
        uint256 old = _missedDeadlineSlashBps;
        _missedDeadlineSlashBps = value;
        emit ParamUpdated("missedDeadlineSlashBps", old, value);
    }

    /// @notice Sets the reporter's share of a slash (0 .. 100%).
    function setReporterRewardBps(uint16 value) external onlyOwner {
        _checkRange("reporterRewardBps", value, 0, BPS);
        uint256 old = _reporterRewardBps;
        _reporterRewardBps = value;
        emit ParamUpdated("reporterRewardBps", old, value);
    }

    /// @notice Sets the unbonding period (0 .. 90 days). Applies to later unstake requests.
    function setUnbondingPeriod(uint32 value) external onlyOwner {
        _checkRange("unbondingPeriod", value, 0, 90 days);
        uint256 old = _unbondingPeriod;
        _unbondingPeriod = value;
        emit ParamUpdated("unbondingPeriod", old, value);
    }

    /// @notice Lists, updates or delists a payment token. Fee-on-transfer and rebasing tokens
    ///         break escrow accounting and must not be listed.
    function setPaymentToken(address token, bool allowed, uint128 minOrderDeposit, uint128 minBidDeposit)
        external
        onlyOwner
    {
        if (token == address(0)) revert ParamsZeroAddress("token");
        _paymentTokens[token] = PaymentToken(allowed, minOrderDeposit, minBidDeposit);
        emit PaymentTokenUpdated(token, allowed, minOrderDeposit, minBidDeposit);
    }

    function _checkRange(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ParamsOutOfRange(name, value, min, max);
    }
}
