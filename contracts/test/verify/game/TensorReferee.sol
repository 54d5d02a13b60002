// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../../../src/verify/IStepReferee.sol";
import {TensorMerkle} from "../../../src/verify/referee/TensorMerkle.sol";

/// @notice Test double of a step referee with real tensor outputs (unit tests of the game's reveal move only):
///         the program of spec abi.encode(n, ops, elements) has states 0..n with one component; transition t
///         has `ops` ops, op i's output is a tensor of `elements` int32 values v(t, i, e) = t * 1e6 + i * 1e5 + e
///         committed by its positional Merkle root (TensorMerkle, R10); the state's component is the last op's
///         root (bytes32(0) at genesis). checkElement opens the output element from
///         `opening` = abi.encode(bytes32 leaf, bytes32[] proof) against opRoots[op] (a bad proof reverts
///         like a real referee) and compares it with v(t, op, element) (0 in the padding). A real referee
///         recomputes the element from opened operands instead; the game does not see the difference.
contract TensorReferee is IStepReferee {
    struct Program {
        uint256 n;
        uint256 ops;
        uint256 elements;
    }

    mapping(bytes32 => Program) public programs;

    function registerSpec(bytes calldata spec) external returns (bytes32 specHash) {
        specHash = keccak256(spec);
        (uint256 n, uint256 ops, uint256 elements) = abi.decode(spec, (uint256, uint256, uint256));
        if (programs[specHash].n == 0 && n != 0) emit SpecRegistered(specHash, spec);
        programs[specHash] = Program(n, ops, elements);
    }

    function isRegistered(bytes32 specHash) external view returns (bool) {
        return programs[specHash].n != 0;
    }

    function genesisState(bytes32 specHash) external view returns (bytes32) {
        _known(specHash);
        bytes32[] memory c = new bytes32[](1);
        return keccak256(abi.encode(specHash, uint256(0), c));
    }

    function numTransitions(bytes32 specHash) external view returns (uint256) {
        return programs[specHash].n;
    }

    function transitionLayout(bytes32 specHash, uint256)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources)
    {
        _known(specHash);
        ops = programs[specHash].ops;
        endSources = new uint256[](1);
        endSources[0] = ops - 1;
        return (1, ops, endSources);
    }

    function numElements(bytes32 specHash, uint256, uint256) external view returns (uint256) {
        _known(specHash);
        return TensorMerkle.capacityOf(programs[specHash].elements);
    }

    /// @notice The honest value of element e of op `op` of transition t.
    function valueOf(bytes32 specHash, uint256 t, uint256 op, uint256 e) public view returns (int256) {
        if (e >= programs[specHash].elements) return 0;
        return int256(t * 1_000_000 + op * 100_000 + e);
    }

    function checkElement(
        bytes32 specHash,
        uint256 t,
        uint256 op,
        uint256 element,
        bytes32[] calldata,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external view returns (bool asserterCorrect) {
        _known(specHash);
        bytes32 leaf = _openLeaf(specHash, element >> 3, opRoots[op], opening);
        return TensorMerkle.elementOf(leaf, element & 7) == valueOf(specHash, t, op, element);
    }

    /// @dev The output leaf of `opening` = abi.encode(leaf, proof), checked against `root` at leaf `index`.
    function _openLeaf(bytes32 specHash, uint256 index, bytes32 root, bytes calldata opening)
        private
        view
        returns (bytes32 leaf)
    {
        bytes32[] memory proof;
        (leaf, proof) = abi.decode(opening, (bytes32, bytes32[]));
        if (proof.length != TensorMerkle.depthOf(programs[specHash].elements)) {
            revert RefereeBadOpening("opening: proof length");
        }
        bytes32 node = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            node = index & 1 == 0
                ? keccak256(abi.encodePacked(node, proof[i]))
                : keccak256(abi.encodePacked(proof[i], node));
            index >>= 1;
        }
        if (node != root) revert RefereeBadOpening("opening: bad proof");
    }

    function opName(bytes32, uint256, uint256 op) external pure returns (string memory) {
        return op == 0 ? "matmul" : op == 1 ? "add" : "relu";
    }

    function _known(bytes32 specHash) private view {
        if (programs[specHash].n == 0) revert RefereeUnknownSpec(specHash);
    }
}
