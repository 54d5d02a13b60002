// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "./IStepReferee.sol";

/// @title IOptimisticVerifier
/// @notice Optimistic verification of deterministic fixed-point programs (training and inference):
///         an asserter posts a bonded claim that a registered program (the referee's spec) ends in
///         `finalState`; during the challenge window anyone may challenge it with a bond. Each
///         challenger plays its own bisection game against the asserter:
///         - Level A (states): the asserter posts k = min(arity - 1, hi - lo - 1) state hashes at
///           the evenly spaced points of (lo, hi) (`splitPoints`); the challenger picks the first
///           sub-interval it disputes (it agrees with the state at its left end). The game starts
///           with lo = 0 (the referee's genesis state) and hi = n (the claim's final state) and
///           stops when hi = lo + 1.
///         - Level B (ops): the asserter opens the disputed transition lo -> hi: its start
///           components, every op's output root and its end components. The contract checks that
///           they hash (stateHash) to the agreed state at lo and to the asserter's state at hi, and
///           that each end component is the output root of the op the referee's layout names: the
///           sub-game's endpoints are bound to the parent game's agreed and disputed states.
///         - Level C (element): the challenger names one output element of one op; the asserter
///           opens it and the referee recomputes it from operands opened by Merkle proofs.
///         - Reveal (data availability, before Level C, optional): the trace commits only to each op's
///           output root, so a challenger that does not have the asserter's output values can ask for
///           them: `requestNodes(op, level, index)` names node (level, index) of op's positional output
///           tree (TensorMerkle, ARITHMETIC.md R10; level 0 = opRoots[op]) and the asserter must answer
///           with `revealNodes`: the 2^k nodes k = min(revealLevels(), depth - level) levels below it
///           (the leaves, i.e. the output values, at the bottom), proven against opRoots[op]. The
///           challenger compares them with its own, requests the first differing node's subtree at a
///           strictly deeper level (same op), and at the leaves names the first differing element with
///           `pickElement`. An asserter that does not answer loses by timeout; the strictly increasing
///           level bounds a game to depth reveals.
///         Every move has a deadline (`moveTimeout`): after it, `timeout` ends the game against the
///         side that had to move.
///
///         Money (NOOS, the market's token): the loser of a game pays its bond to the winner less
///         `burnBps`, which is burned (NoosToken is ERC20Burnable; a token without `burn` sends it
///         to the protocol treasury instead); the winner gets its own bond back. A challenger that
///         wins rejects the claim: the asserter's bond is paid to it, the lease (if any) is resolved
///         against the provider through the market (the tenant is refunded and the provider's locked
///         stake is slashed by the market), and every other game of the claim ends with its
///         challenger's bond refunded (`closeGame`, callable by anyone, so that a claim with many
///         challengers cannot make the winning move run out of gas). A claim whose window has passed
///         with no game open and none lost is final (`finalize`): the lease is resolved for the
///         provider (payment released) and the asserter's bond returned.
///
///         Market leases (leaseId != 0): this contract is the market's arbiter. The lease's
///         provider submits its result to the market first, then posts the claim, which freezes the
///         payment (market.disputeResult) until the claim is final or rejected. A lease that its
///         tenant disputed and whose provider never posts a claim goes to the tenant after
///         lease.disputeEndsAt + claimResponseWindow (`resolveUnclaimed`). Standalone claims
///         (leaseId = 0, e.g. inference outside the market) move only bonds.
interface IOptimisticVerifier {
    /// @notice Lifecycle of a claim.
    enum ClaimStatus {
        None,
        /// @dev Posted; challengeable until windowEnds; games may be running.
        Open,
        /// @dev Unchallenged or defended: final.
        Finalized,
        /// @dev A challenger won a game: the claim is false.
        Rejected
    }

    /// @notice Whose move a game waits for, and at which level.
    enum GamePhase {
        None,
        /// @dev Level A: the asserter posts the states of the next split (`bisect`).
        Bisect,
        /// @dev Level A: the challenger picks the disputed sub-interval (`chooseInterval`).
        Choose,
        /// @dev Level B: the asserter opens the disputed transition (`postTrace`).
        Trace,
        /// @dev Level C: the challenger names one output element (`pickElement`), or first asks for the nodes
        ///      of an op's output tree (`requestNodes` -> Reveal).
        Pick,
        /// @dev Level C: the asserter opens that element for the referee (`openElement`).
        Open,
        /// @dev Over: see `winner` and `resolution`.
        Resolved,
        /// @dev Reveal: the asserter opens the nodes below the node the challenger requested (`revealNodes`);
        ///      then back to Pick.
        Reveal
    }

    /// @notice How a game ended.
    enum Resolution {
        None,
        /// @dev The referee checked the element: right -> asserter wins, wrong -> challenger wins.
        ElementChecked,
        /// @dev The asserter missed a deadline: the challenger wins.
        AsserterTimedOut,
        /// @dev The challenger missed a deadline: the asserter wins.
        ChallengerTimedOut,
        /// @dev Another challenger won first: the claim is rejected and this game's bond refunded.
        ClaimRejected
    }

    /// @notice A bonded claim.
    struct Claim {
        address asserter;
        /// @dev Challenges are accepted while block.timestamp < windowEnds.
        uint64 windowEnds;
        ClaimStatus status;
        /// @dev Games of this claim not yet resolved.
        uint32 openGames;
        /// @dev The market lease the claim is about, or 0 for a standalone claim.
        uint256 leaseId;
        /// @dev The referee's program spec.
        bytes32 specHash;
        /// @dev The asserted state n (n = referee.numTransitions(specHash)).
        bytes32 finalState;
        /// @dev The lease's result hash (or any commitment for a standalone claim).
        bytes32 resultHash;
        uint256 bond;
        /// @dev n: the program's states are 0..n.
        uint256 numTransitions;
    }

    /// @notice One challenger's dispute game against a claim.
    struct Game {
        uint256 claimId;
        address challenger;
        GamePhase phase;
        /// @dev Set when phase == Resolved: the claim's asserter or the challenger (0 if refunded).
        address winner;
        Resolution resolution;
        /// @dev The current move is due by this time (`timeout` after it).
        uint64 deadline;
        /// @dev The disputed interval [lo, hi]: both sides agree on state lo, disagree on state hi.
        uint64 lo;
        uint64 hi;
        /// @dev Level C: the op and output element the challenger named. Reveal (and Pick after a reveal):
        ///      `op` is the requested op and `element` = (level + 1) << 56 | index, the last requested node
        ///      (0: no request yet); pickElement overwrites it with the element.
        uint64 op;
        uint64 element;
        bytes32 challengerFinal;
        /// @dev The agreed state at lo and the asserter's state at hi.
        bytes32 loState;
        bytes32 hiState;
        /// @dev Choose: keccak256(abi.encode(states)) of the last posted split;
        ///      Pick/Open: keccak256(abi.encode(startComponents, opRoots)) of the posted trace.
        bytes32 commitment;
        uint256 bond;
    }

    /// @notice Deployment parameters (fixed for the contract's life).
    struct Config {
        /// @dev Smallest bond of a claim or a challenge (token units).
        uint256 minBond;
        /// @dev Smallest challenge window of a claim (seconds).
        uint64 minWindow;
        /// @dev Time each side has for a move (seconds).
        uint64 moveTimeout;
        /// @dev After lease.disputeEndsAt, how long a provider whose lease its tenant disputed has to post
        ///      a claim before `resolveUnclaimed` gives the lease to the tenant (seconds).
        uint64 claimResponseWindow;
        /// @dev Level A splits each interval into (up to) this many sub-intervals (2..256).
        uint16 arity;
        /// @dev Share of a loser's bond burned, in bps (<= 10_000).
        uint16 burnBps;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor address is zero (`field` names it).
    error VerifierZeroAddress(string field);
    /// @notice The arity is outside [min, max].
    error VerifierInvalidArity(uint256 arity, uint256 min, uint256 max);
    /// @notice burnBps is above `max`.
    error VerifierInvalidBurnBps(uint256 burnBps, uint256 max);
    /// @notice The move timeout is zero.
    error VerifierInvalidMoveTimeout(uint256 moveTimeout);
    /// @notice The bond is below the minimum.
    error VerifierBondTooLow(uint256 bond, uint256 minimum);
    /// @notice The challenge window is below the minimum.
    error VerifierWindowTooShort(uint256 window, uint256 minimum);
    /// @notice The referee does not know this spec.
    error VerifierUnknownSpec(bytes32 specHash);
    /// @notice The referee's spec has no transitions.
    error VerifierEmptyProgram(bytes32 specHash);
    /// @notice A state or result hash is zero (`field` names it).
    error VerifierZeroHash(string field);
    /// @notice Only the lease's provider may post a claim for it.
    error VerifierNotLeaseProvider(uint256 leaseId, address caller, address provider);
    /// @notice The lease is not in a state a claim can be posted for (ResultSubmitted, or Disputed by its tenant).
    error VerifierLeaseNotClaimable(uint256 leaseId, uint8 state);
    /// @notice The claim's result hash is not the lease's.
    error VerifierResultMismatch(uint256 leaseId, bytes32 resultHash, bytes32 leaseResultHash);
    /// @notice Too late to post a claim for the lease (deadline = disputeEndsAt, or disputeEndsAt +
    ///         claimResponseWindow when the tenant disputed).
    error VerifierLeaseClaimTooLate(uint256 leaseId, uint256 deadline);
    /// @notice The lease already has a claim.
    error VerifierLeaseAlreadyClaimed(uint256 leaseId, uint256 claimId);
    /// @notice No claim has this id.
    error VerifierUnknownClaim(uint256 claimId);
    /// @notice The claim is not open (finalized or rejected).
    error VerifierClaimNotOpen(uint256 claimId, ClaimStatus status);
    /// @notice The challenge window closed at `windowEnds`.
    error VerifierChallengeWindowClosed(uint256 claimId, uint256 windowEnds);
    /// @notice The challenger's final state is the claim's own.
    error VerifierSameFinalState(uint256 claimId, bytes32 finalState);
    /// @notice The asserter cannot challenge its own claim.
    error VerifierSelfChallenge(uint256 claimId, address asserter);
    /// @notice No game has this id.
    error VerifierUnknownGame(uint256 gameId);
    /// @notice The game waits for another move (`expected`), not this one.
    error VerifierWrongPhase(uint256 gameId, GamePhase phase, GamePhase expected);
    /// @notice Only `expected` may make this move.
    error VerifierNotYourTurn(uint256 gameId, address caller, address expected);
    /// @notice The move's deadline has passed: only `timeout` is left.
    error VerifierMoveTooLate(uint256 gameId, uint256 deadline);
    /// @notice The move's deadline has not passed yet.
    error VerifierDeadlineNotPassed(uint256 gameId, uint256 deadline);
    /// @notice A bisection must post exactly `expected` states.
    error VerifierBadBisectionLength(uint256 gameId, uint256 length, uint256 expected);
    /// @notice The states passed back are not the ones the asserter posted.
    error VerifierStatesMismatch(uint256 gameId, bytes32 hash, bytes32 expected);
    /// @notice The interval index is above `max` (= the number of states posted).
    error VerifierBadInterval(uint256 gameId, uint256 index, uint256 max);
    /// @notice A trace list has the wrong length (`field`: startComponents, opRoots or endComponents).
    error VerifierBadTraceLength(uint256 gameId, string field, uint256 length, uint256 expected);
    /// @notice The trace's start components do not hash to the agreed state at lo.
    error VerifierStartStateMismatch(uint256 gameId, bytes32 computed, bytes32 expected);
    /// @notice The trace's end components do not hash to the asserter's state at hi.
    error VerifierEndStateMismatch(uint256 gameId, bytes32 computed, bytes32 expected);
    /// @notice End component `index` is not the output root of op `op` (the layout's source).
    error VerifierEndComponentMismatch(uint256 gameId, uint256 index, uint256 op);
    /// @notice The op index is not below the transition's op count.
    error VerifierOpOutOfRange(uint256 gameId, uint256 op, uint256 ops);
    /// @notice The element index is not below the op's output capacity.
    error VerifierElementOutOfRange(uint256 gameId, uint256 element, uint256 elements);
    /// @notice The requested level is not below `depth` (the op's output tree depth, or 56 for a tree deeper
    ///         than the packed request can hold).
    error VerifierLevelOutOfRange(uint256 gameId, uint256 level, uint256 depth);
    /// @notice The requested node index is not below `nodes` (= 2^level, the number of nodes at that level).
    error VerifierNodeIndexOutOfRange(uint256 gameId, uint256 index, uint256 nodes);
    /// @notice A request must go strictly deeper than the previous one: level >= `minimum`.
    error VerifierLevelNotDeeper(uint256 gameId, uint256 level, uint256 minimum);
    /// @notice A request must name the same op as the game's previous request (`expected`).
    error VerifierRequestOpChanged(uint256 gameId, uint256 op, uint256 expected);
    /// @notice A reveal must send exactly `expected` (= 2^k) nodes.
    error VerifierBadNodeCount(uint256 gameId, uint256 length, uint256 expected);
    /// @notice A reveal's proof must have exactly `expected` (= the requested level) siblings.
    error VerifierBadProofLength(uint256 gameId, uint256 length, uint256 expected);
    /// @notice The revealed nodes, hashed up to the requested node and through the proof, give `computed`,
    ///         not the op's committed output root `expected`.
    error VerifierRevealRootMismatch(uint256 gameId, bytes32 computed, bytes32 expected);
    /// @notice The opened trace is not the one the asserter posted.
    error VerifierTraceMismatch(uint256 gameId, bytes32 hash, bytes32 expected);
    /// @notice The game is over.
    error VerifierGameResolved(uint256 gameId);
    /// @notice The claim is not rejected: the game cannot be closed with a refund.
    error VerifierClaimNotRejected(uint256 claimId, ClaimStatus status);
    /// @notice The claim's window ends at `windowEnds`.
    error VerifierWindowNotOver(uint256 claimId, uint256 windowEnds);
    /// @notice Games of the claim are still being played.
    error VerifierGamesOpen(uint256 claimId, uint256 openGames);
    /// @notice The lease is not disputed (its state is `state`).
    error VerifierLeaseNotDisputed(uint256 leaseId, uint8 state);
    /// @notice The provider may still post a claim until `deadline`.
    error VerifierClaimResponseOpen(uint256 leaseId, uint256 deadline);

    // ------------------------------------------------------------------ events

    /// @notice `asserter` claimed that spec `specHash` ends in `finalState`; challengeable until `windowEnds`.
    event ClaimPosted(
        uint256 indexed claimId,
        uint256 indexed leaseId,
        address indexed asserter,
        bytes32 specHash,
        bytes32 finalState,
        bytes32 resultHash,
        uint256 bond,
        uint64 windowEnds
    );
    /// @notice `challenger` opened game `gameId` against the claim, asserting `challengerFinal` instead.
    event ClaimChallenged(
        uint256 indexed claimId,
        uint256 indexed gameId,
        address indexed challenger,
        bytes32 challengerFinal,
        uint256 bond
    );
    /// @notice The asserter posted the states at `splitPoints(lo, hi)`.
    event StatesBisected(uint256 indexed gameId, uint256 lo, uint256 hi, bytes32[] states);
    /// @notice The challenger chose the interval [lo, hi] (agreeing with loState, disputing hiState).
    event IntervalChosen(uint256 indexed gameId, uint256 lo, uint256 hi, bytes32 loState, bytes32 hiState);
    /// @notice The asserter opened transition t (state t -> t + 1) with these op output roots.
    event TracePosted(uint256 indexed gameId, uint256 t, bytes32[] startComponents, bytes32[] opRoots);
    /// @notice The challenger disputes output element `element` of op `op`.
    event ElementPicked(uint256 indexed gameId, uint256 op, uint256 element);
    /// @notice The challenger asks for the nodes below node (`level`, `index`) of op `op`'s output tree.
    event NodesRequested(uint256 indexed gameId, uint256 op, uint256 level, uint256 index);
    /// @notice The asserter revealed `nodes`: the 2^k nodes at level + k below node (`level`, `index`) of op
    ///         `op`'s output tree, left to right (k = min(revealLevels(), depth - level); at the leaf level
    ///         they are the output values, 8 int32 per word, R10).
    event NodesRevealed(uint256 indexed gameId, uint256 op, uint256 level, uint256 index, bytes32[] nodes);
    /// @notice The game ended; `winner` is 0 when it was refunded because another game rejected the claim.
    event GameResolved(uint256 indexed gameId, uint256 indexed claimId, address indexed winner, Resolution reason);
    /// @notice The claim is final: the asserter's bond is returned and the lease's payment released.
    event ClaimFinalized(uint256 indexed claimId, uint256 indexed leaseId);
    /// @notice Game `gameId` proved the claim false: the lease is resolved for its tenant.
    event ClaimRejected(uint256 indexed claimId, uint256 indexed gameId, uint256 indexed leaseId);
    /// @notice The tenant's dispute of `leaseId` got no claim in time: resolved for the tenant.
    event UnclaimedResolved(uint256 indexed leaseId);
    /// @notice `amount` of a loser's bond was burned (or sent to the treasury when `burned` is false).
    event BondBurned(uint256 indexed gameId, uint256 amount, bool burned);

    // ------------------------------------------------------------------ moves

    /// @notice Posts a claim with `bond` NOOS (approve first). For a market lease the caller must be its
    ///         provider, the lease must hold a result with hash `resultHash` (ResultSubmitted before its
    ///         dispute window ends, or Disputed by the tenant until disputeEndsAt + claimResponseWindow),
    ///         and the lease's payment is frozen (market.disputeResult). One claim per lease.
    /// @param leaseId The market lease, or 0 for a standalone claim.
    /// @param specHash A spec registered with the referee.
    /// @param finalState The asserted state n of the program.
    /// @param challengeWindow Seconds during which the claim can be challenged (>= minWindow).
    /// @param resultHash The lease's result hash (any nonzero commitment for a standalone claim).
    /// @param bond Bond (>= minBond), pulled from the caller.
    /// @return claimId The new claim's id (from 1).
    function postClaim(
        uint256 leaseId,
        bytes32 specHash,
        bytes32 finalState,
        uint64 challengeWindow,
        bytes32 resultHash,
        uint256 bond
    ) external returns (uint256 claimId);

    /// @notice Challenges an open claim before its window ends, with `bond` (>= minBond) and the final state the
    ///         challenger computed (must differ from the claim's). Opens a game; the asserter moves first.
    /// @return gameId The new game's id (from 1).
    function challenge(uint256 claimId, bytes32 challengerFinal, uint256 bond) external returns (uint256 gameId);

    /// @notice Level A, asserter: posts the state hashes at `splitPoints(lo, hi)` (exactly that many).
    function bisect(uint256 gameId, bytes32[] calldata states) external;

    /// @notice Level A, challenger: passes back the asserter's last states and picks sub-interval `index`
    ///         (0 ..= states.length): [points[index], points[index + 1]] with points = [lo, splitPoints.., hi].
    function chooseInterval(uint256 gameId, bytes32[] calldata states, uint256 index) external;

    /// @notice Level B, asserter: opens the disputed transition lo -> lo + 1. The start components must hash
    ///         to the agreed state at lo, the end components to the asserter's state at hi, and end component c
    ///         must equal opRoots[endSources[c]] (referee.transitionLayout).
    function postTrace(
        uint256 gameId,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes32[] calldata endComponents
    ) external;

    /// @notice Reveal, challenger (in Pick): asks the asserter for the nodes below node (`level`, `index`) of op
    ///         `op`'s output tree (level 0 = the root opRoots[op]; the leaves are at depth =
    ///         TensorMerkle.depthOf(referee.numElements(specHash, lo, op))). Requires op < ops, level < depth,
    ///         index < 2^level, and, after an earlier request of this game, the same op and a strictly
    ///         greater level. The asserter must answer (`revealNodes`) before the deadline or lose.
    function requestNodes(uint256 gameId, uint256 op, uint256 level, uint256 index) external;

    /// @notice Reveal, asserter: passes back its trace (must hash to the posted one) and reveals the 2^k nodes
    ///         (k = min(revealLevels(), depth - level)) at level + k below the requested node, left to right,
    ///         with `proof`: the requested node's `level` siblings, bottom-up, positional. The nodes hashed up k
    ///         levels, then through the proof, must give opRoots[op]. Back to Pick (the challenger).
    function revealNodes(
        uint256 gameId,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes32[] calldata nodes,
        bytes32[] calldata proof
    ) external;

    /// @notice Level C, challenger: names output element `element` of op `op` of the disputed transition
    ///         (in Pick, after zero or more reveals).
    function pickElement(uint256 gameId, uint256 op, uint256 element) external;

    /// @notice Level C, asserter: passes back its trace and opens the named element for the referee, which
    ///         resolves the game (right: asserter wins; wrong: challenger wins). A bad opening reverts.
    function openElement(
        uint256 gameId,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external;

    /// @notice Anyone, after the move's deadline: the side that had to move loses the game.
    function timeout(uint256 gameId) external;

    /// @notice Anyone: ends a game whose claim another game already rejected; its challenger's bond is refunded.
    function closeGame(uint256 gameId) external;

    /// @notice Anyone, after the window with no game open: the claim is final; the asserter's bond is returned
    ///         and the lease (if any) is resolved for the provider.
    function finalize(uint256 claimId) external;

    /// @notice Anyone: a lease its tenant disputed whose provider posted no claim by
    ///         disputeEndsAt + claimResponseWindow is resolved for the tenant.
    function resolveUnclaimed(uint256 leaseId) external;

    // ------------------------------------------------------------------ views

    /// @notice The bond token (the market's NOOS).
    function token() external view returns (address);
    /// @notice The referee checking elements.
    function referee() external view returns (IStepReferee);
    /// @notice The market whose leases claims are about.
    function market() external view returns (address);
    /// @notice K: one reveal opens the nodes up to K levels below the requested node (2^K nodes; fewer levels
    ///         near the leaves). A constant: 4.
    function revealLevels() external view returns (uint256);
    /// @notice The deployment parameters.
    function config() external view returns (Config memory);
    /// @notice The claim `claimId` (reverts if unknown).
    function getClaim(uint256 claimId) external view returns (Claim memory);
    /// @notice The game `gameId` (reverts if unknown).
    function getGame(uint256 gameId) external view returns (Game memory);
    /// @notice The games of a claim, in challenge order.
    function gamesOf(uint256 claimId) external view returns (uint256[] memory);
    /// @notice The claim posted for a lease (0 if none).
    function claimOfLease(uint256 leaseId) external view returns (uint256);
    /// @notice Number of claims posted (claim ids are 1..claimCount).
    function claimCount() external view returns (uint256);
    /// @notice Number of games opened (game ids are 1..gameCount).
    function gameCount() external view returns (uint256);
    /// @notice The points at which a bisection of (lo, hi) posts states: k = min(arity - 1, hi - lo - 1) evenly
    ///         spaced points lo + j * (hi - lo) / (k + 1), j = 1..k.
    function splitPoints(uint256 lo, uint256 hi) external view returns (uint256[] memory points);
    /// @notice Bonds held now (claims not yet final or rejected, games not yet resolved).
    function totalHeld() external view returns (uint256);
    /// @notice Total of the loser shares burned (or sent to the treasury for a token without burn) so far.
    ///         Conservation: bonds paid in = paid out + totalBurned + totalHeld.
    function totalBurned() external view returns (uint256);
}
