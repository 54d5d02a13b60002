// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {AiDelegate} from "../../../src/apps/dao/AiDelegate.sol";
import {IAiDelegate} from "../../../src/apps/dao/IAiDelegate.sol";
import {CoprocessorConsumerBase} from "../../../src/coprocessor/CoprocessorConsumerBase.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {DaoDelegateFixture} from "./DaoDelegateFixture.sol";
import {DaoDelegateFixtures as F} from "./fixtures/DaoDelegateFixtures.sol";

contract AiDelegateTest is DaoDelegateFixture {
    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    // ------------------------------------------------------------ trigger

    function test_trigger_requestsTheCommittedFeaturesAtTheModelScale() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        (uint256 availableBefore,) = _escrow(address(delegate));
        vm.expectEmit(true, false, true, true, address(delegate));
        emit IAiDelegate.Triggered(p.id, 0, triggerer, daoModel, keccak256(abi.encode(p.features)));
        uint256 gasBefore = gasleft();
        uint256 requestId = _trigger(p);
        emit log_named_uint("gas: trigger (whole call)", gasBefore - gasleft());

        // The request carries exactly the fixture's circuit inputs (public input: hash computed on chain).
        _delegateRequest(requestId, F.clearInputs());
        assertEq(delegate.quantize(p.features), F.clearInputs());
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertEq(v.requestId, requestId);
        assertEq(uint8(v.status), uint8(IAiDelegate.Status.Requested));
        assertEq(v.modelId, daoModel);
        assertEq(v.thresholdRaw, uint256(THRESHOLD) * 2 ** F.OUTPUT_SCALE / 10_000);
        assertEq(delegate.proposalOfRequest(requestId), p.id);
        (uint256 available, uint256 locked) = _escrow(address(delegate));
        assertEq(available, availableBefore - FEE_CAP);
        assertEq(locked, FEE_CAP);
    }

    function test_trigger_worksWhilePending() public {
        Proposal memory p = _propose("Grants round", F.clearFeatures());
        assertEq(uint8(_state(p.id)), uint8(IGovernor.ProposalState.Pending));
        _trigger(p);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Requested));
    }

    function test_trigger_revertsOnSecondTrigger() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateAlreadyTriggered.selector, p.id, requestId));
        _trigger(p);
    }

    function test_trigger_revertsOnSecondTriggerAfterTheVote() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _triggerAndDeliver(p, "clear");
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateAlreadyTriggered.selector, p.id, requestId));
        _trigger(p);
    }

    function test_trigger_retriggersAfterARefund() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 first = _trigger(p);
        ICoprocessorCoordinator.Request memory r = _delegateRequest(first, F.clearInputs());
        vm.warp(block.timestamp + TIMEOUT + 1);
        coordinator.refund(r, 1);
        (uint256 available, uint256 locked) = _escrow(address(delegate));
        assertEq(available, 100 ether);
        assertEq(locked, 0);

        uint256 second = _trigger(p);
        assertGt(second, first);
        assertEq(delegate.voteOf(p.id).requestId, second);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        _deliver(_delegateRequest(second, F.clearInputs()), y, proof, s);
        assertTrue(governor.hasVoted(p.id, address(delegate)));
    }

    function test_trigger_revertsWhileTheRequestIsPendingPastItsDeadline() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        vm.warp(block.timestamp + TIMEOUT + 1); // refundable but not refunded yet
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateAlreadyTriggered.selector, p.id, requestId));
        _trigger(p);
    }

    function test_trigger_retriggersAfterAFailedCallback() public {
        vm.prank(address(timelock));
        delegate.setRequestConfig(
            IAiDelegate.RequestConfig({
                token: address(token), feeCap: FEE_CAP, callbackGasLimit: 5_000, timeout: TIMEOUT
            })
        );
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 first = _triggerAndDeliver(p, "clear");
        assertTrue(coordinator.getInterval(first, 1).callbackFailed, "starved callback failed");
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Requested));

        vm.prank(address(timelock));
        delegate.setRequestConfig(_requestConfig());
        uint256 second = _triggerAndDeliver(p, "clear");
        assertGt(second, first);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Cast));
    }

    function test_trigger_revertsOnUnknownProposal() public {
        Proposal memory p = _proposal("never proposed", F.clearFeatures());
        uint256 id = governor.getProposalId(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateUnknownProposal.selector, id));
        delegate.trigger(p.targets, p.values, p.calldatas, p.description, p.features);
    }

    function test_trigger_revertsAfterVotingClosed() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAiDelegate.AiDelegateProposalNotOpen.selector, p.id, IGovernor.ProposalState.Defeated
            )
        );
        _trigger(p);
    }

    function test_trigger_revertsOnCanceledProposal() public {
        Proposal memory p = _propose("Grants round", F.clearFeatures());
        vm.prank(bob);
        governor.cancel(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAiDelegate.AiDelegateProposalNotOpen.selector, p.id, IGovernor.ProposalState.Canceled
            )
        );
        _trigger(p);
    }

    function test_trigger_revertsWithoutCommitment() public {
        Proposal memory p = _proposal("", F.clearFeatures());
        p.description = "A proposal that commits to nothing";
        vm.prank(bob);
        p.id = governor.propose(p.targets, p.values, p.calldatas, p.description);
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateNoFeatureCommitment.selector, p.id));
        _trigger(p);
    }

    function test_trigger_revertsOnOtherFeatures() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        int256[] memory committedFeatures = p.features;
        p.features = F.againstFeatures();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAiDelegate.AiDelegateFeaturesMismatch.selector,
                p.id,
                keccak256(abi.encode(committedFeatures)),
                keccak256(abi.encode(p.features))
            )
        );
        _trigger(p);
    }

    function test_trigger_revertsOnWrongFeatureCount() public {
        int256[] memory four = new int256[](4);
        Proposal memory p = _proposeActive("Short", four);
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateFeatureCount.selector, 5, 4));
        _trigger(p);
    }

    function test_trigger_revertsOnFeatureOutOfRange() public {
        int256[] memory f = F.clearFeatures();
        f[3] = -1e12 - 1;
        Proposal memory p = _proposeActive("Huge", f);
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateFeatureOutOfRange.selector, 3, f[3]));
        _trigger(p);
    }

    function test_trigger_revertsWhenEscrowIsShort() public {
        vm.prank(address(delegate));
        coordinator.withdrawEscrow(address(token), 100 ether);
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInsufficientEscrow.selector,
                address(delegate),
                address(token),
                uint256(FEE_CAP),
                0
            )
        );
        _trigger(p);
    }

    // ------------------------------------------------------------ the callback decides and votes

    function test_callback_clearProposalVotesFor() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        ICoprocessorCoordinator.Request memory r = _delegateRequest(requestId, F.clearInputs());
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        uint256 weight = _weight(address(delegate), p.id);
        assertEq(weight, SUPPLY * 6 / 10);
        vm.expectEmit(true, true, false, true, address(delegate));
        emit IAiDelegate.Decided(p.id, requestId, FOR, y[1] - y[0], uint256(THRESHOLD) * 256 / 10_000);
        vm.expectEmit(true, false, false, true, address(delegate));
        emit IAiDelegate.DelegateVoted(p.id, FOR, weight);
        uint256 gasBefore = gasleft();
        _deliver(r, y, proof, s);
        emit log_named_uint("gas: zk delivery with the vote (whole call)", gasBefore - gasleft());

        (uint256 against, uint256 forVotes, uint256 abstain) = _votes(p.id);
        assertEq(forVotes, weight);
        assertEq(against + abstain, 0);
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertEq(uint8(v.status), uint8(IAiDelegate.Status.Cast));
        assertEq(v.support, FOR);
        assertFalse(v.escalated);
        assertEq(v.margin, y[1] - y[0]);
        // Money: the delegate's escrow paid exactly the node fee plus the protocol fee; the rest of
        // the lock came back.
        assertEq(_earned(node1), FEE);
        (uint256 available, uint256 locked) = _escrow(address(delegate));
        assertEq(locked, 0);
        assertEq(available, 100 ether - FEE - _protocolFee(FEE));
        assertEq(coordinator.protocolFeesOf(address(token)), _protocolFee(FEE));
    }

    function test_callback_againstProposalVotesAgainst() public {
        Proposal memory p = _proposeActive("Treasury swap", F.againstFeatures());
        _triggerAndDeliver(p, "against");
        (uint256 against, uint256 forVotes, uint256 abstain) = _votes(p.id);
        assertEq(against, _weight(address(delegate), p.id));
        assertEq(forVotes + abstain, 0);
        assertEq(delegate.voteOf(p.id).support, AGAINST);
    }

    function test_callback_uncertainProposalAbstainsAndEscalates() public {
        Proposal memory p = _proposeActive("Marketing push", F.uncertainFeatures());
        uint256 requestId = _trigger(p);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("uncertain");
        int256 margin = y[0] > y[1] ? y[0] - y[1] : y[1] - y[0];
        uint256 thresholdRaw = uint256(THRESHOLD) * 256 / 10_000;
        // forge-lint: disable-next-line(unsafe-typecast)
        assertLt(margin, int256(thresholdRaw), "the fixture is uncertain");
        vm.expectEmit(true, true, false, true, address(delegate));
        emit IAiDelegate.Escalated(p.id, requestId, margin, thresholdRaw);
        _deliver(_delegateRequest(requestId, F.uncertainInputs()), y, proof, s);

        (uint256 against, uint256 forVotes, uint256 abstain) = _votes(p.id);
        assertEq(abstain, _weight(address(delegate), p.id));
        assertEq(against + forVotes, 0);
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertTrue(v.escalated);
        assertEq(v.support, ABSTAIN);
        assertEq(uint8(v.status), uint8(IAiDelegate.Status.Cast));
        // The humans still vote: bob's vote decides.
        vm.prank(bob);
        governor.castVote(p.id, FOR);
        (, forVotes,) = _votes(p.id);
        assertEq(forVotes, SUPPLY * 4 / 10);
    }

    function test_callback_lowerThresholdVotesOnTheUncertainProposal() public {
        vm.prank(address(timelock));
        delegate.setThreshold(0);
        Proposal memory p = _proposeActive("Marketing push", F.uncertainFeatures());
        _triggerAndDeliver(p, "uncertain");
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertFalse(v.escalated);
        assertEq(v.support, AGAINST); // logits [54, 5]: Against by 0.19
    }

    function test_callback_thresholdIsFixedAtTrigger() public {
        Proposal memory p = _proposeActive("Marketing push", F.uncertainFeatures());
        uint256 requestId = _trigger(p);
        vm.prank(address(timelock));
        delegate.setThreshold(0);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("uncertain");
        _deliver(_delegateRequest(requestId, F.uncertainInputs()), y, proof, s);
        assertTrue(delegate.voteOf(p.id).escalated);
    }

    function test_callback_resultBeforeVotingOpensIsDeferredThenCast() public {
        Proposal memory p = _propose("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        vm.expectEmit(true, false, false, true, address(delegate));
        emit IAiDelegate.VoteDeferred(p.id, IGovernor.ProposalState.Pending);
        _deliver(_delegateRequest(requestId, F.clearInputs()), y, proof, s);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Decided));
        assertFalse(governor.hasVoted(p.id, address(delegate)));

        vm.expectRevert(
            abi.encodeWithSelector(
                IAiDelegate.AiDelegateProposalNotOpen.selector, p.id, IGovernor.ProposalState.Pending
            )
        );
        delegate.castDecision(p.id);

        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(stranger);
        uint256 weight = delegate.castDecision(p.id);
        assertEq(weight, SUPPLY * 6 / 10);
        (, uint256 forVotes,) = _votes(p.id);
        assertEq(forVotes, weight);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Cast));

        vm.expectRevert(
            abi.encodeWithSelector(IAiDelegate.AiDelegateNothingToCast.selector, p.id, IAiDelegate.Status.Cast)
        );
        delegate.castDecision(p.id);
    }

    function test_castDecision_castsADeferredEscalationAsAbstain() public {
        Proposal memory p = _propose("Marketing push", F.uncertainFeatures());
        uint256 requestId = _trigger(p);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("uncertain");
        _deliver(_delegateRequest(requestId, F.uncertainInputs()), y, proof, s);
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertEq(uint8(v.status), uint8(IAiDelegate.Status.Decided));
        assertTrue(v.escalated);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.expectEmit(true, false, false, true, address(delegate));
        emit IAiDelegate.DelegateVoted(p.id, ABSTAIN, SUPPLY * 6 / 10);
        delegate.castDecision(p.id);
        (uint256 against, uint256 forVotes, uint256 abstain) = _votes(p.id);
        assertEq(abstain, SUPPLY * 6 / 10);
        assertEq(against + forVotes, 0);
    }

    function test_castDecision_revertsWhenNeverTriggered() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAiDelegate.AiDelegateNothingToCast.selector, 42, IAiDelegate.Status.None)
        );
        delegate.castDecision(42);
    }

    function test_castDecision_revertsOnceVotingClosed() public {
        Proposal memory p = _propose("Grants round", F.clearFeatures());
        _triggerAndDeliver(p, "clear");
        vm.warp(block.timestamp + VOTING_DELAY + VOTING_PERIOD + 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAiDelegate.AiDelegateProposalNotOpen.selector, p.id, IGovernor.ProposalState.Defeated
            )
        );
        delegate.castDecision(p.id);
    }

    function test_callback_resultAfterVotingClosedIsRecordedLate() public {
        vm.prank(address(timelock));
        delegate.setRequestConfig(
            IAiDelegate.RequestConfig({
                token: address(token), feeCap: FEE_CAP, callbackGasLimit: CALLBACK_GAS, timeout: 2 days
            })
        );
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        ICoprocessorCoordinator.Request memory r = _delegateRequest(requestId, F.clearInputs());
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        vm.expectEmit(true, true, false, true, address(delegate));
        emit IAiDelegate.ResultLate(p.id, requestId, IGovernor.ProposalState.Defeated);
        _deliver(r, y, proof, s);
        assertFalse(coordinator.getInterval(requestId, 1).callbackFailed, "the callback did not revert");
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Late));
        assertFalse(governor.hasVoted(p.id, address(delegate)));
        assertEq(_earned(node1), FEE, "the node is paid");
    }

    function test_callback_resultAfterCancelIsRecordedLate() public {
        Proposal memory p = _propose("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        vm.prank(bob);
        governor.cancel(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        _deliver(_delegateRequest(requestId, F.clearInputs()), y, proof, s);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Late));
    }

    function test_callback_voteThatGovernorRejectsIsDeferred() public {
        // The delegate already voted directly (impossible in practice: it has no other vote path);
        // simulate a governor rejection by voting as the delegate first.
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        vm.prank(address(delegate));
        governor.castVote(p.id, AGAINST);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        vm.expectEmit(true, false, false, true, address(delegate));
        emit IAiDelegate.VoteDeferred(p.id, IGovernor.ProposalState.Active);
        _deliver(_delegateRequest(requestId, F.clearInputs()), y, proof, s);
        assertFalse(coordinator.getInterval(requestId, 1).callbackFailed);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Decided));
    }

    function test_callback_invalidOutputCountIsRecorded() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        ICoprocessorCoordinator.Output memory o;
        o.values = new int256[](4);
        vm.expectEmit(true, true, false, true, address(delegate));
        emit IAiDelegate.ResultInvalid(p.id, requestId, 4);
        vm.prank(address(coordinator));
        delegate.receiveCoprocessorResult(requestId, 1, o, bytes32(0), node1);
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Invalid));
        assertFalse(governor.hasVoted(p.id, address(delegate)));
    }

    function test_callback_threeLogitsAbstainClassAbstainsWithoutEscalation() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        _callback(requestId, _three(-100, 50, 900));
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertEq(v.support, ABSTAIN);
        assertFalse(v.escalated);
        assertEq(v.margin, 850);
    }

    function test_callback_unknownRequestIsIgnored() public {
        ICoprocessorCoordinator.Output memory o;
        o.values = F.clearOutputs();
        vm.prank(address(coordinator));
        delegate.receiveCoprocessorResult(999, 1, o, bytes32(0), node1);
        assertEq(uint8(delegate.voteOf(0).status), uint8(IAiDelegate.Status.None));
    }

    function test_callback_secondResultForTheSameRequestIsIgnored() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _triggerAndDeliver(p, "clear");
        _callback(requestId, _two(900, -900));
        assertEq(delegate.voteOf(p.id).support, FOR, "unchanged");
    }

    function test_callback_rejectsCallersOtherThanTheCoordinator() public {
        ICoprocessorCoordinator.Output memory o;
        vm.expectRevert(
            abi.encodeWithSelector(CoprocessorConsumerBase.CoprocessorConsumerNotCoordinator.selector, stranger)
        );
        vm.prank(stranger);
        delegate.receiveCoprocessorResult(1, 1, o, bytes32(0), stranger);
    }

    function test_deliver_rejectsAProofOfOtherFeatures() public {
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        ICoprocessorCoordinator.Request memory r = _delegateRequest(requestId, F.clearInputs());
        // A valid proof, but of the "against" proposal's features: the input hash differs.
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("against");
        ICoprocessorCoordinator.Output memory o;
        o.values = y;
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector,
                requestId,
                r.inputHash,
                coordinator.inputHashOf(F.againstInputs())
            )
        );
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(proof, s));
        assertEq(uint8(delegate.voteOf(p.id).status), uint8(IAiDelegate.Status.Requested));
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_callback_escalatesExactlyBelowTheThreshold(int64 a, int64 b, uint64 threshold) public {
        threshold = uint64(bound(threshold, 0, 1_000_000));
        vm.prank(address(timelock));
        delegate.setThreshold(threshold);
        Proposal memory p = _proposeActive("Grants round", F.clearFeatures());
        uint256 requestId = _trigger(p);
        _callback(requestId, _two(a, b));
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        int256 margin = a >= b ? int256(a) - b : int256(b) - a;
        uint256 thresholdRaw = (uint256(threshold) * 256 + 9_999) / 10_000;
        // forge-lint: disable-next-line(unsafe-typecast)
        bool escalated = margin < int256(thresholdRaw);
        assertEq(v.escalated, escalated);
        assertEq(v.support, escalated ? ABSTAIN : (b > a ? FOR : AGAINST));
        assertEq(v.margin, margin);
        assertEq(uint8(v.status), uint8(IAiDelegate.Status.Cast));
        (uint256 against, uint256 forVotes, uint256 abstain) = _votes(p.id);
        assertEq(against + forVotes + abstain, SUPPLY * 6 / 10);
    }

    function testFuzz_featureCommitmentOf_readsTheSuffix(int256[5] memory raw, string memory title) public view {
        int256[] memory f = new int256[](5);
        for (uint256 i; i < 5; ++i) {
            f[i] = raw[i];
        }
        string memory d = _description(title, f);
        assertEq(delegate.featureCommitmentOf(d), keccak256(abi.encode(f)));
        assertEq(delegate.featuresHashOf(f), keccak256(abi.encode(f)));
        assertEq(delegate.featureCommitmentOf(string.concat(d, " ")), bytes32(0));
    }

    function test_featureCommitmentOf_acceptsUpperCaseHexAndRejectsNonHex() public view {
        bytes32 h = keccak256("x");
        string memory lower = vm.toString(h);
        bytes memory upper = bytes(lower);
        for (uint256 i = 2; i < upper.length; ++i) {
            if (upper[i] >= 0x61 && upper[i] <= 0x66) upper[i] = bytes1(uint8(upper[i]) - 32);
        }
        assertEq(delegate.featureCommitmentOf(string.concat("t #ai-features=0x", _strip0x(string(upper)))), h);
        bytes memory bad = bytes(lower);
        bad[10] = "g";
        assertEq(delegate.featureCommitmentOf(string.concat("t #ai-features=", string(bad))), bytes32(0));
        assertEq(delegate.featureCommitmentOf("short"), bytes32(0));
    }

    function testFuzz_quantize_roundsHalfAwayFromZero(int256 f) public view {
        f = bound(f, -1e12, 1e12);
        int256[] memory x = new int256[](5);
        x[2] = f;
        int256 q = delegate.quantize(x)[2];
        // |q - f * 256 / 10_000| <= 1/2, ties away from zero.
        int256 twice = 2 * q * 10_000 - 2 * f * 256;
        assertLe(twice, 10_000);
        assertGe(twice, -10_000);
        if (twice == 10_000) assertGt(f, 0);
        if (twice == -10_000) assertLt(f, 0);
    }

    // ------------------------------------------------------------ DAO settings

    function test_setters_revertForAnyoneButTheTimelock() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateNotTimelock.selector, stranger));
        delegate.setThreshold(1);
        IAiDelegate.ModelConfig memory m = _modelConfig();
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateNotTimelock.selector, stranger));
        delegate.setModel(m);
        IAiDelegate.RequestConfig memory rc = _requestConfig();
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateNotTimelock.selector, stranger));
        delegate.setRequestConfig(rc);
        vm.stopPrank();
        // Not even the governor itself: only its executor.
        vm.prank(address(governor));
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateNotTimelock.selector, address(governor)));
        delegate.setThreshold(1);
    }

    function test_setModel_revertsOnInvalidModel() public {
        vm.startPrank(address(timelock));
        IAiDelegate.ModelConfig memory m = _modelConfig();
        m.featureCount = 0;
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidModel.selector, daoModel, 0, 8, 8));
        delegate.setModel(m);
        m.featureCount = 5;
        m.inputScale = 33;
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidModel.selector, daoModel, 5, 33, 8));
        delegate.setModel(m);
        m.inputScale = 8;
        m.outputScale = 33;
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidModel.selector, daoModel, 5, 8, 33));
        delegate.setModel(m);
        vm.stopPrank();
    }

    function test_setRequestConfig_revertsOnInvalidConfig() public {
        vm.startPrank(address(timelock));
        IAiDelegate.RequestConfig memory rc = _requestConfig();
        rc.token = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAiDelegate.AiDelegateInvalidRequestConfig.selector, address(0), CALLBACK_GAS, TIMEOUT
            )
        );
        delegate.setRequestConfig(rc);
        rc = _requestConfig();
        rc.callbackGasLimit = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidRequestConfig.selector, address(token), 0, TIMEOUT)
        );
        delegate.setRequestConfig(rc);
        rc = _requestConfig();
        rc.timeout = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidRequestConfig.selector, address(token), CALLBACK_GAS, 0)
        );
        delegate.setRequestConfig(rc);
        vm.stopPrank();
    }

    function test_setters_emitAndStore() public {
        vm.startPrank(address(timelock));
        vm.expectEmit(false, false, false, true, address(delegate));
        emit IAiDelegate.ThresholdSet(THRESHOLD, 5_000);
        delegate.setThreshold(5_000);
        assertEq(delegate.threshold(), 5_000);
        IAiDelegate.ModelConfig memory m =
            IAiDelegate.ModelConfig({modelId: 7, featureCount: 3, inputScale: 4, outputScale: 6});
        vm.expectEmit(true, false, false, true, address(delegate));
        emit IAiDelegate.ModelSet(7, 3, 4, 6);
        delegate.setModel(m);
        assertEq(delegate.model().modelId, 7);
        assertEq(delegate.model().outputScale, 6);
        IAiDelegate.RequestConfig memory rc = _requestConfig();
        rc.feeCap = 3 ether;
        vm.expectEmit(true, false, false, true, address(delegate));
        emit IAiDelegate.RequestConfigSet(address(token), 3 ether, CALLBACK_GAS, TIMEOUT);
        delegate.setRequestConfig(rc);
        assertEq(delegate.requestConfig().feeCap, 3 ether);
        vm.stopPrank();
    }

    function test_constructor_revertsOnZeroAddressesAndInvalidConfig() public {
        IAiDelegate.ModelConfig memory m = _modelConfig();
        IAiDelegate.RequestConfig memory rc = _requestConfig();
        vm.expectRevert(IAiDelegate.AiDelegateZeroAddress.selector);
        new AiDelegate(ICoprocessorCoordinator(address(0)), governor, address(timelock), m, THRESHOLD, rc);
        vm.expectRevert(IAiDelegate.AiDelegateZeroAddress.selector);
        new AiDelegate(coordinator, IGovernor(address(0)), address(timelock), m, THRESHOLD, rc);
        vm.expectRevert(IAiDelegate.AiDelegateZeroAddress.selector);
        new AiDelegate(coordinator, governor, address(0), m, THRESHOLD, rc);
        m.featureCount = 0;
        vm.expectRevert(abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidModel.selector, daoModel, 0, 8, 8));
        new AiDelegate(coordinator, governor, address(timelock), m, THRESHOLD, rc);
        m = _modelConfig();
        rc.timeout = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IAiDelegate.AiDelegateInvalidRequestConfig.selector, address(token), CALLBACK_GAS, 0)
        );
        new AiDelegate(coordinator, governor, address(timelock), m, THRESHOLD, rc);
    }

    /// @dev The DAO alone changes the delegate: a proposal to lower the threshold and switch the
    ///      model goes through propose -> vote -> queue -> execute, and then the uncertain proposal
    ///      gets a vote instead of an escalation.
    function test_dao_changesThresholdAndModelThroughTheTimelock() public {
        address[] memory targets = new address[](2);
        uint256[] memory values = new uint256[](2);
        bytes[] memory calldatas = new bytes[](2);
        targets[0] = address(delegate);
        targets[1] = address(delegate);
        calldatas[0] = abi.encodeCall(IAiDelegate.setThreshold, (1_000));
        IAiDelegate.ModelConfig memory m = _modelConfig();
        calldatas[1] = abi.encodeCall(IAiDelegate.setModel, (m));
        int256[] memory f = F.clearFeatures();
        string memory description = _description("Lower the delegate's threshold to 0.1 logit", f);
        vm.prank(bob);
        uint256 id = governor.propose(targets, values, calldatas, description);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        // The delegate votes on its own settings too: its model says For.
        vm.prank(triggerer);
        (, uint256 requestId) = delegate.trigger(targets, values, calldatas, description, f);
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example("clear");
        _deliver(_delegateRequest(requestId, F.clearInputs()), y, proof, s);
        vm.prank(bob);
        governor.castVote(id, FOR);
        vm.warp(block.timestamp + VOTING_PERIOD);
        assertEq(uint8(_state(id)), uint8(IGovernor.ProposalState.Succeeded));
        bytes32 descriptionHash = keccak256(bytes(description));
        governor.queue(targets, values, calldatas, descriptionHash);
        vm.warp(block.timestamp + TIMELOCK_DELAY + 1);
        vm.expectEmit(false, false, false, true, address(delegate));
        emit IAiDelegate.ThresholdSet(THRESHOLD, 1_000);
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(delegate.threshold(), 1_000);

        Proposal memory p = _proposeActive("Marketing push", F.uncertainFeatures());
        _triggerAndDeliver(p, "uncertain");
        IAiDelegate.ProposalVote memory v = delegate.voteOf(p.id);
        assertFalse(v.escalated, "0.19 logit clears a 0.1 threshold");
        assertEq(v.support, AGAINST);
    }

    // ------------------------------------------------------------ helpers

    function _callback(uint256 requestId, int256[] memory y) internal {
        ICoprocessorCoordinator.Output memory o;
        o.values = y;
        vm.prank(address(coordinator));
        delegate.receiveCoprocessorResult(requestId, 1, o, bytes32(0), node1);
    }

    function _two(int256 a, int256 b) internal pure returns (int256[] memory y) {
        y = new int256[](2);
        (y[0], y[1]) = (a, b);
    }

    function _three(int256 a, int256 b, int256 c) internal pure returns (int256[] memory y) {
        y = new int256[](3);
        (y[0], y[1], y[2]) = (a, b, c);
    }

    function _strip0x(string memory s) internal pure returns (string memory) {
        bytes memory b = bytes(s);
        bytes memory out = new bytes(b.length - 2);
        for (uint256 i = 2; i < b.length; ++i) {
            out[i - 2] = b[i];
        }
        return string(out);
    }
}
