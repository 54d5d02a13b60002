// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CoprocessorConsumerBase} from "./CoprocessorConsumerBase.sol";
import {ICoprocessorCoordinator} from "./ICoprocessorCoordinator.sol";

/// @title CallbackConsumer
/// @notice Inherit for one-shot inference requests (Chainlink Functions style): call `_request`,
///         override `_onResult`. The consumer pays from its escrow at the coordinator: fund it with
///         `COORDINATOR.deposit(address(consumer), token, amount)` (anyone may).
/// @dev `_onResult` runs with the request's callback gas limit; if it reverts, the node is still
///      paid and the result stays readable at `COORDINATOR.failedResult(requestId, 1)`.
abstract contract CallbackConsumer is CoprocessorConsumerBase {
    constructor(ICoprocessorCoordinator coordinator) CoprocessorConsumerBase(coordinator) {}

    /// @dev Requests one inference of `modelId` on inline `values`, paid in `token` up to `feeCap`
    ///      per delivery, delivered by `deadline` (absolute). `inputHash`: 0 for a public-input model
    ///      (computed on chain) or non-zk requests; the packed input hash (packages/zk
    ///      poseidonHashInputs) for a hashed-input zk model.
    function _request(
        uint256 modelId,
        int256[] memory values,
        bytes32 inputHash,
        ICoprocessorCoordinator.Verification verification,
        uint8 redundancy,
        address token,
        uint128 feeCap,
        uint32 callbackGasLimit,
        uint64 deadline
    ) internal returns (uint256 requestId) {
        return COORDINATOR.request(
            ICoprocessorCoordinator.RequestParams({
                modelId: modelId,
                input: ICoprocessorCoordinator.Input({values: values, hash: inputHash, cid: ""}),
                verification: verification,
                redundancy: redundancy,
                paymentToken: token,
                feeCap: feeCap,
                callbackGasLimit: callbackGasLimit,
                deadline: deadline,
                activeAt: 0,
                period: 0,
                frequency: 1
            })
        );
    }

    /// @dev Requests with full parameters (a CID input, say).
    function _request(ICoprocessorCoordinator.RequestParams memory params) internal returns (uint256 requestId) {
        return COORDINATOR.request(params);
    }

    /// @dev The one hook: the output of request `requestId`, delivered by `node`.
    function _onResult(uint256 requestId, ICoprocessorCoordinator.Output calldata output, address node) internal virtual;

    function _receive(uint256 requestId, uint32, ICoprocessorCoordinator.Output calldata output, bytes32, address node)
        internal
        override
    {
        _onResult(requestId, output, node);
    }
}
