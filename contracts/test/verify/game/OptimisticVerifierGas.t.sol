// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {IOptimisticVerifier} from "../../../src/verify/IOptimisticVerifier.sol";
import {OptimisticVerifier} from "../../../src/verify/OptimisticVerifier.sol";
import {GameFixture} from "./GameFixture.sol";

/// @notice Gas of every move of a whole game on a market lease (1,001 states, 32-way split as on the
///         devnet, a lying asserter caught at one element). Run with --isolate for per-transaction gas:
///         `forge test --isolate --match-contract OptimisticVerifierGasTest -vv`. The element check here
///         is the test-double referee's; the real referee's check is measured in test/verify/referee.
contract OptimisticVerifierGasTest is GameFixture {
    uint256 internal total;
    uint256 internal maxMove;
    uint256 internal txs;

    function setUp() public override {
        super.setUp();
        IOptimisticVerifier.Config memory c = _config();
        c.arity = 32;
        verifier = new OptimisticVerifier(token, market, params, referee, c);
        vm.prank(owner);
        params.setArbiter(address(verifier));
        address[4] memory players = [challenger1, challenger2, provider1, asserter];
        for (uint256 i = 0; i < players.length; ++i) {
            vm.prank(players[i]);
            token.approve(address(verifier), type(uint256).max);
        }
    }

    function _record(string memory what) internal {
        uint256 gas = vm.lastCallGas().gasTotalUsed;
        console.log(what, gas);
        total += gas;
        txs++;
        if (gas > maxMove) maxMove = gas;
    }

    function test_gas_wholeGameOnLease() public {
        uint256 leaseId = _leaseWithResult();
        wrongFrom[provider1] = 777;
        uint256 claimId = _postLeaseClaim(leaseId);
        _record("postClaim (freezes the lease)");
        uint256 gameId = _challenge(challenger1, claimId);
        _record("challenge");
        while (_game(gameId).phase == IOptimisticVerifier.GamePhase.Bisect) {
            bytes32[] memory states = _bisect(gameId);
            _record("bisect (31 states)");
            _choose(gameId, states);
            _record("chooseInterval");
        }
        _postTrace(gameId);
        _record("postTrace");
        _pick(gameId, 0);
        _record("pickElement");
        _open(gameId);
        _record("openElement (test referee; resolves, rejects the claim, market slashes and refunds)");
        assertEq(_game(gameId).winner, challenger1);
        console.log("transactions", txs);
        console.log("total gas", total);
        console.log("max per transaction", maxMove);
        assertLt(maxMove, 1_000_000);
    }
}
