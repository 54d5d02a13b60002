// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {CallbackConsumer} from "../../src/coprocessor/CallbackConsumer.sol";
import {CoprocessorCoordinator} from "../../src/coprocessor/CoprocessorCoordinator.sol";
import {ICoprocessorCoordinator} from "../../src/coprocessor/ICoprocessorCoordinator.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";
import {ZkFixture} from "../zk/ZkFixture.sol";
import {ZkFixtures} from "../zk/fixtures/ZkFixtures.sol";

/// @notice A consumer whose callback can store, revert, burn its gas, re-enter or return a huge revert.
contract TestConsumer is CallbackConsumer {
    enum Mode {
        Store,
        Revert,
        BurnGas,
        Reenter,
        ReturnBomb
    }

    Mode public mode;
    uint256 public calls;
    uint256 public lastRequestId;
    address public lastNode;
    int256[] internal _lastValues;
    bytes public reentryError;
    bytes public reentryWithdrawError;
    bytes internal _reenterRequest;

    constructor(ICoprocessorCoordinator coordinator) CallbackConsumer(coordinator) {}

    function setMode(Mode m) external {
        mode = m;
    }

    function setReenter(ICoprocessorCoordinator.Request calldata r) external {
        _reenterRequest = abi.encode(r);
    }

    function ask(ICoprocessorCoordinator.RequestParams calldata p) external returns (uint256) {
        return _request(p);
    }

    function lastValues() external view returns (int256[] memory) {
        return _lastValues;
    }

    function _onResult(uint256 requestId, ICoprocessorCoordinator.Output calldata output, address node)
        internal
        override
    {
        Mode m = mode;
        if (m == Mode.Revert) revert("consumer says no");
        if (m == Mode.BurnGas) {
            uint256 x;
            while (true) {
                x = uint256(keccak256(abi.encode(x)));
            }
        }
        if (m == Mode.ReturnBomb) {
            assembly {
                revert(0, 100000)
            }
        }
        if (m == Mode.Reenter) {
            ICoprocessorCoordinator.Request memory r = abi.decode(_reenterRequest, (ICoprocessorCoordinator.Request));
            try COORDINATOR.deliver(r, 1, output, "") {}
            catch (bytes memory e) {
                reentryError = e;
            }
            try COORDINATOR.withdrawEscrow(r.paymentToken, 1) {}
            catch (bytes memory e) {
                reentryWithdrawError = e;
            }
        }
        ++calls;
        lastRequestId = requestId;
        lastNode = node;
        _lastValues = output.values;
    }
}

/// @notice Token, params, staking, the zk registries (real verifiers), the coordinator (LOCKER and
///         SLASHER on Staking), three staked nodes serving every fixture model, a funded consumer.
abstract contract CoprocessorFixture is ZkFixture {
    bytes32 internal constant COPROCESSOR_ROLE = keccak256("COPROCESSOR");
    uint256 internal constant MIN_STAKE = 100 ether;
    uint128 internal constant FEE = 1 ether;
    uint128 internal constant FEE_CAP = 2 ether;
    uint256 internal constant START_TIME = 1_700_000_000;

    NoosToken internal token;
    ProtocolParams internal params;
    Staking internal staking;
    CoprocessorCoordinator internal coordinator;
    TestConsumer internal consumer;
    address internal treasury = makeAddr("treasury");
    address internal admin = makeAddr("admin");
    address internal requester = makeAddr("requester");
    address internal node1 = makeAddr("node1");
    address internal node2 = makeAddr("node2");
    address internal node3 = makeAddr("node3");
    address internal unstaked = makeAddr("unstaked");

    function setUp() public virtual override {
        vm.warp(START_TIME);
        super.setUp();
        vm.startPrank(admin);
        token = new NoosToken(admin, treasury, 1_000_000_000 ether);
        params = new ProtocolParams(admin, treasury);
        staking = new Staking(token, params, admin);
        coordinator = new CoprocessorCoordinator(params, staking, models, proofs, MIN_STAKE);
        staking.grantRole(staking.SLASHER_ROLE(), address(coordinator));
        staking.grantRole(staking.LOCKER_ROLE(), address(coordinator));
        params.setPaymentToken(address(token), true, 1 ether, 1 ether);
        vm.stopPrank();
        vm.prank(treasury);
        token.transfer(admin, 100_000_000 ether);
        address[3] memory nodes = [node1, node2, node3];
        for (uint256 i; i < 3; ++i) {
            _stakeNode(nodes[i], 3 * MIN_STAKE);
            vm.startPrank(nodes[i]);
            for (uint256 m = 1; m <= 4; ++m) {
                coordinator.setNodeFee(m, address(token), true, FEE);
            }
            vm.stopPrank();
        }
        consumer = new TestConsumer(coordinator);
        _fundEscrow(address(consumer), 1000 ether);
        _fundEscrow(requester, 1000 ether);
    }

    function _stakeNode(address node, uint256 amount) internal {
        vm.prank(admin);
        token.transfer(node, amount);
        vm.startPrank(node);
        token.approve(address(staking), amount);
        staking.stake(COPROCESSOR_ROLE, amount);
        vm.stopPrank();
    }

    function _fundEscrow(address account, uint256 amount) internal {
        vm.startPrank(admin);
        token.approve(address(coordinator), amount);
        coordinator.deposit(account, address(token), amount);
        vm.stopPrank();
    }

    function _values(int256 a, int256 b) internal pure returns (int256[] memory v) {
        v = new int256[](2);
        (v[0], v[1]) = (a, b);
    }

    /// @dev One-shot params: model, inline values, input hash, mode, redundancy; cap FEE_CAP, 1 h.
    function _params(
        uint256 modelId,
        int256[] memory values,
        bytes32 inputHash,
        ICoprocessorCoordinator.Verification v,
        uint8 k
    ) internal view returns (ICoprocessorCoordinator.RequestParams memory p) {
        p.modelId = modelId;
        p.input = ICoprocessorCoordinator.Input({values: values, hash: inputHash, cid: ""});
        p.verification = v;
        p.redundancy = k;
        p.paymentToken = address(token);
        p.feeCap = FEE_CAP;
        p.callbackGasLimit = 200_000;
        p.deadline = uint64(block.timestamp + 1 hours);
        p.frequency = 1;
    }

    /// @dev The hashed-input fixture's input hash (a PoseidonVector hash).
    function _h1() internal pure returns (bytes32) {
        return bytes32(ZkFixtures.hashedInputSignals()[0]);
    }

    function _zkParams() internal view returns (ICoprocessorCoordinator.RequestParams memory) {
        return _params(hashedInputModel, _values(1, 2), _h1(), ICoprocessorCoordinator.Verification.Zk, 1);
    }

    /// @dev Sends `p` from `from` and returns the committed Request (as RequestCreated has it).
    function _request(address from, ICoprocessorCoordinator.RequestParams memory p)
        internal
        returns (ICoprocessorCoordinator.Request memory r)
    {
        vm.prank(from);
        uint256 id = from == address(consumer) ? consumer.ask(p) : coordinator.request(p);
        r = _committed(id, from, p);
    }

    function _committed(uint256 id, address from, ICoprocessorCoordinator.RequestParams memory p)
        internal
        view
        returns (ICoprocessorCoordinator.Request memory r)
    {
        r.id = id;
        r.owner = from;
        r.modelId = p.modelId;
        r.inputHash = p.input.hash != bytes32(0) ? p.input.hash : coordinator.inputHashOf(p.input.values);
        r.verification = p.verification;
        r.redundancy = p.redundancy;
        r.paymentToken = p.paymentToken;
        r.feeCap = p.feeCap;
        r.callbackGasLimit = p.callbackGasLimit;
        if (p.period == 0) {
            r.activeAt = uint64(block.timestamp);
            r.timeout = uint32(p.deadline - block.timestamp);
        } else {
            r.activeAt = p.activeAt == 0 ? uint64(block.timestamp) : p.activeAt;
            r.timeout = uint32(p.deadline);
        }
        r.period = p.period;
        r.frequency = p.frequency;
        assertEq(coordinator.commitmentOf(id), keccak256(abi.encode(r)), "commitment");
    }

    function _output(int256 a, int256 b) internal pure returns (ICoprocessorCoordinator.Output memory o) {
        o.values = _values(a, b);
    }

    function _proof(uint256[8] memory p, uint256[] memory s) internal pure returns (bytes memory) {
        return abi.encode(p, s);
    }

    function _hashedProof() internal pure returns (bytes memory) {
        return _proof(ZkFixtures.hashedInputProof(), ZkFixtures.hashedInputSignals());
    }

    function _escrow(address a) internal view returns (uint256 available, uint256 locked) {
        return coordinator.escrowOf(a, address(token));
    }

    function _earned(address n) internal view returns (uint256) {
        return coordinator.earningsOf(n, address(token));
    }

    function _protocolFee(uint256 fee) internal view returns (uint256) {
        return fee * params.takeRateBps() / 10_000;
    }
}
