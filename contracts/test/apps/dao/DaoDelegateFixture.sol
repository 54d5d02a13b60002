// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {AiDelegate} from "../../../src/apps/dao/AiDelegate.sol";
import {DaoGovernor} from "../../../src/apps/dao/DaoGovernor.sol";
import {DaoToken} from "../../../src/apps/dao/DaoToken.sol";
import {IAiDelegate} from "../../../src/apps/dao/IAiDelegate.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {IModelRegistry} from "../../../src/zk/IModelRegistry.sol";
import {CoprocessorFixture} from "../../coprocessor/CoprocessorFixture.sol";
import {DaoDelegateFixtures as F} from "./fixtures/DaoDelegateFixtures.sol";
import {DaoDelegateVerifier} from "./fixtures/DaoDelegateVerifier.sol";

/// @notice The coprocessor fixture plus a DAO (DaoToken, TimelockController, DaoGovernor), the
///         dao-delegate model registered with its real verifier (fixtures/, from
///         examples/coprocessor/dao-delegate/fixtures.ts), and an AiDelegate holding 60% of the votes
///         (alice delegated to it) while bob keeps 40%.
abstract contract DaoDelegateFixture is CoprocessorFixture {
    uint256 internal constant SUPPLY = 1_000_000 ether;
    uint48 internal constant VOTING_DELAY = 1;
    uint32 internal constant VOTING_PERIOD = 1 days;
    uint256 internal constant TIMELOCK_DELAY = 1 hours;
    uint64 internal constant THRESHOLD = 10_000; // 1.0 logit
    uint32 internal constant TIMEOUT = 1 hours;
    uint32 internal constant CALLBACK_GAS = 400_000;

    DaoToken internal daoToken;
    TimelockController internal timelock;
    DaoGovernor internal governor;
    AiDelegate internal delegate;
    uint256 internal daoModel;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal triggerer = makeAddr("triggerer");

    function setUp() public virtual override {
        super.setUp();
        vm.prank(owner);
        daoModel = models.registerModel(
            IModelRegistry.Registration({
                onnxHash: F.ONNX_SHA256,
                settingsHash: F.SETTINGS_SHA256,
                verifier: address(new DaoDelegateVerifier()),
                paramCommitment: 0,
                layout: IModelRegistry.Layout({
                    hasParamHash: false,
                    inputSignals: F.INPUT_SIGNALS,
                    outputSignals: F.OUTPUT_SIGNALS,
                    inputVisibility: IModelRegistry.InputVisibility.Public,
                    outputVisibility: IModelRegistry.OutputVisibility.Public
                }),
                metadataURI: METADATA
            })
        );
        vm.prank(node1);
        coordinator.setNodeFee(daoModel, address(token), true, FEE);
        vm.prank(node2);
        coordinator.setNodeFee(daoModel, address(token), true, FEE);

        daoToken = new DaoToken("Noos DAO", "NDAO", address(this), SUPPLY);
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1);
        timelock = new TimelockController(TIMELOCK_DELAY, none, anyone, address(this));
        governor = new DaoGovernor(daoToken, timelock, VOTING_DELAY, VOTING_PERIOD, 0, 4);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        delegate = new AiDelegate(coordinator, governor, address(timelock), _modelConfig(), THRESHOLD, _requestConfig());
        _fundEscrow(address(delegate), 100 ether);

        require(daoToken.transfer(alice, SUPPLY * 6 / 10));
        require(daoToken.transfer(bob, SUPPLY * 4 / 10));
        vm.prank(alice);
        daoToken.delegate(address(delegate));
        vm.prank(bob);
        daoToken.delegate(bob);
        vm.warp(block.timestamp + 1);
    }

    function _modelConfig() internal view returns (IAiDelegate.ModelConfig memory) {
        return IAiDelegate.ModelConfig({
            modelId: daoModel, featureCount: F.INPUT_SIGNALS, inputScale: F.INPUT_SCALE, outputScale: F.OUTPUT_SCALE
        });
    }

    function _requestConfig() internal view returns (IAiDelegate.RequestConfig memory) {
        return IAiDelegate.RequestConfig({
            token: address(token), feeCap: FEE_CAP, callbackGasLimit: CALLBACK_GAS, timeout: TIMEOUT
        });
    }

    /// @dev A proposal (one harmless call) whose description commits to `features`.
    struct Proposal {
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
        string description;
        int256[] features;
        uint256 id;
    }

    function _description(string memory title, int256[] memory features) internal pure returns (string memory) {
        return string.concat(title, "\n\n#ai-features=", vm.toString(keccak256(abi.encode(features))));
    }

    function _proposal(string memory title, int256[] memory features) internal pure returns (Proposal memory p) {
        p.targets = new address[](1);
        p.values = new uint256[](1);
        p.calldatas = new bytes[](1);
        p.targets[0] = address(0xdead);
        p.calldatas[0] = "";
        p.features = features;
        p.description = _description(title, features);
    }

    /// @dev Proposes (as bob) and returns the proposal with its id; the proposal is Pending.
    function _propose(string memory title, int256[] memory features) internal returns (Proposal memory p) {
        p = _proposal(title, features);
        vm.prank(bob);
        p.id = governor.propose(p.targets, p.values, p.calldatas, p.description);
    }

    /// @dev Proposes and moves time into the voting window.
    function _proposeActive(string memory title, int256[] memory features) internal returns (Proposal memory p) {
        p = _propose(title, features);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
    }

    function _trigger(Proposal memory p) internal returns (uint256 requestId) {
        vm.prank(triggerer);
        (, requestId) = delegate.trigger(p.targets, p.values, p.calldatas, p.description, p.features);
    }

    /// @dev The committed coordinator Request of a trigger made now with the current settings.
    function _delegateRequest(uint256 requestId, int256[] memory inputs)
        internal
        view
        returns (ICoprocessorCoordinator.Request memory)
    {
        IAiDelegate.RequestConfig memory rc = delegate.requestConfig();
        ICoprocessorCoordinator.RequestParams memory params =
            _params(delegate.model().modelId, inputs, bytes32(0), ICoprocessorCoordinator.Verification.Zk, 1);
        params.paymentToken = rc.token;
        params.feeCap = rc.feeCap;
        params.callbackGasLimit = rc.callbackGasLimit;
        params.deadline = uint64(block.timestamp + rc.timeout);
        return _committed(requestId, address(delegate), params);
    }

    function _deliver(
        ICoprocessorCoordinator.Request memory r,
        int256[] memory outputs,
        uint256[8] memory proof,
        uint256[] memory signals
    ) internal {
        ICoprocessorCoordinator.Output memory o;
        o.values = outputs;
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(proof, signals));
    }

    /// @dev Triggers `p` and delivers the example `name` ("clear", "uncertain", "against").
    function _triggerAndDeliver(Proposal memory p, string memory name) internal returns (uint256 requestId) {
        requestId = _trigger(p);
        ICoprocessorCoordinator.Request memory r = _delegateRequest(requestId, _inputs(name));
        (int256[] memory y, uint256[8] memory proof, uint256[] memory s) = _example(name);
        _deliver(r, y, proof, s);
    }

    function _features(string memory name) internal pure returns (int256[] memory) {
        bytes32 h = keccak256(bytes(name));
        if (h == keccak256("clear")) return F.clearFeatures();
        if (h == keccak256("uncertain")) return F.uncertainFeatures();
        return F.againstFeatures();
    }

    function _inputs(string memory name) internal pure returns (int256[] memory) {
        bytes32 h = keccak256(bytes(name));
        if (h == keccak256("clear")) return F.clearInputs();
        if (h == keccak256("uncertain")) return F.uncertainInputs();
        return F.againstInputs();
    }

    function _example(string memory name)
        internal
        pure
        returns (int256[] memory y, uint256[8] memory proof, uint256[] memory s)
    {
        bytes32 h = keccak256(bytes(name));
        if (h == keccak256("clear")) return (F.clearOutputs(), F.clearProof(), F.clearSignals());
        if (h == keccak256("uncertain")) return (F.uncertainOutputs(), F.uncertainProof(), F.uncertainSignals());
        return (F.againstOutputs(), F.againstProof(), F.againstSignals());
    }

    function _weight(address account, uint256 proposalId) internal view returns (uint256) {
        return daoToken.getPastVotes(account, governor.proposalSnapshot(proposalId));
    }

    function _votes(uint256 proposalId) internal view returns (uint256 against, uint256 forVotes, uint256 abstain) {
        return governor.proposalVotes(proposalId);
    }

    function _state(uint256 proposalId) internal view returns (IGovernor.ProposalState) {
        return governor.state(proposalId);
    }
}
