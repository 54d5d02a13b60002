// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LinregConsumer} from "../../src/coprocessor/examples/LinregConsumer.sol";
import {ICoprocessorCoordinator} from "../../src/coprocessor/ICoprocessorCoordinator.sol";
import {CoprocessorFixture} from "./CoprocessorFixture.sol";

contract LinregConsumerTest is CoprocessorFixture {
    function test_example_asksAndStoresTheProvenAnswer() public {
        LinregConsumer c = new LinregConsumer(coordinator);
        _fundEscrow(address(c), 10 ether);
        uint256 id = c.ask(hashedInputModel, _values(1, 2), _h1(), address(token), FEE_CAP);
        ICoprocessorCoordinator.RequestParams memory p = _zkParams();
        p.callbackGasLimit = 200_000;
        p.deadline = uint64(block.timestamp + 1 hours);
        ICoprocessorCoordinator.Request memory r = _committed(id, address(c), p);
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        assertEq(c.results(id, 0), 17);
        assertEq(c.results(id, 1), 7);
    }

    function test_example_rejectsCallbacksFromOthers() public {
        LinregConsumer c = new LinregConsumer(coordinator);
        vm.expectRevert(abi.encodeWithSignature("CoprocessorConsumerNotCoordinator(address)", stranger));
        vm.prank(stranger);
        c.receiveCoprocessorResult(1, 1, _output(1, 1), bytes32(0), stranger);
    }
}
