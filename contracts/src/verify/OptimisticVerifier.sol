// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IComputeMarket} from "../market/IComputeMarket.sol";
import {IOptimisticVerifier} from "./IOptimisticVerifier.sol";
import {IStepReferee} from "./IStepReferee.sol";
import {TensorMerkle} from "./referee/TensorMerkle.sol";

/// @title OptimisticVerifier
/// @notice Bonded claims about fixed-point programs and their three-level bisection dispute games
///         (see IOptimisticVerifier). On the devnet it is the market's arbiter.
contract OptimisticVerifier is IOptimisticVerifier, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;
    uint256 private constant MIN_ARITY = 2;
    uint256 private constant MAX_ARITY = 256;
    /// @dev K: one reveal opens up to 2^K nodes, K levels below the requested node.
    uint256 private constant REVEAL_LEVELS = 4;
    /// @dev A request is packed in Game.element as (level + 1) << REQUEST_SHIFT | index (uint64): levels stay
    ///      below 56 so that level + 1 fits in the top byte and index < 2^level in the low 56 bits.
    uint256 private constant REQUEST_SHIFT = 56;
    uint256 private constant MAX_REQUEST_LEVEL = 56;

    IERC20 private immutable _token;
    IComputeMarket private immutable _market;
    IProtocolParams private immutable _params;
    IStepReferee private immutable _referee;
    uint256 private immutable _minBond;
    uint64 private immutable _minWindow;
    uint64 private immutable _moveTimeout;
    uint64 private immutable _claimResponseWindow;
    uint16 private immutable _arity;
    uint16 private immutable _burnBps;

    mapping(uint256 claimId => Claim) private _claims;
    mapping(uint256 gameId => Game) private _games;
    mapping(uint256 claimId => uint256[]) private _gamesOf;
    mapping(uint256 leaseId => uint256) private _claimOfLease;
    uint256 private _claimCount;
    uint256 private _gameCount;
    uint256 private _totalHeld;
    uint256 private _totalBurned;

    /// @param token_ The bond token (NOOS).
    /// @param market_ The compute market (this contract must be its arbiter in `params_`).
    /// @param params_ The protocol parameters (arbiter, treasury).
    /// @param referee_ The step referee.
    /// @param cfg The game parameters.
    constructor(
        IERC20 token_,
        IComputeMarket market_,
        IProtocolParams params_,
        IStepReferee referee_,
        Config memory cfg
    ) {
        if (address(token_) == address(0)) revert VerifierZeroAddress("token");
        if (address(market_) == address(0)) revert VerifierZeroAddress("market");
        if (address(params_) == address(0)) revert VerifierZeroAddress("params");
        if (address(referee_) == address(0)) revert VerifierZeroAddress("referee");
        if (cfg.arity < MIN_ARITY || cfg.arity > MAX_ARITY) {
            revert VerifierInvalidArity(cfg.arity, MIN_ARITY, MAX_ARITY);
        }
        if (cfg.burnBps > BPS) revert VerifierInvalidBurnBps(cfg.burnBps, BPS);
        if (cfg.moveTimeout == 0) revert VerifierInvalidMoveTimeout(0);
        _token = token_;
        _market = market_;
        _params = params_;
        _referee = referee_;
        _minBond = cfg.minBond;
        _minWindow = cfg.minWindow;
        _moveTimeout = cfg.moveTimeout;
        _claimResponseWindow = cfg.claimResponseWindow;
        _arity = cfg.arity;
        _burnBps = cfg.burnBps;
    }

    // ------------------------------------------------------------------ claims

    /// @inheritdoc IOptimisticVerifier
    function postClaim(
        uint256 leaseId,
        bytes32 specHash,
        bytes32 finalState,
        uint64 challengeWindow,
        bytes32 resultHash,
        uint256 bond
    ) external nonReentrant returns (uint256 claimId) {
        if (bond < _minBond || bond == 0) {
            revert VerifierBondTooLow(bond, _minBond == 0 ? 1 : _minBond);
        }
        if (challengeWindow < _minWindow) revert VerifierWindowTooShort(challengeWindow, _minWindow);
        if (finalState == bytes32(0)) revert VerifierZeroHash("finalState");
        if (resultHash == bytes32(0)) revert VerifierZeroHash("resultHash");
        if (!_referee.isRegistered(specHash)) revert VerifierUnknownSpec(specHash);
        uint256 n = _referee.numTransitions(specHash);
        if (n == 0) revert VerifierEmptyProgram(specHash);

        claimId = ++_claimCount;
        if (leaseId != 0) _bindLease(leaseId, claimId, resultHash);

        uint64 windowEnds = uint64(block.timestamp) + challengeWindow;
        _claims[claimId] = Claim({
            asserter: msg.sender,
            windowEnds: windowEnds,
            status: ClaimStatus.Open,
            openGames: 0,
            leaseId: leaseId,
            specHash: specHash,
            finalState: finalState,
            resultHash: resultHash,
            bond: bond,
            numTransitions: n
        });
        _totalHeld += bond;
        emit ClaimPosted(claimId, leaseId, msg.sender, specHash, finalState, resultHash, bond, windowEnds);
        _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @dev Checks the lease for a new claim and freezes its payment.
    function _bindLease(uint256 leaseId, uint256 claimId, bytes32 resultHash) private {
        uint256 existing = _claimOfLease[leaseId];
        if (existing != 0) revert VerifierLeaseAlreadyClaimed(leaseId, existing);
        IComputeMarket.Lease memory lease = _market.getLease(leaseId);
        if (msg.sender != lease.provider) revert VerifierNotLeaseProvider(leaseId, msg.sender, lease.provider);
        bool submitted = lease.state == IComputeMarket.LeaseState.ResultSubmitted;
        if (!submitted && lease.state != IComputeMarket.LeaseState.Disputed) {
            revert VerifierLeaseNotClaimable(leaseId, uint8(lease.state));
        }
        if (resultHash != lease.resultHash) revert VerifierResultMismatch(leaseId, resultHash, lease.resultHash);
        // Submitted: the claim must come within the lease's dispute window and freezes the payment. Disputed by
        // the tenant: the provider has until disputeEndsAt + claimResponseWindow.
        uint256 deadline = submitted ? lease.disputeEndsAt : uint256(lease.disputeEndsAt) + _claimResponseWindow;
        if (submitted ? block.timestamp >= deadline : block.timestamp > deadline) {
            revert VerifierLeaseClaimTooLate(leaseId, deadline);
        }
        _claimOfLease[leaseId] = claimId;
        if (submitted) _market.disputeResult(leaseId);
    }

    /// @inheritdoc IOptimisticVerifier
    function challenge(uint256 claimId, bytes32 challengerFinal, uint256 bond)
        external
        nonReentrant
        returns (uint256 gameId)
    {
        Claim storage c = _openClaim(claimId);
        if (block.timestamp >= c.windowEnds) revert VerifierChallengeWindowClosed(claimId, c.windowEnds);
        if (bond < _minBond || bond == 0) revert VerifierBondTooLow(bond, _minBond == 0 ? 1 : _minBond);
        if (challengerFinal == bytes32(0)) revert VerifierZeroHash("challengerFinal");
        if (challengerFinal == c.finalState) revert VerifierSameFinalState(claimId, challengerFinal);
        if (msg.sender == c.asserter) revert VerifierSelfChallenge(claimId, msg.sender);

        gameId = ++_gameCount;
        uint256 n = c.numTransitions;
        Game storage g = _games[gameId];
        g.claimId = claimId;
        g.challenger = msg.sender;
        g.phase = n == 1 ? GamePhase.Trace : GamePhase.Bisect;
        g.deadline = _nextDeadline();
        g.lo = 0;
        g.hi = uint64(n);
        g.challengerFinal = challengerFinal;
        g.loState = _referee.genesisState(c.specHash);
        g.hiState = c.finalState;
        g.bond = bond;
        _gamesOf[claimId].push(gameId);
        c.openGames += 1;
        _totalHeld += bond;
        emit ClaimChallenged(claimId, gameId, msg.sender, challengerFinal, bond);
        _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    // ------------------------------------------------------------------ level A

    /// @inheritdoc IOptimisticVerifier
    function bisect(uint256 gameId, bytes32[] calldata states) external nonReentrant {
        (Game storage g,) = _move(gameId, GamePhase.Bisect, true);
        uint256 k = _splitCount(g.lo, g.hi);
        if (states.length != k) revert VerifierBadBisectionLength(gameId, states.length, k);
        g.commitment = keccak256(abi.encode(states));
        g.phase = GamePhase.Choose;
        g.deadline = _nextDeadline();
        emit StatesBisected(gameId, g.lo, g.hi, states);
    }

    /// @inheritdoc IOptimisticVerifier
    function chooseInterval(uint256 gameId, bytes32[] calldata states, uint256 index) external nonReentrant {
        (Game storage g,) = _move(gameId, GamePhase.Choose, false);
        bytes32 h = keccak256(abi.encode(states));
        if (h != g.commitment) revert VerifierStatesMismatch(gameId, h, g.commitment);
        uint256 k = states.length;
        if (index > k) revert VerifierBadInterval(gameId, index, k);
        uint256 lo = g.lo;
        uint256 span = uint256(g.hi) - lo;
        uint256 newLo = lo + (index * span) / (k + 1);
        uint256 newHi = lo + ((index + 1) * span) / (k + 1);
        if (index > 0) g.loState = states[index - 1];
        if (index < k) g.hiState = states[index];
        g.lo = uint64(newLo);
        g.hi = uint64(newHi);
        g.commitment = bytes32(0);
        g.phase = newHi == newLo + 1 ? GamePhase.Trace : GamePhase.Bisect;
        g.deadline = _nextDeadline();
        emit IntervalChosen(gameId, newLo, newHi, g.loState, g.hiState);
    }

    // ------------------------------------------------------------------ level B

    /// @inheritdoc IOptimisticVerifier
    function postTrace(
        uint256 gameId,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes32[] calldata endComponents
    ) external nonReentrant {
        (Game storage g, Claim storage c) = _move(gameId, GamePhase.Trace, true);
        uint256 t = g.lo;
        _checkLayout(gameId, c.specHash, t, startComponents.length, opRoots, endComponents);
        bytes32 startHash = keccak256(abi.encode(c.specHash, t, startComponents));
        if (startHash != g.loState) revert VerifierStartStateMismatch(gameId, startHash, g.loState);
        bytes32 endHash = keccak256(abi.encode(c.specHash, t + 1, endComponents));
        if (endHash != g.hiState) revert VerifierEndStateMismatch(gameId, endHash, g.hiState);
        g.commitment = keccak256(abi.encode(startComponents, opRoots));
        g.phase = GamePhase.Pick;
        g.deadline = _nextDeadline();
        emit TracePosted(gameId, t, startComponents, opRoots);
    }

    /// @dev Checks the trace's list lengths against the referee's layout of transition t, and that each end
    ///      component is the output root of the op the layout names.
    function _checkLayout(
        uint256 gameId,
        bytes32 specHash,
        uint256 t,
        uint256 nStartGiven,
        bytes32[] calldata opRoots,
        bytes32[] calldata endComponents
    ) private view {
        (uint256 nStart, uint256 nOps, uint256[] memory endSources) = _referee.transitionLayout(specHash, t);
        if (nStartGiven != nStart) revert VerifierBadTraceLength(gameId, "startComponents", nStartGiven, nStart);
        if (opRoots.length != nOps) revert VerifierBadTraceLength(gameId, "opRoots", opRoots.length, nOps);
        if (endComponents.length != endSources.length) {
            revert VerifierBadTraceLength(gameId, "endComponents", endComponents.length, endSources.length);
        }
        for (uint256 i = 0; i < endSources.length; ++i) {
            uint256 src = endSources[i];
            if (src >= nOps || endComponents[i] != opRoots[src]) revert VerifierEndComponentMismatch(gameId, i, src);
        }
    }

    // ------------------------------------------------------------------ reveal (data availability)

    /// @inheritdoc IOptimisticVerifier
    function requestNodes(uint256 gameId, uint256 op, uint256 level, uint256 index) external nonReentrant {
        (Game storage g, Claim storage c) = _move(gameId, GamePhase.Pick, false);
        uint256 depth = TensorMerkle.depthOf(_capacity(gameId, c.specHash, g.lo, op));
        uint256 maxLevel = depth < MAX_REQUEST_LEVEL ? depth : MAX_REQUEST_LEVEL;
        if (level >= maxLevel) revert VerifierLevelOutOfRange(gameId, level, maxLevel);
        if (index >> level != 0) revert VerifierNodeIndexOutOfRange(gameId, index, uint256(1) << level);
        uint256 prev = g.element;
        if (prev != 0) {
            if (op != g.op) revert VerifierRequestOpChanged(gameId, op, g.op);
            uint256 minLevel = prev >> REQUEST_SHIFT; // the previous level + 1
            if (level < minLevel) revert VerifierLevelNotDeeper(gameId, level, minLevel);
        }
        g.op = uint64(op);
        // level < 56 and index < 2^level: fits in 64 bits.
        g.element = uint64(((level + 1) << REQUEST_SHIFT) | index);
        g.phase = GamePhase.Reveal;
        g.deadline = _nextDeadline();
        emit NodesRequested(gameId, op, level, index);
    }

    /// @inheritdoc IOptimisticVerifier
    function revealNodes(
        uint256 gameId,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes32[] calldata nodes,
        bytes32[] calldata proof
    ) external nonReentrant {
        (Game storage g,) = _move(gameId, GamePhase.Reveal, true);
        bytes32 h = keccak256(abi.encode(startComponents, opRoots));
        if (h != g.commitment) revert VerifierTraceMismatch(gameId, h, g.commitment);
        uint256 op = g.op;
        (uint256 level, uint256 index) = _checkReveal(gameId, g, opRoots[op], nodes, proof);
        g.phase = GamePhase.Pick;
        g.deadline = _nextDeadline();
        emit NodesRevealed(gameId, op, level, index, nodes);
    }

    /// @dev Checks a reveal of the pending request (level, index) of op g.op against that op's root `opRoot`:
    ///      2^k nodes, `level` proof siblings, and the nodes hashed up k levels and then through the proof give
    ///      `opRoot`.
    function _checkReveal(
        uint256 gameId,
        Game storage g,
        bytes32 opRoot,
        bytes32[] calldata nodes,
        bytes32[] calldata proof
    ) private view returns (uint256 level, uint256 index) {
        level = (uint256(g.element) >> REQUEST_SHIFT) - 1; // Reveal always has a request: element >= 1 << 56
        index = uint256(g.element) & ((uint256(1) << REQUEST_SHIFT) - 1);
        uint256 width = uint256(1) << _revealLevelsAt(g, level);
        if (nodes.length != width) revert VerifierBadNodeCount(gameId, nodes.length, width);
        if (proof.length != level) revert VerifierBadProofLength(gameId, proof.length, level);
        bytes32 root = TensorMerkle.rootFrom(TensorMerkle.rootOfNodes(nodes), index, proof);
        if (root != opRoot) revert VerifierRevealRootMismatch(gameId, root, opRoot);
    }

    /// @dev k = min(K, depth - level) for op g.op of transition g.lo (level < depth: requestNodes checked it).
    function _revealLevelsAt(Game storage g, uint256 level) private view returns (uint256 k) {
        bytes32 specHash = _claims[g.claimId].specHash;
        k = TensorMerkle.depthOf(_referee.numElements(specHash, g.lo, g.op)) - level;
        if (k > REVEAL_LEVELS) k = REVEAL_LEVELS;
    }

    /// @dev The output capacity of op `op` of transition t; reverts VerifierOpOutOfRange for op >= ops.
    function _capacity(uint256 gameId, bytes32 specHash, uint256 t, uint256 op) private view returns (uint256) {
        (, uint256 nOps,) = _referee.transitionLayout(specHash, t);
        if (op >= nOps) revert VerifierOpOutOfRange(gameId, op, nOps);
        return _referee.numElements(specHash, t, op);
    }

    // ------------------------------------------------------------------ level C

    /// @inheritdoc IOptimisticVerifier
    function pickElement(uint256 gameId, uint256 op, uint256 element) external nonReentrant {
        (Game storage g, Claim storage c) = _move(gameId, GamePhase.Pick, false);
        uint256 cap = _capacity(gameId, c.specHash, g.lo, op);
        if (element >= cap) revert VerifierElementOutOfRange(gameId, element, cap);
        g.op = uint64(op);
        g.element = uint64(element);
        g.phase = GamePhase.Open;
        g.deadline = _nextDeadline();
        emit ElementPicked(gameId, op, element);
    }

    /// @inheritdoc IOptimisticVerifier
    function openElement(
        uint256 gameId,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external nonReentrant {
        (Game storage g, Claim storage c) = _move(gameId, GamePhase.Open, true);
        bytes32 h = keccak256(abi.encode(startComponents, opRoots));
        if (h != g.commitment) revert VerifierTraceMismatch(gameId, h, g.commitment);
        bool asserterCorrect = _checkElement(c.specHash, g, startComponents, opRoots, opening);
        _resolve(gameId, g, c, !asserterCorrect, Resolution.ElementChecked);
    }

    function _checkElement(
        bytes32 specHash,
        Game storage g,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) private view returns (bool) {
        return _referee.checkElement(specHash, g.lo, g.op, g.element, startComponents, opRoots, opening);
    }

    // ------------------------------------------------------------------ endings

    /// @inheritdoc IOptimisticVerifier
    function timeout(uint256 gameId) external nonReentrant {
        Game storage g = _existingGame(gameId);
        if (g.phase == GamePhase.Resolved) revert VerifierGameResolved(gameId);
        Claim storage c = _openClaim(g.claimId);
        if (block.timestamp <= g.deadline) revert VerifierDeadlineNotPassed(gameId, g.deadline);
        bool asserterToMove = _asserterMoves(g.phase);
        _resolve(
            gameId, g, c, asserterToMove, asserterToMove ? Resolution.AsserterTimedOut : Resolution.ChallengerTimedOut
        );
    }

    /// @inheritdoc IOptimisticVerifier
    function closeGame(uint256 gameId) external nonReentrant {
        Game storage g = _existingGame(gameId);
        if (g.phase == GamePhase.Resolved) revert VerifierGameResolved(gameId);
        Claim storage c = _claims[g.claimId];
        if (c.status != ClaimStatus.Rejected) revert VerifierClaimNotRejected(g.claimId, c.status);
        g.phase = GamePhase.Resolved;
        g.resolution = Resolution.ClaimRejected;
        c.openGames -= 1;
        uint256 bond = g.bond;
        _totalHeld -= bond;
        emit GameResolved(gameId, g.claimId, address(0), Resolution.ClaimRejected);
        _token.safeTransfer(g.challenger, bond);
    }

    /// @inheritdoc IOptimisticVerifier
    function finalize(uint256 claimId) external nonReentrant {
        Claim storage c = _openClaim(claimId);
        if (block.timestamp < c.windowEnds) revert VerifierWindowNotOver(claimId, c.windowEnds);
        if (c.openGames != 0) revert VerifierGamesOpen(claimId, c.openGames);
        c.status = ClaimStatus.Finalized;
        uint256 bond = c.bond;
        _totalHeld -= bond;
        emit ClaimFinalized(claimId, c.leaseId);
        if (c.leaseId != 0) _market.resolveDispute(c.leaseId, true);
        _token.safeTransfer(c.asserter, bond);
    }

    /// @inheritdoc IOptimisticVerifier
    function resolveUnclaimed(uint256 leaseId) external nonReentrant {
        uint256 existing = _claimOfLease[leaseId];
        if (existing != 0) revert VerifierLeaseAlreadyClaimed(leaseId, existing);
        IComputeMarket.Lease memory lease = _market.getLease(leaseId);
        if (lease.state != IComputeMarket.LeaseState.Disputed) {
            revert VerifierLeaseNotDisputed(leaseId, uint8(lease.state));
        }
        uint256 deadline = uint256(lease.disputeEndsAt) + _claimResponseWindow;
        if (block.timestamp <= deadline) revert VerifierClaimResponseOpen(leaseId, deadline);
        emit UnclaimedResolved(leaseId);
        _market.resolveDispute(leaseId, false);
    }

    /// @dev Ends a game: the loser's bond goes to the winner less burnBps; a challenger win rejects the claim.
    function _resolve(uint256 gameId, Game storage g, Claim storage c, bool challengerWins, Resolution reason) private {
        g.phase = GamePhase.Resolved;
        g.resolution = reason;
        c.openGames -= 1;
        address winner;
        uint256 loserBond;
        uint256 winnerBond;
        if (challengerWins) {
            winner = g.challenger;
            loserBond = c.bond;
            winnerBond = g.bond;
            c.status = ClaimStatus.Rejected;
        } else {
            winner = c.asserter;
            loserBond = g.bond;
            winnerBond = 0; // the asserter's bond stays with the claim until finalize
        }
        g.winner = winner;
        uint256 burn = (loserBond * _burnBps) / BPS;
        _totalHeld -= loserBond + winnerBond;
        emit GameResolved(gameId, g.claimId, winner, reason);
        if (challengerWins) {
            emit ClaimRejected(g.claimId, gameId, c.leaseId);
            if (c.leaseId != 0) _market.resolveDispute(c.leaseId, false);
        }
        if (burn != 0) _burn(gameId, burn);
        _token.safeTransfer(winner, loserBond - burn + winnerBond);
    }

    /// @dev Burns `amount` of the bond token (NoosToken is ERC20Burnable); a token without burn sends it to the treasury.
    function _burn(uint256 gameId, uint256 amount) private {
        _totalBurned += amount;
        try ERC20Burnable(address(_token)).burn(amount) {
            emit BondBurned(gameId, amount, true);
        } catch {
            emit BondBurned(gameId, amount, false);
            _token.safeTransfer(_params.treasury(), amount);
        }
    }

    // ------------------------------------------------------------------ helpers

    function _existingGame(uint256 gameId) private view returns (Game storage g) {
        g = _games[gameId];
        if (g.phase == GamePhase.None) revert VerifierUnknownGame(gameId);
    }

    function _openClaim(uint256 claimId) private view returns (Claim storage c) {
        c = _claims[claimId];
        if (c.status != ClaimStatus.Open) {
            if (c.status == ClaimStatus.None) revert VerifierUnknownClaim(claimId);
            revert VerifierClaimNotOpen(claimId, c.status);
        }
    }

    /// @dev Checks a move: the game waits for `phase`, the caller is the side to move, the deadline holds.
    function _move(uint256 gameId, GamePhase phase, bool byAsserter)
        private
        view
        returns (Game storage g, Claim storage c)
    {
        g = _existingGame(gameId);
        if (g.phase != phase) {
            if (g.phase == GamePhase.Resolved) revert VerifierGameResolved(gameId);
            revert VerifierWrongPhase(gameId, g.phase, phase);
        }
        c = _openClaim(g.claimId);
        address expected = byAsserter ? c.asserter : g.challenger;
        if (msg.sender != expected) revert VerifierNotYourTurn(gameId, msg.sender, expected);
        if (block.timestamp > g.deadline) revert VerifierMoveTooLate(gameId, g.deadline);
    }

    function _asserterMoves(GamePhase phase) private pure returns (bool) {
        return
            phase == GamePhase.Bisect || phase == GamePhase.Trace || phase == GamePhase.Open
                || phase == GamePhase.Reveal;
    }

    function _nextDeadline() private view returns (uint64) {
        return uint64(block.timestamp) + _moveTimeout;
    }

    function _splitCount(uint256 lo, uint256 hi) private view returns (uint256) {
        uint256 inner = hi - lo - 1;
        return inner < _arity - 1 ? inner : _arity - 1;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IOptimisticVerifier
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IOptimisticVerifier
    function referee() external view returns (IStepReferee) {
        return _referee;
    }

    /// @inheritdoc IOptimisticVerifier
    function market() external view returns (address) {
        return address(_market);
    }

    /// @inheritdoc IOptimisticVerifier
    function revealLevels() external pure returns (uint256) {
        return REVEAL_LEVELS;
    }

    /// @inheritdoc IOptimisticVerifier
    function config() external view returns (Config memory) {
        return Config({
            minBond: _minBond,
            minWindow: _minWindow,
            moveTimeout: _moveTimeout,
            claimResponseWindow: _claimResponseWindow,
            arity: _arity,
            burnBps: _burnBps
        });
    }

    /// @inheritdoc IOptimisticVerifier
    function getClaim(uint256 claimId) external view returns (Claim memory) {
        Claim memory c = _claims[claimId];
        if (c.status == ClaimStatus.None) revert VerifierUnknownClaim(claimId);
        return c;
    }

    /// @inheritdoc IOptimisticVerifier
    function getGame(uint256 gameId) external view returns (Game memory) {
        return _existingGame(gameId);
    }

    /// @inheritdoc IOptimisticVerifier
    function gamesOf(uint256 claimId) external view returns (uint256[] memory) {
        return _gamesOf[claimId];
    }

    /// @inheritdoc IOptimisticVerifier
    function claimOfLease(uint256 leaseId) external view returns (uint256) {
        return _claimOfLease[leaseId];
    }

    /// @inheritdoc IOptimisticVerifier
    function claimCount() external view returns (uint256) {
        return _claimCount;
    }

    /// @inheritdoc IOptimisticVerifier
    function gameCount() external view returns (uint256) {
        return _gameCount;
    }

    /// @inheritdoc IOptimisticVerifier
    function splitPoints(uint256 lo, uint256 hi) external view returns (uint256[] memory points) {
        if (hi <= lo + 1) return points;
        uint256 k = _splitCount(lo, hi);
        points = new uint256[](k);
        uint256 span = hi - lo;
        for (uint256 j = 1; j <= k; ++j) {
            points[j - 1] = lo + (j * span) / (k + 1);
        }
    }

    /// @inheritdoc IOptimisticVerifier
    function totalHeld() external view returns (uint256) {
        return _totalHeld;
    }

    /// @inheritdoc IOptimisticVerifier
    function totalBurned() external view returns (uint256) {
        return _totalBurned;
    }
}
