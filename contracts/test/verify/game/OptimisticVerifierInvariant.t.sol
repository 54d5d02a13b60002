// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {NoosToken} from "../../../src/token/NoosToken.sol";
import {IOptimisticVerifier} from "../../../src/verify/IOptimisticVerifier.sol";
import {OptimisticVerifier} from "../../../src/verify/OptimisticVerifier.sol";
import {GameFixture} from "./GameFixture.sol";

/// @notice Drives random claims, challenges, moves (each side plays by its own belief of the program),
///         timeouts, finalizations and refunds of a short program.
contract VerifierHandler is Test {
    uint256 internal constant N = 40;
    uint256 internal constant STEP = 3;
    uint256 internal constant BOND = 10 ether;
    uint256 internal constant NONE = type(uint256).max;

    OptimisticVerifier internal v;
    NoosToken internal token;
    bytes32 internal spec;
    address[] public players;
    mapping(uint256 claimId => uint256) internal claimWrongFrom;
    mapping(uint256 gameId => uint256) internal gameWrongFrom;
    uint256 public bondsIn;
    uint256 public calls;
    uint256 public resolvedGames;

    constructor(OptimisticVerifier v_, NoosToken token_, bytes32 spec_, address[] memory players_) {
        v = v_;
        token = token_;
        spec = spec_;
        players = players_;
    }

    function _value(uint256 wrongFrom, uint256 t, uint256 by) internal pure returns (uint256) {
        return t * STEP + (t >= wrongFrom ? by : 0);
    }

    function _one(bytes32 x) internal pure returns (bytes32[] memory a) {
        a = new bytes32[](1);
        a[0] = x;
    }

    function _state(uint256 wrongFrom, uint256 t, uint256 by) internal view returns (bytes32) {
        return keccak256(abi.encode(spec, t, _one(bytes32(_value(wrongFrom, t, by)))));
    }

    function post(uint256 who, uint256 wrongFrom, uint256 window) external {
        address a = players[who % players.length];
        uint256 wf = wrongFrom % 3 == 0 ? NONE : wrongFrom % (N + 1);
        vm.prank(a);
        try v.postClaim(0, spec, _state(wf, N, 1), uint64(bound(window, 10, 300)), keccak256("r"), BOND) returns (
            uint256 claimId
        ) {
            claimWrongFrom[claimId] = wf;
            bondsIn += BOND;
        } catch {}
        calls++;
    }

    function challenge(uint256 claimSeed, uint256 who, uint256 wrongFrom) external {
        uint256 count = v.claimCount();
        if (count == 0) return;
        uint256 claimId = claimSeed % count + 1;
        address c = players[who % players.length];
        uint256 wf = wrongFrom % 3 == 0 ? NONE : wrongFrom % (N + 1);
        vm.prank(c);
        try v.challenge(claimId, _state(wf, N, 2), BOND) returns (uint256 gameId) {
            gameWrongFrom[gameId] = wf;
            bondsIn += BOND;
        } catch {}
        calls++;
    }

    function move(uint256 gameSeed, uint256 skipBy) external {
        uint256 count = v.gameCount();
        if (count == 0) return;
        // A third of the time the newest game, so that runs play games to the end.
        uint256 gameId = gameSeed % 3 == 0 ? count : gameSeed % count + 1;
        bool wasResolved = v.getGame(gameId).phase == IOptimisticVerifier.GamePhase.Resolved;
        _move(gameId, skipBy);
        if (!wasResolved && v.getGame(gameId).phase == IOptimisticVerifier.GamePhase.Resolved) resolvedGames++;
    }

    function _move(uint256 gameId, uint256 skipBy) internal {
        IOptimisticVerifier.Game memory g = v.getGame(gameId);
        IOptimisticVerifier.Claim memory c = v.getClaim(g.claimId);
        calls++;
        if (g.phase == IOptimisticVerifier.GamePhase.Resolved) return;
        if (c.status == IOptimisticVerifier.ClaimStatus.Rejected) {
            v.closeGame(gameId);
            return;
        }
        if (skipBy % 4 == 0) vm.warp(block.timestamp + 61);
        if (block.timestamp > g.deadline) {
            v.timeout(gameId);
            return;
        }
        uint256 aw = claimWrongFrom[g.claimId];
        uint256 cw = gameWrongFrom[gameId];
        if (g.phase == IOptimisticVerifier.GamePhase.Bisect) {
            uint256[] memory points = v.splitPoints(g.lo, g.hi);
            bytes32[] memory states = new bytes32[](points.length);
            for (uint256 i = 0; i < points.length; ++i) {
                states[i] = _state(aw, points[i], 1);
            }
            vm.prank(c.asserter);
            v.bisect(gameId, states);
        } else if (g.phase == IOptimisticVerifier.GamePhase.Choose) {
            uint256[] memory points = v.splitPoints(g.lo, g.hi);
            bytes32[] memory states = new bytes32[](points.length);
            uint256 pick = points.length;
            for (uint256 i = 0; i < points.length; ++i) {
                states[i] = _state(aw, points[i], 1);
                if (pick == points.length && states[i] != _state(cw, points[i], 2)) pick = i;
            }
            vm.prank(g.challenger);
            v.chooseInterval(gameId, states, pick);
        } else if (g.phase == IOptimisticVerifier.GamePhase.Trace) {
            bytes32[] memory out = _one(bytes32(_value(aw, g.hi, 1)));
            vm.prank(c.asserter);
            v.postTrace(gameId, _one(bytes32(_value(aw, g.lo, 1))), out, out);
        } else if (g.phase == IOptimisticVerifier.GamePhase.Pick) {
            vm.prank(g.challenger);
            v.pickElement(gameId, 0, 0);
        } else if (g.phase == IOptimisticVerifier.GamePhase.Open) {
            vm.prank(c.asserter);
            v.openElement(gameId, _one(bytes32(_value(aw, g.lo, 1))), _one(bytes32(_value(aw, g.hi, 1))), "");
        }
    }

    function finalize(uint256 claimSeed) external {
        uint256 count = v.claimCount();
        if (count == 0) return;
        vm.warp(block.timestamp + 30);
        try v.finalize(claimSeed % count + 1) {} catch {}
        calls++;
    }
}

contract OptimisticVerifierInvariantTest is GameFixture {
    VerifierHandler internal handler;
    address[] internal actors;
    uint256 internal playersTotal;
    uint256 internal supply0;
    bytes32 internal smallSpec;

    function setUp() public override {
        super.setUp();
        smallSpec = referee.registerSpec(abi.encode(uint256(40), uint256(3)));
        for (uint256 i = 0; i < 5; ++i) {
            actors.push(makeAddr(string(abi.encodePacked("actor", vm.toString(i)))));
        }
        handler = new VerifierHandler(verifier, token, smallSpec, actors);
        for (uint256 i = 0; i < actors.length; ++i) {
            _fund(actors[i], 1_000 ether);
            vm.prank(actors[i]);
            token.approve(address(verifier), type(uint256).max);
            playersTotal += token.balanceOf(actors[i]);
        }
        supply0 = token.totalSupply();
        targetContract(address(handler));
    }

    function _playersNow() internal view returns (uint256 total) {
        for (uint256 i = 0; i < actors.length; ++i) {
            total += token.balanceOf(actors[i]);
        }
    }

    /// @dev Money is conserved: what players hold + the bonds held + what was burned = what players had;
    ///      the verifier's balance is exactly the bonds it holds.
    function invariant_bondsConserved() public view {
        uint256 held = verifier.totalHeld();
        assertEq(token.balanceOf(address(verifier)), held, "balance == held");
        assertEq(_playersNow() + held + verifier.totalBurned(), playersTotal, "players + held + burned");
        assertEq(token.totalSupply() + verifier.totalBurned(), supply0, "burned leaves the supply");
    }

    /// @dev The handler does play games to the end (resolutions by element checks and by timeouts).
    function test_handler_playsGamesToTheEnd() public {
        handler.post(0, 4, 100); // asserter wrong from state 4
        handler.challenge(0, 1, 1); // challenger wrong from state 1
        handler.challenge(0, 2, 0); // an honest challenger
        for (uint256 i = 0; i < 10; ++i) {
            handler.move(0, 1); // the newest game (2): the honest challenger plays it to the element check
        }
        assertEq(uint8(verifier.getGame(2).phase), uint8(IOptimisticVerifier.GamePhase.Resolved));
        assertEq(verifier.getGame(2).winner, verifier.getGame(2).challenger);
        handler.move(2, 1); // game 1: its claim is rejected, so it is closed with a refund
        assertEq(uint8(verifier.getGame(1).resolution), uint8(IOptimisticVerifier.Resolution.ClaimRejected));
        assertEq(handler.resolvedGames(), 2);
        invariant_bondsConserved();
        invariant_heldMatchesOpenBonds();
    }

    /// @dev Held = bonds of open claims + bonds of unresolved games.
    function invariant_heldMatchesOpenBonds() public view {
        uint256 sum;
        for (uint256 c = 1; c <= verifier.claimCount(); ++c) {
            IOptimisticVerifier.Claim memory claim = verifier.getClaim(c);
            if (claim.status == IOptimisticVerifier.ClaimStatus.Open) sum += claim.bond;
            uint256 open;
            uint256[] memory games = verifier.gamesOf(c);
            for (uint256 i = 0; i < games.length; ++i) {
                IOptimisticVerifier.Game memory g = verifier.getGame(games[i]);
                if (g.phase != IOptimisticVerifier.GamePhase.Resolved) {
                    sum += g.bond;
                    open++;
                }
            }
            assertEq(claim.openGames, open, "openGames");
        }
        assertEq(verifier.totalHeld(), sum, "held == open bonds");
    }
}
