// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ICoprocessorCoordinator
/// @notice The AI coprocessor (Ritual Infernet semantics, Chainlink Functions ergonomics): a contract
///         (or an account) asks for an inference of a ModelRegistry model on an input, staked nodes
///         deliver the output, and the coordinator pays them from the requester's escrow and calls the
///         requester back with a gas-limited callback.
/// @dev Every request is a subscription (Infernet): `frequency` intervals of `period` seconds from
///      `activeAt`; interval `i` (numbered from 1) starts at `activeAt + (i - 1) * period` and may be
///      delivered until `timeout` seconds after its start (its deadline). A one-shot request is a
///      subscription with `period == 0` and `frequency == 1`: its only interval is 1.
///
///      Only a commitment (keccak256 of the abi-encoded `Request`) is stored, like Chainlink Functions:
///      the full `Request` and the inline input are in `RequestCreated`, and a node passes the `Request`
///      back to `deliver`. Interval state (status, escrow locked for it, agreed output hash) is stored.
///
///      Input hash: `Request.inputHash` is what a zk proof must state as its input. For a model whose
///      circuit takes public inputs and an inline input, the coordinator computes it on chain:
///      keccak256 of the inline values mapped into the BN254 field (x >= 0: x; x < 0: p - |x|) packed
///      as 32-byte words, exactly ProofRegistry's hash of public input signals. For a hashed-input
///      circuit (the zk pipeline's default: PackedInputHash, Poseidon over the values packed 7 per
///      field element, see packages/zk poseidonHashInputs) the requester supplies it (no Poseidon
///      on chain); a node recomputes it from the inline values and declines a mismatch. A CID input
///      carries its hash.
///      A zk delivery is accepted only if `ProofRegistry.verify` accepts the proof for the request's
///      model (its registered verifier, layout and weight commitment) and `statementOf` splits its
///      public signals into exactly (request.inputHash, outputHashOf(output)). The coordinator does
///      not record the statement in ProofRegistry (that would cost ~50k gas per delivery): a node
///      that wants the public record calls `verifyAndRecord` itself.
///
///      Output hash: `outputHashOf(output)`: keccak256 of the field-mapped values packed as words when
///      `values` is not empty (ProofRegistry's hash of public output signals), else `output.hash`.
///
///      Money (per token): deposits = node earnings + protocol fees + refunds (escrow withdrawn) +
///      held (available + locked escrow). Opening an interval locks `feeCap * redundancy` of the
///      owner's escrow (a one-shot request at creation; a subscription interval at its first
///      delivery). Each paid delivery moves the node's fee to its earnings and
///      `fee * takeRateBps / 10_000` (ProtocolParams) to the protocol fees; the rest of the lock
///      returns to the owner's available escrow when the interval settles, is disputed or expires.
///
///      Optimistic (issue 11): the callback WAITS for the challenge window; it never arrives flagged as
///      pending. A consumer acts on its answer irreversibly (a trade, a vote, a market resolution), so
///      a pending flag would push dispute handling into every consumer; waiting keeps the consumer
///      interface unchanged and costs only latency. The model's owner registers the model as a kind-2
///      mlp-infer program (`setOptimisticModel`: dims and the R10 roots of its Q16.16 weights, see
///      packages/ml/src/fixed/ARITHMETIC.md). A request's `inputHash` is then that program's spec hash
///      over the inline input (Q16.16 int32 values, rows = values / nIn), computed on chain. The node
///      posts a standalone claim in the OptimisticVerifier (asserter: the node; specHash: the request's
///      inputHash; finalState: stateHash(specHash, 1, [R10 root of the output values]); resultHash:
///      `ticketOf(requestId, interval)`), then `deliver`s with `proof = abi.encode(claimId)`: the
///      interval becomes `Verifying` (escrow stays locked, nobody is paid, no callback). After the window
///      anyone calls `settleOptimistic`: a final claim (finalized there if due) pays the node and runs the
///      callback; a rejected claim (a challenger won the game and took the node's bond) refunds the
///      owner and the interval is `Disputed`.
interface ICoprocessorCoordinator {
    /// @notice How a delivery is checked (Optimistic: a bonded claim in the OptimisticVerifier).
    enum Verification {
        None,
        Redundant,
        Zk,
        Optimistic
    }

    /// @notice Where an interval stands.
    enum Status {
        /// @dev Not opened yet (or unknown).
        None,
        /// @dev Escrow locked, waiting for deliveries.
        Pending,
        /// @dev Delivered and paid; the callback ran (see `IntervalState.callbackFailed`).
        Delivered,
        /// @dev Redundant outputs disagreed: refunded, nobody paid, a provable minority slashed.
        Disputed,
        /// @dev Not delivered by its deadline: refunded.
        Refunded,
        /// @dev Optimistic: delivered with a bonded claim; settled (paid + callback, or refunded) by
        ///      `settleOptimistic` once the claim is final or rejected.
        Verifying
    }

    /// @notice What a requester supplies.
    struct RequestParams {
        /// @dev ModelRegistry model id (must exist and not be deprecated).
        uint256 modelId;
        /// @dev The input: inline values, or a CID plus its hash.
        Input input;
        Verification verification;
        /// @dev Nodes that must deliver (k): 1 for None and Zk, >= 2 for Redundant.
        uint8 redundancy;
        /// @dev A ProtocolParams-listed ERC-20 the owner escrowed here.
        address paymentToken;
        /// @dev Most the owner pays per delivery, node fee plus protocol fee.
        uint128 feeCap;
        /// @dev Gas given to the owner's callback; 0: no callback (an account polls instead).
        uint32 callbackGasLimit;
        /// @dev One-shot: the delivery deadline (absolute). Subscription: seconds after each interval
        ///      start (the interval's timeout).
        uint64 deadline;
        /// @dev Subscription start (0: now). Ignored for one-shot requests.
        uint64 activeAt;
        /// @dev Seconds between intervals; 0 for a one-shot request.
        uint32 period;
        /// @dev Number of intervals; 1 for a one-shot request.
        uint32 frequency;
    }

    /// @notice An input: `values` inline (fixed-point integers at the model's input scale, as the
    ///         circuit expects), or `cid` plus `hash` for a large one.
    struct Input {
        int256[] values;
        /// @dev The input hash (see the interface notes); 0 lets the coordinator compute it from
        ///      inline values (public-input circuits, or non-zk requests).
        bytes32 hash;
        string cid;
    }

    /// @notice An output: inline values (fixed-point, at the model's output scale) or a CID plus hash.
    struct Output {
        int256[] values;
        /// @dev Used only when `values` is empty (a CID output, or a hashed-output circuit).
        bytes32 hash;
        string cid;
    }

    /// @notice A request as committed (its keccak256 is stored); passed back to `deliver`.
    struct Request {
        uint256 id;
        /// @dev Pays and receives the callbacks.
        address owner;
        uint256 modelId;
        bytes32 inputHash;
        Verification verification;
        uint8 redundancy;
        address paymentToken;
        uint128 feeCap;
        uint32 callbackGasLimit;
        uint64 activeAt;
        uint32 period;
        uint32 frequency;
        /// @dev Seconds after an interval's start until its deadline.
        uint32 timeout;
    }

    /// @notice The stored state of one interval of a request.
    struct IntervalState {
        Status status;
        /// @dev Deliveries so far (Redundant: up to `redundancy`).
        uint8 deliveries;
        /// @dev True when the callback reverted or ran out of gas (the result is in `failedResult`).
        bool callbackFailed;
        /// @dev Escrow still locked for the interval.
        uint128 locked;
        /// @dev The agreed (delivered) output hash once Delivered.
        bytes32 outputHash;
    }

    /// @notice A model as a kind-2 mlp-infer program (ARITHMETIC.md §2): dims and the R10 roots of its
    ///         Q16.16 weights W1 [nHidden][nIn], b1 [nHidden], W2 [nOut][nHidden], b2 [nOut].
    struct OptimisticModel {
        uint32 nIn;
        uint32 nHidden;
        uint32 nOut;
        bytes32 w1Root;
        bytes32 b1Root;
        bytes32 w2Root;
        bytes32 b2Root;
    }

    /// @notice Where optimistic claims are posted, and what a claim must put at stake.
    struct OptimisticConfig {
        address verifier;
        /// @dev Seconds the claim must stay challengeable after the delivery.
        uint64 minWindow;
        /// @dev Smallest claim bond (verifier token units).
        uint128 minBond;
    }

    /// @notice A node's fee to serve a model, in a payment token.
    struct NodeFee {
        bool serves;
        uint128 fee;
    }

    /// @notice No model has this id, or it is deprecated.
    error CoprocessorUnknownModel(uint256 modelId);
    /// @notice The model is deprecated.
    error CoprocessorModelDeprecated(uint256 modelId);
    /// @notice The payment token is not listed in ProtocolParams.
    error CoprocessorTokenNotAllowed(address token);
    /// @notice The verification mode is not supported here: Optimistic before `setOptimisticConfig`,
    ///         or `settleOptimistic` on a request of another mode.
    error CoprocessorUnsupportedVerification(Verification verification);
    /// @notice The redundancy does not fit the mode (None/Zk: 1; Redundant: 2..maxRedundancy).
    error CoprocessorInvalidRedundancy(Verification verification, uint256 redundancy);
    /// @notice The schedule is invalid (one-shot: deadline in the future; subscription: period > 0,
    ///         frequency > 0, timeout > 0).
    error CoprocessorInvalidSchedule(uint64 deadline, uint32 period, uint32 frequency);
    /// @notice The input is empty (no values and no hash), or over the inline limit.
    error CoprocessorInvalidInput(uint256 values, bytes32 hash);
    /// @notice The request's input hash differs from the one computed on chain or the one proven.
    error CoprocessorInputHashMismatch(uint256 requestId, bytes32 expected, bytes32 received);
    /// @notice A zk request needs a model whose circuit exposes its input (hashed or public).
    error CoprocessorInputNotProvable(uint256 modelId);
    /// @notice The escrow's available balance is below what is needed.
    error CoprocessorInsufficientEscrow(address owner, address token, uint256 needed, uint256 available);
    /// @notice The amount is zero.
    error CoprocessorZeroAmount();
    /// @notice No request has this id, or the passed `Request` is not the committed one.
    error CoprocessorUnknownRequest(uint256 requestId);
    /// @notice The caller is not the request's owner.
    error CoprocessorNotOwner(uint256 requestId, address caller);
    /// @notice The interval is not deliverable: not started, beyond `frequency`, or after a cancel.
    error CoprocessorIntervalNotActive(uint256 requestId, uint32 interval);
    /// @notice The interval's deadline has passed.
    error CoprocessorDeadlinePassed(uint256 requestId, uint32 interval, uint256 deadline);
    /// @notice The interval's deadline has not passed yet (nothing to refund).
    error CoprocessorDeadlineNotPassed(uint256 requestId, uint32 interval, uint256 deadline);
    /// @notice The interval is already settled (`status`): delivered, disputed or refunded; for
    ///         Redundant this is also "a delivery past the redundancy".
    error CoprocessorAlreadySettled(uint256 requestId, uint32 interval, Status status);
    /// @notice This node already delivered this interval.
    error CoprocessorNodeAlreadyDelivered(uint256 requestId, uint32 interval, address node);
    /// @notice The node's COPROCESSOR stake is below the minimum.
    error CoprocessorNodeNotStaked(address node, uint256 stake, uint256 minimum);
    /// @notice The node has no fee for this model and token.
    error CoprocessorModelNotServed(address node, uint256 modelId, address token);
    /// @notice The node fee plus the protocol fee exceeds the request's fee cap.
    error CoprocessorFeeAboveCap(uint256 fee, uint256 protocolFee, uint256 feeCap);
    /// @notice A zk delivery without a decodable proof.
    error CoprocessorMissingProof(uint256 requestId);
    /// @notice ProofRegistry's check of the model's verifier rejected the proof (or the model is gone).
    error CoprocessorInvalidProof(uint256 requestId, uint256 modelId);
    /// @notice The delivered output is not the proven one.
    error CoprocessorOutputMismatch(uint256 requestId, bytes32 proven, bytes32 delivered);
    /// @notice Too little gas was left to give the callback its full gas limit.
    error CoprocessorInsufficientGas(uint256 requestId, uint256 gasLeft, uint256 needed);
    /// @notice The subscription was already canceled.
    error CoprocessorAlreadyCanceled(uint256 requestId);
    /// @notice Nothing to withdraw or sweep.
    error CoprocessorNothingToWithdraw(address account, address token);
    /// @notice The caller may not do this (`setOptimisticConfig`: the ProtocolParams owner;
    ///         `setOptimisticModel`: the model's owner).
    error CoprocessorUnauthorized(address caller);
    /// @notice The optimistic verifier is set once (pending claims refer to it).
    error CoprocessorVerifierAlreadySet(address verifier);
    /// @notice The model has no optimistic program (`setOptimisticModel`), or its dims are invalid.
    error CoprocessorNotOptimisticModel(uint256 modelId);
    /// @notice A value is not an int32 (Q16.16) or the input is not whole rows of nIn values.
    error CoprocessorNotFixedPoint(uint256 index, int256 value);
    /// @notice The claim does not bind this delivery: it must be open, standalone, the caller's, about the
    ///         request's spec (inputHash), end in the output's final state and carry `ticketOf`.
    error CoprocessorClaimMismatch(uint256 requestId, uint256 claimId);
    /// @notice The claim's window ends before `minimum` (delivery time + minWindow).
    error CoprocessorClaimWindowTooShort(uint256 claimId, uint256 windowEnds, uint256 minimum);
    /// @notice The claim's bond is below the configured minimum.
    error CoprocessorClaimBondTooLow(uint256 claimId, uint256 bond, uint256 minimum);
    /// @notice The interval is not waiting for its claim (`status`).
    error CoprocessorNotVerifying(uint256 requestId, uint32 interval, Status status);

    /// @notice A request (or subscription) was created. Nodes read the full request and input here.
    event RequestCreated(
        uint256 indexed requestId, address indexed owner, uint256 indexed modelId, Request request, Input input
    );
    /// @notice An interval was opened: `locked` of the owner's escrow backs it.
    event IntervalOpened(uint256 indexed requestId, uint32 indexed interval, uint256 locked);
    /// @notice `node` delivered an output for the interval (Redundant: one of k).
    event OutputDelivered(
        uint256 indexed requestId, uint32 indexed interval, address indexed node, bytes32 outputHash, Output output
    );
    /// @notice The interval settled: `outputHash` is its result; the delivering nodes earned
    ///         `nodeFee` and the treasury `protocolFee` in total (Redundant: summed over the k nodes). `callbackSucceeded` is false when the
    ///         callback reverted or ran out of gas (the result is then stored: `failedResult`).
    event RequestFulfilled(
        uint256 indexed requestId,
        uint32 indexed interval,
        bytes32 outputHash,
        bool verified,
        bool callbackSucceeded,
        uint256 nodeFee,
        uint256 protocolFee
    );
    /// @notice Redundant outputs disagreed: the interval is refunded; `slashed` nodes were the
    ///         minority of a strict majority (empty when no strict majority). Optimistic: the claim was
    ///         rejected; `slashed` is the node, whose claim bond went to the challenger.
    event RequestDisputed(uint256 indexed requestId, uint32 indexed interval, address[] slashed);
    /// @notice The interval expired undelivered (or partly delivered) and `amount` went back to the owner.
    event RequestRefunded(uint256 indexed requestId, uint32 indexed interval, uint256 amount);
    /// @notice The subscription takes no intervals after `lastInterval`.
    event SubscriptionCanceled(uint256 indexed requestId, uint32 lastInterval);
    /// @notice `account`'s escrow in `token` was credited.
    event EscrowDeposited(address indexed account, address indexed token, address indexed from, uint256 amount);
    /// @notice `account` withdrew available escrow.
    event EscrowWithdrawn(address indexed account, address indexed token, uint256 amount);
    /// @notice A node withdrew its earnings.
    event EarningsWithdrawn(address indexed node, address indexed token, uint256 amount);
    /// @notice A node set (or removed, `serves == false`) its fee for a model in a token.
    event NodeFeeSet(address indexed node, uint256 indexed modelId, address indexed token, bool serves, uint256 fee);
    /// @notice Protocol fees were sent to the treasury.
    event FeesSwept(address indexed token, address indexed treasury, uint256 amount);
    /// @notice The optimistic verifier and the claim requirements were set.
    event OptimisticConfigSet(address indexed verifier, uint64 minWindow, uint128 minBond);
    /// @notice `modelId` is served optimistically as this mlp-infer program; its Q16.16 weights
    ///         (JSON {w1, b1, w2, b2}, their roots must match) are at `weightsCid`.
    event OptimisticModelSet(uint256 indexed modelId, OptimisticModel model, string weightsCid);
    /// @notice `node` delivered the interval with claim `claimId` (challengeable until `windowEnds`).
    event DeliveryClaimed(
        uint256 indexed requestId, uint32 indexed interval, uint256 indexed claimId, address node, uint64 windowEnds
    );


    /// @notice Creates a one-shot request (`period == 0`, `frequency == 1`, `deadline` absolute) or a
    ///         subscription (`period > 0`, `deadline` = each interval's timeout in seconds), owned and
    ///         paid by the caller. A one-shot request locks `feeCap * redundancy` now.
    function request(RequestParams calldata params) external returns (uint256 requestId);

    /// @notice Stops the committed subscription `request` after its current interval (owner only).
    ///         An open interval can still be delivered or refunded.
    function cancelSubscription(Request calldata request) external;

    /// @notice Delivers `output` for `interval` of the committed `request`, as the calling node.
    /// @param proof Zk: abi.encode(uint256[8] proof, uint256[] publicSignals) (snarkjs calldata order,
    ///        see IProofRegistry.verifyAndRecord); ignored otherwise.
    function deliver(Request calldata request, uint32 interval, Output calldata output, bytes calldata proof) external;

    /// @notice Refunds an interval that was not settled by its deadline (anyone may call). A
    ///         `Verifying` interval is not refundable: it waits for its claim.
    function refund(Request calldata request, uint32 interval) external;

    /// @notice Optimistic, anyone: settles a `Verifying` interval by its claim. Open: finalized here
    ///         (reverts with the verifier's error until the window has passed with no game open).
    ///         Final: pays the node and calls the owner back with `output` (must be the delivered
    ///         one). Rejected: refunds the owner; the interval is `Disputed`.
    function settleOptimistic(Request calldata request, uint32 interval, Output calldata output) external;

    /// @notice Sets the optimistic verifier (once) and the claim requirements. ProtocolParams owner only.
    function setOptimisticConfig(address verifier, uint64 minWindow, uint128 minBond) external;

    /// @notice Registers `modelId` as a kind-2 mlp-infer program (its owner only); `weightsCid` is emitted.
    function setOptimisticModel(uint256 modelId, OptimisticModel calldata model, string calldata weightsCid)
        external;

    /// @notice Credits `amount` of `token` to `account`'s escrow, paid by the caller.
    function deposit(address account, address token, uint256 amount) external;

    /// @notice Withdraws `amount` of the caller's available escrow in `token`.
    function withdrawEscrow(address token, uint256 amount) external;

    /// @notice Withdraws the caller's node earnings in `token`; returns the amount.
    function withdrawEarnings(address token) external returns (uint256 amount);

    /// @notice Sets the caller's fee for serving `modelId` in `token` (`serves == false` removes it).
    ///         The caller must be staked (COPROCESSOR role, at least `minNodeStake`).
    function setNodeFee(uint256 modelId, address token, bool serves, uint128 fee) external;

    /// @notice Sends the accrued protocol fees in `token` to the ProtocolParams treasury.
    function sweepFees(address token) external returns (uint256 amount);

    /// @notice The stored commitment of a request (0 if none).
    function commitmentOf(uint256 requestId) external view returns (bytes32);

    /// @notice The state of one interval.
    function getInterval(uint256 requestId, uint32 interval) external view returns (IntervalState memory);

    /// @notice The current interval of a request at this time (0 before `activeAt`).
    function currentInterval(Request calldata request) external view returns (uint32);

    /// @notice The last interval a canceled subscription takes (0: not canceled).
    function canceledAfter(uint256 requestId) external view returns (uint32);

    /// @notice The output of a delivered interval whose callback failed (empty otherwise).
    function failedResult(uint256 requestId, uint32 interval) external view returns (Output memory);

    /// @notice `account`'s escrow in `token`: available, and locked for open intervals.
    function escrowOf(address account, address token) external view returns (uint256 available, uint256 locked);

    /// @notice A node's unwithdrawn earnings in `token`.
    function earningsOf(address node, address token) external view returns (uint256);

    /// @notice Protocol fees accrued in `token`, not yet swept.
    function protocolFeesOf(address token) external view returns (uint256);

    /// @notice A node's fee for a model in a token.
    function nodeFee(address node, uint256 modelId, address token) external view returns (NodeFee memory);

    /// @notice The hash `deliver` agrees on for an output (see the interface notes).
    function outputHashOf(Output calldata output) external pure returns (bytes32);

    /// @notice The on-chain input hash of inline values: keccak256 of the field-mapped values packed.
    function inputHashOf(int256[] calldata values) external pure returns (bytes32);

    /// @notice Minimum COPROCESSOR stake of a delivering node; also what a provable liar loses.
    function minNodeStake() external view returns (uint256);

    /// @notice The number of requests created (also the highest id; ids start at 1).
    function requestCount() external view returns (uint256);

    /// @notice The optimistic verifier and claim requirements (verifier 0: not configured).
    function optimisticConfig() external view returns (OptimisticConfig memory);

    /// @notice The claim that backs a `Verifying` (or optimistically settled) interval (0: none).
    function claimOf(uint256 requestId, uint32 interval) external view returns (uint256);

    /// @notice The resultHash a claim for this interval must carry: keccak256(abi.encode(this,
    ///         requestId, interval)).
    function ticketOf(uint256 requestId, uint32 interval) external view returns (bytes32);
}

/// @title ICoprocessorConsumer
/// @notice What the coordinator calls back (see CallbackConsumer and SubscriptionConsumer).
interface ICoprocessorConsumer {
    /// @notice The result of `interval` of request `requestId`, delivered by `node` (the first node,
    ///         for Redundant). Called with the request's callback gas limit; a revert does not undo
    ///         the delivery.
    function receiveCoprocessorResult(
        uint256 requestId,
        uint32 interval,
        ICoprocessorCoordinator.Output calldata output,
        bytes32 outputHash,
        address node
    ) external;
}
