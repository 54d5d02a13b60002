// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOptimisticVerifier} from "../../../src/verify/IOptimisticVerifier.sol";
import {OptimisticVerifier} from "../../../src/verify/OptimisticVerifier.sol";
import {TensorMerkle} from "../../../src/verify/referee/TensorMerkle.sol";
import {GameFixture} from "./GameFixture.sol";
import {TensorReferee} from "./TensorReferee.sol";

/// @notice GameFixture plus a second verifier over a TensorReferee (ops with real R10 output trees), players
///         that may lie about one output element (from a transition on, in an op and every later op), their
///         full output trees, and the challenger's descent (requestNodes / revealNodes down to the leaves).
abstract contract RevealFixture is GameFixture {
    uint256 internal constant OPS = 3; // matmul, add, relu: op 1 is intermediate
    uint256 internal constant ELEMENTS = 4096; // 512 leaves: depth 9
    uint256 internal constant DEPTH = 9;

    TensorReferee internal tref;
    OptimisticVerifier internal rv;
    bytes32 internal specR1; // one transition: the game starts at Level B
    bytes32 internal specR4; // four transitions: one bisection first
    bytes32 internal specTiny; // 8-element ops: depth 0, nothing to reveal
    bytes32 internal specOdd; // 1000-element ops: 125 leaves padded to 128, depth 7

    struct Lie {
        bool on;
        uint256 fromT;
        uint256 op;
        uint256 element;
    }

    mapping(address => Lie) internal lies;
    /// @dev Roots already computed in this test (set lies before the first one).
    mapping(bytes32 => bytes32) internal rootCache;

    function setUp() public virtual override {
        super.setUp();
        tref = new TensorReferee();
        specR1 = tref.registerSpec(abi.encode(uint256(1), OPS, ELEMENTS));
        specR4 = tref.registerSpec(abi.encode(uint256(4), OPS, ELEMENTS));
        specTiny = tref.registerSpec(abi.encode(uint256(1), OPS, uint256(8)));
        specOdd = tref.registerSpec(abi.encode(uint256(1), OPS, uint256(1000)));
        rv = new OptimisticVerifier(token, market, params, tref, _config());
        vm.label(address(rv), "RevealVerifier");
        address[3] memory players = [asserter, challenger1, challenger2];
        for (uint256 i = 0; i < players.length; ++i) {
            vm.prank(players[i]);
            token.approve(address(rv), type(uint256).max);
        }
    }

    function _lie(address who, uint256 fromT, uint256 op, uint256 element) internal {
        lies[who] = Lie(true, fromT, op, element);
    }

    // ------------------------------------------------------------ the program as a player sees it

    /// @dev The player's value of element e of op `op` of transition t: a lie adds 1 from its transition on, in
    ///      its op and every later op (it propagates), so the end state differs too.
    function _val(address who, uint256 elements, uint256 t, uint256 op, uint256 e) internal view returns (int256 v) {
        // TensorReferee.valueOf (0 in the padding), without a call per element.
        if (e < elements) v = int256(t * 1_000_000 + op * 100_000 + e);
        Lie memory l = lies[who];
        if (l.on && t >= l.fromT && op >= l.op && e == l.element) v += 1;
    }

    /// @dev All levels of the player's output tree of op `op` of transition t: lv[l] has the 2^l nodes of level l,
    ///      lv[depth] the leaves.
    function _tree(address who, bytes32 s, uint256 t, uint256 op) internal view returns (bytes32[][] memory lv) {
        (,, uint256 elements) = tref.programs(s);
        uint256 d = TensorMerkle.depthOf(elements);
        lv = new bytes32[][](d + 1);
        bytes32[] memory leaves = new bytes32[](uint256(1) << d);
        for (uint256 j = 0; j < leaves.length; ++j) {
            uint256 word;
            for (uint256 k = 0; k < 8; ++k) {
                // The padding (e >= elements) is 0 unless the player lies there.
                word |= uint256(uint32(int32(_val(who, elements, t, op, 8 * j + k)))) << (224 - 32 * k);
            }
            leaves[j] = bytes32(word);
        }
        lv[d] = leaves;
        for (uint256 l = d; l > 0; --l) {
            bytes32[] memory up = new bytes32[](uint256(1) << (l - 1));
            for (uint256 i = 0; i < up.length; ++i) {
                up[i] = keccak256(abi.encodePacked(lv[l][2 * i], lv[l][2 * i + 1]));
            }
            lv[l - 1] = up;
        }
    }

    function _root(address who, bytes32 s, uint256 t, uint256 op) internal returns (bytes32 r) {
        bytes32 key = keccak256(abi.encode(who, s, t, op));
        r = rootCache[key];
        if (r == bytes32(0)) {
            r = _tree(who, s, t, op)[0][0];
            rootCache[key] = r;
        }
    }

    function _stateR(address who, bytes32 s, uint256 t) internal returns (bytes32) {
        bytes32[] memory c = new bytes32[](1);
        if (t > 0) c[0] = _root(who, s, t - 1, OPS - 1);
        return keccak256(abi.encode(s, t, c));
    }

    /// @dev The player's trace of transition t.
    function _traceR(address who, bytes32 s, uint256 t)
        internal
        returns (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory end)
    {
        start = new bytes32[](1);
        if (t > 0) start[0] = _root(who, s, t - 1, OPS - 1);
        ops = new bytes32[](OPS);
        for (uint256 i = 0; i < OPS; ++i) {
            ops[i] = _root(who, s, t, i);
        }
        end = _one(ops[OPS - 1]);
    }

    /// @dev Siblings of node (level, index), bottom-up.
    function _proof(bytes32[][] memory lv, uint256 level, uint256 index) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](level);
        for (uint256 i = 0; i < level; ++i) {
            p[i] = lv[level - i][index ^ 1];
            index >>= 1;
        }
    }

    /// @dev The 2^k nodes at level + k below node (level, index), k = min(4, depth - level).
    function _nodes(bytes32[][] memory lv, uint256 level, uint256 index) internal pure returns (bytes32[] memory n) {
        uint256 d = lv.length - 1;
        uint256 k = d - level < 4 ? d - level : 4;
        n = new bytes32[](uint256(1) << k);
        for (uint256 i = 0; i < n.length; ++i) {
            n[i] = lv[level + k][(index << k) + i];
        }
    }

    // ------------------------------------------------------------ claims and moves

    function _postClaimR(address who, bytes32 s) internal returns (uint256) {
        (uint256 n,,) = tref.programs(s);
        bytes32 finalState = _stateR(who, s, n); // before the prank: it calls the referee
        vm.prank(who);
        return rv.postClaim(0, s, finalState, WINDOW, keccak256("result"), MIN_BOND);
    }

    function _challengeR(address who, uint256 claimId) internal returns (uint256) {
        bytes32 s = rv.getClaim(claimId).specHash;
        (uint256 n,,) = tref.programs(s);
        bytes32 finalState = _stateR(who, s, n);
        vm.prank(who);
        return rv.challenge(claimId, finalState, MIN_BOND);
    }

    function _g(uint256 gameId) internal view returns (IOptimisticVerifier.Game memory) {
        return rv.getGame(gameId);
    }

    function _specOf(uint256 gameId) internal view returns (bytes32) {
        return rv.getClaim(_g(gameId).claimId).specHash;
    }

    function _asserterR(uint256 gameId) internal view returns (address) {
        return rv.getClaim(_g(gameId).claimId).asserter;
    }

    /// @dev Level A with the tensor program: the asserter bisects, the challenger picks the first differing state.
    function _bisectToTransitionR(uint256 gameId) internal {
        bytes32 s = _specOf(gameId);
        address a = _asserterR(gameId);
        while (_g(gameId).phase == IOptimisticVerifier.GamePhase.Bisect) {
            IOptimisticVerifier.Game memory g = _g(gameId);
            uint256[] memory points = rv.splitPoints(g.lo, g.hi);
            bytes32[] memory states = new bytes32[](points.length);
            for (uint256 i = 0; i < points.length; ++i) {
                states[i] = _stateR(a, s, points[i]);
            }
            vm.prank(a);
            rv.bisect(gameId, states);
            uint256 pick = points.length;
            for (uint256 i = 0; i < points.length; ++i) {
                if (states[i] != _stateR(g.challenger, s, points[i])) {
                    pick = i;
                    break;
                }
            }
            vm.prank(g.challenger);
            rv.chooseInterval(gameId, states, pick);
        }
    }

    function _postTraceR(uint256 gameId) internal {
        (bytes32[] memory start, bytes32[] memory ops, bytes32[] memory end) =
            _traceR(_asserterR(gameId), _specOf(gameId), _g(gameId).lo);
        vm.prank(_asserterR(gameId));
        rv.postTrace(gameId, start, ops, end);
    }

    /// @dev challenger1's request (no call before it: a test may expect it to revert).
    function _request(uint256 gameId, uint256 op, uint256 level, uint256 index) internal {
        vm.prank(challenger1);
        rv.requestNodes(gameId, op, level, index);
    }

    /// @dev The asserter answers the pending request from its own tree.
    function _reveal(uint256 gameId) internal returns (bytes32[] memory nodes) {
        IOptimisticVerifier.Game memory g = _g(gameId);
        address a = _asserterR(gameId);
        bytes32 s = _specOf(gameId);
        uint256 level = (uint256(g.element) >> 56) - 1;
        uint256 index = uint256(g.element) & ((uint256(1) << 56) - 1);
        bytes32[][] memory lv = _tree(a, s, g.lo, g.op);
        (bytes32[] memory start, bytes32[] memory ops,) = _traceR(a, s, g.lo);
        nodes = _nodes(lv, level, index);
        vm.prank(a);
        rv.revealNodes(gameId, start, ops, nodes, _proof(lv, level, index));
    }

    /// @dev The challenger's first differing op root of the posted trace (OPS if none).
    function _firstDifferingOp(uint256 gameId) internal returns (uint256) {
        IOptimisticVerifier.Game memory g = _g(gameId);
        bytes32 s = _specOf(gameId);
        (, bytes32[] memory theirs,) = _traceR(_asserterR(gameId), s, g.lo);
        for (uint256 i = 0; i < OPS; ++i) {
            if (theirs[i] != _root(g.challenger, s, g.lo, i)) return i;
        }
        return OPS;
    }

    /// @dev The challenger's descent in op `op`: request at level 0, compare each reveal with its own nodes,
    ///      request the first differing node's subtree; at the leaves return the first differing element.
    function _descend(uint256 gameId, uint256 op) internal returns (uint256 element) {
        IOptimisticVerifier.Game memory g = _g(gameId);
        bytes32[][] memory mine = _tree(g.challenger, _specOf(gameId), g.lo, op);
        uint256 d = mine.length - 1;
        uint256 level = 0;
        uint256 index = 0;
        while (true) {
            _request(gameId, op, level, index);
            bytes32[] memory theirs = _reveal(gameId);
            uint256 k = d - level < 4 ? d - level : 4;
            uint256 i = 0;
            while (theirs[i] == mine[level + k][(index << k) + i]) ++i; // one differs: the roots differ
            index = (index << k) + i;
            level += k;
            if (level == d) {
                bytes32 a = theirs[i];
                bytes32 b = mine[d][index];
                uint256 sub = 0;
                while (TensorMerkle.elementOf(a, sub) == TensorMerkle.elementOf(b, sub)) ++sub;
                return index * 8 + sub;
            }
        }
    }

    function _pickR(uint256 gameId, uint256 op, uint256 element) internal {
        vm.prank(challenger1);
        rv.pickElement(gameId, op, element);
    }

    /// @dev The asserter opens the picked element: its leaf and proof.
    function _openR(uint256 gameId) internal {
        IOptimisticVerifier.Game memory g = _g(gameId);
        address a = _asserterR(gameId);
        bytes32 s = _specOf(gameId);
        bytes32[][] memory lv = _tree(a, s, g.lo, g.op);
        uint256 leaf = uint256(g.element) >> 3;
        (bytes32[] memory start, bytes32[] memory ops,) = _traceR(a, s, g.lo);
        vm.prank(a);
        rv.openElement(gameId, start, ops, abi.encode(lv[lv.length - 1][leaf], _proof(lv, lv.length - 1, leaf)));
    }

    function _packed(uint256 level, uint256 index) internal pure returns (uint64) {
        return uint64(((level + 1) << 56) | index);
    }
}
