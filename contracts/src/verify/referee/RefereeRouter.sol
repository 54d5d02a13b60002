// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../IStepReferee.sol";

/// @title RefereeRouter
/// @notice The step referee the OptimisticVerifier uses: one IStepReferee in front of one sub-referee
///         per program family. `registerSpec` reads the spec's kind (word 0 of the spec bytes,
///         packages/ml/src/fixed/ARITHMETIC.md §2), registers the spec with the sub-referee of that
///         kind and records specHash -> sub-referee; every view and `checkElement` is forwarded by
///         specHash. Kinds: 1 (mlp-train), 2 (mlp-infer) and 4 (mlp-eval) -> the MLP referee; 3
///         (cnn-infer) -> the CNN referee. Any other kind is refused (`RouterUnknownKind`).
/// @dev The router emits its own SpecRegistered (at its address) the first time it records a spec,
///      so that readers of the verifier's referee find the spec bytes there. A spec registered
///      directly with a sub-referee is still unknown here until it is registered through the router
///      (the sub-referee's registration is idempotent). Sub-referees' reverts (RefereeBadSpec,
///      RefereeBadOpening...) bubble up unchanged.
contract RefereeRouter is IStepReferee {
    /// @notice The spec's kind word names no sub-referee.
    error RouterUnknownKind(uint256 kind);
    /// @notice The spec bytes are shorter than the kind word.
    error RouterSpecTooShort(uint256 length);
    /// @notice A constructor address is zero.
    error RouterZeroAddress(string field);

    uint256 internal constant KIND_MLP_TRAIN = 1;
    uint256 internal constant KIND_MLP_INFER = 2;
    uint256 internal constant KIND_CNN_INFER = 3;
    uint256 internal constant KIND_MLP_EVAL = 4;

    IStepReferee private immutable _mlp;
    IStepReferee private immutable _cnn;
    mapping(bytes32 => IStepReferee) private _refereeOf;

    /// @param mlp The referee of kinds 1, 2 and 4 (MlpStepReferee).
    /// @param cnn The referee of kind 3 (CnnStepReferee).
    constructor(IStepReferee mlp, IStepReferee cnn) {
        if (address(mlp) == address(0)) revert RouterZeroAddress("mlp");
        if (address(cnn) == address(0)) revert RouterZeroAddress("cnn");
        _mlp = mlp;
        _cnn = cnn;
    }

    // ------------------------------------------------------------------ registry

    /// @inheritdoc IStepReferee
    function registerSpec(bytes calldata spec) external returns (bytes32 specHash) {
        specHash = keccak256(spec);
        if (address(_refereeOf[specHash]) != address(0)) return specHash;
        if (spec.length < 32) revert RouterSpecTooShort(spec.length);
        IStepReferee sub = refereeForKind(uint256(bytes32(spec[0:32])));
        sub.registerSpec(spec);
        _refereeOf[specHash] = sub;
        emit SpecRegistered(specHash, spec);
    }

    /// @notice The sub-referee of a spec kind (reverts RouterUnknownKind for an unknown kind).
    function refereeForKind(uint256 kind) public view returns (IStepReferee) {
        if (kind == KIND_MLP_TRAIN || kind == KIND_MLP_INFER || kind == KIND_MLP_EVAL) return _mlp;
        if (kind == KIND_CNN_INFER) return _cnn;
        revert RouterUnknownKind(kind);
    }

    /// @notice The sub-referee a registered spec is forwarded to (zero if the spec is unknown here).
    function refereeOf(bytes32 specHash) external view returns (IStepReferee) {
        return _refereeOf[specHash];
    }

    /// @notice The MLP sub-referee (kinds 1, 2, 4).
    function mlpReferee() external view returns (IStepReferee) {
        return _mlp;
    }

    /// @notice The CNN sub-referee (kind 3).
    function cnnReferee() external view returns (IStepReferee) {
        return _cnn;
    }

    /// @inheritdoc IStepReferee
    function isRegistered(bytes32 specHash) external view returns (bool) {
        return address(_refereeOf[specHash]) != address(0);
    }

    // ------------------------------------------------------------------ forwarded views

    /// @inheritdoc IStepReferee
    function genesisState(bytes32 specHash) external view returns (bytes32) {
        return _sub(specHash).genesisState(specHash);
    }

    /// @inheritdoc IStepReferee
    function numTransitions(bytes32 specHash) external view returns (uint256) {
        return _sub(specHash).numTransitions(specHash);
    }

    /// @inheritdoc IStepReferee
    function transitionLayout(bytes32 specHash, uint256 t)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources)
    {
        return _sub(specHash).transitionLayout(specHash, t);
    }

    /// @inheritdoc IStepReferee
    function numElements(bytes32 specHash, uint256 t, uint256 op) external view returns (uint256) {
        return _sub(specHash).numElements(specHash, t, op);
    }

    /// @inheritdoc IStepReferee
    function checkElement(
        bytes32 specHash,
        uint256 t,
        uint256 op,
        uint256 element,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external view returns (bool asserterCorrect) {
        return _sub(specHash).checkElement(specHash, t, op, element, startComponents, opRoots, opening);
    }

    /// @inheritdoc IStepReferee
    function opName(bytes32 specHash, uint256 t, uint256 op) external view returns (string memory) {
        return _sub(specHash).opName(specHash, t, op);
    }

    function _sub(bytes32 specHash) private view returns (IStepReferee sub) {
        sub = _refereeOf[specHash];
        if (address(sub) == address(0)) revert RefereeUnknownSpec(specHash);
    }
}
