// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {CoprocessorCoordinator} from "../../src/coprocessor/CoprocessorCoordinator.sol";
import {ICoprocessorCoordinator} from "../../src/coprocessor/ICoprocessorCoordinator.sol";
import {IOptimisticVerifier} from "../../src/verify/IOptimisticVerifier.sol";
import {OptimisticVerifier} from "../../src/verify/OptimisticVerifier.sol";
import {MlpStepReferee} from "../../src/verify/referee/MlpStepReferee.sol";
import {CoprocessorFixture, TestConsumer} from "./CoprocessorFixture.sol";

/// @notice Optimistic mode: a node's bonded claim in the real OptimisticVerifier (real MlpStepReferee)
///         backs its delivery; the callback runs only after the window, a rejected claim refunds.
contract CoprocessorOptimisticTest is CoprocessorFixture {
    uint64 internal constant WINDOW = 100;
    uint128 internal constant BOND = 1 ether;
    // A 2-2-2 MLP (Q16.16), its weight roots and, for input [1.0, -2.0] and output [11, -12], the spec hash and
    // final state as packages/ml/src/fixed computes them (cross-check of the on-chain R10 root and spec).
    bytes32 internal constant W1 = 0x0001000000000000000000000001000000000000000000000000000000000000;
    bytes32 internal constant B1 = 0x0000000000000001000000000000000000000000000000000000000000000000;
    bytes32 internal constant W2 = 0x0000000200000003000000040000000500000000000000000000000000000000;
    bytes32 internal constant B2 = 0x00000007fffffff9000000000000000000000000000000000000000000000000;
    bytes32 internal constant X_ROOT = 0x00010000fffe0000000000000000000000000000000000000000000000000000;
    bytes32 internal constant TS_SPEC = 0x839a12e1042b49285e4b03526fa82f7f7fd4ea9928d1600ecd937851c340f5f5;
    bytes32 internal constant TS_FINAL = 0xf7c7eed7847993ae884370a9441cc7bafde0742e48b90aa5cb1899f0115a1103;

    MlpStepReferee internal referee;
    OptimisticVerifier internal verifier;
    uint256 internal optModel;
    address internal challenger = makeAddr("challenger");
    address internal keeper = makeAddr("keeper");

    function setUp() public override {
        super.setUp();
        referee = new MlpStepReferee();
        verifier = new OptimisticVerifier(
            token,
            IComputeMarket(makeAddr("market")),
            params,
            referee,
            IOptimisticVerifier.Config({
                minBond: 1 ether,
                minWindow: 10,
                moveTimeout: 60,
                claimResponseWindow: 60,
                arity: 2,
                burnBps: 1000
            })
        );
        vm.prank(admin);
        coordinator.setOptimisticConfig(address(verifier), WINDOW / 2, BOND);
        optModel = hashedInputModel;
        vm.prank(owner); // the model's owner (ZkFixture)
        coordinator.setOptimisticModel(optModel, _model(), "bafyweights");
        address[3] memory bonded = [node1, node2, challenger];
        for (uint256 i; i < 3; ++i) {
            vm.prank(admin);
            token.transfer(bonded[i], 100 ether);
            vm.prank(bonded[i]);
            token.approve(address(verifier), type(uint256).max);
        }
    }

    // ------------------------------------------------------------------ helpers

    function _model() internal pure returns (ICoprocessorCoordinator.OptimisticModel memory) {
        return ICoprocessorCoordinator.OptimisticModel({
            nIn: 2, nHidden: 2, nOut: 2, w1Root: W1, b1Root: B1, w2Root: W2, b2Root: B2
        });
    }

    function _optParams(int256[] memory values) internal view returns (ICoprocessorCoordinator.RequestParams memory) {
        return _params(optModel, values, bytes32(0), ICoprocessorCoordinator.Verification.Optimistic, 1);
    }

    function _specBytes(bytes32 xRoot, uint256 rows) internal pure returns (bytes memory) {
        return abi.encode(uint256(2), uint256(2), uint256(2), uint256(2), rows, xRoot, W1, B1, W2, B2);
    }

    /// @dev Sends an optimistic request for input [1.0, -2.0] from `from`; the committed Request.
    function _requestOpt(address from) internal returns (ICoprocessorCoordinator.Request memory r) {
        ICoprocessorCoordinator.RequestParams memory p = _optParams(_values(65536, -131072));
        vm.prank(from);
        uint256 id = from == address(consumer) ? consumer.ask(p) : coordinator.request(p);
        p.input.hash = TS_SPEC;
        r = _committed(id, from, p);
    }

    function _finalState(bytes32 spec, ICoprocessorCoordinator.Output memory o) internal pure returns (bytes32) {
        bytes32 leaf;
        for (uint256 i; i < o.values.length; ++i) {
            leaf |= bytes32(uint256(uint32(int32(o.values[i]))) << (224 - 32 * i));
        }
        bytes32[] memory components = new bytes32[](1);
        components[0] = leaf; // outputs of <= 8 values: one leaf, its own root
        return keccak256(abi.encode(spec, uint256(1), components));
    }

    /// @dev `node` registers the spec and posts the claim for `interval` of `r` ending in `o`.
    function _claim(address node, ICoprocessorCoordinator.Request memory r, uint32 interval, ICoprocessorCoordinator.Output memory o)
        internal
        returns (uint256 claimId)
    {
        referee.registerSpec(_specBytes(X_ROOT, 1));
        bytes32 ticket = coordinator.ticketOf(r.id, interval);
        vm.prank(node);
        claimId = verifier.postClaim(0, r.inputHash, _finalState(r.inputHash, o), WINDOW, ticket, BOND);
    }

    function _deliver(address node, ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId)
        internal
    {
        vm.prank(node);
        coordinator.deliver(r, 1, o, abi.encode(claimId));
    }

    /// @dev Request from the consumer, claim and delivery by node1 of output [11, -12].
    function _delivered()
        internal
        returns (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId)
    {
        r = _requestOpt(address(consumer));
        o = _output(11, -12);
        claimId = _claim(node1, r, 1, o);
        _deliver(node1, r, o, claimId);
    }

    function _status(ICoprocessorCoordinator.Request memory r) internal view returns (ICoprocessorCoordinator.Status) {
        return coordinator.getInterval(r.id, 1).status;
    }

    // ------------------------------------------------------------------ request

    function test_request_optimisticSpecHashMatchesTheTsExecutor() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        assertEq(r.inputHash, TS_SPEC);
        assertEq(keccak256(_specBytes(X_ROOT, 1)), TS_SPEC);
        assertEq(_finalState(TS_SPEC, _output(11, -12)), TS_FINAL);
        (, uint256 locked) = _escrow(requester);
        assertEq(locked, FEE_CAP);
    }

    function test_request_optimisticMultiLeafInput() public {
        // 20 values (3 leaves, padded to 4): the TS executor's root of i * 1000 - 7.
        int256[] memory v = new int256[](20);
        for (uint256 i; i < 20; ++i) v[i] = int256(i) * 1000 - 7;
        vm.prank(requester);
        uint256 id = coordinator.request(_optParams(v));
        bytes32 root = 0xe809621586d463d35e7407fa3a28a6284dd3377e84d4f88d3c455ee16b2fdf94;
        ICoprocessorCoordinator.RequestParams memory p = _optParams(v);
        p.input.hash = keccak256(_specBytes(root, 10));
        _committed(id, requester, p);
    }

    function test_request_optimisticRevertsWithoutConfig() public {
        CoprocessorCoordinator fresh = new CoprocessorCoordinator(params, staking, models, proofs, MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorUnsupportedVerification.selector,
                ICoprocessorCoordinator.Verification.Optimistic
            )
        );
        fresh.request(_optParams(_values(1, 2)));
    }

    function test_request_optimisticRevertsWithoutProgram() public {
        ICoprocessorCoordinator.RequestParams memory p = _optParams(_values(1, 2));
        p.modelId = publicInputModel;
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNotOptimisticModel.selector, publicInputModel)
        );
        coordinator.request(p);
    }

    function test_request_optimisticRevertsOnPartialRow() public {
        int256[] memory v = new int256[](3);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNotFixedPoint.selector, 3, 0));
        coordinator.request(_optParams(v));
    }

    function test_request_optimisticRevertsOnNonInt32() public {
        int256 big = int256(type(int32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNotFixedPoint.selector, 1, big));
        coordinator.request(_optParams(_values(0, big)));
    }

    function test_request_optimisticRevertsOnWrongGivenHash() public {
        ICoprocessorCoordinator.RequestParams memory p = _optParams(_values(65536, -131072));
        p.input.hash = bytes32(uint256(1));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector, 0, TS_SPEC, bytes32(uint256(1))
            )
        );
        coordinator.request(p);
    }

    function test_request_optimisticRevertsOnRedundancy() public {
        ICoprocessorCoordinator.RequestParams memory p = _optParams(_values(1, 2));
        p.redundancy = 2;
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInvalidRedundancy.selector,
                ICoprocessorCoordinator.Verification.Optimistic,
                2
            )
        );
        coordinator.request(p);
    }

    // ------------------------------------------------------------------ configuration

    function test_setOptimisticConfig_onlyParamsOwner() public {
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnauthorized.selector, keeper));
        vm.prank(keeper);
        coordinator.setOptimisticConfig(address(verifier), 1, 1);
    }

    function test_setOptimisticConfig_verifierIsSetOnce() public {
        vm.startPrank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorVerifierAlreadySet.selector, address(verifier))
        );
        coordinator.setOptimisticConfig(keeper, 1, 1);
        coordinator.setOptimisticConfig(address(verifier), 7, 3 ether); // same verifier, new requirements
        vm.stopPrank();
        ICoprocessorCoordinator.OptimisticConfig memory c = coordinator.optimisticConfig();
        assertEq(c.verifier, address(verifier));
        assertEq(c.minWindow, 7);
        assertEq(c.minBond, 3 ether);
    }

    function test_setOptimisticConfig_rejectsZeroVerifier() public {
        CoprocessorCoordinator fresh = new CoprocessorCoordinator(params, staking, models, proofs, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorVerifierAlreadySet.selector, address(0)));
        vm.prank(admin);
        fresh.setOptimisticConfig(address(0), 1, 1);
    }

    function test_setOptimisticModel_onlyModelOwner() public {
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnauthorized.selector, keeper));
        vm.prank(keeper);
        coordinator.setOptimisticModel(optModel, _model(), "");
    }

    function test_setOptimisticModel_rejectsZeroDims() public {
        ICoprocessorCoordinator.OptimisticModel memory m = _model();
        m.nHidden = 0;
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorNotOptimisticModel.selector, optModel));
        vm.prank(owner);
        coordinator.setOptimisticModel(optModel, m, "");
    }

    function test_setOptimisticModel_unknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnknownModel.selector, 999));
        coordinator.setOptimisticModel(999, _model(), "");
    }

    // ------------------------------------------------------------------ happy path

    function test_optimistic_callbackOnlyAfterTheWindow() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId) =
            _delivered();
        // Delivered with its claim: nobody paid, no callback, escrow still locked.
        assertEq(uint8(_status(r)), uint8(ICoprocessorCoordinator.Status.Verifying));
        assertEq(coordinator.claimOf(r.id, 1), claimId);
        assertEq(consumer.calls(), 0);
        assertEq(_earned(node1), 0);
        (, uint256 locked) = _escrow(address(consumer));
        assertEq(locked, FEE_CAP);
        assertEq(coordinator.getInterval(r.id, 1).outputHash, coordinator.outputHashOf(o));

        // Before the window: the verifier refuses to finalize, so nothing settles.
        IOptimisticVerifier.Claim memory c = verifier.getClaim(claimId);
        vm.warp(c.windowEnds - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierWindowNotOver.selector, claimId, c.windowEnds)
        );
        vm.prank(keeper);
        coordinator.settleOptimistic(r, 1, o);

        vm.warp(c.windowEnds);
        uint256 before = token.balanceOf(node1);
        vm.prank(keeper);
        coordinator.settleOptimistic(r, 1, o);
        assertEq(uint8(_status(r)), uint8(ICoprocessorCoordinator.Status.Delivered));
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastNode(), node1);
        assertEq(consumer.lastValues()[1], -12);
        assertEq(_earned(node1), FEE);
        assertEq(token.balanceOf(node1), before + BOND, "bond back");
        assertEq(uint8(verifier.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Finalized));
        (uint256 available, uint256 lockedAfter) = _escrow(address(consumer));
        assertEq(lockedAfter, 0);
        assertEq(available, 1000 ether - FEE - _protocolFee(FEE));
    }

    function test_optimistic_settlesAClaimFinalizedElsewhere() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId) =
            _delivered();
        vm.warp(block.timestamp + WINDOW);
        verifier.finalize(claimId);
        coordinator.settleOptimistic(r, 1, o);
        assertEq(consumer.calls(), 1);
    }

    function test_optimistic_failedCallbackIsRecorded() public {
        consumer.setMode(TestConsumer.Mode.Revert);
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o,) = _delivered();
        vm.warp(block.timestamp + WINDOW);
        coordinator.settleOptimistic(r, 1, o);
        assertTrue(coordinator.getInterval(r.id, 1).callbackFailed);
        assertEq(coordinator.failedResult(r.id, 1).values[0], 11);
        assertEq(_earned(node1), FEE, "the node is paid anyway");
    }

    // ------------------------------------------------------------------ challenger wins

    function test_optimistic_challengerWinsRefundsTheOwner() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId) =
            _delivered();
        vm.prank(challenger);
        uint256 gameId = verifier.challenge(claimId, keccak256("honest final"), BOND);
        // The window passes while the game is open: still nothing to settle.
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierGamesOpen.selector, claimId, 1));
        coordinator.settleOptimistic(r, 1, o);
        // The node does not answer: it loses the game and its bond.
        vm.warp(block.timestamp + 61);
        uint256 before = token.balanceOf(challenger);
        verifier.timeout(gameId);
        assertEq(token.balanceOf(challenger), before + BOND + BOND - BOND / 10, "bond to the challenger less burn");

        address[] memory lost = new address[](1);
        lost[0] = node1;
        vm.expectEmit(address(coordinator));
        emit ICoprocessorCoordinator.RequestDisputed(r.id, 1, lost);
        vm.prank(keeper);
        coordinator.settleOptimistic(r, 1, o);
        assertEq(uint8(_status(r)), uint8(ICoprocessorCoordinator.Status.Disputed));
        assertEq(consumer.calls(), 0, "no callback");
        assertEq(_earned(node1), 0);
        (uint256 available, uint256 locked) = _escrow(address(consumer));
        assertEq(locked, 0);
        assertEq(available, 1000 ether, "refunded in full");
    }

    // ------------------------------------------------------------------ deliver failures

    function test_deliver_optimisticNeedsAClaimId() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorMissingProof.selector, r.id));
        vm.prank(node1);
        coordinator.deliver(r, 1, _output(11, -12), "");
    }

    function test_deliver_optimisticUnknownClaim() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierUnknownClaim.selector, 5));
        _deliver(node1, r, _output(11, -12), 5);
    }

    function test_deliver_optimisticOtherNodesClaim() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        uint256 claimId = _claim(node1, r, 1, _output(11, -12));
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorClaimMismatch.selector, r.id, claimId));
        _deliver(node2, r, _output(11, -12), claimId);
    }

    function test_deliver_optimisticOtherOutput() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        uint256 claimId = _claim(node1, r, 1, _output(11, -12));
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorClaimMismatch.selector, r.id, claimId));
        _deliver(node1, r, _output(11, -13), claimId);
    }

    function test_deliver_optimisticOtherRequestsTicket() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        ICoprocessorCoordinator.Request memory r2 = _requestOpt(requester);
        uint256 claimId = _claim(node1, r, 1, _output(11, -12));
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorClaimMismatch.selector, r2.id, claimId));
        _deliver(node1, r2, _output(11, -12), claimId);
    }

    function test_deliver_optimisticOtherSpec() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        bytes32 other = referee.registerSpec(_specBytes(bytes32(uint256(5)), 1));
        ICoprocessorCoordinator.Output memory o = _output(11, -12);
        bytes32 ticket = coordinator.ticketOf(r.id, 1);
        vm.prank(node1);
        uint256 claimId = verifier.postClaim(0, other, _finalState(other, o), WINDOW, ticket, BOND);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorClaimMismatch.selector, r.id, claimId));
        _deliver(node1, r, o, claimId);
    }

    function test_deliver_optimisticClaimNotOpen() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        uint256 claimId = _claim(node1, r, 1, _output(11, -12));
        vm.warp(block.timestamp + WINDOW);
        verifier.finalize(claimId);
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorClaimMismatch.selector, r.id, claimId));
        _deliver(node1, r, _output(11, -12), claimId);
    }

    function test_deliver_optimisticWindowTooShort() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        uint256 claimId = _claim(node1, r, 1, _output(11, -12));
        uint256 windowEnds = block.timestamp + WINDOW;
        vm.warp(block.timestamp + WINDOW / 2 + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorClaimWindowTooShort.selector,
                claimId,
                windowEnds,
                block.timestamp + WINDOW / 2
            )
        );
        _deliver(node1, r, _output(11, -12), claimId);
    }

    function test_deliver_optimisticBondTooLow() public {
        vm.prank(admin);
        coordinator.setOptimisticConfig(address(verifier), WINDOW / 2, 2 ether);
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        uint256 claimId = _claim(node1, r, 1, _output(11, -12));
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorClaimBondTooLow.selector, claimId, BOND, 2 ether)
        );
        _deliver(node1, r, _output(11, -12), claimId);
    }

    function test_deliver_optimisticOncePerInterval() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId) =
            _delivered();
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorAlreadySettled.selector,
                r.id,
                1,
                ICoprocessorCoordinator.Status.Verifying
            )
        );
        _deliver(node1, r, o, claimId);
    }

    function test_refund_waitsForTheClaim() public {
        (ICoprocessorCoordinator.Request memory r,,) = _delivered();
        vm.warp(block.timestamp + 2 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorAlreadySettled.selector,
                r.id,
                1,
                ICoprocessorCoordinator.Status.Verifying
            )
        );
        coordinator.refund(r, 1);
    }

    // ------------------------------------------------------------------ settle failures

    function test_settle_notVerifying() public {
        ICoprocessorCoordinator.Request memory r = _requestOpt(requester);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorNotVerifying.selector, r.id, 1, ICoprocessorCoordinator.Status.Pending
            )
        );
        coordinator.settleOptimistic(r, 1, _output(11, -12));
    }

    function test_settle_twice() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o,) = _delivered();
        vm.warp(block.timestamp + WINDOW);
        coordinator.settleOptimistic(r, 1, o);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorNotVerifying.selector, r.id, 1, ICoprocessorCoordinator.Status.Delivered
            )
        );
        coordinator.settleOptimistic(r, 1, o);
    }

    function test_settle_otherOutput() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o,) = _delivered();
        vm.warp(block.timestamp + WINDOW);
        ICoprocessorCoordinator.Output memory other = _output(11, -13);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorOutputMismatch.selector,
                r.id,
                coordinator.outputHashOf(o),
                coordinator.outputHashOf(other)
            )
        );
        coordinator.settleOptimistic(r, 1, other);
    }

    function test_settle_otherMode() public {
        ICoprocessorCoordinator.Request memory r = _request(requester, _zkParams());
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorUnsupportedVerification.selector, ICoprocessorCoordinator.Verification.Zk
            )
        );
        coordinator.settleOptimistic(r, 1, _output(1, 2));
    }

    function test_settle_unknownRequest() public {
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o,) = _delivered();
        r.feeCap += 1;
        vm.expectRevert(abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorUnknownRequest.selector, r.id));
        coordinator.settleOptimistic(r, 1, o);
    }

    // ------------------------------------------------------------------ money

    /// @dev Escrow is conserved whatever the claim's fate: deposits = available + locked + node
    ///      earnings + protocol fees, and the coordinator holds exactly that.
    function testFuzz_optimistic_moneyConserved(bool lie, uint96 fee) public {
        fee = uint96(bound(fee, 0, FEE_CAP * 9 / 10));
        vm.prank(node1);
        coordinator.setNodeFee(optModel, address(token), true, fee);
        (ICoprocessorCoordinator.Request memory r, ICoprocessorCoordinator.Output memory o, uint256 claimId) =
            _delivered();
        if (lie) {
            vm.prank(challenger);
            uint256 gameId = verifier.challenge(claimId, keccak256("honest final"), BOND);
            vm.warp(block.timestamp + 61);
            verifier.timeout(gameId);
        }
        vm.warp(block.timestamp + WINDOW);
        coordinator.settleOptimistic(r, 1, o);
        (uint256 a1, uint256 l1) = _escrow(address(consumer));
        (uint256 a2, uint256 l2) = _escrow(requester);
        uint256 held = a1 + l1 + a2 + l2 + _earned(node1) + coordinator.protocolFeesOf(address(token));
        assertEq(held, 2000 ether, "deposits conserved");
        assertEq(token.balanceOf(address(coordinator)), held, "balance backs every claim");
        assertEq(_earned(node1), lie ? 0 : fee);
    }
}
