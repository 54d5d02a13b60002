// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CallbackConsumer} from "../CallbackConsumer.sol";
import {ICoprocessorCoordinator} from "../ICoprocessorCoordinator.sol";

/// @title LinregConsumer
/// @notice Example: asks the coprocessor for a zk-verified prediction and keeps the answer.
contract LinregConsumer is CallbackConsumer {
    mapping(uint256 requestId => int256[] output) public results;
    event Answered(uint256 indexed requestId, int256[] output);

    constructor(ICoprocessorCoordinator coordinator) CallbackConsumer(coordinator) {}

    /// @notice Asks for model `modelId` on `x` (fixed point); `inputHash` = its packed input hash (poseidonHashInputs).
    function ask(uint256 modelId, int256[] calldata x, bytes32 inputHash, address token, uint128 feeCap)
        external
        returns (uint256)
    {
        return _request(
            modelId,
            x,
            inputHash,
            ICoprocessorCoordinator.Verification.Zk,
            1,
            token,
            feeCap,
            200_000,
            uint64(block.timestamp + 1 hours)
        );
    }

    function _onResult(uint256 requestId, ICoprocessorCoordinator.Output calldata output, address) internal override {
        results[requestId] = output.values;
        emit Answered(requestId, output.values);
    }
}
