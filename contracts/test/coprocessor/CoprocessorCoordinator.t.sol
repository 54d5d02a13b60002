// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICoprocessorCoordinator} from "../../src/coprocessor/ICoprocessorCoordinator.sol";
import {IStaking} from "../../src/staking/IStaking.sol";
import {IModelRegistry} from "../../src/zk/IModelRegistry.sol";
import {IProofRegistry} from "../../src/zk/IProofRegistry.sol";
import {ZkFixtures} from "../zk/fixtures/ZkFixtures.sol";
import {CoprocessorFixture, TestConsumer} from "./CoprocessorFixture.sol";

/// @dev Forge's `cool` cheatcode (not in this forge-std's Vm yet): the account and its storage read as
///      never accessed, as at the start of a real transaction.
interface VmCool {
    function cool(address target) external;
}

contract CoprocessorCoordinatorTest is CoprocessorFixture {
    ICoprocessorCoordinator.Verification internal constant NONE = ICoprocessorCoordinator.Verification.None;
    ICoprocessorCoordinator.Verification internal constant REDUNDANT = ICoprocessorCoordinator.Verification.Redundant;
    ICoprocessorCoordinator.Verification internal constant ZK = ICoprocessorCoordinator.Verification.Zk;

    // ------------------------------------------------------------------------------ requests

    function test_request_oneShotLocksEscrowAndCommits() public {
        ICoprocessorCoordinator.RequestParams memory p = _zkParams();
        _coolAll();
        vm.prank(requester);
        uint256 id = coordinator.request(p);
        uint256 gasUsed = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("request gas (call, without intrinsic)", gasUsed);
        emit log_named_uint("request gas (tx, with intrinsic)", gasUsed + _intrinsic(abi.encodeCall(coordinator.request, (p))));
        assertEq(id, 1);
        _committed(id, requester, p);
        (uint256 available, uint256 locked) = _escrow(requester);
        assertEq(locked, FEE_CAP);
        assertEq(available, 1000 ether - FEE_CAP);
        ICoprocessorCoordinator.IntervalState memory s = coordinator.getInterval(id, 1);
        assertEq(uint8(s.status), uint8(ICoprocessorCoordinator.Status.Pending));
        assertEq(s.locked, FEE_CAP);
        assertLe(gasUsed + _intrinsic(abi.encodeCall(coordinator.request, (p))), 150_000, "request gas target");
    }

    function test_request_publicInputHashIsComputedOnChainAsProofRegistryHashesIt() public {
        int256[] memory x = new int256[](3);
        (x[0], x[1], x[2]) = (3, 9, 27);
        ICoprocessorCoordinator.Request memory r = _request(requester, _params(publicInputModel, x, bytes32(0), ZK, 1));
        (bytes32 inputHash,,) = proofs.statementOf(publicInputModel, ZkFixtures.publicInputSignals());
        assertEq(r.inputHash, inputHash);
    }

    function test_request_revertsOnPublicInputHashMismatch() public {
        int256[] memory x = new int256[](3);
        (x[0], x[1], x[2]) = (3, 9, 27);
        bytes32 h = coordinator.inputHashOf(x);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector, 0, h, bytes32("x"))
        );
        vm.prank(requester);
        coordinator.request(_params(publicInputModel, x, bytes32("x"), ZK, 1));
    }

    function test_request_revertsOnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnknownModel.selector, 99));
        vm.prank(requester);
        coordinator.request(_params(99, _values(1, 2), _h1(), ZK, 1));
    }

    function test_request_revertsOnDeprecatedModel() public {
        vm.prank(owner);
        models.deprecateModel(hashedInputModel);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorModelDeprecated.selector, hashedInputModel)
        );
        vm.prank(requester);
        coordinator.request(_zkParams());
    }

    function test_request_revertsOnUnlistedToken() public {
        ICoprocessorCoordinator.RequestParams memory p = _zkParams();
        p.paymentToken = address(0xdead);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorTokenNotAllowed.selector, address(0xdead))
        );
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_request_revertsOnOptimistic() public {
        ICoprocessorCoordinator.RequestParams memory p = _zkParams();
        p.verification = ICoprocessorCoordinator.Verification.Optimistic;
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnsupportedVerification.selector, p.verification)
        );
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_request_revertsOnInvalidRedundancy() public {
        ICoprocessorCoordinator.RequestParams memory p = _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidRedundancy.selector, REDUNDANT, 1)
        );
        vm.prank(requester);
        coordinator.request(p);
        p = _params(hashedInputModel, _values(1, 2), 0, ZK, 2);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidRedundancy.selector, ZK, 2));
        vm.prank(requester);
        coordinator.request(p);
        p = _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 8);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidRedundancy.selector, REDUNDANT, 8)
        );
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_request_revertsOnPastDeadline() public {
        ICoprocessorCoordinator.RequestParams memory p = _zkParams();
        p.deadline = uint64(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidSchedule.selector, p.deadline, 0, 1)
        );
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_request_revertsOnEmptyInput() public {
        ICoprocessorCoordinator.RequestParams memory p = _params(hashedInputModel, new int256[](0), 0, NONE, 1);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidInput.selector, 0, bytes32(0)));
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_request_revertsOnZkHashedInputWithoutHash() public {
        ICoprocessorCoordinator.RequestParams memory p = _params(hashedInputModel, _values(1, 2), 0, ZK, 1);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidInput.selector, 2, bytes32(0)));
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_request_revertsOnZkPrivateInputModel() public {
        IModelRegistry.Layout memory l = _hashedInputLayout();
        l.inputVisibility = IModelRegistry.InputVisibility.Private;
        l.inputSignals = 0;
        vm.prank(owner);
        uint256 privateModel = models.registerModel(_registration(verifierHashedInput, l, 0));
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInputNotProvable.selector, privateModel)
        );
        vm.prank(requester);
        coordinator.request(_params(privateModel, _values(1, 2), _h1(), ZK, 1));
    }

    function test_request_revertsOnInsufficientEscrow() public {
        address poor = makeAddr("poor");
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector, poor, address(token), FEE_CAP, 0
            )
        );
        vm.prank(poor);
        coordinator.request(_zkParams());
    }

    // ------------------------------------------------------------------------------ delivery: none

    function test_deliver_noneFirstDeliveryWinsAndPays() public {
        ICoprocessorCoordinator.Request memory r =
            _request(address(consumer), _params(hashedInputModel, _values(1, 2), 0, NONE, 1));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(5, -6), "");
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastNode(), node1);
        assertEq(consumer.lastValues()[1], -6);
        assertEq(_earned(node1), FEE);
        assertEq(coordinator.protocolFeesOf(address(token)), _protocolFee(FEE));
        (uint256 available, uint256 locked) = _escrow(address(consumer));
        assertEq(locked, 0);
        assertEq(available, 1000 ether - FEE - _protocolFee(FEE));
        ICoprocessorCoordinator.IntervalState memory s = coordinator.getInterval(r.id, 1);
        assertEq(uint8(s.status), uint8(ICoprocessorCoordinator.Status.Delivered));
        assertEq(s.outputHash, coordinator.outputHashOf(_output(5, -6)));

        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorAlreadySettled.selector,
                r.id,
                1,
                ICoprocessorCoordinator.Status.Delivered
            )
        );
        vm.prank(node2);
        coordinator.deliver(r, 1, _output(5, -6), "");
        assertEq(_earned(node2), 0);
    }

    function test_deliver_revertsOnForgedRequest() public {
        ICoprocessorCoordinator.Request memory r =
            _request(requester, _params(hashedInputModel, _values(1, 2), 0, NONE, 1));
        r.feeCap = 100 ether;
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnknownRequest.selector, r.id));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(1, 1), "");
    }

    function test_deliver_revertsAfterDeadlineAndPaysNothing() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorDeadlinePassed.selector, r.id, 1, START_TIME + 1 hours
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        assertEq(_earned(node1), 0);
    }

    function test_deliver_revertsForUnstakedNode() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNodeNotStaked.selector, unstaked, 0, MIN_STAKE)
        );
        vm.prank(unstaked);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
    }

    function test_deliver_revertsForModelNotServed() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.prank(node1);
        coordinator.setNodeFee(hashedInputModel, address(token), false, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorModelNotServed.selector, node1, hashedInputModel, address(token)
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
    }

    function test_deliver_revertsWhenFeeAboveCap() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.prank(node1);
        coordinator.setNodeFee(hashedInputModel, address(token), true, FEE_CAP);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorFeeAboveCap.selector, FEE_CAP, _protocolFee(FEE_CAP), FEE_CAP
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
    }

    // ------------------------------------------------------------------------------ delivery: zk

    function test_deliver_zkVerifiesPaysAndCallsBack() public {
        // An account requester (a callback to no code): the delivery without the consumer's own work.
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        bytes memory proof = _hashedProof();
        ICoprocessorCoordinator.Output memory out = _output(17, 7);
        _coolAll();
        vm.prank(node1);
        coordinator.deliver(r, 1, out, proof);
        uint256 gasUsed = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("zk deliver gas (call, without intrinsic)", gasUsed);
        assertEq(_earned(node1), FEE);
        bytes memory data = abi.encodeCall(coordinator.deliver, (r, 1, out, proof));
        emit log_named_uint("zk deliver gas (tx, with intrinsic)", gasUsed + _intrinsic(data));
        // The node's first delivery and the token's first protocol fee: no fresh slot any more.
        assertLe(gasUsed + _intrinsic(data), 350_000, "zk delivery gas target (first delivery)");
    }

    function test_deliver_firstZkDeliveryWritesNoFreshSlot() public {
        // Before: the node's earnings and the token's fee slots were first written by the first
        // delivery (~35k more than the next). setNodeFee initializes them now.
        ICoprocessorCoordinator.Request memory r1 = _request(requester, _zkParams());
        ICoprocessorCoordinator.Request memory r2 = _request(requester, _zkParams());
        bytes memory proof = _hashedProof();
        _coolAll();
        vm.prank(node1);
        coordinator.deliver(r1, 1, _output(17, 7), proof);
        uint256 first = vm.lastCallGas().gasTotalUsed;
        _coolAll();
        vm.prank(node1);
        coordinator.deliver(r2, 1, _output(17, 7), proof);
        uint256 second = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("first zk delivery (call)", first);
        emit log_named_uint("second zk delivery (call)", second);
        // Two fresh slots were ~34k (2 x (22,100 - 5,000)); what is left is warm-up cool does not undo.
        assertLt(first, second + 10_000, "first delivery costs about what the next ones do");
        // Withdrawing leaves the slot initialized: the next delivery writes no fresh slot either.
        vm.prank(node1);
        coordinator.withdrawEarnings(address(token));
        coordinator.sweepFees(address(token));
        assertEq(_earned(node1), 0);
        assertEq(coordinator.protocolFeesOf(address(token)), 0);
        ICoprocessorCoordinator.Request memory r3 = _request(requester, _zkParams());
        _coolAll();
        vm.prank(node1);
        coordinator.deliver(r3, 1, _output(17, 7), proof);
        assertLt(vm.lastCallGas().gasTotalUsed, second + 10_000, "after a withdrawal and a sweep");
        assertEq(_earned(node1), FEE);
        assertEq(coordinator.protocolFeesOf(address(token)), _protocolFee(FEE));
    }

    function test_deliver_zkCallbackReceivesProvenOutput() public {
        ICoprocessorCoordinator.Request memory r = _request(address(consumer), _zkParams());
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastValues()[0], 17);
        assertEq(consumer.lastValues()[1], 7);
    }

    function test_deliver_zkPublicInputHashedOutput() public {
        int256[] memory x = new int256[](3);
        (x[0], x[1], x[2]) = (3, 9, 27);
        ICoprocessorCoordinator.Request memory r = _request(requester, _params(publicInputModel, x, 0, ZK, 1));
        ICoprocessorCoordinator.Output memory out;
        out.hash = bytes32(ZkFixtures.publicInputSignals()[3]);
        out.cid = "bafkreioutput";
        vm.prank(node2);
        coordinator.deliver(r, 1, out, _proof(ZkFixtures.publicInputProof(), ZkFixtures.publicInputSignals()));
        assertEq(_earned(node2), FEE);
        assertEq(coordinator.getInterval(r.id, 1).outputHash, out.hash);
    }

    function test_deliver_zkSteadyStateGas() public {
        // A node that has earnings already and fees accrued (the common case): no fresh slots there.
        test_deliver_zkAlreadyRecordedStatementIsAccepted();
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        bytes memory proof = _hashedProof();
        ICoprocessorCoordinator.Output memory out = _output(17, 7);
        _coolAll();
        vm.prank(node1);
        coordinator.deliver(r, 1, out, proof);
        uint256 gasUsed = vm.lastCallGas().gasTotalUsed;
        bytes memory data = abi.encodeCall(coordinator.deliver, (r, 1, out, proof));
        emit log_named_uint("zk deliver gas, steady state (tx, with intrinsic)", gasUsed + _intrinsic(data));
        assertLe(gasUsed + _intrinsic(data), 350_000, "zk delivery gas target");
    }

    function test_deliver_zkAlreadyRecordedStatementIsAccepted() public {
        vm.prank(stranger);
        proofs.verifyAndRecord(hashedInputModel, ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        assertEq(_earned(node1), FEE);
    }

    function test_adversarial_zkValidProofForAnotherInputRejected() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        bytes32 other = bytes32(ZkFixtures.hashedInput2Signals()[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector, r.id, _h1(), other)
        );
        vm.prank(node1);
        coordinator.deliver(
            r, 1, _output(45, 43), _proof(ZkFixtures.hashedInput2Proof(), ZkFixtures.hashedInput2Signals())
        );
        _assertNothingPaid(requester);
    }

    function test_adversarial_zkProofForAnotherModelRejected() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        // The alt circuit's proof is valid for model 2 (same input hash): not for model 1's verifier.
        assertTrue(
            proofs.verify(hashedInputAltModel, ZkFixtures.hashedInputAltProof(), ZkFixtures.hashedInputAltSignals())
        );
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidProof.selector, r.id, hashedInputModel)
        );
        vm.prank(node1);
        coordinator.deliver(
            r, 1, _output(20, 8), _proof(ZkFixtures.hashedInputAltProof(), ZkFixtures.hashedInputAltSignals())
        );
        _assertNothingPaid(requester);
    }

    function test_adversarial_zkOutputDifferentFromProvenRejected() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        ICoprocessorCoordinator.Output memory lie = _output(17, 8);
        uint256[] memory s = ZkFixtures.hashedInputSignals();
        bytes32 proven = keccak256(abi.encodePacked(s[1], s[2]));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorOutputMismatch.selector, r.id, proven, coordinator.outputHashOf(lie)
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, lie, _hashedProof());
        _assertNothingPaid(requester);
    }

    function test_adversarial_zkTamperedProofRejected() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        uint256[8] memory p = ZkFixtures.hashedInputProof();
        p[0] = p[0] ^ 1;
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidProof.selector, r.id, hashedInputModel)
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _proof(p, ZkFixtures.hashedInputSignals()));
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorMissingProof.selector, r.id));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), "");
        _assertNothingPaid(requester);
    }

    function test_adversarial_afterDeadlineRejected() public {
        test_deliver_revertsAfterDeadlineAndPaysNothing();
        _assertNothingPaid(requester);
    }

    function test_adversarial_deliveryPastRedundancyRejected() public {
        ICoprocessorCoordinator.Request memory r =
            _request(requester, _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 2));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.prank(node2);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorAlreadySettled.selector,
                r.id,
                1,
                ICoprocessorCoordinator.Status.Delivered
            )
        );
        vm.prank(node3);
        coordinator.deliver(r, 1, _output(3, 4), "");
        assertEq(_earned(node3), 0);
        assertEq(_earned(node1), FEE);
        assertEq(_earned(node2), FEE);
    }

    function test_adversarial_callbackReentrancyRejected() public {
        ICoprocessorCoordinator.RequestParams memory p = _zkParams();
        p.callbackGasLimit = 500_000; // room to record both failed re-entries
        ICoprocessorCoordinator.Request memory r = _request(address(consumer), p);
        consumer.setReenter(r);
        consumer.setMode(TestConsumer.Mode.Reenter);
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        bytes4 guardError = ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector;
        assertEq(bytes4(consumer.reentryError()), guardError);
        assertEq(bytes4(consumer.reentryWithdrawError()), guardError);
        assertEq(consumer.calls(), 1);
        assertEq(_earned(node1), FEE); // paid once
        (uint256 available,) = _escrow(address(consumer));
        assertEq(available, 1000 ether - FEE - _protocolFee(FEE));
    }

    function test_adversarial_callbackGasGriefingDoesNotBlockDelivery() public {
        ICoprocessorCoordinator.Request memory r = _request(address(consumer), _zkParams());
        consumer.setMode(TestConsumer.Mode.BurnGas);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit ICoprocessorCoordinator.RequestFulfilled(
            r.id, 1, coordinator.outputHashOf(_output(17, 7)), true, false, FEE, _protocolFee(FEE)
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        // The callback burns its 200k limit, no more; the rest is the delivery and the failure record.
        assertLe(vm.lastCallGas().gasTotalUsed, 800_000, "callback burns at most its limit");
        assertEq(_earned(node1), FEE);
        assertTrue(coordinator.getInterval(r.id, 1).callbackFailed);
        assertEq(coordinator.failedResult(r.id, 1).values[0], 17);
    }

    function test_adversarial_returnBombCallbackDoesNotBlockDelivery() public {
        ICoprocessorCoordinator.Request memory r = _request(address(consumer), _zkParams());
        consumer.setMode(TestConsumer.Mode.ReturnBomb);
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        assertEq(_earned(node1), FEE);
        assertTrue(coordinator.getInterval(r.id, 1).callbackFailed);
    }

    function test_deliver_revertingCallbackKeepsResultReadable() public {
        ICoprocessorCoordinator.Request memory r = _request(address(consumer), _zkParams());
        consumer.setMode(TestConsumer.Mode.Revert);
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        assertEq(_earned(node1), FEE);
        ICoprocessorCoordinator.IntervalState memory s = coordinator.getInterval(r.id, 1);
        assertEq(uint8(s.status), uint8(ICoprocessorCoordinator.Status.Delivered));
        assertTrue(s.callbackFailed);
        assertEq(coordinator.failedResult(r.id, 1).values[1], 7);
    }

    function test_deliver_revertsWhenNodeStarvesCallbackGas() public {
        ICoprocessorCoordinator.Request memory r =
            _request(address(consumer), _params(hashedInputModel, _values(1, 2), 0, NONE, 1));
        vm.prank(node1);
        (bool ok, bytes memory err) = address(coordinator).call{gas: 200_000}(
            abi.encodeCall(coordinator.deliver, (r, 1, _output(1, 1), bytes("")))
        );
        assertFalse(ok);
        assertEq(bytes4(err), ICoprocessorCoordinator.CoprocessorInsufficientGas.selector);
        _assertNothingPaid(address(consumer));
    }

    // ------------------------------------------------------------------------------ redundant

    function test_redundant_agreementPaysEveryNodeAndLocksStakeMeanwhile() public {
        ICoprocessorCoordinator.Request memory r =
            _request(address(consumer), _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 3));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        assertEq(staking.lockedOf(node1, COPROCESSOR_ROLE), MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNodeAlreadyDelivered.selector, r.id, 1, node1)
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.prank(node2);
        coordinator.deliver(r, 1, _output(3, 4), "");
        assertEq(consumer.calls(), 0);
        vm.prank(node3);
        coordinator.deliver(r, 1, _output(3, 4), "");
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastNode(), node1);
        for (uint256 i; i < 3; ++i) {
            address n = [node1, node2, node3][i];
            assertEq(_earned(n), FEE);
            assertEq(staking.lockedOf(n, COPROCESSOR_ROLE), 0);
        }
        (uint256 available, uint256 locked) = _escrow(address(consumer));
        assertEq(locked, 0);
        assertEq(available, 1000 ether - 3 * (FEE + _protocolFee(FEE)));
    }

    function test_redundant_disagreementOfTwoRefundsWithoutSlash() public {
        ICoprocessorCoordinator.Request memory r =
            _request(requester, _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 2));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.prank(node2);
        coordinator.deliver(r, 1, _output(3, 5), "");
        assertEq(uint8(coordinator.getInterval(r.id, 1).status), uint8(ICoprocessorCoordinator.Status.Disputed));
        _assertNothingPaid(requester);
        assertEq(staking.stakeOf(node1, COPROCESSOR_ROLE), 3 * MIN_STAKE);
        assertEq(staking.stakeOf(node2, COPROCESSOR_ROLE), 3 * MIN_STAKE);
        assertEq(staking.lockedOf(node2, COPROCESSOR_ROLE), 0);
    }

    function test_redundant_minorityLiarOfStrictMajorityIsSlashed() public {
        ICoprocessorCoordinator.Request memory r =
            _request(requester, _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 3));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.prank(node2);
        coordinator.deliver(r, 1, _output(9, 9), "");
        address[] memory slashed = new address[](1);
        slashed[0] = node2;
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit ICoprocessorCoordinator.RequestDisputed(r.id, 1, slashed);
        vm.prank(node3);
        coordinator.deliver(r, 1, _output(3, 4), "");
        assertEq(staking.stakeOf(node2, COPROCESSOR_ROLE), 2 * MIN_STAKE);
        assertEq(staking.stakeOf(node1, COPROCESSOR_ROLE), 3 * MIN_STAKE);
        _assertNothingPaid(requester);
    }

    function test_redundant_lastDeliveringLiarGetsNoReporterReward() public {
        ICoprocessorCoordinator.Request memory r =
            _request(requester, _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 3));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.prank(node2);
        coordinator.deliver(r, 1, _output(3, 4), "");
        uint256 liarBalance = token.balanceOf(node3);
        uint256 reporterBalance = token.balanceOf(node1);
        vm.prank(node3);
        coordinator.deliver(r, 1, _output(6, 6), "");
        assertEq(staking.stakeOf(node3, COPROCESSOR_ROLE), 2 * MIN_STAKE);
        assertEq(token.balanceOf(node3), liarBalance, "a liar is not rewarded for its own slash");
        assertEq(token.balanceOf(node1) - reporterBalance, MIN_STAKE * params.reporterRewardBps() / 10_000);
        _assertNothingPaid(requester);
    }

    function test_redundant_refundAfterDeadlineUnlocksStakes() public {
        ICoprocessorCoordinator.Request memory r =
            _request(requester, _params(hashedInputModel, _values(1, 2), 0, REDUNDANT, 2));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(3, 4), "");
        vm.warp(block.timestamp + 1 hours + 1);
        coordinator.refund(r, 1);
        assertEq(staking.lockedOf(node1, COPROCESSOR_ROLE), 0);
        _assertNothingPaid(requester);
    }

    // ------------------------------------------------------------------------------ refunds

    function test_refund_afterDeadlineReturnsLock() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectEmit(true, true, false, true, address(coordinator));
        emit ICoprocessorCoordinator.RequestRefunded(r.id, 1, FEE_CAP);
        vm.prank(stranger);
        coordinator.refund(r, 1);
        _assertNothingPaid(requester);
        assertEq(uint8(coordinator.getInterval(r.id, 1).status), uint8(ICoprocessorCoordinator.Status.Refunded));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorAlreadySettled.selector,
                r.id,
                1,
                ICoprocessorCoordinator.Status.Refunded
            )
        );
        coordinator.refund(r, 1);
    }

    function test_refund_revertsBeforeDeadline() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorDeadlineNotPassed.selector, r.id, 1, START_TIME + 1 hours
            )
        );
        coordinator.refund(r, 1);
    }

    function test_refund_revertsAfterDelivery() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        vm.warp(block.timestamp + 2 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorAlreadySettled.selector,
                r.id,
                1,
                ICoprocessorCoordinator.Status.Delivered
            )
        );
        coordinator.refund(r, 1);
    }

    // ------------------------------------------------------------------------------ subscriptions

    function _subscription() internal returns (ICoprocessorCoordinator.Request memory) {
        ICoprocessorCoordinator.RequestParams memory p = _params(hashedInputModel, _values(1, 2), 0, NONE, 1);
        p.period = 1 hours;
        p.frequency = 3;
        p.deadline = 10 minutes;
        p.activeAt = uint64(block.timestamp + 1 hours);
        return _request(address(consumer), p);
    }

    function test_subscription_intervalsAreNumberedAndLockedLazily() public {
        ICoprocessorCoordinator.Request memory r = _subscription();
        (, uint256 locked) = _escrow(address(consumer));
        assertEq(locked, 0);
        assertEq(coordinator.currentInterval(r), 0);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorIntervalNotActive.selector, r.id, 1));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(1, 1), "");

        vm.warp(r.activeAt + 5);
        assertEq(coordinator.currentInterval(r), 1);
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(1, 1), "");
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorIntervalNotActive.selector, r.id, 2));
        vm.prank(node1);
        coordinator.deliver(r, 2, _output(1, 1), "");

        vm.warp(r.activeAt + 1 hours + 11 minutes);
        assertEq(coordinator.currentInterval(r), 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorDeadlinePassed.selector, r.id, 2, r.activeAt + 1 hours + 10 minutes
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 2, _output(1, 1), "");

        vm.warp(r.activeAt + 2 hours);
        vm.prank(node2);
        coordinator.deliver(r, 3, _output(2, 2), "");
        assertEq(consumer.calls(), 2);
        assertEq(_earned(node1) + _earned(node2), 2 * FEE);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorIntervalNotActive.selector, r.id, 4));
        vm.prank(node1);
        coordinator.deliver(r, 4, _output(1, 1), "");
    }

    function test_subscription_cancelStopsLaterIntervals() public {
        ICoprocessorCoordinator.Request memory r = _subscription();
        vm.warp(r.activeAt + 5);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNotOwner.selector, r.id, stranger));
        vm.prank(stranger);
        coordinator.cancelSubscription(r);
        vm.prank(address(consumer));
        coordinator.cancelSubscription(r);
        assertTrue(coordinator.isCanceled(r.id));
        assertEq(coordinator.canceledAfter(r.id), 1);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorAlreadyCanceled.selector, r.id));
        vm.prank(address(consumer));
        coordinator.cancelSubscription(r);
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(1, 1), ""); // the current interval still runs
        vm.warp(r.activeAt + 1 hours + 5);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorIntervalNotActive.selector, r.id, 2));
        vm.prank(node1);
        coordinator.deliver(r, 2, _output(1, 1), "");
    }

    function test_subscription_revertsOnInvalidSchedule() public {
        ICoprocessorCoordinator.RequestParams memory p = _params(hashedInputModel, _values(1, 2), 0, NONE, 1);
        p.period = 1 hours;
        p.frequency = 0;
        p.deadline = 60;
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidSchedule.selector, 60, 1 hours, 0)
        );
        vm.prank(requester);
        coordinator.request(p);
    }

    function test_subscription_intervalNeedsEscrowAtFirstDelivery() public {
        ICoprocessorCoordinator.Request memory r = _subscription();
        vm.prank(address(consumer));
        coordinator.withdrawEscrow(address(token), 1000 ether);
        vm.warp(r.activeAt);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector,
                address(consumer),
                address(token),
                FEE_CAP,
                0
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(1, 1), "");
    }

    // ------------------------------------------------------------------------------ money

    function test_escrow_depositWithdrawAndFailures() public {
        vm.expectRevert(ICoprocessorCoordinator.CoprocessorZeroAmount.selector);
        coordinator.deposit(requester, address(token), 0);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorTokenNotAllowed.selector, address(1)));
        coordinator.deposit(requester, address(1), 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector,
                requester,
                address(token),
                1001 ether,
                1000 ether
            )
        );
        vm.prank(requester);
        coordinator.withdrawEscrow(address(token), 1001 ether);
        vm.expectRevert(ICoprocessorCoordinator.CoprocessorZeroAmount.selector);
        vm.prank(requester);
        coordinator.withdrawEscrow(address(token), 0);
        vm.prank(requester);
        coordinator.withdrawEscrow(address(token), 400 ether);
        assertEq(token.balanceOf(requester), 400 ether);
    }

    function test_earnings_withdrawAndSweepFees() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(17, 7), _hashedProof());
        vm.prank(node1);
        assertEq(coordinator.withdrawEarnings(address(token)), FEE);
        assertEq(token.balanceOf(node1), FEE);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNothingToWithdraw.selector, node1, address(token))
        );
        vm.prank(node1);
        coordinator.withdrawEarnings(address(token));
        uint256 before = token.balanceOf(treasury);
        assertEq(coordinator.sweepFees(address(token)), _protocolFee(FEE));
        assertEq(token.balanceOf(treasury) - before, _protocolFee(FEE));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorNothingToWithdraw.selector, treasury, address(token)
            )
        );
        coordinator.sweepFees(address(token));
    }

    function test_setNodeFee_revertsUnstakedOrUnknownModel() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNodeNotStaked.selector, unstaked, 0, MIN_STAKE)
        );
        vm.prank(unstaked);
        coordinator.setNodeFee(1, address(token), true, 1);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnknownModel.selector, 77));
        vm.prank(node1);
        coordinator.setNodeFee(77, address(token), true, 1);
        vm.prank(node1);
        coordinator.setNodeFee(1, address(token), true, 5);
        assertEq(coordinator.nodeFee(node1, 1, address(token)).fee, 5);
    }

    // ------------------------------------------------------------------------------ fuzz

    function testFuzz_inputHashOf_matchesFieldMapping(int64 a, int64 b) public view {
        int256[] memory v = _values(a, b);
        uint256 p = FIELD_MODULUS;
        uint256 fa = a >= 0 ? uint256(int256(a)) : p - uint256(-int256(a));
        uint256 fb = b >= 0 ? uint256(int256(b)) : p - uint256(-int256(b));
        assertEq(coordinator.inputHashOf(v), keccak256(abi.encodePacked(fa, fb)));
    }

    /// @dev The checked Solidity mapping the assembly `_fieldHash` replaced (and ProofRegistry's rule).
    function _referenceFieldHash(int256[] memory v) internal pure returns (bytes32) {
        uint256 p = FIELD_MODULUS;
        uint256[] memory f = new uint256[](v.length);
        for (uint256 i; i < v.length; ++i) {
            int256 x = v[i];
            f[i] = x >= 0 ? uint256(x) % p : (p - (uint256(-(x + 1)) + 1) % p) % p;
        }
        return keccak256(abi.encodePacked(f));
    }

    function testFuzz_inputHashOf_fullRangeMatchesCheckedMapping(int256[] memory v) public view {
        vm.assume(v.length <= 64);
        assertEq(coordinator.inputHashOf(v), _referenceFieldHash(v));
    }

    function test_inputHashOf_edgeValues() public view {
        int256[] memory v = new int256[](7);
        int256 p = int256(FIELD_MODULUS);
        (v[0], v[1], v[2], v[3], v[4], v[5], v[6]) = (type(int256).min, type(int256).max, p, -p, -1, 0, p - 1);
        assertEq(coordinator.inputHashOf(v), _referenceFieldHash(v));
        int256[] memory m = new int256[](2);
        (m[0], m[1]) = (-p, -1);
        // -p is 0 in the field; -1 is p - 1.
        assertEq(coordinator.inputHashOf(m), keccak256(abi.encodePacked(uint256(0), FIELD_MODULUS - 1)));
        assertEq(coordinator.inputHashOf(new int256[](0)), keccak256(""));
    }

    function test_inputHashOf_64ValuesIsCheap() public {
        // A digits-sized input (8x8 pixels at scale 6), hashed on chain by every inline non-zk or
        // public-input request: the call cost ~23k with the checked Solidity loop, ~10k now.
        int256[] memory x = new int256[](64);
        for (uint256 i; i < 64; ++i) {
            x[i] = int256((i * 37) % 65) - 8;
        }
        bytes32 h = coordinator.inputHashOf(x);
        uint256 used = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("inputHashOf, 64 values (call)", used);
        assertEq(h, _referenceFieldHash(x));
        assertLe(used, 12_000, "field hash of 64 values");
    }

    function testFuzz_deliver_feeSplitConservesEscrow(uint96 fee, uint16 bps, uint128 cap) public {
        bps = uint16(bound(bps, 0, 1000));
        cap = uint128(bound(cap, 1, 100 ether));
        fee = uint96(bound(fee, 0, cap));
        vm.prank(admin);
        params.setTakeRateBps(bps);
        vm.prank(node1);
        coordinator.setNodeFee(hashedInputModel, address(token), true, fee);
        ICoprocessorCoordinator.RequestParams memory p = _params(hashedInputModel, _values(1, 2), 0, NONE, 1);
        p.feeCap = cap;
        ICoprocessorCoordinator.Request memory r = _request(requester, p);
        uint256 pf = uint256(fee) * bps / 10_000;
        vm.prank(node1);
        if (uint256(fee) + pf > cap) {
            vm.expectRevert(
                abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorFeeAboveCap.selector, fee, pf, cap)
            );
            coordinator.deliver(r, 1, _output(1, 1), "");
            return;
        }
        coordinator.deliver(r, 1, _output(1, 1), "");
        (uint256 available, uint256 locked) = _escrow(requester);
        assertEq(available + locked + _earned(node1) + coordinator.protocolFeesOf(address(token)), 1000 ether);
        assertEq(
            token.balanceOf(address(coordinator)),
            available + locked + _earned(node1) + coordinator.protocolFeesOf(address(token)) + 1000 ether
        );
    }

    // ------------------------------------------------------------------------------ helpers

    function _assertNothingPaid(address payer) internal view {
        assertEq(_earned(node1) + _earned(node2) + _earned(node3), 0, "no node paid");
        assertEq(coordinator.protocolFeesOf(address(token)), 0, "no protocol fee");
        (uint256 available, uint256 locked) = _escrow(payer);
        assertEq(available + locked, 1000 ether, "escrow whole");
    }

    /// @dev Every account a request or delivery touches, and its storage, cold again (a new tx).
    function _coolAll() internal {
        address[13] memory all = [
            address(coordinator),
            address(proofs),
            address(models),
            address(staking),
            address(params),
            address(token),
            verifierHashedInput,
            verifierPublicInput,
            requester,
            address(consumer),
            node1,
            node2,
            node3
        ];
        for (uint256 i; i < all.length; ++i) {
            VmCool(address(vm)).cool(all[i]);
        }
    }

    /// @dev 21000 + calldata cost (4 per zero byte, 16 per non-zero byte).
    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }
}
