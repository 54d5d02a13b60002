// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IComputeMarket} from "../../../src/market/IComputeMarket.sol";
import {IProtocolParams} from "../../../src/config/IProtocolParams.sol";
import {IStepReferee} from "../../../src/verify/IStepReferee.sol";
import {IOptimisticVerifier} from "../../../src/verify/IOptimisticVerifier.sol";
import {OptimisticVerifier} from "../../../src/verify/OptimisticVerifier.sol";
import {GameFixture} from "./GameFixture.sol";

/// @notice OptimisticVerifier with a test-double referee: every move's failure paths, the three levels,
///         clocks, bonds and the market hook.
contract OptimisticVerifierTest is GameFixture {
    // ------------------------------------------------------------ constructor

    function test_constructor_rejectsBadConfig() public {
        IOptimisticVerifier.Config memory c = _config();
        c.arity = 1;
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierInvalidArity.selector, 1, 2, 256));
        new OptimisticVerifier(token, market, params, referee, c);
        c = _config();
        c.burnBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierInvalidBurnBps.selector, 10_001, 10_000));
        new OptimisticVerifier(token, market, params, referee, c);
        c = _config();
        c.moveTimeout = 0;
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierInvalidMoveTimeout.selector, 0));
        new OptimisticVerifier(token, market, params, referee, c);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierZeroAddress.selector, "referee"));
        new OptimisticVerifier(token, market, params, IStepReferee(address(0)), _config());
    }

    // ------------------------------------------------------------ postClaim

    function test_postClaim_standalone() public {
        bytes32 finalState = _state(asserter, N);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.ClaimPosted(
            1, 0, asserter, spec, finalState, keccak256("result"), MIN_BOND, uint64(block.timestamp + WINDOW)
        );
        uint256 claimId = _postClaim(asserter);
        IOptimisticVerifier.Claim memory c = verifier.getClaim(claimId);
        assertEq(c.asserter, asserter);
        assertEq(uint8(c.status), uint8(IOptimisticVerifier.ClaimStatus.Open));
        assertEq(c.numTransitions, N);
        assertEq(token.balanceOf(address(verifier)), MIN_BOND);
        assertEq(verifier.totalHeld(), MIN_BOND);
    }

    function test_postClaim_revertsOnBadInputs() public {
        vm.startPrank(asserter);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierBondTooLow.selector, MIN_BOND - 1, MIN_BOND));
        verifier.postClaim(0, spec, bytes32(uint256(1)), WINDOW, bytes32(uint256(1)), MIN_BOND - 1);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierWindowTooShort.selector, 9, MIN_WINDOW));
        verifier.postClaim(0, spec, bytes32(uint256(1)), 9, bytes32(uint256(1)), MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierZeroHash.selector, "finalState"));
        verifier.postClaim(0, spec, bytes32(0), WINDOW, bytes32(uint256(1)), MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierZeroHash.selector, "resultHash"));
        verifier.postClaim(0, spec, bytes32(uint256(1)), WINDOW, bytes32(0), MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierUnknownSpec.selector, bytes32(uint256(5))));
        verifier.postClaim(0, bytes32(uint256(5)), bytes32(uint256(1)), WINDOW, bytes32(uint256(1)), MIN_BOND);
        vm.stopPrank();
    }

    function test_postClaim_leaseFreezesPayment() public {
        uint256 leaseId = _leaseWithResult();
        uint256 claimId = _postLeaseClaim(leaseId);
        assertEq(verifier.claimOfLease(leaseId), claimId);
        assertEq(uint8(_leaseState(leaseId)), uint8(IComputeMarket.LeaseState.Disputed));
        // Nobody can take the payment meanwhile.
        vm.expectRevert();
        vm.prank(provider1);
        market.acceptResult(leaseId);
    }

    function test_postClaim_leaseRevertsForWrongCallerHashStateOrTime() public {
        uint256 leaseId = _batchLease(PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierLeaseNotClaimable.selector, leaseId, uint8(1))
        );
        _postLeaseClaim(leaseId);
        _submit(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotLeaseProvider.selector, leaseId, asserter, provider1)
        );
        vm.prank(asserter);
        verifier.postClaim(leaseId, spec, bytes32(uint256(1)), WINDOW, RESULT_HASH, MIN_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierResultMismatch.selector, leaseId, keccak256("other"), RESULT_HASH
            )
        );
        vm.prank(provider1);
        verifier.postClaim(leaseId, spec, bytes32(uint256(1)), WINDOW, keccak256("other"), MIN_BOND);
        uint64 disputeEndsAt = market.getLease(leaseId).disputeEndsAt;
        vm.warp(disputeEndsAt);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierLeaseClaimTooLate.selector, leaseId, disputeEndsAt)
        );
        _postLeaseClaim(leaseId);
    }

    function test_postClaim_oneClaimPerLease() public {
        uint256 leaseId = _leaseWithResult();
        uint256 claimId = _postLeaseClaim(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierLeaseAlreadyClaimed.selector, leaseId, claimId)
        );
        _postLeaseClaim(leaseId);
    }

    function test_postClaim_afterTenantDisputeWithinResponseWindow() public {
        uint256 leaseId = _leaseWithResult();
        vm.prank(tenant);
        market.disputeResult(leaseId);
        uint256 deadline = market.getLease(leaseId).disputeEndsAt + RESPONSE_WINDOW;
        vm.warp(deadline);
        uint256 claimId = _postLeaseClaim(leaseId);
        assertEq(verifier.claimOfLease(leaseId), claimId);
    }

    function test_postClaim_afterTenantDisputeTooLate() public {
        uint256 leaseId = _leaseWithResult();
        vm.prank(tenant);
        market.disputeResult(leaseId);
        uint256 deadline = market.getLease(leaseId).disputeEndsAt + RESPONSE_WINDOW;
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierLeaseClaimTooLate.selector, leaseId, deadline)
        );
        _postLeaseClaim(leaseId);
    }

    // ------------------------------------------------------------ challenge

    function test_challenge_opensGame() public {
        uint256 claimId = _postClaim(asserter);
        wrongFrom[challenger1] = 0;
        bytes32 theirs = _state(challenger1, N);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.ClaimChallenged(claimId, 1, challenger1, theirs, MIN_BOND);
        uint256 gameId = _challenge(challenger1, claimId);
        IOptimisticVerifier.Game memory g = _game(gameId);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Bisect));
        assertEq(g.lo, 0);
        assertEq(g.hi, N);
        assertEq(g.loState, referee.genesisState(spec));
        assertEq(g.hiState, _state(asserter, N));
        assertEq(g.deadline, block.timestamp + MOVE_TIMEOUT);
        assertEq(verifier.gamesOf(claimId).length, 1);
        assertEq(verifier.getClaim(claimId).openGames, 1);
    }

    function test_challenge_revertsAfterWindow() public {
        uint256 claimId = _postClaim(asserter);
        wrongFrom[challenger1] = 0;
        uint64 windowEnds = verifier.getClaim(claimId).windowEnds;
        vm.warp(windowEnds);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierChallengeWindowClosed.selector, claimId, windowEnds)
        );
        _challenge(challenger1, claimId);
    }

    function test_challenge_revertsOnSameFinalLowBondSelfOrUnknown() public {
        uint256 claimId = _postClaim(asserter);
        bytes32 finalState = _state(asserter, N);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierSameFinalState.selector, claimId, finalState)
        );
        vm.prank(challenger1);
        verifier.challenge(claimId, finalState, MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierBondTooLow.selector, 1, MIN_BOND));
        vm.prank(challenger1);
        verifier.challenge(claimId, bytes32(uint256(9)), 1);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierZeroHash.selector, "challengerFinal"));
        vm.prank(challenger1);
        verifier.challenge(claimId, bytes32(0), MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierSelfChallenge.selector, claimId, asserter));
        vm.prank(asserter);
        verifier.challenge(claimId, bytes32(uint256(9)), MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierUnknownClaim.selector, 99));
        vm.prank(challenger1);
        verifier.challenge(99, bytes32(uint256(9)), MIN_BOND);
    }

    // ------------------------------------------------------------ level A

    function _openGame() internal returns (uint256 claimId, uint256 gameId) {
        wrongFrom[asserter] = 500; // a corrupt asserter from state 500 on
        claimId = _postClaim(asserter);
        gameId = _challenge(challenger1, claimId);
    }

    function test_bisect_postsSplitAndEmits() public {
        (, uint256 gameId) = _openGame();
        bytes32[] memory states = _bisection(gameId);
        assertEq(states.length, ARITY - 1);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.StatesBisected(gameId, 0, N, states);
        vm.prank(asserter);
        verifier.bisect(gameId, states);
        IOptimisticVerifier.Game memory g = _game(gameId);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Choose));
        assertEq(g.commitment, keccak256(abi.encode(states)));
    }

    function test_bisect_revertsOnWrongCallerLengthPhaseOrLate() public {
        (, uint256 gameId) = _openGame();
        bytes32[] memory states = _bisection(gameId);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, challenger1, asserter)
        );
        vm.prank(challenger1);
        verifier.bisect(gameId, states);
        bytes32[] memory short = new bytes32[](3);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierBadBisectionLength.selector, gameId, 3, ARITY - 1)
        );
        vm.prank(asserter);
        verifier.bisect(gameId, short);
        uint64 deadline = _game(gameId).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierMoveTooLate.selector, gameId, deadline));
        vm.prank(asserter);
        verifier.bisect(gameId, states);
        vm.warp(deadline);
        vm.prank(asserter);
        verifier.bisect(gameId, states);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierWrongPhase.selector,
                gameId,
                IOptimisticVerifier.GamePhase.Choose,
                IOptimisticVerifier.GamePhase.Bisect
            )
        );
        vm.prank(asserter);
        verifier.bisect(gameId, states);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierUnknownGame.selector, 77));
        verifier.bisect(77, states);
    }

    function test_chooseInterval_narrows() public {
        (, uint256 gameId) = _openGame();
        bytes32[] memory states = _bisect(gameId);
        uint256[] memory points = verifier.splitPoints(0, N);
        uint256 i = _pickInterval(gameId, states);
        // The corrupt state 500 lies in (points[i-1], points[i]].
        assertLt(points[i - 1], 500);
        assertGe(points[i], 500);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.IntervalChosen(gameId, points[i - 1], points[i], states[i - 1], states[i]);
        vm.prank(challenger1);
        verifier.chooseInterval(gameId, states, i);
        IOptimisticVerifier.Game memory g = _game(gameId);
        assertEq(g.lo, points[i - 1]);
        assertEq(g.hi, points[i]);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Bisect));
    }

    function test_chooseInterval_revertsOnBadIndexMismatchCallerOrPhase() public {
        (, uint256 gameId) = _openGame();
        bytes32[] memory states = _bisection(gameId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierWrongPhase.selector,
                gameId,
                IOptimisticVerifier.GamePhase.Bisect,
                IOptimisticVerifier.GamePhase.Choose
            )
        );
        vm.prank(challenger1);
        verifier.chooseInterval(gameId, states, 0);
        _bisect(gameId);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierBadInterval.selector, gameId, ARITY, ARITY - 1)
        );
        vm.prank(challenger1);
        verifier.chooseInterval(gameId, states, ARITY);
        bytes32[] memory forged = _bisection(gameId);
        forged[0] = bytes32(uint256(1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierStatesMismatch.selector,
                gameId,
                keccak256(abi.encode(forged)),
                keccak256(abi.encode(states))
            )
        );
        vm.prank(challenger1);
        verifier.chooseInterval(gameId, forged, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, asserter, challenger1)
        );
        vm.prank(asserter);
        verifier.chooseInterval(gameId, states, 0);
    }

    function test_splitPoints_evenAndSmall() public view {
        uint256[] memory p = verifier.splitPoints(0, N);
        assertEq(p.length, ARITY - 1);
        assertEq(p[0], N / ARITY);
        assertEq(p[14], (15 * N) / ARITY);
        p = verifier.splitPoints(10, 14);
        assertEq(p.length, 3);
        assertEq(p[0], 11);
        assertEq(p[2], 13);
        assertEq(verifier.splitPoints(5, 6).length, 0);
    }

    // ------------------------------------------------------------ level B

    function _toTrace() internal returns (uint256 claimId, uint256 gameId) {
        (claimId, gameId) = _openGame();
        _bisectToTransition(gameId);
        IOptimisticVerifier.Game memory g = _game(gameId);
        assertEq(uint8(g.phase), uint8(IOptimisticVerifier.GamePhase.Trace));
        assertEq(g.lo, 499); // the game ends at the corrupted step
        assertEq(g.hi, 500);
    }

    function test_postTrace_bindsEndpointsToParentStates() public {
        (, uint256 gameId) = _toTrace();
        (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory end) = _trace(gameId);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.TracePosted(gameId, 499, start, ops);
        vm.prank(asserter);
        verifier.postTrace(gameId, start, ops, end);
        assertEq(uint8(_game(gameId).phase), uint8(IOptimisticVerifier.GamePhase.Pick));
    }

    /// @dev opML's hole 5: a sub-game opened with endpoints that do not match its parent is rejected.
    function test_postTrace_rejectsEndpointsNotMatchingParent() public {
        (, uint256 gameId) = _toTrace();
        (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory end) = _trace(gameId);
        IOptimisticVerifier.Game memory g = _game(gameId);
        // A start that is not the agreed state at lo (e.g. one chosen so that the op looks right).
        bytes32[] memory badStart = _one(bytes32(uint256(ops[0]) - STEP));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierStartStateMismatch.selector,
                gameId,
                keccak256(abi.encode(spec, uint256(499), badStart)),
                g.loState
            )
        );
        vm.prank(asserter);
        verifier.postTrace(gameId, badStart, ops, end);
        // An end that is not the asserter's disputed state at hi (the honest value, op and end agreeing).
        bytes32[] memory honest = _one(bytes32(uint256(500 * STEP)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierEndStateMismatch.selector,
                gameId,
                keccak256(abi.encode(spec, uint256(500), honest)),
                g.hiState
            )
        );
        vm.prank(asserter);
        verifier.postTrace(gameId, start, honest, honest);
        // The end component is not the output root of the op the layout names.
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierEndComponentMismatch.selector, gameId, 0, 0));
        vm.prank(asserter);
        verifier.postTrace(gameId, start, honest, end);
        // Wrong list lengths.
        bytes32[] memory none = new bytes32[](0);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierBadTraceLength.selector, gameId, "startComponents", 0, 1)
        );
        vm.prank(asserter);
        verifier.postTrace(gameId, none, ops, end);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierBadTraceLength.selector, gameId, "opRoots", 0, 1)
        );
        vm.prank(asserter);
        verifier.postTrace(gameId, start, none, end);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierBadTraceLength.selector, gameId, "endComponents", 0, 1)
        );
        vm.prank(asserter);
        verifier.postTrace(gameId, start, ops, none);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, challenger1, asserter)
        );
        vm.prank(challenger1);
        verifier.postTrace(gameId, start, ops, end);
    }

    function test_oneTransitionProgram_startsAtLevelB() public {
        vm.prank(asserter);
        uint256 claimId = verifier.postClaim(0, spec1, _stateOf(spec1, 1, STEP + 1), WINDOW, keccak256("r"), MIN_BOND);
        vm.prank(challenger1);
        uint256 gameId = verifier.challenge(claimId, _stateOf(spec1, 1, STEP), MIN_BOND);
        assertEq(uint8(_game(gameId).phase), uint8(IOptimisticVerifier.GamePhase.Trace));
        vm.prank(asserter);
        verifier.postTrace(gameId, _one(bytes32(0)), _one(bytes32(STEP + 1)), _one(bytes32(STEP + 1)));
        vm.prank(challenger1);
        verifier.pickElement(gameId, 0, 0);
        vm.prank(asserter);
        verifier.openElement(gameId, _one(bytes32(0)), _one(bytes32(STEP + 1)), "");
        assertEq(_game(gameId).winner, challenger1);
    }

    // ------------------------------------------------------------ level C

    function test_pickElement_revertsOutOfRange() public {
        (, uint256 gameId) = _toTrace();
        _postTrace(gameId);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierElementOutOfRange.selector, gameId, 8, 8));
        vm.prank(challenger1);
        verifier.pickElement(gameId, 0, 8);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierOpOutOfRange.selector, gameId, 1, 1));
        vm.prank(challenger1);
        verifier.pickElement(gameId, 1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, asserter, challenger1)
        );
        vm.prank(asserter);
        verifier.pickElement(gameId, 0, 0);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.ElementPicked(gameId, 0, 7);
        vm.prank(challenger1);
        verifier.pickElement(gameId, 0, 7);
    }

    function test_openElement_revertsOnTraceMismatchBadOpeningOrCaller() public {
        (, uint256 gameId) = _toTrace();
        _postTrace(gameId);
        _pick(gameId, 0);
        (bytes32[] memory start, bytes32[] memory ops,) = _trace(gameId);
        bytes32[] memory other = _one(bytes32(uint256(1)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierTraceMismatch.selector,
                gameId,
                keccak256(abi.encode(start, other)),
                keccak256(abi.encode(start, ops))
            )
        );
        vm.prank(asserter);
        verifier.openElement(gameId, start, other, "");
        vm.expectRevert(abi.encodeWithSelector(IStepReferee.RefereeBadOpening.selector, "opening: bad proof"));
        vm.prank(asserter);
        verifier.openElement(gameId, start, ops, "bad");
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierNotYourTurn.selector, gameId, challenger1, asserter)
        );
        vm.prank(challenger1);
        verifier.openElement(gameId, start, ops, "");
    }

    // ------------------------------------------------------------ whole games

    /// @dev A lying asserter (state 500 corrupted) on a market lease: caught at transition 499 -> 500, its bond
    ///      goes to the challenger less the burn, the tenant is refunded and the provider's stake slashed.
    function test_game_lyingAsserterOnLease_slashedAndTenantRefunded() public {
        uint256 leaseId = _leaseWithResult();
        wrongFrom[provider1] = 500;
        uint256 claimId = _postLeaseClaim(leaseId);
        uint256 gameId = _challenge(challenger1, claimId);
        uint256 stakeBefore = staking.stakeOf(provider1, PROVIDER_ROLE);
        uint256 tenantBefore = market.balanceOf(tenant, address(token));
        uint256 challengerBefore = token.balanceOf(challenger1);
        uint256 supplyBefore = token.totalSupply();

        _bisectToTransition(gameId);
        assertEq(_game(gameId).lo, 499);
        _postTrace(gameId);
        _pick(gameId, 0);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.GameResolved(
            gameId, claimId, challenger1, IOptimisticVerifier.Resolution.ElementChecked
        );
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.ClaimRejected(claimId, gameId, leaseId);
        _open(gameId);

        assertEq(token.balanceOf(challenger1), challengerBefore + MIN_BOND + MIN_BOND - _burn(MIN_BOND));
        assertEq(token.totalSupply(), supplyBefore - _burn(MIN_BOND)); // burned: NoosToken is ERC20Burnable
        assertEq(verifier.totalBurned(), _burn(MIN_BOND));
        assertEq(uint8(verifier.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Rejected));
        assertEq(uint8(_leaseState(leaseId)), uint8(IComputeMarket.LeaseState.Failed));
        assertEq(market.balanceOf(tenant, address(token)), tenantBefore + DEPOSIT); // escrow credited back
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), stakeBefore - _deadlineSlash()); // slashed
        assertEq(verifier.totalHeld(), 0);
        assertEq(token.balanceOf(address(verifier)), 0);
    }

    /// @dev An honest asserter meets a lying challenger: the challenger loses its bond; the claim then finalizes
    ///      and the lease pays the provider.
    function test_game_lyingChallenger_losesBond_thenFinalize() public {
        uint256 leaseId = _leaseWithResult();
        uint256 claimId = _postLeaseClaim(leaseId);
        wrongFrom[challenger1] = 321;
        uint256 gameId = _challenge(challenger1, claimId);
        uint256 providerBefore = token.balanceOf(provider1);
        _playOut(gameId);
        IOptimisticVerifier.Game memory g = _game(gameId);
        assertEq(g.winner, provider1);
        assertEq(g.lo, 320);
        assertEq(token.balanceOf(provider1), providerBefore + MIN_BOND - _burn(MIN_BOND));
        assertEq(uint8(verifier.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Open));

        vm.warp(verifier.getClaim(claimId).windowEnds);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.ClaimFinalized(claimId, leaseId);
        verifier.finalize(claimId);
        assertEq(uint8(_leaseState(leaseId)), uint8(IComputeMarket.LeaseState.Completed));
        assertEq(token.balanceOf(provider1), providerBefore + MIN_BOND - _burn(MIN_BOND) + MIN_BOND);
        // The job price, fee aside, credited to the provider's market balance.
        assertEq(market.balanceOf(provider1, address(token)), _net(PRICE * JOB_TIMEOUT, params.takeRateBps()));
        assertEq(verifier.totalHeld(), 0);
    }

    /// @dev Two challengers on one claim: the first (lying) loses to the asserter, the second (honest) wins;
    ///      a third open game is closed with its bond refunded.
    function test_game_threeChallengers_oneClaim() public {
        wrongFrom[asserter] = 900;
        uint256 claimId = _postClaim(asserter);
        wrongFrom[challenger1] = 100; // lies earlier than the asserter: the asserter is right about 100
        uint256 g1 = _challenge(challenger1, claimId);
        uint256 g2 = _challenge(challenger2, claimId);
        address third = makeAddr("third");
        _fund(third, PROVIDER_FUNDS);
        vm.prank(third);
        token.approve(address(verifier), type(uint256).max);
        wrongFrom[third] = HONEST;
        uint256 g3 = _challenge(third, claimId);
        assertEq(verifier.gamesOf(claimId).length, 3);

        _playOut(g1);
        assertEq(_game(g1).winner, asserter);
        _playOut(g2);
        assertEq(_game(g2).winner, challenger2);
        assertEq(_game(g2).lo, 899);

        // Game 3 can no longer move; anyone closes it with a refund.
        bytes32[] memory states = _bisection(g3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierClaimNotOpen.selector, claimId, IOptimisticVerifier.ClaimStatus.Rejected
            )
        );
        vm.prank(asserter);
        verifier.bisect(g3, states);
        uint256 before = token.balanceOf(third);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.GameResolved(g3, claimId, address(0), IOptimisticVerifier.Resolution.ClaimRejected);
        vm.prank(stranger);
        verifier.closeGame(g3);
        assertEq(token.balanceOf(third), before + MIN_BOND);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierGameResolved.selector, g3));
        verifier.closeGame(g3);
        assertEq(verifier.totalHeld(), 0);
        assertEq(verifier.getClaim(claimId).openGames, 0);
    }

    function test_closeGame_revertsWhileClaimNotRejected() public {
        (uint256 claimId, uint256 gameId) = _openGame();
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierClaimNotRejected.selector, claimId, IOptimisticVerifier.ClaimStatus.Open
            )
        );
        verifier.closeGame(gameId);
    }

    // ------------------------------------------------------------ timeouts

    function test_timeout_asserterSilent_challengerWins() public {
        (uint256 claimId, uint256 gameId) = _openGame();
        uint64 deadline = _game(gameId).deadline;
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierDeadlineNotPassed.selector, gameId, deadline)
        );
        verifier.timeout(gameId);
        vm.warp(deadline + 1);
        uint256 before = token.balanceOf(challenger1);
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.GameResolved(
            gameId, claimId, challenger1, IOptimisticVerifier.Resolution.AsserterTimedOut
        );
        vm.prank(stranger);
        verifier.timeout(gameId);
        assertEq(token.balanceOf(challenger1), before + 2 * MIN_BOND - _burn(MIN_BOND));
        assertEq(uint8(verifier.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Rejected));
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierGameResolved.selector, gameId));
        verifier.timeout(gameId);
    }

    function test_timeout_challengerSilentAtEachLevel_asserterWins() public {
        // Level A (Choose), then Level C (Pick): the challenger goes silent.
        for (uint256 level = 0; level < 2; ++level) {
            (uint256 claimId, uint256 gameId) = _openGame();
            if (level == 0) {
                _bisect(gameId);
            } else {
                _bisectToTransition(gameId);
                _postTrace(gameId);
            }
            vm.warp(_game(gameId).deadline + 1);
            uint256 before = token.balanceOf(asserter);
            verifier.timeout(gameId);
            assertEq(_game(gameId).winner, asserter);
            assertEq(uint8(_game(gameId).resolution), uint8(IOptimisticVerifier.Resolution.ChallengerTimedOut));
            assertEq(token.balanceOf(asserter), before + MIN_BOND - _burn(MIN_BOND));
            assertEq(uint8(verifier.getClaim(claimId).status), uint8(IOptimisticVerifier.ClaimStatus.Open));
        }
    }

    function test_timeout_asserterSilentAtOpen_challengerWins() public {
        (, uint256 gameId) = _toTrace();
        _postTrace(gameId);
        _pick(gameId, 0);
        vm.warp(_game(gameId).deadline + 1);
        verifier.timeout(gameId);
        assertEq(_game(gameId).winner, challenger1);
        assertEq(uint8(_game(gameId).resolution), uint8(IOptimisticVerifier.Resolution.AsserterTimedOut));
    }

    // ------------------------------------------------------------ finalize / resolveUnclaimed

    function test_finalize_revertsBeforeWindowWithOpenGamesAndTwice() public {
        vm.prank(asserter);
        uint256 claimId = verifier.postClaim(0, spec, _state(asserter, N), MIN_WINDOW, keccak256("r"), MIN_BOND);
        uint64 windowEnds = verifier.getClaim(claimId).windowEnds;
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierWindowNotOver.selector, claimId, windowEnds));
        verifier.finalize(claimId);
        wrongFrom[challenger1] = 3;
        uint256 gameId = _challenge(challenger1, claimId);
        vm.warp(windowEnds);
        vm.expectRevert(abi.encodeWithSelector(IOptimisticVerifier.VerifierGamesOpen.selector, claimId, 1));
        verifier.finalize(claimId);
        _playOut(gameId);
        uint256 before = token.balanceOf(asserter);
        verifier.finalize(claimId);
        assertEq(token.balanceOf(asserter), before + MIN_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierClaimNotOpen.selector, claimId, IOptimisticVerifier.ClaimStatus.Finalized
            )
        );
        verifier.finalize(claimId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOptimisticVerifier.VerifierClaimNotOpen.selector, claimId, IOptimisticVerifier.ClaimStatus.Finalized
            )
        );
        _challenge(challenger2, claimId);
    }

    function test_finalize_unchallengedLeaseReleasesPayment() public {
        uint256 leaseId = _leaseWithResult();
        uint256 claimId = _postLeaseClaim(leaseId);
        vm.warp(block.timestamp + WINDOW);
        verifier.finalize(claimId);
        assertEq(uint8(_leaseState(leaseId)), uint8(IComputeMarket.LeaseState.Completed));
    }

    function test_resolveUnclaimed_tenantWinsAfterResponseWindow() public {
        uint256 leaseId = _leaseWithResult();
        vm.prank(tenant);
        market.disputeResult(leaseId);
        uint256 deadline = market.getLease(leaseId).disputeEndsAt + RESPONSE_WINDOW;
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierClaimResponseOpen.selector, leaseId, deadline)
        );
        verifier.resolveUnclaimed(leaseId);
        vm.warp(deadline + 1);
        uint256 before = market.balanceOf(tenant, address(token));
        vm.expectEmit(true, true, true, true, address(verifier));
        emit IOptimisticVerifier.UnclaimedResolved(leaseId);
        vm.prank(stranger);
        verifier.resolveUnclaimed(leaseId);
        assertEq(uint8(_leaseState(leaseId)), uint8(IComputeMarket.LeaseState.Failed));
        assertEq(market.balanceOf(tenant, address(token)), before + DEPOSIT); // escrow credited back
    }

    function test_resolveUnclaimed_revertsWhenNotDisputedOrClaimed() public {
        uint256 leaseId = _leaseWithResult();
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierLeaseNotDisputed.selector, leaseId, uint8(2))
        );
        verifier.resolveUnclaimed(leaseId);
        uint256 claimId = _postLeaseClaim(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(IOptimisticVerifier.VerifierLeaseAlreadyClaimed.selector, leaseId, claimId)
        );
        verifier.resolveUnclaimed(leaseId);
    }

    // ------------------------------------------------------------ burn fallback

    function test_burn_fallsBackToTreasuryForTokenWithoutBurn() public {
        PlainToken plain = new PlainToken();
        OptimisticVerifier v = new OptimisticVerifier(IERC20(address(plain)), market, params, referee, _config());
        plain.mint(asserter, MIN_BOND);
        plain.mint(challenger1, MIN_BOND);
        vm.prank(asserter);
        plain.approve(address(v), MIN_BOND);
        vm.prank(challenger1);
        plain.approve(address(v), MIN_BOND);
        vm.prank(asserter);
        uint256 claimId = v.postClaim(0, spec, bytes32(uint256(1)), WINDOW, bytes32(uint256(1)), MIN_BOND);
        vm.prank(challenger1);
        uint256 gameId = v.challenge(claimId, bytes32(uint256(2)), MIN_BOND);
        vm.warp(block.timestamp + MOVE_TIMEOUT + 1);
        vm.expectEmit(true, true, true, true, address(v));
        emit IOptimisticVerifier.BondBurned(gameId, _burn(MIN_BOND), false);
        v.timeout(gameId);
        assertEq(plain.balanceOf(IProtocolParams(address(params)).treasury()), _burn(MIN_BOND));
        assertEq(plain.balanceOf(challenger1), 2 * MIN_BOND - _burn(MIN_BOND));
    }
}

/// @dev An ERC-20 without burn (for the treasury fallback).
contract PlainToken is ERC20 {
    constructor() ERC20("Plain", "PLN") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

