// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CoprocessorConsumerBase} from "./CoprocessorConsumerBase.sol";
import {ICoprocessorCoordinator} from "./ICoprocessorCoordinator.sol";

/// @title SubscriptionConsumer
/// @notice Inherit for recurring inferences (Infernet subscriptions): `_subscribe` once, override
///         `_onResult`, called once per interval (numbered from 1). `_cancel` stops it.
/// @dev Each interval locks `feeCap * redundancy` of the consumer's escrow at its first delivery:
///      keep the escrow funded (`COORDINATOR.deposit(address(consumer), token, amount)`).
abstract contract SubscriptionConsumer is CoprocessorConsumerBase {
    constructor(ICoprocessorCoordinator coordinator) CoprocessorConsumerBase(coordinator) {}

    /// @dev Subscribes to `frequency` inferences of `modelId` on `input`, one per `period` seconds
    ///      from `activeAt` (0: now), each due `timeout` seconds after its interval starts.
    function _subscribe(
        uint256 modelId,
        ICoprocessorCoordinator.Input memory input,
        ICoprocessorCoordinator.Verification verification,
        uint8 redundancy,
        address token,
        uint128 feeCap,
        uint32 callbackGasLimit,
        uint64 activeAt,
        uint32 period,
        uint32 frequency,
        uint32 timeout
    ) internal returns (uint256 subscriptionId) {
        return COORDINATOR.request(
            ICoprocessorCoordinator.RequestParams({
                modelId: modelId,
                input: input,
                verification: verification,
                redundancy: redundancy,
                paymentToken: token,
                feeCap: feeCap,
                callbackGasLimit: callbackGasLimit,
                deadline: timeout,
                activeAt: activeAt,
                period: period,
                frequency: frequency
            })
        );
    }

    /// @dev Stops the subscription after its current interval (`subscription`: as in RequestCreated).
    function _cancel(ICoprocessorCoordinator.Request memory subscription) internal {
        COORDINATOR.cancelSubscription(subscription);
    }

    /// @dev The one hook: the output of `interval` of subscription `subscriptionId`, from `node`.
    function _onResult(
        uint256 subscriptionId,
        uint32 interval,
        ICoprocessorCoordinator.Output calldata output,
        address node
    ) internal virtual;

    function _receive(
        uint256 subscriptionId,
        uint32 interval,
        ICoprocessorCoordinator.Output calldata output,
        bytes32,
        address node
    ) internal override {
        _onResult(subscriptionId, interval, output, node);
    }
}
