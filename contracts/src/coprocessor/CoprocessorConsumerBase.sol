// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICoprocessorConsumer, ICoprocessorCoordinator} from "./ICoprocessorCoordinator.sol";

/// @title CoprocessorConsumerBase
/// @notice What both consumer bases share: the coordinator, and the guard that only it calls back.
abstract contract CoprocessorConsumerBase is ICoprocessorConsumer {
    /// @notice The coordinator this consumer requests from and takes results from.
    ICoprocessorCoordinator public immutable COORDINATOR;

    /// @notice A callback came from someone other than the coordinator.
    error CoprocessorConsumerNotCoordinator(address caller);

    constructor(ICoprocessorCoordinator coordinator) {
        COORDINATOR = coordinator;
    }

    /// @inheritdoc ICoprocessorConsumer
    function receiveCoprocessorResult(
        uint256 requestId,
        uint32 interval,
        ICoprocessorCoordinator.Output calldata output,
        bytes32 outputHash,
        address node
    ) external {
        if (msg.sender != address(COORDINATOR)) revert CoprocessorConsumerNotCoordinator(msg.sender);
        _receive(requestId, interval, output, outputHash, node);
    }

    /// @dev Routes a checked callback to the base's hook.
    function _receive(
        uint256 requestId,
        uint32 interval,
        ICoprocessorCoordinator.Output calldata output,
        bytes32 outputHash,
        address node
    ) internal virtual;
}
