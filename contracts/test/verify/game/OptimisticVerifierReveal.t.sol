// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {IOptimisticVerifier} from "../../../src/verify/IOptimisticVerifier.sol";
import {RevealFixture} from "./RevealFixture.sol";

/// @notice The reveal move (data availability): requestNodes / revealNodes, the descent to a wrong element the
///         challenger could not see, every failure path, and the asserter's timeout in Reveal.
contract OptimisticVerifierRevealTest is RevealFixture {
    uint256 internal constant LIE_OP = 1;
    uint256 internal constant LIE_ELEMENT = 1234; // leaf 154 (slot 2); level-4 node 4, level-8 node 77

    /// @dev A one-transition claim by a lying asserter, challenged, trace posted: the game waits in Pick.
    function _gameAtPick() internal returns (uint256 gameId) {
        _lie(asserter, 0, LIE_OP, LIE_ELEMENT);
        gameId = _challengeR(challenger1, _postClaimR(asserter, specR1));
        _postTraceR(gameId);
    }

    function _expectRevert(bytes4 sel, uint256 gameId, uint256 a, uint256 b) internal {
        vm.expectRevert(abi.encodeWithSelector(sel, gameId, a, b));
    }

    function test_revealLevels_isFour() public view {
        assertEq(rv.revealLevels(), 4);
        assertEq(uint8(IOptimisticVerifier.GamePhase.Reveal), 7);
    }

    // ------------------------------------------------------------ the happy descent

    function test_reveal_descentToWrongElement_challengerWins() public {
        uint256 gameId = _gameAtPick();
        bytes32[][] memory mine = _tree(challenger1, specR1, 0, LIE_OP);

        vm.expectEmit(true, true, true, true, address(rv));
        emit IOptimisticVerifier.NodesRequested(gameId, LIE_OP, 0, 0);
        _request(gameId, LIE_OP, 0, 0);
        IOptimisticVerifier.Game memory g = _g(gameId);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Reveal));
        assertEq(g.op, LIE_OP);
        assertEq(g.element, _packed(0, 0));
        assertEq(g.deadline, block.timestamp + MOVE_TIMEOUT);

        skip(10);
        bytes32[][] memory theirs = _tree(asserter, specR1, 0, LIE_OP);
        vm.expectEmit(true, true, true, true, address(rv));
        emit IOptimisticVerifier.NodesRevealed(gameId, LIE_OP, 0, 0, _nodes(theirs, 0, 0));
        bytes32[] memory nodes = _reveal(gameId);
        assertEq(nodes.length, 16);
        g = _g(gameId);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Pick));
        assertEq(g.deadline, block.timestamp + MOVE_TIMEOUT);
        // Level 4: only node 4 (elements 1024..1279) differs from the challenger's.
        for (uint256 i = 0; i < 16; ++i) {
            assertEq(nodes[i] == mine[4][i], i != 4);
        }

        _request(gameId, LIE_OP, 4, 4);
        nodes = _reveal(gameId);
        assertEq(nodes.length, 16); // level 8, nodes 64..79
        for (uint256 i = 0; i < 16; ++i) {
            assertEq(nodes[i] == mine[8][64 + i], 64 + i != 77);
        }

        _request(gameId, LIE_OP, 8, 77);
        nodes = _reveal(gameId);
        assertEq(nodes.length, 2); // k = depth - level = 1: leaves 154, 155, the output values themselves
        assertEq(nodes[0], theirs[DEPTH][154]);
        assertTrue(nodes[0] != mine[DEPTH][154]);
        assertEq(nodes[1], mine[DEPTH][155]);

        _pickR(gameId, LIE_OP, 154 * 8 + 2);
        _openR(gameId);
        g = _g(gameId);
        assertEq(g.winner, challenger1);
        assertEq(uint8(g.resolution), uint8(IOptimisticVerifier.Resolution.ElementChecked));
        assertEq(uint8(rv.getClaim(g.claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Rejected));
    }

    function test_reveal_pickElementWithoutRevealStillWorks() public {
        uint256 gameId = _gameAtPick();
        _pickR(gameId, LIE_OP, LIE_ELEMENT);
        _openR(gameId);
        assertEq(_g(gameId).winner, challenger1);
    }

    function test_reveal_requestMaySkipLevels() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 5, 19); // straight to level 5: 4 levels above the leaves, k = 4
        assertEq(_reveal(gameId).length, 16);
        _request(gameId, LIE_OP, 6, 40); // 3 levels above the leaves: k = 3
        assertEq(_reveal(gameId).length, 8);
        _request(gameId, LIE_OP, DEPTH - 1, 3); // the last level above the leaves
        assertEq(_reveal(gameId).length, 2);
    }

    // ------------------------------------------------------------ whole games

    function test_game_lieAtNonZeroElementOfIntermediateOp_foundByDescent() public {
        uint256 e = 3001;
        _lie(asserter, 2, LIE_OP, e); // transition 2, op 1 of 3 ("add"), element 3001, and propagated
        uint256 aBefore = token.balanceOf(asserter);
        uint256 cBefore = token.balanceOf(challenger1);
        uint256 claimId = _postClaimR(asserter, specR4);
        uint256 gameId = _challengeR(challenger1, claimId);
        _bisectToTransitionR(gameId);
        assertEq(_g(gameId).lo, 2);
        _postTraceR(gameId);
        uint256 op = _firstDifferingOp(gameId);
        assertEq(op, LIE_OP);
        uint256 element = _descend(gameId, op);
        assertEq(element, e);
        _pickR(gameId, op, element);
        _openR(gameId);

        IOptimisticVerifier.Game memory g = _g(gameId);
        assertEq(g.winner, challenger1);
        assertEq(uint8(g.resolution), uint8(IOptimisticVerifier.Resolution.ElementChecked));
        assertEq(uint8(rv.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Rejected));
        assertEq(token.balanceOf(asserter), aBefore - MIN_BOND);
        assertEq(token.balanceOf(challenger1), cBefore + MIN_BOND - _burn(MIN_BOND));
        assertEq(token.balanceOf(address(rv)), 0);
        assertEq(rv.totalHeld(), 0);
    }

    function test_game_honestAsserterAnswersLyingChallengersDescent_wins() public {
        _lie(challenger1, 0, 2, 77); // the challenger believes op 2 element 77 is different
        uint256 claimId = _postClaimR(asserter, specR1);
        uint256 gameId = _challengeR(challenger1, claimId);
        _postTraceR(gameId);
        uint256 op = _firstDifferingOp(gameId);
        assertEq(op, 2);
        uint256 element = _descend(gameId, op);
        assertEq(element, 77);
        _pickR(gameId, op, element);
        _openR(gameId);
        assertEq(_g(gameId).winner, asserter);
        assertEq(uint8(rv.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Open));
        assertEq(rv.totalHeld(), MIN_BOND);
        assertEq(token.balanceOf(address(rv)), rv.totalHeld());
    }

    /// forge-config: default.fuzz.runs = 24
    /// forge-config: ci.fuzz.runs = 24
    function testFuzz_game_descentFindsAnyLiedElement(uint256 op, uint256 e) public {
        op = bound(op, 0, OPS - 1);
        e = bound(e, 0, 1023); // 1000 elements and the padding up to the capacity 1024 (a lie there is a lie too)
        _lie(asserter, 0, op, e);
        uint256 gameId = _challengeR(challenger1, _postClaimR(asserter, specOdd));
        _postTraceR(gameId);
        assertEq(_firstDifferingOp(gameId), op);
        assertEq(_descend(gameId, op), e); // depth 7: levels 0 (16 nodes) and 4 (8 leaves)
        _pickR(gameId, op, e);
        _openR(gameId);
        assertEq(_g(gameId).winner, challenger1);
    }

    // ------------------------------------------------------------ requestNodes failure paths

    function test_requestNodes_revertsInWrongPhase() public {
        _lie(asserter, 0, LIE_OP, LIE_ELEMENT);
        uint256 gameId = _challengeR(challenger1, _postClaimR(asserter, specR1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierWrongPhase.selector,
                gameId,
                IOptimisticVerifier.GamePhase.Trace,
                IOptimisticVerifier.GamePhase.Pick
            )
        );
        _request(gameId, LIE_OP, 0, 0);
        _postTraceR(gameId);
        _request(gameId, LIE_OP, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierWrongPhase.selector,
                gameId,
                IOptimisticVerifier.GamePhase.Reveal,
                IOptimisticVerifier.GamePhase.Pick
            )
        );
        _request(gameId, LIE_OP, 1, 0);
        // Picking an element while the asserter owes a reveal is the wrong phase too.
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierWrongPhase.selector,
                gameId,
                IOptimisticVerifier.GamePhase.Reveal,
                IOptimisticVerifier.GamePhase.Pick
            )
        );
        _pickR(gameId, LIE_OP, 0);
    }

    function test_requestNodes_revertsForWrongCaller() public {
        uint256 gameId = _gameAtPick();
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, asserter, challenger1)
        );
        vm.prank(asserter);
        rv.requestNodes(gameId, LIE_OP, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, challenger2, challenger1)
        );
        vm.prank(challenger2);
        rv.requestNodes(gameId, LIE_OP, 0, 0);
    }

    function test_requestNodes_revertsWhenLate() public {
        uint256 gameId = _gameAtPick();
        uint256 deadline = _g(gameId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierMoveTooLate.selector, gameId, deadline));
        _request(gameId, LIE_OP, 0, 0);
    }

    function test_requestNodes_revertsOnOpLevelOrIndexOutOfRange() public {
        uint256 gameId = _gameAtPick();
        _expectRevert(IOptimisticVerifier.VerifierOpOutOfRange.selector, gameId, OPS, OPS);
        _request(gameId, OPS, 0, 0);
        _expectRevert(IOptimisticVerifier.VerifierLevelOutOfRange.selector, gameId, DEPTH, DEPTH);
        _request(gameId, LIE_OP, DEPTH, 0);
        _expectRevert(IOptimisticVerifier.VerifierLevelOutOfRange.selector, gameId, 300, DEPTH);
        _request(gameId, LIE_OP, 300, 0);
        _expectRevert(IOptimisticVerifier.VerifierNodeIndexOutOfRange.selector, gameId, 16, 16);
        _request(gameId, LIE_OP, 4, 16);
        _expectRevert(IOptimisticVerifier.VerifierNodeIndexOutOfRange.selector, gameId, 1, 1);
        _request(gameId, LIE_OP, 0, 1);
        _expectRevert(IOptimisticVerifier.VerifierNodeIndexOutOfRange.selector, gameId, 1 << 200, 256);
        _request(gameId, LIE_OP, 8, 1 << 200);
        // Still in Pick: nothing was stored.
        assertEq(uint8(_g(gameId).phase), uint8(IOptimisticVerifier.GamePhase.Pick));
        assertEq(_g(gameId).element, 0);
    }

    function test_requestNodes_revertsForAOneLeafOp() public {
        // 8 elements: one leaf, the root is the values; there is nothing below it to reveal.
        _lie(asserter, 0, 0, 3);
        uint256 gameId = _challengeR(challenger1, _postClaimR(asserter, specTiny));
        _postTraceR(gameId);
        _expectRevert(IOptimisticVerifier.VerifierLevelOutOfRange.selector, gameId, 0, 0);
        _request(gameId, 0, 0, 0);
    }

    function test_requestNodes_revertsWhenLevelNotDeeper() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 4, 4);
        _reveal(gameId);
        _expectRevert(IOptimisticVerifier.VerifierLevelNotDeeper.selector, gameId, 4, 5);
        _request(gameId, LIE_OP, 4, 5);
        _expectRevert(IOptimisticVerifier.VerifierLevelNotDeeper.selector, gameId, 2, 5);
        _request(gameId, LIE_OP, 2, 0);
        _request(gameId, LIE_OP, 5, 9); // deeper: fine
        assertEq(_g(gameId).element, _packed(5, 9));
    }

    function test_requestNodes_revertsForAnotherOp() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 0, 0);
        _reveal(gameId);
        _expectRevert(IOptimisticVerifier.VerifierRequestOpChanged.selector, gameId, 0, LIE_OP);
        _request(gameId, 0, 4, 4);
        _expectRevert(IOptimisticVerifier.VerifierRequestOpChanged.selector, gameId, 2, LIE_OP);
        _request(gameId, 2, 4, 4);
        // pickElement may still name any op.
        _pickR(gameId, 0, 5);
        assertEq(_g(gameId).op, 0);
        assertEq(_g(gameId).element, 5);
    }

    // ------------------------------------------------------------ revealNodes failure paths

    /// @dev The asserter's honest answer parts for the pending request.
    function _answer(uint256 gameId)
        internal
        returns (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory nodes, bytes32[] memory proof)
    {
        IOptimisticVerifier.Game memory g = _g(gameId);
        uint256 level = (uint256(g.element) >> 56) - 1;
        uint256 index = uint256(g.element) & ((uint256(1) << 56) - 1);
        bytes32[][] memory lv = _tree(asserter, specR1, 0, g.op);
        (start, ops,) = _traceR(asserter, specR1, 0);
        nodes = _nodes(lv, level, index);
        proof = _proof(lv, level, index);
    }

    function _revealAs(
        address who,
        uint256 gameId,
        bytes32[] memory s,
        bytes32[] memory o,
        bytes32[] memory n,
        bytes32[] memory p
    ) internal {
        vm.prank(who);
        rv.revealNodes(gameId, s, o, n, p);
    }

    function test_revealNodes_revertsInWrongPhase() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 4, 4);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        _revealAs(asserter, gameId, s, o, n, p);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierWrongPhase.selector,
                gameId,
                IOptimisticVerifier.GamePhase.Pick,
                IOptimisticVerifier.GamePhase.Reveal
            )
        );
        _revealAs(asserter, gameId, s, o, n, p); // twice
    }

    function test_revealNodes_revertsForWrongCaller() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 0, 0);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, challenger1, asserter)
        );
        _revealAs(challenger1, gameId, s, o, n, p);
    }

    function test_revealNodes_revertsWhenLate() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 0, 0);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        uint256 deadline = _g(gameId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierMoveTooLate.selector, gameId, deadline));
        _revealAs(asserter, gameId, s, o, n, p);
    }

    function test_revealNodes_revertsOnWrongTrace() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 0, 0);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        bytes32 committed = keccak256(abi.encode(s, o));
        // The honest op root in place of the posted one: with the honest nodes it would pass the Merkle check.
        o[LIE_OP] = _root(challenger1, specR1, 0, LIE_OP);
        n = _nodes(_tree(challenger1, specR1, 0, LIE_OP), 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierTraceMismatch.selector, gameId, keccak256(abi.encode(s, o)), committed
            )
        );
        _revealAs(asserter, gameId, s, o, n, p);
    }

    function test_revealNodes_revertsOnWrongNodeCount() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 4, 4);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        bytes32[] memory fewer = new bytes32[](15);
        for (uint256 i = 0; i < 15; ++i) {
            fewer[i] = n[i];
        }
        _expectRevert(IOptimisticVerifier.VerifierBadNodeCount.selector, gameId, 15, 16);
        _revealAs(asserter, gameId, s, o, fewer, p);
        _revealAs(asserter, gameId, s, o, n, p);
        // Near the leaves k = depth - level = 1: two nodes, not sixteen.
        _request(gameId, LIE_OP, 8, 77);
        (s, o, n, p) = _answer(gameId);
        assertEq(n.length, 2);
        _expectRevert(IOptimisticVerifier.VerifierBadNodeCount.selector, gameId, 16, 2);
        _revealAs(asserter, gameId, s, o, new bytes32[](16), p);
        _expectRevert(IOptimisticVerifier.VerifierBadNodeCount.selector, gameId, 0, 2);
        _revealAs(asserter, gameId, s, o, new bytes32[](0), p);
    }

    function test_revealNodes_revertsWhenNodesDoNotHashToTheNode() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 4, 4);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        // The asserter tries to show the challenger's (honest) nodes under its own proof.
        n = _nodes(_tree(challenger1, specR1, 0, LIE_OP), 4, 4);
        _expectRootMismatch(gameId, s, o, n, p);
        // Swapping two nodes breaks it too (positions are bound).
        (s, o, n, p) = _answer(gameId);
        (n[0], n[1]) = (n[1], n[0]);
        _expectRootMismatch(gameId, s, o, n, p);
    }

    function test_revealNodes_revertsOnBadProofLength() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 4, 4);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        bytes32[] memory shorter = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            shorter[i] = p[i];
        }
        _expectRevert(IOptimisticVerifier.VerifierBadProofLength.selector, gameId, 3, 4);
        _revealAs(asserter, gameId, s, o, n, shorter);
        _expectRevert(IOptimisticVerifier.VerifierBadProofLength.selector, gameId, 5, 4);
        _revealAs(asserter, gameId, s, o, n, new bytes32[](5));
    }

    function test_revealNodes_revertsOnBadProof() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 4, 4);
        (bytes32[] memory s, bytes32[] memory o, bytes32[] memory n, bytes32[] memory p) = _answer(gameId);
        p[2] = keccak256("not a sibling");
        _expectRootMismatch(gameId, s, o, n, p);
        // A valid subtree and proof of another node (index 5) do not answer the request for node 4.
        bytes32[][] memory lv = _tree(asserter, specR1, 0, LIE_OP);
        (s, o,,) = _answer(gameId);
        _expectRootMismatch(gameId, s, o, _nodes(lv, 4, 5), _proof(lv, 4, 5));
    }

    /// @dev Expects VerifierRevealRootMismatch with the root these nodes and proof give for the pending request.
    function _expectRootMismatch(
        uint256 gameId,
        bytes32[] memory s,
        bytes32[] memory o,
        bytes32[] memory n,
        bytes32[] memory p
    ) internal {
        IOptimisticVerifier.Game memory g = _g(gameId);
        uint256 index = uint256(g.element) & ((uint256(1) << 56) - 1);
        bytes32 node = _subtreeRoot(n);
        for (uint256 i = 0; i < p.length; ++i) {
            node = index & 1 == 0 ? keccak256(abi.encodePacked(node, p[i])) : keccak256(abi.encodePacked(p[i], node));
            index >>= 1;
        }
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierRevealRootMismatch.selector, gameId, node, o[g.op])
        );
        _revealAs(asserter, gameId, s, o, n, p);
    }

    function _subtreeRoot(bytes32[] memory n) internal pure returns (bytes32) {
        uint256 len = n.length;
        bytes32[] memory m = new bytes32[](len);
        for (uint256 i = 0; i < len; ++i) {
            m[i] = n[i];
        }
        for (; len > 1; len /= 2) {
            for (uint256 i = 0; i < len / 2; ++i) {
                m[i] = keccak256(abi.encodePacked(m[2 * i], m[2 * i + 1]));
            }
        }
        return m[0];
    }

    // ------------------------------------------------------------ clocks

    function test_timeout_asserterSilentInReveal_loses() public {
        uint256 gameId = _gameAtPick();
        uint256 claimId = _g(gameId).claimId;
        _request(gameId, LIE_OP, 0, 0);
        _reveal(gameId);
        _request(gameId, LIE_OP, 4, 4);
        uint256 deadline = _g(gameId).deadline;
        assertEq(rv.totalHeld(), 2 * MIN_BOND);
        assertEq(token.balanceOf(address(rv)), rv.totalHeld());
        vm.warp(deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierDeadlineNotPassed.selector, gameId, deadline)
        );
        rv.timeout(gameId);
        vm.warp(deadline + 1);
        uint256 aBefore = token.balanceOf(asserter);
        uint256 cBefore = token.balanceOf(challenger1);
        uint256 supplyBefore = token.totalSupply();
        vm.expectEmit(true, true, true, true, address(rv));
        emit IOptimisticVerifier.GameResolved(
            gameId, claimId, challenger1, IOptimisticVerifier.Resolution.AsserterTimedOut
        );
        vm.prank(challenger2); // anyone
        rv.timeout(gameId);
        IOptimisticVerifier.Game memory g = _g(gameId);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Resolved));
        assertEq(uint8(g.resolution), uint8(IOptimisticVerifier.Resolution.AsserterTimedOut));
        assertEq(g.winner, challenger1);
        assertEq(uint8(rv.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Rejected));
        // The challenger gets its bond back plus the asserter's less the burn; the burn leaves the supply.
        assertEq(token.balanceOf(challenger1), cBefore + 2 * MIN_BOND - _burn(MIN_BOND));
        assertEq(token.balanceOf(asserter), aBefore);
        assertEq(token.totalSupply(), supplyBefore - _burn(MIN_BOND));
        assertEq(rv.totalBurned(), _burn(MIN_BOND));
        assertEq(rv.totalHeld(), 0);
        assertEq(token.balanceOf(address(rv)), 0);
        // Over: no more moves.
        (bytes32[] memory s, bytes32[] memory o,) = _traceR(asserter, specR1, 0);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierGameResolved.selector, gameId));
        _revealAs(asserter, gameId, s, o, new bytes32[](16), new bytes32[](4));
    }

    function test_timeout_challengerSilentAfterReveal_loses() public {
        uint256 gameId = _gameAtPick();
        _request(gameId, LIE_OP, 0, 0);
        _reveal(gameId);
        vm.warp(_g(gameId).deadline + 1);
        rv.timeout(gameId);
        IOptimisticVerifier.Game memory g = _g(gameId);
        assertEq(g.winner, asserter);
        assertEq(uint8(g.resolution), uint8(IOptimisticVerifier.Resolution.ChallengerTimedOut));
        assertEq(token.balanceOf(address(rv)), rv.totalHeld());
        assertEq(rv.totalHeld(), MIN_BOND); // the claim's bond waits for finalize
    }

    // ------------------------------------------------------------ gas

    /// @dev Run with --isolate for per-transaction gas (4096-element op, depth 9: levels 0, 4, 8).
    function test_gas_revealDescent() public {
        uint256 gameId = _gameAtPick();
        uint256[3] memory levels = [uint256(0), 4, 8];
        uint256[3] memory indexes = [uint256(0), 4, 77];
        for (uint256 i = 0; i < 3; ++i) {
            _request(gameId, LIE_OP, levels[i], indexes[i]);
            uint256 gReq = vm.lastCallGas().gasTotalUsed;
            bytes32[] memory nodes = _reveal(gameId);
            uint256 gRev = vm.lastCallGas().gasTotalUsed;
            console.log("level", levels[i], "nodes", nodes.length);
            console.log("  requestNodes", gReq);
            console.log("  revealNodes", gRev);
            assertLt(gReq, 1_000_000);
            assertLt(gRev, 1_000_000);
        }
    }
}
