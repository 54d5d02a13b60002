// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStepReferee
/// @notice Checks one output element of one operation of one transition of a registered
///         fixed-point program (see packages/ml/src/fixed/ARITHMETIC.md). The optimistic
///         verifier's dispute game narrows a disagreement down to such an element and asks
///         the referee who was right.
interface IStepReferee {
    /// @notice No spec with this hash is registered.
    error RefereeUnknownSpec(bytes32 specHash);
    /// @notice An opening (Merkle proof or operand encoding) is malformed or does not verify.
    error RefereeBadOpening(string reason);

    /// @notice Registers a program spec (encoding defined in ARITHMETIC.md); idempotent; emits
    ///         SpecRegistered(specHash, spec).
    function registerSpec(bytes calldata spec) external returns (bytes32 specHash);

    /// @notice Whether `specHash` is registered.
    function isRegistered(bytes32 specHash) external view returns (bool);

    /// @notice State 0 of the program, computed from the spec alone.
    function genesisState(bytes32 specHash) external view returns (bytes32);

    /// @notice Number of transitions n: the program has states 0..n.
    function numTransitions(bytes32 specHash) external view returns (uint256);

    /// @notice Transition t (state t -> t+1): how many start components, how many ops, and for
    ///         each end component the op whose output root it must equal.
    function transitionLayout(bytes32 specHash, uint256 t)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources);

    /// @notice Output capacity of op `op` of transition t (8 * 2^depth: padding included).
    function numElements(bytes32 specHash, uint256 t, uint256 op) external view returns (uint256);

    /// @notice Recomputes element `element` of op `op` of transition t from operands opened by
    ///         Merkle proofs (in `opening`) against startComponents / opRoots / the spec's data
    ///         root, and compares it with the output element opened against opRoots[op].
    /// @return asserterCorrect Whether the asserter's output was right.
    /// @dev Reverts RefereeBadOpening on a bad proof.
    function checkElement(
        bytes32 specHash,
        uint256 t,
        uint256 op,
        uint256 element,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external view returns (bool asserterCorrect);

    /// @notice Name of op `op` of transition t (for events, the CLI and the demo's "disputedOperator").
    function opName(bytes32 specHash, uint256 t, uint256 op) external view returns (string memory);
}
