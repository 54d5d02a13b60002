// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStepReferee
/// @notice The on-chain referee of an optimistic-verification dispute game: it knows a program (a
///         fixed-point computation split into transitions, each transition a list of operators) well
///         enough to recompute ONE output element of one operator from operands opened by Merkle
///         proofs, bit-exact with the off-chain executor (packages/ml/src/fixed, normative arithmetic in
///         packages/ml/src/fixed/ARITHMETIC.md).
/// @dev Programs have states 0..n; state 0 (genesis) follows from the spec alone. A state is
///      stateHash(specHash, t, components) = keccak256(abi.encode(bytes32 specHash, uint256 t,
///      bytes32[] components)), each component a positional Merkle root of a tensor (ARITHMETIC.md).
///      Transition t takes state t to state t + 1; its operators are numbered 0..ops-1 and each has an
///      output tensor whose root the asserter posts (opRoots).
interface IStepReferee {
    /// @notice The spec hash names no registered spec.
    error RefereeUnknownSpec(bytes32 specHash);
    /// @notice The opening bytes are malformed or a Merkle proof in them does not match its root.
    error RefereeBadOpening(string reason);

    /// @notice A spec was registered (first time only).
    event SpecRegistered(bytes32 indexed specHash, bytes spec);

    /// @notice Registers a program spec (encoding defined in ARITHMETIC.md); idempotent; emits
    ///         SpecRegistered(specHash, spec) the first time.
    /// @param spec The encoded spec.
    /// @return specHash keccak256(spec).
    function registerSpec(bytes calldata spec) external returns (bytes32 specHash);

    /// @notice Whether `specHash` was registered.
    function isRegistered(bytes32 specHash) external view returns (bool);

    /// @notice The genesis state (state 0) of a registered spec, computed from the spec alone.
    function genesisState(bytes32 specHash) external view returns (bytes32);

    /// @notice Number of transitions n: the program has states 0..n.
    function numTransitions(bytes32 specHash) external view returns (uint256);

    /// @notice Transition t (state t -> t+1): how many start components, how many ops, and for each
    ///         end component the op whose output root it must equal.
    /// @return startComponents Number of components of state t.
    /// @return ops Number of operators of transition t.
    /// @return endSources endSources[c] = the op whose output root is end component c of state t + 1.
    function transitionLayout(bytes32 specHash, uint256 t)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources);

    /// @notice Output capacity of op `op` of transition t (8 * 2^depth: padding included).
    function numElements(bytes32 specHash, uint256 t, uint256 op) external view returns (uint256);

    /// @notice Recomputes element `element` of op `op` of transition t from operands opened by Merkle
    ///         proofs (in `opening`) against startComponents / opRoots / the spec's data root, and
    ///         compares it with the output element opened against opRoots[op].
    /// @dev Reverts RefereeBadOpening on a bad proof or malformed opening, RefereeUnknownSpec on an
    ///      unknown spec. The caller (the game) checks that startComponents and opRoots are the ones
    ///      the asserter committed to.
    /// @return asserterCorrect Whether the asserter's output element is right.
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
