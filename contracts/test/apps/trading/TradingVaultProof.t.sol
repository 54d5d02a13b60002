// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ITradingVault} from "../../../src/apps/trading/ITradingVault.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {TradingAgentFixtures as F} from "./fixtures/TradingAgentFixtures.sol";
import {TradingAgentVerifier} from "./fixtures/TradingAgentVerifier.sol";
import {TradingVaultFixture} from "./TradingVaultFixture.sol";

/// @notice The vault with the REAL decision model: its snarkjs verifier and real Groth16 proofs of
///         examples/coprocessor/trading-agent/model.onnx on exactly the inputs the vault reads from
///         the real Uniswap v2 pair (fixtures/ by examples/coprocessor/trading-agent/fixtures.ts).
contract TradingVaultProofTest is TradingVaultFixture {
    function _verifier() internal override returns (address) {
        return address(new TradingAgentVerifier());
    }

    function _inputScale() internal pure override returns (uint8) {
        return F.INPUT_SCALE;
    }

    function _deliverProof(
        ICoprocessorCoordinator.Request memory r,
        int256[] memory outputs,
        uint256[8] memory proof,
        uint256[] memory signals
    ) internal returns (uint256) {
        ICoprocessorCoordinator.Output memory o;
        o.values = outputs;
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(proof, signals));
        return vm.lastCallGas().gasTotalUsed;
    }

    function _assertInputs(int256[] memory values, int256[] memory expected) internal pure {
        assertEq(values.length, expected.length, "inputs");
        for (uint256 i; i < values.length; ++i) {
            assertEq(values[i], expected[i], "the vault reads the fixture's inputs");
        }
    }

    function test_realProof_buyAfterADropTradesThroughThePair() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        _assertInputs(values, F.buyInputs());
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountOut = vault.quote(DEPOSIT / 10, rQuote, rBase);
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionReceived(r.id, ITradingVault.Action.Buy, F.buyOutputs());
        vm.expectEmit(address(vault));
        emit ITradingVault.TradeExecuted(
            r.id,
            ITradingVault.Action.Buy,
            address(quoteTok),
            DEPOSIT / 10,
            amountOut,
            amountOut * 9_900 / 10_000,
            DEPOSIT / 10,
            false
        );
        uint256 gasUsed = _deliverProof(r, F.buyOutputs(), F.buyProof(), F.buySignals());
        emit log_named_uint("zk delivery (Groth16 + decision + swap) gas", gasUsed);
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT + amountOut);
        assertEq(q, DEPOSIT - DEPOSIT / 10);
        assertTrue(coordinator.getInterval(r.id, 1).status == ICoprocessorCoordinator.Status.Delivered);
    }

    function test_realProof_sellAfterARiseTradesThroughThePair() public {
        _moveAfterWindow(500 ether, 0);
        (ICoprocessorCoordinator.Request memory r, int256[] memory values) = _trigger();
        _assertInputs(values, F.sellInputs());
        (uint256 rBase, uint256 rQuote) = _reserves();
        uint256 amountOut = vault.quote(DEPOSIT / 10, rBase, rQuote);
        vm.expectEmit(address(vault));
        emit ITradingVault.DecisionReceived(r.id, ITradingVault.Action.Sell, F.sellOutputs());
        _deliverProof(r, F.sellOutputs(), F.sellProof(), F.sellSignals());
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT - DEPOSIT / 10);
        assertEq(q, DEPOSIT + amountOut);
    }

    function test_realProof_aProofOfOtherInputsIsRefused() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        // A valid proof, but of the pump scenario's inputs (it would make the vault sell).
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorInputHashMismatch.selector,
                r.id,
                r.inputHash,
                coordinator.inputHashOf(F.sellInputs())
            )
        );
        _deliverProof(r, F.sellOutputs(), F.sellProof(), F.sellSignals());
        (uint256 b, uint256 q) = _balances();
        assertEq(b, DEPOSIT);
        assertEq(q, DEPOSIT);
    }

    function test_realProof_anOutputOtherThanTheProvenOneIsRefused() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        int256[] memory forged = F.buyOutputs();
        (forged[0], forged[1]) = (forged[1], forged[0]); // claim "sell"
        ICoprocessorCoordinator.Output memory o;
        o.values = forged;
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoprocessorCoordinator.CoprocessorOutputMismatch.selector,
                r.id,
                coordinator.outputHashOf(_output3(F.buyOutputs())),
                coordinator.outputHashOf(o)
            )
        );
        _deliverProof(r, forged, F.buyProof(), F.buySignals());
    }

    function test_realProof_forgedSignalsFailTheGroth16Check() public {
        _moveAfterWindow(0, 500 ether);
        (ICoprocessorCoordinator.Request memory r,) = _trigger();
        int256[] memory forged = F.buyOutputs();
        (forged[0], forged[1]) = (forged[1], forged[0]);
        uint256[] memory signals = F.buySignals();
        (signals[2], signals[3]) = (signals[3], signals[2]); // the signals claim "sell" too
        vm.expectRevert(
            abi.encodeWithSelector(ICoprocessorCoordinator.CoprocessorInvalidProof.selector, r.id, tradingModel)
        );
        _deliverProof(r, forged, F.buyProof(), signals);
    }

    function _output3(int256[] memory values) internal pure returns (ICoprocessorCoordinator.Output memory o) {
        o.values = values;
    }
}
