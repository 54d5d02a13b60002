// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IProtocolParams} from "../config/IProtocolParams.sol";
import {IStaking} from "../staking/IStaking.sol";
import {IModelRegistry} from "../zk/IModelRegistry.sol";
import {IProofRegistry} from "../zk/IProofRegistry.sol";
import {CoprocessorOptimisticLib} from "./CoprocessorOptimisticLib.sol";
import {ICoprocessorConsumer, ICoprocessorCoordinator} from "./ICoprocessorCoordinator.sol";

/// @title CoprocessorCoordinator
/// @notice Requests, subscriptions, escrow, deliveries and callbacks of the AI coprocessor (see
///         ICoprocessorCoordinator). Needs Staking's LOCKER_ROLE and SLASHER_ROLE (Redundant mode);
///         Optimistic mode reads and finalizes claims of the OptimisticVerifier set by `setOptimisticConfig`.
contract CoprocessorCoordinator is ICoprocessorCoordinator, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Staking role of coprocessor nodes.
    bytes32 public constant COPROCESSOR_ROLE = keccak256("COPROCESSOR");
    /// @notice BN254 scalar field modulus (inline values are mapped into it).
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Most nodes a Redundant request may ask for.
    uint8 public constant MAX_REDUNDANCY = 7;
    /// @notice Most inline input values.
    uint256 public constant MAX_INLINE_VALUES = 1024;
    /// @notice Gas kept back for the work after a callback (events, failure record).
    uint256 public constant CALLBACK_RESERVE = 60_000;

    IProtocolParams public immutable PARAMS;
    IStaking public immutable STAKING;
    IModelRegistry public immutable MODELS;
    IProofRegistry public immutable PROOFS;
    uint256 private immutable _minNodeStake;

    /// @dev One slot per interval.
    struct StoredInterval {
        Status status;
        uint8 deliveries;
        bool callbackFailed;
        uint128 locked;
    }

    /// @dev One Redundant delivery awaiting the others.
    struct Delivery {
        address node;
        uint96 fee;
        uint128 protocolFee;
        bytes32 outputHash;
    }

    /// @dev An optimistic delivery awaiting its claim (one slot); the node is the claim's asserter.
    struct Pending {
        uint96 fee;
        uint96 protocolFee;
        uint64 claimId;
    }

    struct Escrow {
        uint128 available;
        uint128 locked;
    }

    uint256 private _requestCount;
    mapping(uint256 requestId => bytes32) private _commitments;
    /// @dev Last interval + 1 of a canceled subscription (0: not canceled).
    mapping(uint256 requestId => uint64) private _canceled;
    mapping(uint256 requestId => mapping(uint32 interval => StoredInterval)) private _intervals;
    mapping(uint256 requestId => mapping(uint32 interval => bytes32)) private _outputHashes;
    mapping(uint256 requestId => mapping(uint32 interval => Delivery[])) private _deliveries;
    mapping(uint256 requestId => mapping(uint32 interval => bytes)) private _failed;
    mapping(address account => mapping(address token => Escrow)) private _escrow;
    /// @dev Node earnings and protocol fees are stored plus one once a slot is initialized (0: never
    ///      used): `setNodeFee` initializes the node's earnings slot and the token's fee slot, and a
    ///      withdrawal or sweep leaves the 1 behind, so a delivery never writes a fresh slot (20k gas
    ///      each, the first delivery of a node or token paid ~35k more than the next ones otherwise).
    ///      The views and the withdrawals subtract the one; it is never money.
    mapping(address node => mapping(address token => uint256)) private _earnings;
    mapping(address token => uint256) private _fees;
    mapping(address node => mapping(uint256 modelId => mapping(address token => NodeFee))) private _nodeFees;
    OptimisticConfig private _optimistic;
    mapping(uint256 modelId => OptimisticModel) private _optimisticModels;
    mapping(uint256 requestId => mapping(uint32 interval => Pending)) private _pending;

    constructor(
        IProtocolParams params_,
        IStaking staking_,
        IModelRegistry models_,
        IProofRegistry proofs_,
        uint256 minNodeStake_
    ) {
        PARAMS = params_;
        STAKING = staking_;
        MODELS = models_;
        PROOFS = proofs_;
        _minNodeStake = minNodeStake_;
    }

    // ----------------------------------------------------------------------------------- requests

    /// @inheritdoc ICoprocessorCoordinator
    function request(RequestParams calldata p) external returns (uint256 requestId) {
        Verification v = p.verification;
        if (v == Verification.Optimistic && _optimistic.verifier == address(0)) {
            revert CoprocessorUnsupportedVerification(v);
        }
        if (v == Verification.Redundant ? (p.redundancy < 2 || p.redundancy > MAX_REDUNDANCY) : p.redundancy != 1) {
            revert CoprocessorInvalidRedundancy(v, p.redundancy);
        }
        if (!PARAMS.paymentToken(p.paymentToken).allowed) revert CoprocessorTokenNotAllowed(p.paymentToken);
        bytes32 inputHash = _requestInputHash(p);
        (uint64 activeAt, uint32 timeout) = _schedule(p);
        requestId = ++_requestCount;
        Request memory r = Request({
            id: requestId,
            owner: msg.sender,
            modelId: p.modelId,
            inputHash: inputHash,
            verification: v,
            redundancy: p.redundancy,
            paymentToken: p.paymentToken,
            feeCap: p.feeCap,
            callbackGasLimit: p.callbackGasLimit,
            activeAt: activeAt,
            period: p.period,
            frequency: p.frequency,
            timeout: timeout
        });
        _commitments[requestId] = keccak256(abi.encode(r));
        emit RequestCreated(requestId, msg.sender, p.modelId, r, p.input);
        if (p.period == 0) {
            _open(_intervals[requestId][1], requestId, 1, msg.sender, p.paymentToken, p.feeCap * uint256(p.redundancy));
        }
    }

    /// @inheritdoc ICoprocessorCoordinator
    function cancelSubscription(Request calldata r) external {
        _checkCommitment(r);
        if (msg.sender != r.owner) revert CoprocessorNotOwner(r.id, msg.sender);
        if (_canceled[r.id] != 0) revert CoprocessorAlreadyCanceled(r.id);
        uint32 last = _currentInterval(r);
        _canceled[r.id] = uint64(last) + 1;
        emit SubscriptionCanceled(r.id, last);
    }

    // ---------------------------------------------------------------------------------- delivery

    /// @inheritdoc ICoprocessorCoordinator
    function deliver(Request calldata r, uint32 interval, Output calldata output, bytes calldata proof)
        external
        nonReentrant
    {
        _checkCommitment(r);
        {
            uint256 deadline = _deadline(r, interval, true);
            if (block.timestamp > deadline) revert CoprocessorDeadlinePassed(r.id, interval, deadline);
        }
        StoredInterval storage st = _intervals[r.id][interval];
        if (uint8(st.status) > uint8(Status.Pending)) revert CoprocessorAlreadySettled(r.id, interval, st.status);
        (uint256 fee, uint256 protocolFee) = _nodeCharge(r);
        bytes32 outputHash = outputHashOf(output);
        if (outputHash == bytes32(0)) revert CoprocessorOutputMismatch(r.id, bytes32(0), outputHash);
        if (r.verification == Verification.Zk) _checkProof(r, outputHash, proof);
        if (st.status == Status.None) _openFor(st, r, interval);
        emit OutputDelivered(r.id, interval, msg.sender, outputHash, output);

        if (r.verification == Verification.Optimistic) {
            _deliverOptimistic(
                r,
                interval,
                output,
                proof,
                Pending({fee: SafeCast.toUint96(fee), protocolFee: SafeCast.toUint96(protocolFee), claimId: 0}),
                outputHash
            );
            return;
        }
        if (r.verification == Verification.Redundant) {
            if (!_recordRedundant(r, interval, st, outputHash, fee, protocolFee)) return;
            if (!_settleRedundant(r, interval, st, outputHash)) return;
            fee = 0;
            protocolFee = 0;
            Delivery[] storage ds = _deliveries[r.id][interval];
            for (uint256 i; i < ds.length; ++i) {
                fee += ds[i].fee;
                protocolFee += ds[i].protocolFee;
            }
        } else {
            st.deliveries = 1;
            _pay(msg.sender, r.paymentToken, fee, protocolFee);
            _settle(st, r.owner, r.paymentToken, fee + protocolFee);
        }
        st.status = Status.Delivered;
        _outputHashes[r.id][interval] = outputHash;
        bool ok = _callback(r, interval, output, outputHash, _firstNode(r, interval));
        if (!ok) {
            st.callbackFailed = true;
            _failed[r.id][interval] = abi.encode(output);
        }
        emit RequestFulfilled(r.id, interval, outputHash, r.verification == Verification.Zk, ok, fee, protocolFee);
    }

    /// @dev The node a callback names: the first Redundant delivery's, else the caller.
    function _firstNode(Request calldata r, uint32 interval) private view returns (address) {
        return r.verification == Verification.Redundant ? _deliveries[r.id][interval][0].node : msg.sender;
    }

    /// @dev Optimistic: checks the claim the delivery names (CoprocessorOptimisticLib.claimDelivery) and
    ///      records it (`Verifying`): nobody is paid and nothing is called back until it settles.
    function _deliverOptimistic(
        Request calldata r,
        uint32 interval,
        Output calldata output,
        bytes calldata proof,
        Pending memory pd,
        bytes32 outputHash
    ) private {
        pd.claimId = CoprocessorOptimisticLib.claimDelivery(_optimistic, r, interval, output, proof);
        StoredInterval storage st = _intervals[r.id][interval];
        st.deliveries = 1;
        st.status = Status.Verifying;
        _outputHashes[r.id][interval] = outputHash;
        _pending[r.id][interval] = pd;
    }

    /// @inheritdoc ICoprocessorCoordinator
    function settleOptimistic(Request calldata r, uint32 interval, Output calldata output) external nonReentrant {
        _checkCommitment(r);
        if (r.verification != Verification.Optimistic) revert CoprocessorUnsupportedVerification(r.verification);
        StoredInterval storage st = _intervals[r.id][interval];
        if (st.status != Status.Verifying) revert CoprocessorNotVerifying(r.id, interval, st.status);
        Pending memory pd = _pending[r.id][interval];
        (address node, bool rejected) = CoprocessorOptimisticLib.outcome(_optimistic, pd.claimId);
        if (rejected) {
            _settle(st, r.owner, r.paymentToken, 0);
            st.status = Status.Disputed;
            address[] memory lost = new address[](1);
            lost[0] = node;
            emit RequestDisputed(r.id, interval, lost);
            return;
        }
        bytes32 outputHash = outputHashOf(output);
        bytes32 delivered = _outputHashes[r.id][interval];
        if (outputHash != delivered) revert CoprocessorOutputMismatch(r.id, delivered, outputHash);
        _pay(node, r.paymentToken, pd.fee, pd.protocolFee);
        _settle(st, r.owner, r.paymentToken, uint256(pd.fee) + pd.protocolFee);
        st.status = Status.Delivered;
        bool ok = _callback(r, interval, output, outputHash, node);
        if (!ok) {
            st.callbackFailed = true;
            _failed[r.id][interval] = abi.encode(output);
        }
        emit RequestFulfilled(r.id, interval, outputHash, true, ok, pd.fee, pd.protocolFee);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function refund(Request calldata r, uint32 interval) external nonReentrant {
        _checkCommitment(r);
        uint256 deadline = _deadline(r, interval, false);
        if (block.timestamp <= deadline) revert CoprocessorDeadlineNotPassed(r.id, interval, deadline);
        StoredInterval storage st = _intervals[r.id][interval];
        if (uint8(st.status) > uint8(Status.Pending)) revert CoprocessorAlreadySettled(r.id, interval, st.status);
        uint256 amount = st.locked;
        _unlockStakes(_deliveries[r.id][interval]);
        _settle(st, r.owner, r.paymentToken, 0);
        st.status = Status.Refunded;
        emit RequestRefunded(r.id, interval, amount);
    }

    // ------------------------------------------------------------------------------ money, nodes

    /// @inheritdoc ICoprocessorCoordinator
    function deposit(address account, address token, uint256 amount) external {
        if (amount == 0) revert CoprocessorZeroAmount();
        if (!PARAMS.paymentToken(token).allowed) revert CoprocessorTokenNotAllowed(token);
        Escrow storage e = _escrow[account][token];
        e.available = SafeCast.toUint128(e.available + amount);
        emit EscrowDeposited(account, token, msg.sender, amount);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function withdrawEscrow(address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert CoprocessorZeroAmount();
        Escrow storage e = _escrow[msg.sender][token];
        if (e.available < amount) revert CoprocessorInsufficientEscrow(msg.sender, token, amount, e.available);
        // forge-lint: disable-next-line(unsafe-typecast) amount <= available (uint128), checked above
        e.available -= uint128(amount);
        emit EscrowWithdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function withdrawEarnings(address token) external nonReentrant returns (uint256 amount) {
        amount = _unbiased(_earnings[msg.sender][token]);
        if (amount == 0) revert CoprocessorNothingToWithdraw(msg.sender, token);
        _earnings[msg.sender][token] = 1;
        emit EarningsWithdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function setNodeFee(uint256 modelId, address token, bool serves, uint128 fee) external {
        uint256 staked = STAKING.stakeOf(msg.sender, COPROCESSOR_ROLE);
        if (serves && (staked < _minNodeStake || staked == 0)) {
            revert CoprocessorNodeNotStaked(msg.sender, staked, _minNodeStake);
        }
        if (serves && !MODELS.exists(modelId)) revert CoprocessorUnknownModel(modelId);
        _nodeFees[msg.sender][modelId][token] = NodeFee({serves: serves, fee: serves ? fee : 0});
        if (serves) {
            // Initialized here (once per node and token) so that deliveries find non-zero slots.
            if (_earnings[msg.sender][token] == 0) _earnings[msg.sender][token] = 1;
            if (_fees[token] == 0) _fees[token] = 1;
        }
        emit NodeFeeSet(msg.sender, modelId, token, serves, serves ? fee : 0);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function sweepFees(address token) external nonReentrant returns (uint256 amount) {
        amount = _unbiased(_fees[token]);
        address treasury = PARAMS.treasury();
        if (amount == 0) revert CoprocessorNothingToWithdraw(treasury, token);
        _fees[token] = 1;
        emit FeesSwept(token, treasury, amount);
        IERC20(token).safeTransfer(treasury, amount);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function setOptimisticConfig(address verifier, uint64 minWindow, uint128 minBond) external {
        if (msg.sender != Ownable(address(PARAMS)).owner()) revert CoprocessorUnauthorized(msg.sender);
        address current = _optimistic.verifier;
        if (verifier == address(0) || (current != address(0) && current != verifier)) {
            revert CoprocessorVerifierAlreadySet(current);
        }
        _optimistic = OptimisticConfig({verifier: verifier, minWindow: minWindow, minBond: minBond});
        emit OptimisticConfigSet(verifier, minWindow, minBond);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function setOptimisticModel(uint256 modelId, OptimisticModel calldata m, string calldata weightsCid) external {
        // The owner is the first field of getModel's struct (behind the tuple's offset word): read only it
        // instead of decoding the whole Model (its layout and URI cost ~1.5 KB of decoder code here).
        (bool found, bytes memory ret) =
            address(MODELS).staticcall(abi.encodeCall(IModelRegistry.getModel, (modelId)));
        if (!found || ret.length < 64) revert CoprocessorUnknownModel(modelId);
        (, address owner) = abi.decode(ret, (uint256, address));
        if (msg.sender != owner) revert CoprocessorUnauthorized(msg.sender);
        if (m.nIn == 0 || m.nHidden == 0 || m.nOut == 0) revert CoprocessorNotOptimisticModel(modelId);
        _optimisticModels[modelId] = m;
        emit OptimisticModelSet(modelId, m, weightsCid);
    }

    // ------------------------------------------------------------------------------------ views

    /// @inheritdoc ICoprocessorCoordinator
    function optimisticConfig() external view returns (OptimisticConfig memory) {
        return _optimistic;
    }


    /// @inheritdoc ICoprocessorCoordinator
    function claimOf(uint256 requestId, uint32 interval) external view returns (uint256) {
        return _pending[requestId][interval].claimId;
    }

    /// @inheritdoc ICoprocessorCoordinator
    function ticketOf(uint256 requestId, uint32 interval) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), requestId, interval));
    }

    /// @inheritdoc ICoprocessorCoordinator
    function commitmentOf(uint256 requestId) external view returns (bytes32) {
        return _commitments[requestId];
    }

    /// @inheritdoc ICoprocessorCoordinator
    function getInterval(uint256 requestId, uint32 interval) external view returns (IntervalState memory s) {
        StoredInterval memory st = _intervals[requestId][interval];
        s = IntervalState({
            status: st.status,
            deliveries: st.deliveries,
            callbackFailed: st.callbackFailed,
            locked: st.locked,
            outputHash: _outputHashes[requestId][interval]
        });
    }

    /// @notice The Redundant deliveries of an interval so far: nodes and their output hashes.
    function getDeliveries(uint256 requestId, uint32 interval)
        external
        view
        returns (address[] memory nodes, bytes32[] memory outputHashes)
    {
        Delivery[] storage ds = _deliveries[requestId][interval];
        nodes = new address[](ds.length);
        outputHashes = new bytes32[](ds.length);
        for (uint256 i; i < ds.length; ++i) {
            nodes[i] = ds[i].node;
            outputHashes[i] = ds[i].outputHash;
        }
    }

    /// @inheritdoc ICoprocessorCoordinator
    function currentInterval(Request calldata r) external view returns (uint32) {
        return _currentInterval(r);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function canceledAfter(uint256 requestId) external view returns (uint32) {
        uint64 c = _canceled[requestId];
        // forge-lint: disable-next-line(unsafe-typecast) c >= 1 and c - 1 is a uint32 interval
        return c == 0 ? 0 : uint32(c - 1);
    }

    /// @notice Whether the subscription was canceled (see `canceledAfter` for its last interval).
    function isCanceled(uint256 requestId) external view returns (bool) {
        return _canceled[requestId] != 0;
    }

    /// @inheritdoc ICoprocessorCoordinator
    function failedResult(uint256 requestId, uint32 interval) external view returns (Output memory output) {
        bytes memory data = _failed[requestId][interval];
        if (data.length != 0) output = abi.decode(data, (Output));
    }

    /// @inheritdoc ICoprocessorCoordinator
    function escrowOf(address account, address token) external view returns (uint256 available, uint256 locked) {
        Escrow memory e = _escrow[account][token];
        return (e.available, e.locked);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function earningsOf(address node, address token) external view returns (uint256) {
        return _unbiased(_earnings[node][token]);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function protocolFeesOf(address token) external view returns (uint256) {
        return _unbiased(_fees[token]);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function nodeFee(address node, uint256 modelId, address token) external view returns (NodeFee memory) {
        return _nodeFees[node][modelId][token];
    }

    /// @inheritdoc ICoprocessorCoordinator
    function outputHashOf(Output calldata output) public pure returns (bytes32) {
        return output.values.length == 0 ? output.hash : _fieldHash(output.values);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function inputHashOf(int256[] calldata values) public pure returns (bytes32) {
        return _fieldHash(values);
    }

    /// @inheritdoc ICoprocessorCoordinator
    function minNodeStake() external view returns (uint256) {
        return _minNodeStake;
    }

    /// @inheritdoc ICoprocessorCoordinator
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    // --------------------------------------------------------------------------------- internals

    /// @dev keccak256 of the values mapped into the field (x >= 0: x mod p; x < 0: p - (|x| mod p),
    ///      0 for a multiple of p), packed as words. Assembly: the checked Solidity loop cost ~13k more
    ///      on a 64-value input (a digits image), paid by every inline non-zk or public-input request.
    function _fieldHash(int256[] calldata values) private pure returns (bytes32 h) {
        uint256 p = FIELD_MODULUS;
        assembly ("memory-safe") {
            let n := values.length
            let out := mload(0x40)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let x := calldataload(add(values.offset, shl(5, i)))
                let f := 0
                switch slt(x, 0)
                case 0 { f := mod(x, p) }
                default {
                    // |x| as an unsigned word (2^255 for int256.min), reduced; then p - r (0 stays 0).
                    let r := mod(sub(0, x), p)
                    if r { f := sub(p, r) }
                }
                mstore(add(out, shl(5, i)), f)
            }
            h := keccak256(out, shl(5, n))
        }
    }

    function _requestInputHash(RequestParams calldata p) private view returns (bytes32) {
        IModelRegistry.ProofContext memory ctx = MODELS.proofContext(p.modelId);
        if (ctx.verifier == address(0)) revert CoprocessorUnknownModel(p.modelId);
        if (ctx.deprecated) revert CoprocessorModelDeprecated(p.modelId);
        uint256 n = p.input.values.length;
        bytes32 given = p.input.hash;
        if ((n == 0 && given == bytes32(0)) || n > MAX_INLINE_VALUES) revert CoprocessorInvalidInput(n, given);
        if (p.verification == Verification.Optimistic) {
            bytes32 spec = CoprocessorOptimisticLib.specHash(_optimisticModels[p.modelId], p.modelId, p.input.values);
            if (given != bytes32(0) && given != spec) revert CoprocessorInputHashMismatch(0, spec, given);
            return spec;
        }
        if (p.verification == Verification.Zk) {
            IModelRegistry.InputVisibility vis = ctx.layout.inputVisibility;
            if (vis == IModelRegistry.InputVisibility.Private) revert CoprocessorInputNotProvable(p.modelId);
            if (vis == IModelRegistry.InputVisibility.Public && n != 0) {
                bytes32 h = _fieldHash(p.input.values);
                if (given != bytes32(0) && given != h) revert CoprocessorInputHashMismatch(0, h, given);
                return h;
            }
            if (given == bytes32(0)) revert CoprocessorInvalidInput(n, given);
            return given;
        }
        return given != bytes32(0) ? given : _fieldHash(p.input.values);
    }

    function _schedule(RequestParams calldata p) private view returns (uint64 activeAt, uint32 timeout) {
        if (p.period == 0) {
            if (p.frequency != 1 || p.deadline <= block.timestamp || p.deadline - block.timestamp > type(uint32).max) {
                revert CoprocessorInvalidSchedule(p.deadline, p.period, p.frequency);
            }
            return (uint64(block.timestamp), uint32(p.deadline - block.timestamp));
        }
        if (p.frequency == 0 || p.deadline == 0 || p.deadline > type(uint32).max) {
            revert CoprocessorInvalidSchedule(p.deadline, p.period, p.frequency);
        }
        return (p.activeAt == 0 ? uint64(block.timestamp) : p.activeAt, uint32(p.deadline));
    }

    function _checkCommitment(Request calldata r) private view {
        if (_commitments[r.id] != keccak256(abi.encode(r)) || r.id == 0) revert CoprocessorUnknownRequest(r.id);
    }

    function _currentInterval(Request calldata r) private view returns (uint32) {
        if (block.timestamp < r.activeAt) return 0;
        if (r.period == 0) return 1;
        return SafeCast.toUint32((block.timestamp - r.activeAt) / r.period + 1);
    }

    /// @dev The interval's deadline; reverts if it is not an interval of the request (or, when
    ///      `started`, has not started yet).
    function _deadline(Request calldata r, uint32 interval, bool started) private view returns (uint256) {
        // A one-shot request's only interval is never beyond a cancel (its cancel is at >= 2): no read.
        uint64 canceled = r.period == 0 ? 0 : _canceled[r.id];
        if (interval == 0 || interval > r.frequency || (canceled != 0 && interval >= canceled)) {
            revert CoprocessorIntervalNotActive(r.id, interval);
        }
        uint256 start = uint256(r.activeAt) + uint256(interval - 1) * r.period;
        if (started && block.timestamp < start) revert CoprocessorIntervalNotActive(r.id, interval);
        return start + r.timeout;
    }

    /// @dev The caller's fee for the request's model and token, and the protocol fee on it; checks
    ///      the stake and the cap.
    function _nodeCharge(Request calldata r) private view returns (uint256 fee, uint256 protocolFee) {
        uint256 staked = STAKING.stakeOf(msg.sender, COPROCESSOR_ROLE);
        if (staked < _minNodeStake || staked == 0) revert CoprocessorNodeNotStaked(msg.sender, staked, _minNodeStake);
        NodeFee memory nf = _nodeFees[msg.sender][r.modelId][r.paymentToken];
        if (!nf.serves) revert CoprocessorModelNotServed(msg.sender, r.modelId, r.paymentToken);
        fee = nf.fee;
        protocolFee = fee * PARAMS.takeRateBps() / 10_000;
        if (fee + protocolFee > r.feeCap) revert CoprocessorFeeAboveCap(fee, protocolFee, r.feeCap);
    }

    function _openFor(StoredInterval storage st, Request calldata r, uint32 interval) private {
        _open(st, r.id, interval, r.owner, r.paymentToken, r.feeCap * uint256(r.redundancy));
    }

    /// @dev Locks `amount` (`feeCap * redundancy`) of the owner's escrow for the interval.
    function _open(StoredInterval storage st, uint256 id, uint32 interval, address owner, address token, uint256 amount)
        private
    {
        Escrow storage e = _escrow[owner][token];
        if (e.available < amount) revert CoprocessorInsufficientEscrow(owner, token, amount, e.available);
        // forge-lint: disable-next-line(unsafe-typecast) amount <= available (uint128), checked above
        e.available -= uint128(amount);
        // forge-lint: disable-next-line(unsafe-typecast) amount <= available (uint128), checked above
        e.locked += uint128(amount);
        st.status = Status.Pending;
        // forge-lint: disable-next-line(unsafe-typecast) amount <= available (uint128), checked above
        st.locked = uint128(amount);
        emit IntervalOpened(id, interval, amount);
    }

    /// @dev Releases the interval's lock: `spent` of it was paid out, the rest returns to the owner.
    function _settle(StoredInterval storage st, address owner, address token, uint256 spent) private {
        uint128 locked = st.locked;
        Escrow storage e = _escrow[owner][token];
        e.locked -= locked;
        // forge-lint: disable-next-line(unsafe-typecast) spent <= locked (fees are capped by feeCap per node)
        e.available += locked - uint128(spent);
        st.locked = 0;
    }

    /// @dev Credits a node's fee and the protocol fee (slots stored plus one, see `_earnings`; a slot
    ///      not initialized yet gets its one here).
    function _pay(address node, address token, uint256 fee, uint256 protocolFee) private {
        if (fee != 0) {
            uint256 e = _earnings[node][token];
            _earnings[node][token] = (e == 0 ? 1 : e) + fee;
        }
        if (protocolFee != 0) {
            uint256 f = _fees[token];
            _fees[token] = (f == 0 ? 1 : f) + protocolFee;
        }
    }

    /// @dev A stored earnings or fee slot without its initialization one.
    function _unbiased(uint256 stored) private pure returns (uint256) {
        return stored == 0 ? 0 : stored - 1;
    }

    /// @dev Zk: the proof's statement must be exactly (the request's input hash, this output), and
    ///      ProofRegistry must accept the proof for the request's model.
    function _checkProof(Request calldata r, bytes32 outputHash, bytes calldata proof) private view {
        if (proof.length < 320) revert CoprocessorMissingProof(r.id);
        (uint256[8] memory pr, uint256[] memory signals) = abi.decode(proof, (uint256[8], uint256[]));
        (bytes32 inputHash, bytes32 provenOutput,) = PROOFS.statementOf(r.modelId, signals);
        if (inputHash != r.inputHash) revert CoprocessorInputHashMismatch(r.id, r.inputHash, inputHash);
        if (provenOutput != outputHash) revert CoprocessorOutputMismatch(r.id, provenOutput, outputHash);
        if (!PROOFS.verify(r.modelId, pr, signals)) revert CoprocessorInvalidProof(r.id, r.modelId);
    }

    /// @dev Records a Redundant delivery (locking the node's stake); true when it is the k-th.
    function _recordRedundant(
        Request calldata r,
        uint32 interval,
        StoredInterval storage st,
        bytes32 outputHash,
        uint256 fee,
        uint256 protocolFee
    ) private returns (bool complete) {
        Delivery[] storage ds = _deliveries[r.id][interval];
        for (uint256 i; i < ds.length; ++i) {
            if (ds[i].node == msg.sender) revert CoprocessorNodeAlreadyDelivered(r.id, interval, msg.sender);
        }
        ds.push(
            Delivery({
                node: msg.sender,
                fee: SafeCast.toUint96(fee),
                // forge-lint: disable-next-line(unsafe-typecast) protocolFee <= feeCap (uint128), checked in _nodeCharge
                protocolFee: uint128(protocolFee),
                outputHash: outputHash
            })
        );
        if (_minNodeStake != 0) STAKING.lock(msg.sender, COPROCESSOR_ROLE, _minNodeStake);
        uint8 count = st.deliveries + 1;
        st.deliveries = count;
        return count == r.redundancy;
    }

    /// @dev All k delivered: pays everyone if they agree (true); else disputes (false): refund,
    ///      and the minority of a strict majority is slashed.
    function _settleRedundant(Request calldata r, uint32 interval, StoredInterval storage st, bytes32)
        private
        returns (bool agreed)
    {
        Delivery[] storage ds = _deliveries[r.id][interval];
        uint256 k = ds.length;
        uint256 best;
        bytes32 bestHash;
        for (uint256 i; i < k; ++i) {
            uint256 same;
            for (uint256 j; j < k; ++j) {
                if (ds[j].outputHash == ds[i].outputHash) ++same;
            }
            if (same > best) (best, bestHash) = (same, ds[i].outputHash);
        }
        _unlockStakes(ds);
        if (best == k) {
            uint256 spent;
            for (uint256 i; i < k; ++i) {
                _pay(ds[i].node, r.paymentToken, ds[i].fee, ds[i].protocolFee);
                spent += uint256(ds[i].fee) + ds[i].protocolFee;
            }
            _settle(st, r.owner, r.paymentToken, spent);
            return true;
        }
        _settle(st, r.owner, r.paymentToken, 0);
        st.status = Status.Disputed;
        address[] memory slashed;
        if (best * 2 > k) {
            slashed = new address[](k - best);
            // The reporter's share goes to the first node of the majority, never to a liar.
            address reporter;
            for (uint256 i; reporter == address(0); ++i) {
                if (ds[i].outputHash == bestHash) reporter = ds[i].node;
            }
            uint256 n;
            for (uint256 i; i < k; ++i) {
                if (ds[i].outputHash != bestHash) {
                    slashed[n++] = ds[i].node;
                    if (_minNodeStake != 0) STAKING.slash(ds[i].node, COPROCESSOR_ROLE, _minNodeStake, reporter);
                }
            }
        }
        emit RequestDisputed(r.id, interval, slashed);
        return false;
    }

    function _unlockStakes(Delivery[] storage ds) private {
        if (_minNodeStake == 0) return;
        for (uint256 i; i < ds.length; ++i) {
            STAKING.unlock(ds[i].node, COPROCESSOR_ROLE, _minNodeStake);
        }
    }

    /// @dev Calls the owner back with exactly `callbackGasLimit` gas (the node must leave enough:
    ///      EIP-150 keeps 1/64 back), copying no return data. False if it reverted or ran out of gas.
    function _callback(Request calldata r, uint32 interval, Output calldata output, bytes32 outputHash, address node)
        private
        returns (bool ok)
    {
        uint256 limit = r.callbackGasLimit;
        if (limit == 0) return true;
        bytes memory data = abi.encodeCall(
            ICoprocessorConsumer.receiveCoprocessorResult,
            (r.id, interval, output, outputHash, node)
        );
        uint256 needed = limit + limit / 63 + CALLBACK_RESERVE;
        if (gasleft() < needed) revert CoprocessorInsufficientGas(r.id, gasleft(), needed);
        address target = r.owner;
        assembly ("memory-safe") {
            ok := call(limit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }
}
