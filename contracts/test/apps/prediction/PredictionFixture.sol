// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPredictionMarket} from "../../../src/apps/prediction/IPredictionMarket.sol";
import {PredictionConditionalTokens} from "../../../src/apps/prediction/PredictionConditionalTokens.sol";
import {PredictionMarket} from "../../../src/apps/prediction/PredictionMarket.sol";
import {PredictionMarketFactory} from "../../../src/apps/prediction/PredictionMarketFactory.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {IModelRegistry} from "../../../src/zk/IModelRegistry.sol";
import {CoprocessorFixture} from "../../coprocessor/CoprocessorFixture.sol";
import {Groth16VerifierLinregPublic} from "./fixtures/Groth16VerifierLinregPublic.sol";
import {LinregFixtures} from "./fixtures/LinregFixtures.sol";

/// @notice The coprocessor fixture plus the real linreg model (public input, public output, a real
///         Groth16 verifier and proofs for two patient records), the conditional tokens, the market
///         factory, a creator and two traders.
abstract contract PredictionFixture is CoprocessorFixture {
    /// @dev "Will the model predict disease progression >= 150?" at the output scale 2^9.
    int256 internal constant THRESHOLD = 150 * 512;
    uint256 internal constant LIQUIDITY = 100 ether;
    uint16 internal constant FEE_BPS = 100;
    uint32 internal constant CALLBACK_GAS = 200_000;
    uint256 internal constant FUNDS = 10_000 ether;

    PredictionConditionalTokens internal ct;
    PredictionMarketFactory internal factory;
    uint256 internal linregModel;
    address internal creator = makeAddr("creator");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public virtual override {
        super.setUp();
        address verifier = address(new Groth16VerifierLinregPublic());
        vm.prank(owner);
        linregModel = models.registerModel(
            IModelRegistry.Registration({
                onnxHash: keccak256("linreg.onnx"),
                settingsHash: keccak256("linreg settings (input public)"),
                verifier: verifier,
                paramCommitment: 0,
                layout: IModelRegistry.Layout({
                    hasParamHash: false,
                    inputSignals: LinregFixtures.INPUTS,
                    outputSignals: 1,
                    inputVisibility: IModelRegistry.InputVisibility.Public,
                    outputVisibility: IModelRegistry.OutputVisibility.Public
                }),
                metadataURI: METADATA
            })
        );
        vm.prank(node1);
        coordinator.setNodeFee(linregModel, address(token), true, FEE);
        ct = new PredictionConditionalTokens();
        factory = new PredictionMarketFactory(coordinator, ct, models);
        address[3] memory people = [creator, alice, bob];
        for (uint256 i; i < 3; ++i) {
            vm.prank(admin);
            token.transfer(people[i], FUNDS);
            vm.startPrank(people[i]);
            token.approve(address(factory), type(uint256).max);
            vm.stopPrank();
        }
    }

    function _question(int256[] memory input) internal view returns (IPredictionMarket.Question memory q) {
        q.modelId = linregModel;
        q.inputHash = coordinator.inputHashOf(input);
        q.outputIndex = 0;
        q.threshold = THRESHOLD;
        q.resolutionTime = uint64(block.timestamp + 1 hours);
        q.resolutionDeadline = uint64(block.timestamp + 2 hours);
    }

    function _marketParams(int256[] memory input) internal view returns (IPredictionMarket.MarketParams memory p) {
        p.question = _question(input);
        p.collateral = IERC20(address(token));
        p.liquidity = LIQUIDITY;
        p.feeBps = FEE_BPS;
        p.paymentToken = address(token);
        p.resolutionFee = FEE_CAP;
        p.callbackGasLimit = CALLBACK_GAS;
        p.text = "Will the model predict disease progression >= 150 for this patient?";
    }

    function _create(IPredictionMarket.MarketParams memory p) internal returns (PredictionMarket m) {
        vm.prank(creator);
        m = PredictionMarket(factory.createMarket(p));
        address[2] memory traders = [alice, bob];
        for (uint256 i; i < 2; ++i) {
            vm.startPrank(traders[i]);
            token.approve(address(m), type(uint256).max);
            ct.setApprovalForAll(address(m), true);
            vm.stopPrank();
        }
    }

    function _createHigh() internal returns (PredictionMarket) {
        return _create(_marketParams(LinregFixtures.highInput()));
    }

    function _buy(PredictionMarket m, address who, uint256 outcomeIndex, uint256 amount) internal returns (uint256) {
        vm.prank(who);
        return m.buy(outcomeIndex, amount, 0);
    }

    function _warpToResolution(PredictionMarket m) internal {
        (,,,, uint64 resolutionTime,) = m.question();
        vm.warp(resolutionTime);
    }

    function _warpPastDeadline(PredictionMarket m) internal {
        (,,,,, uint64 deadline) = m.question();
        vm.warp(uint256(deadline) + 1);
    }

    /// @dev Triggers resolution (as a stranger) on `input`.
    function _resolve(PredictionMarket m, int256[] memory input) internal returns (uint256 id) {
        _warpToResolution(m);
        vm.prank(stranger);
        id = m.resolve(input);
    }

    function _deliverHigh(PredictionMarket m) internal {
        _deliver(m, LinregFixtures.highOutput(), LinregFixtures.highProof(), LinregFixtures.highSignals());
    }

    function _deliverLow(PredictionMarket m) internal {
        _deliver(m, LinregFixtures.lowOutput(), LinregFixtures.lowProof(), LinregFixtures.lowSignals());
    }

    function _deliver(PredictionMarket m, int256[] memory output, uint256[8] memory proof, uint256[] memory signals)
        internal
    {
        ICoprocessorCoordinator.Request memory r = m.committedRequest();
        assertEq(coordinator.commitmentOf(r.id), keccak256(abi.encode(r)), "committed request");
        ICoprocessorCoordinator.Output memory o;
        o.values = output;
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(proof, signals));
    }

    function _bal(PredictionMarket m, address who, uint256 outcomeIndex) internal view returns (uint256) {
        return ct.balanceOf(who, m.positionId(outcomeIndex));
    }

    function _redeem(PredictionMarket m, address who) internal returns (uint256 payout) {
        bytes32 cid = m.conditionId();
        vm.prank(who);
        payout = ct.redeemPositions(IERC20(address(token)), cid);
    }
}
