// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../../../src/verify/IStepReferee.sol";
import {CnnStepReferee} from "../../../src/verify/referee/CnnStepReferee.sol";
import {MlpStepReferee} from "../../../src/verify/referee/MlpStepReferee.sol";
import {RefereeRouter} from "../../../src/verify/referee/RefereeRouter.sol";
import {RefereeFixture} from "./RefereeFixture.sol";

/// @notice The router in front of the real MLP and CNN referees: registration by kind, refusal of
///         unknown kinds, and every view and checkElement answered exactly as the sub-referee answers.
contract RefereeRouterTest is RefereeFixture {
    event SpecRegistered(bytes32 indexed specHash, bytes spec);

    RefereeRouter internal router;
    MlpStepReferee internal mlp;
    CnnStepReferee internal cnn;

    // mlp-infer 1 x 3 -> 2 -> 2, cnn-infer 1 x 4 x 4, 2 channels, 3 classes, pads 1/1 (convSide 4, poolSide 3).
    int256[][] internal mlpStart; // x, w1, b1, w2, b2
    int256[][] internal cnnStart; // x, convW, convB, fcW, fcB
    bytes internal mlpSpec;
    bytes internal cnnSpec;
    bytes internal trainSpec;

    function setUp() public {
        mlp = new MlpStepReferee();
        cnn = new CnnStepReferee();
        router = new RefereeRouter(mlp, cnn);
        mlpStart.push(smallTensor(3, 65536));
        mlpStart.push(smallTensor(6, 65536));
        mlpStart.push(smallTensor(2, 65536));
        mlpStart.push(smallTensor(4, 65536));
        mlpStart.push(smallTensor(2, 65536));
        mlpSpec = abi.encode(
            uint256(2),
            uint256(3),
            uint256(2),
            uint256(2),
            uint256(1),
            rootOf(mlpStart[0]),
            rootOf(mlpStart[1]),
            rootOf(mlpStart[2]),
            rootOf(mlpStart[3]),
            rootOf(mlpStart[4])
        );
        cnnStart.push(smallTensor(16, 65536));
        cnnStart.push(smallTensor(18, 65536));
        cnnStart.push(smallTensor(2, 65536));
        cnnStart.push(smallTensor(3 * 18, 65536));
        cnnStart.push(smallTensor(3, 65536));
        cnnSpec = abi.encode(
            uint256(3),
            uint256(1),
            uint256(4),
            uint256(2),
            uint256(3),
            uint256(1),
            uint256(1),
            rootOf(cnnStart[0]),
            rootOf(cnnStart[1]),
            rootOf(cnnStart[2]),
            rootOf(cnnStart[3]),
            rootOf(cnnStart[4])
        );
        trainSpec = abi.encode(
            uint256(1),
            uint256(4),
            uint256(3),
            uint256(2),
            uint256(2),
            uint256(5),
            int256(3277),
            int256(58982),
            uint256(1),
            int256(16384),
            int256(22938),
            uint256(9),
            keccak256("data")
        );
    }

    // ------------------------------------------------------------ registration

    function test_registerSpec_routesByKind() public {
        vm.expectEmit(address(router));
        emit SpecRegistered(keccak256(mlpSpec), mlpSpec);
        bytes32 hm = router.registerSpec(mlpSpec);
        bytes32 hc = router.registerSpec(cnnSpec);
        bytes32 ht = router.registerSpec(trainSpec);
        assertEq(hm, keccak256(mlpSpec));
        assertEq(hc, keccak256(cnnSpec));
        assertEq(address(router.refereeOf(hm)), address(mlp));
        assertEq(address(router.refereeOf(ht)), address(mlp));
        assertEq(address(router.refereeOf(hc)), address(cnn));
        assertTrue(mlp.isRegistered(hm) && mlp.isRegistered(ht) && cnn.isRegistered(hc));
        assertFalse(cnn.isRegistered(hm));
        assertFalse(mlp.isRegistered(hc));
        assertTrue(router.isRegistered(hm) && router.isRegistered(hc) && router.isRegistered(ht));
        assertEq(address(router.mlpReferee()), address(mlp));
        assertEq(address(router.cnnReferee()), address(cnn));
        assertEq(address(router.refereeForKind(1)), address(mlp));
        assertEq(address(router.refereeForKind(2)), address(mlp));
        assertEq(address(router.refereeForKind(4)), address(mlp));
        assertEq(address(router.refereeForKind(3)), address(cnn));
    }

    function test_registerSpec_isIdempotentAndEmitsOnce() public {
        router.registerSpec(cnnSpec);
        vm.recordLogs();
        assertEq(router.registerSpec(cnnSpec), keccak256(cnnSpec));
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_registerSpec_unknownKind_reverts() public {
        uint256[4] memory kinds = [uint256(0), 5, 99, type(uint256).max];
        for (uint256 i = 0; i < kinds.length; i++) {
            bytes memory s = abi.encode(kinds[i], uint256(1), uint256(2));
            vm.expectRevert(abi.encodeWithSelector(RefereeRouter.RouterUnknownKind.selector, kinds[i]));
            router.registerSpec(s);
            vm.expectRevert(abi.encodeWithSelector(RefereeRouter.RouterUnknownKind.selector, kinds[i]));
            router.refereeForKind(kinds[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(RefereeRouter.RouterSpecTooShort.selector, 31));
        router.registerSpec(new bytes(31));
    }

    function test_registerSpec_subRefereeErrorsBubble() public {
        vm.expectRevert(
            abi.encodeWithSelector(CnnStepReferee.RefereeBadSpec.selector, "spec: kind 3 expects 12 words (384 bytes)")
        );
        router.registerSpec(abi.encode(uint256(3), uint256(1)));
        vm.expectRevert(
            abi.encodeWithSelector(MlpStepReferee.RefereeBadSpec.selector, "spec: kind 2 expects 10 words (320 bytes)")
        );
        router.registerSpec(abi.encode(uint256(2), uint256(1)));
        assertFalse(router.isRegistered(keccak256(abi.encode(uint256(2), uint256(1)))));
    }

    function test_specRegisteredOnlyWithTheSub_isUnknownHere() public {
        bytes32 h = cnn.registerSpec(cnnSpec);
        assertFalse(router.isRegistered(h));
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h));
        router.genesisState(h);
        assertEq(router.registerSpec(cnnSpec), h);
        assertEq(router.genesisState(h), cnn.genesisState(h));
    }

    function test_constructor_zeroAddress_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(RefereeRouter.RouterZeroAddress.selector, "mlp"));
        new RefereeRouter(IStepReferee(address(0)), cnn);
        vm.expectRevert(abi.encodeWithSelector(RefereeRouter.RouterZeroAddress.selector, "cnn"));
        new RefereeRouter(mlp, IStepReferee(address(0)));
    }

    // ------------------------------------------------------------ forwarded views

    function _sameViews(IStepReferee sub, bytes32 h) internal view {
        assertEq(router.genesisState(h), sub.genesisState(h), "genesisState");
        uint256 n = router.numTransitions(h);
        assertEq(n, sub.numTransitions(h), "numTransitions");
        for (uint256 t = 0; t < n && t < 2; t++) {
            (uint256 a0, uint256 a1, uint256[] memory a2) = router.transitionLayout(h, t);
            (uint256 b0, uint256 b1, uint256[] memory b2) = sub.transitionLayout(h, t);
            assertEq(a0, b0, "startComponents");
            assertEq(a1, b1, "ops");
            assertEq(a2, b2, "endSources");
            for (uint256 op = 0; op < a1; op++) {
                assertEq(router.numElements(h, t, op), sub.numElements(h, t, op), "numElements");
                assertEq(router.opName(h, t, op), sub.opName(h, t, op), "opName");
            }
        }
    }

    function test_everyView_forwards() public {
        bytes32 hm = router.registerSpec(mlpSpec);
        bytes32 hc = router.registerSpec(cnnSpec);
        bytes32 ht = router.registerSpec(trainSpec);
        _sameViews(mlp, hm);
        _sameViews(cnn, hc);
        _sameViews(mlp, ht);
        assertEq(router.numTransitions(ht), 6);
        assertEq(router.opName(hc, 0, 3), "pool");
        assertEq(router.opName(hm, 0, 2), "logits");
        // Sub-referee reverts come back unchanged.
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "op: expected < 5"));
        router.opName(hc, 0, 5);
        vm.expectRevert(
            abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "t: expected < numTransitions(specHash)")
        );
        router.numElements(hm, 1, 0);
    }

    function test_unknownSpec_everyView_reverts() public {
        bytes32 h = keccak256("nope");
        assertFalse(router.isRegistered(h));
        assertEq(address(router.refereeOf(h)), address(0));
        bytes memory err = abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, h);
        vm.expectRevert(err);
        router.genesisState(h);
        vm.expectRevert(err);
        router.numTransitions(h);
        vm.expectRevert(err);
        router.transitionLayout(h, 0);
        vm.expectRevert(err);
        router.numElements(h, 0, 0);
        vm.expectRevert(err);
        router.opName(h, 0, 0);
        vm.expectRevert(err);
        router.checkElement(h, 0, 0, 0, new bytes32[](5), new bytes32[](5), "");
    }

    // ------------------------------------------------------------ checkElement

    function _roots(int256[][] storage ts) internal view returns (bytes32[] memory r) {
        r = new bytes32[](ts.length);
        for (uint256 i = 0; i < ts.length; i++) {
            r[i] = rootOf(ts[i]);
        }
    }

    bytes32 internal _h;
    IStepReferee internal _sub;

    /// @dev A relu element (op `op` of the program, input op `op - 1`): a lie and the right value, through
    ///      the router and directly; then a bad opening, whose revert comes back unchanged.
    function _reluChecks(bytes32 h, IStepReferee sub, int256[][] storage st, uint256 op, uint256 size) internal {
        (_h, _sub) = (h, sub);
        int256[] memory pre = smallTensor(size, 65536);
        int256[] memory post = new int256[](size);
        for (uint256 i = 0; i < size; i++) {
            post[i] = pre[i] > 0 ? pre[i] : int256(0);
        }
        uint256 e = size - 1;
        post[e] = 7; // a lie unless relu(pre[e]) happens to be 7
        _compare(_roots(st), op, pre, post, pre[e] == 7);
        post[e] = pre[e] > 0 ? pre[e] : int256(0);
        _compare(_roots(st), op, pre, post, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStepReferee.RefereeBadOpening.selector, "opening: expected abi.encode(bytes32[] words, bytes32[] siblings)"
            )
        );
        router.checkElement(h, 0, op, e, _roots(st), new bytes32[](address(sub) == address(mlp) ? 3 : 5), hex"00");
    }

    function _compare(bytes32[] memory sr, uint256 op, int256[] memory pre, int256[] memory post, bool honest)
        internal
    {
        uint256 e = pre.length - 1;
        bytes32[] memory orr = new bytes32[](address(_sub) == address(mlp) ? 3 : 5);
        orr[op - 1] = rootOf(pre);
        orr[op] = rootOf(post);
        need(pre, e, 1);
        need(post, e, 1);
        bytes memory o = takeOpening();
        assertEq(router.checkElement(_h, 0, op, e, sr, orr, o), honest, "via the router");
        assertEq(_sub.checkElement(_h, 0, op, e, sr, orr, o), honest, "directly");
    }

    function test_checkElement_forwardsToTheSpecsReferee() public {
        bytes32 hm = router.registerSpec(mlpSpec);
        bytes32 hc = router.registerSpec(cnnSpec);
        // mlp-infer: op 1 (h1) = relu(op 0), [1][2]; cnn-infer: op 2 (relu) = relu(op 1), [16][2].
        _reluChecks(hm, mlp, mlpStart, 1, 2);
        _reluChecks(hc, cnn, cnnStart, 2, 32);
        // The CNN spec's check does not go to the MLP referee (which does not know it).
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeUnknownSpec.selector, hc));
        mlp.checkElement(hc, 0, 2, 0, new bytes32[](5), new bytes32[](5), "");
    }
}
