// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title DaoTimelock
/// @notice OpenZeppelin's TimelockController, unchanged. It is declared here so that forge compiles it
///         as a project source: a contract compiled straight from node_modules carries the absolute
///         path of the checkout in its metadata hash, and its bytecode (which the SDK ships) would
///         differ from one clone to the next.
contract DaoTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
