// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title PredictionConditionalTokens
/// @notice Outcome positions as ERC-1155 tokens with Gnosis Conditional Tokens semantics: an oracle's
///         condition is prepared with `n` outcome slots; `splitPosition` turns collateral into one
///         token of every outcome (a full set), `mergePositions` turns full sets back into collateral,
///         the oracle `reportPayouts` (one numerator per slot), and holders `redeemPositions` for
///         `balance[i] * payout[i] / sum(payouts)` collateral.
/// @dev Differences from Gnosis CTF: positions are the singletons of one condition only (no nested
///      collections or partitions), so a position id is `keccak256(collateral, conditionId, index)`
///      instead of an elliptic-curve collection id; `redeemPositions` redeems every slot. Money (per
///      collateral): collateral in (splits) = collateral out (merges + redemptions) + held; held is at
///      least what the outstanding positions can still claim (redemptions round down).
///      Collateral with transfer fees or rebasing is not supported.
contract PredictionConditionalTokens is ERC1155 {
    using SafeERC20 for IERC20;

    /// @notice Payout numerators of a condition, one per outcome slot (all zero until reported).
    mapping(bytes32 conditionId => uint256[] numerators) internal _payoutNumerators;
    /// @notice Sum of the reported numerators (0: not reported yet).
    mapping(bytes32 conditionId => uint256 denominator) public payoutDenominator;

    /// @notice Fewer than two or more than 256 outcome slots.
    error PredictionInvalidOutcomeSlotCount(uint256 outcomeSlotCount);
    /// @notice The condition was already prepared.
    error PredictionConditionAlreadyPrepared(bytes32 conditionId);
    /// @notice No condition has this id.
    error PredictionConditionNotPrepared(bytes32 conditionId);
    /// @notice The condition's payouts were already reported.
    error PredictionPayoutsAlreadyReported(bytes32 conditionId);
    /// @notice The payouts have the wrong length or are all zero.
    error PredictionInvalidPayouts(bytes32 conditionId, uint256 length, uint256 sum);
    /// @notice The condition's payouts are not reported yet.
    error PredictionPayoutsNotReported(bytes32 conditionId);
    /// @notice The amount is zero.
    error PredictionZeroAmount();

    /// @notice A condition was prepared (Gnosis: ConditionPreparation).
    event ConditionPrepared(
        bytes32 indexed conditionId, address indexed oracle, bytes32 indexed questionId, uint256 outcomeSlotCount
    );
    /// @notice The oracle reported the payouts (Gnosis: ConditionResolution).
    event ConditionResolved(
        bytes32 indexed conditionId, address indexed oracle, bytes32 indexed questionId, uint256[] payoutNumerators
    );
    /// @notice `stakeholder` turned `amount` collateral into `amount` of every outcome position.
    event PositionSplit(
        address indexed stakeholder, IERC20 indexed collateral, bytes32 indexed conditionId, uint256 amount
    );
    /// @notice `stakeholder` turned `amount` full sets back into `amount` collateral.
    event PositionsMerged(
        address indexed stakeholder, IERC20 indexed collateral, bytes32 indexed conditionId, uint256 amount
    );
    /// @notice `redeemer` burned its positions of a resolved condition for `payout` collateral.
    event PayoutRedeemed(
        address indexed redeemer, IERC20 indexed collateral, bytes32 indexed conditionId, uint256 payout
    );

    constructor() ERC1155("") {}

    /// @notice Prepares a condition of `oracle` about `questionId` with `outcomeSlotCount` outcomes.
    function prepareCondition(address oracle, bytes32 questionId, uint256 outcomeSlotCount) external {
        if (outcomeSlotCount < 2 || outcomeSlotCount > 256) revert PredictionInvalidOutcomeSlotCount(outcomeSlotCount);
        bytes32 conditionId = getConditionId(oracle, questionId, outcomeSlotCount);
        if (_payoutNumerators[conditionId].length != 0) revert PredictionConditionAlreadyPrepared(conditionId);
        _payoutNumerators[conditionId] = new uint256[](outcomeSlotCount);
        emit ConditionPrepared(conditionId, oracle, questionId, outcomeSlotCount);
    }

    /// @notice The oracle (the caller) reports the payout numerators of its condition about `questionId`.
    function reportPayouts(bytes32 questionId, uint256[] calldata payouts) external {
        uint256 n = payouts.length;
        bytes32 conditionId = getConditionId(msg.sender, questionId, n);
        uint256[] storage numerators = _payoutNumerators[conditionId];
        if (numerators.length != n || n == 0) revert PredictionConditionNotPrepared(conditionId);
        if (payoutDenominator[conditionId] != 0) revert PredictionPayoutsAlreadyReported(conditionId);
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            numerators[i] = payouts[i];
            sum += payouts[i];
        }
        if (sum == 0) revert PredictionInvalidPayouts(conditionId, n, 0);
        payoutDenominator[conditionId] = sum;
        emit ConditionResolved(conditionId, msg.sender, questionId, payouts);
    }

    /// @notice Takes `amount` of `collateral` from the caller and mints `amount` of every outcome position.
    function splitPosition(IERC20 collateral, bytes32 conditionId, uint256 amount) external {
        if (amount == 0) revert PredictionZeroAmount();
        uint256 n = _slots(conditionId);
        collateral.safeTransferFrom(msg.sender, address(this), amount);
        (uint256[] memory ids, uint256[] memory amounts) = _fullSet(collateral, conditionId, n, amount);
        emit PositionSplit(msg.sender, collateral, conditionId, amount);
        _mintBatch(msg.sender, ids, amounts, "");
    }

    /// @notice Burns `amount` of every outcome position of the caller and returns `amount` collateral.
    function mergePositions(IERC20 collateral, bytes32 conditionId, uint256 amount) external {
        if (amount == 0) revert PredictionZeroAmount();
        uint256 n = _slots(conditionId);
        (uint256[] memory ids, uint256[] memory amounts) = _fullSet(collateral, conditionId, n, amount);
        _burnBatch(msg.sender, ids, amounts);
        emit PositionsMerged(msg.sender, collateral, conditionId, amount);
        collateral.safeTransfer(msg.sender, amount);
    }

    /// @notice Burns all of the caller's positions of a resolved condition and pays their share of collateral.
    /// @return payout Collateral paid (rounded down); 0 when the caller held nothing.
    function redeemPositions(IERC20 collateral, bytes32 conditionId) external returns (uint256 payout) {
        uint256 n = _slots(conditionId);
        uint256 den = payoutDenominator[conditionId];
        if (den == 0) revert PredictionPayoutsNotReported(conditionId);
        uint256[] storage numerators = _payoutNumerators[conditionId];
        uint256[] memory ids = new uint256[](n);
        uint256[] memory amounts = new uint256[](n);
        uint256 weighted;
        for (uint256 i; i < n; ++i) {
            ids[i] = getPositionId(collateral, conditionId, i);
            amounts[i] = balanceOf(msg.sender, ids[i]);
            weighted += amounts[i] * numerators[i];
        }
        payout = weighted / den;
        _burnBatch(msg.sender, ids, amounts);
        emit PayoutRedeemed(msg.sender, collateral, conditionId, payout);
        if (payout > 0) collateral.safeTransfer(msg.sender, payout);
    }

    /// @notice The id of `oracle`'s condition about `questionId` with `outcomeSlotCount` outcomes (Gnosis' formula).
    function getConditionId(address oracle, bytes32 questionId, uint256 outcomeSlotCount)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(oracle, questionId, outcomeSlotCount));
    }

    /// @notice The ERC-1155 id of outcome `index` of a condition backed by `collateral`.
    function getPositionId(IERC20 collateral, bytes32 conditionId, uint256 index) public pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(collateral, conditionId, index)));
    }

    /// @notice Outcome slots of a condition (0: not prepared).
    function getOutcomeSlotCount(bytes32 conditionId) external view returns (uint256) {
        return _payoutNumerators[conditionId].length;
    }

    /// @notice Payout numerator of slot `index` (0 until reported).
    function payoutNumerators(bytes32 conditionId, uint256 index) external view returns (uint256) {
        return _payoutNumerators[conditionId][index];
    }

    function _slots(bytes32 conditionId) internal view returns (uint256 n) {
        n = _payoutNumerators[conditionId].length;
        if (n == 0) revert PredictionConditionNotPrepared(conditionId);
    }

    function _fullSet(IERC20 collateral, bytes32 conditionId, uint256 n, uint256 amount)
        internal
        pure
        returns (uint256[] memory ids, uint256[] memory amounts)
    {
        ids = new uint256[](n);
        amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = getPositionId(collateral, conditionId, i);
            amounts[i] = amount;
        }
    }
}
