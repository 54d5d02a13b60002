// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICoprocessorCoordinator} from "../../src/coprocessor/ICoprocessorCoordinator.sol";
import {SubscriptionConsumer} from "../../src/coprocessor/SubscriptionConsumer.sol";
import {CoprocessorFixture} from "./CoprocessorFixture.sol";

/// @notice Subscribes to an hourly inference and keeps the last answer per interval.
contract HourlyConsumer is SubscriptionConsumer {
    mapping(uint32 interval => int256) public answers;
    uint32 public lastInterval;
    ICoprocessorCoordinator.Request internal _sub;

    constructor(ICoprocessorCoordinator coordinator) SubscriptionConsumer(coordinator) {}

    function start(uint256 modelId, address token) external returns (uint256) {
        int256[] memory x = new int256[](1);
        x[0] = 42;
        return _subscribe(
            modelId,
            ICoprocessorCoordinator.Input({values: x, hash: bytes32(0), cid: ""}),
            ICoprocessorCoordinator.Verification.None,
            1,
            token,
            2 ether,
            100_000,
            0,
            1 hours,
            3,
            10 minutes
        );
    }

    function stop(ICoprocessorCoordinator.Request calldata sub) external {
        _cancel(sub);
    }

    function _onResult(uint256, uint32 interval, ICoprocessorCoordinator.Output calldata output, address)
        internal
        override
    {
        answers[interval] = output.values[0];
        lastInterval = interval;
    }
}

contract SubscriptionConsumerTest is CoprocessorFixture {
    function test_subscriptionConsumer_receivesEachIntervalAndCancels() public {
        HourlyConsumer c = new HourlyConsumer(coordinator);
        _fundEscrow(address(c), 10 ether);
        uint256 id = c.start(hashedInputModel, address(token));
        int256[] memory x = new int256[](1);
        x[0] = 42;
        ICoprocessorCoordinator.RequestParams memory p =
            _params(hashedInputModel, x, bytes32(0), ICoprocessorCoordinator.Verification.None, 1);
        p.callbackGasLimit = 100_000;
        p.period = 1 hours;
        p.frequency = 3;
        p.deadline = 10 minutes;
        ICoprocessorCoordinator.Request memory r = _committed(id, address(c), p);

        ICoprocessorCoordinator.Output memory out;
        out.values = new int256[](1);
        out.values[0] = 7;
        vm.prank(node1);
        coordinator.deliver(r, 1, out, "");
        assertEq(c.answers(1), 7);

        vm.warp(block.timestamp + 1 hours);
        out.values[0] = 8;
        vm.prank(node2);
        coordinator.deliver(r, 2, out, "");
        assertEq(c.answers(2), 8);
        assertEq(c.lastInterval(), 2);

        c.stop(r);
        vm.warp(block.timestamp + 1 hours);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorIntervalNotActive.selector, id, 3));
        vm.prank(node1);
        coordinator.deliver(r, 3, out, "");
        assertEq(_earned(node1) + _earned(node2), 2 * FEE);
    }
}
