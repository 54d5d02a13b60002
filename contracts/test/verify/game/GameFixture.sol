// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketFixture} from "../../utils/MarketFixture.sol";
import {IComputeMarket} from "../../../src/market/IComputeMarket.sol";
import {IOptimisticVerifier} from "../../../src/verify/IOptimisticVerifier.sol";
import {OptimisticVerifier} from "../../../src/verify/OptimisticVerifier.sol";
import {CounterReferee} from "./CounterReferee.sol";

/// @notice The market protocol + a CounterReferee + an OptimisticVerifier that is the market's arbiter,
///         and players: an asserter and challengers who compute the counter program, each optionally
///         off by one from a chosen state on (a corrupt asserter, or a lying challenger).
abstract contract GameFixture is MarketFixture {
    uint256 internal constant N = 1001; // states 0..1001: like init + 1,000 training steps
    uint256 internal constant STEP = 7;
    uint256 internal constant MIN_BOND = 10 ether;
    uint64 internal constant MIN_WINDOW = 10;
    uint64 internal constant WINDOW = 10 minutes;
    uint64 internal constant MOVE_TIMEOUT = 60;
    uint64 internal constant RESPONSE_WINDOW = 1 hours;
    uint16 internal constant ARITY = 16;
    uint16 internal constant BURN_BPS = 1000;
    uint256 internal constant HONEST = type(uint256).max;
    uint256 internal constant PRICE = 1e15;

    CounterReferee internal referee;
    OptimisticVerifier internal verifier;
    bytes32 internal spec;
    bytes32 internal spec1; // a one-transition program (n = 1): straight to Level B

    address internal asserter = makeAddr("asserter");
    address internal challenger1 = makeAddr("challenger1");
    address internal challenger2 = makeAddr("challenger2");

    /// @dev Per player: the first state it gets wrong (HONEST: none).
    mapping(address => uint256) internal wrongFrom;

    function setUp() public virtual override {
        super.setUp();
        referee = new CounterReferee();
        spec = referee.registerSpec(abi.encode(N, STEP));
        spec1 = referee.registerSpec(abi.encode(uint256(1), STEP));
        verifier = new OptimisticVerifier(token, market, params, referee, _config());
        vm.prank(owner);
        params.setArbiter(address(verifier));
        vm.label(address(verifier), "OptimisticVerifier");
        vm.label(address(referee), "CounterReferee");
        address[5] memory players = [asserter, challenger1, challenger2, provider1, tenant];
        for (uint256 i = 0; i < players.length; ++i) {
            if (players[i] != provider1 && players[i] != tenant) _fund(players[i], PROVIDER_FUNDS);
            vm.prank(players[i]);
            token.approve(address(verifier), type(uint256).max);
            wrongFrom[players[i]] = HONEST;
        }
    }

    function _config() internal pure returns (IOptimisticVerifier.Config memory) {
        return IOptimisticVerifier.Config({
            minBond: MIN_BOND,
            minWindow: MIN_WINDOW,
            moveTimeout: MOVE_TIMEOUT,
            claimResponseWindow: RESPONSE_WINDOW,
            arity: ARITY,
            burnBps: BURN_BPS
        });
    }

    // ------------------------------------------------------------ the program as players see it

    function _value(address who, uint256 t) internal view returns (uint256) {
        // Each player errs by its own amount, so two wrong players disagree with each other too.
        return t * STEP + (t >= wrongFrom[who] ? uint256(uint160(who)) % 1000 + 1 : 0);
    }

    function _one(bytes32 x) internal pure returns (bytes32[] memory a) {
        a = new bytes32[](1);
        a[0] = x;
    }

    function _stateOf(bytes32 specHash, uint256 t, uint256 value) internal pure returns (bytes32) {
        return keccak256(abi.encode(specHash, t, _one(bytes32(value))));
    }

    function _state(address who, uint256 t) internal view returns (bytes32) {
        return _stateOf(spec, t, _value(who, t));
    }

    // ------------------------------------------------------------ claims and games

    function _postClaim(address who) internal returns (uint256) {
        vm.prank(who);
        return verifier.postClaim(0, spec, _state(who, N), WINDOW, keccak256("result"), MIN_BOND);
    }

    function _challenge(address who, uint256 claimId) internal returns (uint256) {
        vm.prank(who);
        return verifier.challenge(claimId, _state(who, N), MIN_BOND);
    }

    /// @dev A market lease of provider1 with its result submitted.
    function _leaseWithResult() internal returns (uint256 leaseId) {
        leaseId = _batchLease(PRICE);
        skip(100);
        _submit(leaseId);
    }

    function _postLeaseClaim(uint256 leaseId) internal returns (uint256) {
        vm.prank(provider1);
        return verifier.postClaim(leaseId, spec, _state(provider1, N), WINDOW, RESULT_HASH, MIN_BOND);
    }

    function _game(uint256 gameId) internal view returns (IOptimisticVerifier.Game memory) {
        return verifier.getGame(gameId);
    }

    function _asserterOf(uint256 gameId) internal view returns (address) {
        return verifier.getClaim(_game(gameId).claimId).asserter;
    }

    /// @dev The asserter's states at the current split points.
    function _bisection(uint256 gameId) internal view returns (bytes32[] memory states) {
        IOptimisticVerifier.Game memory g = _game(gameId);
        address a = _asserterOf(gameId);
        uint256[] memory points = verifier.splitPoints(g.lo, g.hi);
        states = new bytes32[](points.length);
        for (uint256 i = 0; i < points.length; ++i) {
            states[i] = _state(a, points[i]);
        }
    }

    /// @dev The challenger's pick: the first sub-interval whose right end it disagrees with.
    function _pickInterval(uint256 gameId, bytes32[] memory states) internal view returns (uint256) {
        IOptimisticVerifier.Game memory g = _game(gameId);
        uint256[] memory points = verifier.splitPoints(g.lo, g.hi);
        for (uint256 i = 0; i < points.length; ++i) {
            if (states[i] != _state(g.challenger, points[i])) return i;
        }
        return points.length;
    }

    function _bisect(uint256 gameId) internal returns (bytes32[] memory states) {
        states = _bisection(gameId);
        vm.prank(_asserterOf(gameId));
        verifier.bisect(gameId, states);
    }

    function _choose(uint256 gameId, bytes32[] memory states) internal {
        uint256 i = _pickInterval(gameId, states);
        vm.prank(_game(gameId).challenger);
        verifier.chooseInterval(gameId, states, i);
    }

    /// @dev Level A to the end: the asserter bisects and the challenger chooses until hi = lo + 1.
    function _bisectToTransition(uint256 gameId) internal {
        while (_game(gameId).phase == IOptimisticVerifier.GamePhase.Bisect) {
            _choose(gameId, _bisect(gameId));
        }
    }

    function _trace(uint256 gameId)
        internal
        view
        returns (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory end)
    {
        IOptimisticVerifier.Game memory g = _game(gameId);
        address a = _asserterOf(gameId);
        start = _one(bytes32(_value(a, g.lo)));
        ops = _one(bytes32(_value(a, g.hi)));
        end = _one(bytes32(_value(a, g.hi)));
    }

    function _postTrace(uint256 gameId) internal {
        (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory end) = _trace(gameId);
        vm.prank(_asserterOf(gameId));
        verifier.postTrace(gameId, start, ops, end);
    }

    function _pick(uint256 gameId, uint256 element) internal {
        vm.prank(_game(gameId).challenger);
        verifier.pickElement(gameId, 0, element);
    }

    function _open(uint256 gameId) internal {
        (bytes32[] memory start, bytes32[] memory ops,) = _trace(gameId);
        vm.prank(_asserterOf(gameId));
        verifier.openElement(gameId, start, ops, "");
    }

    /// @dev Plays a whole game honestly by both sides' beliefs.
    function _playOut(uint256 gameId) internal {
        _bisectToTransition(gameId);
        _postTrace(gameId);
        _pick(gameId, 0);
        _open(gameId);
    }

    function _burn(uint256 bond) internal pure returns (uint256) {
        return bond * BURN_BPS / BPS;
    }

    function _leaseState(uint256 leaseId) internal view returns (IComputeMarket.LeaseState) {
        return market.getLease(leaseId).state;
    }
}
