// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IStepReferee} from "../../../src/verify/IStepReferee.sol";

/// @notice Test double of a step referee (unit tests of the game only): the program of spec
///         abi.encode(n, step) has states 0..n with one component, a counter x_t = t * step (its
///         "root" is bytes32(x_t)); transition t has one op ("add") whose output root must equal the
///         end component, with capacity 8 (element 0 is the value, 1..7 padding that must be 0).
///         checkElement recomputes element 0 as start + step; `opening` = "bad" reverts like a bad proof.
contract CounterReferee is IStepReferee {
    mapping(bytes32 => uint256) public nOf;
    mapping(bytes32 => uint256) public stepOf;

    function registerSpec(bytes calldata spec) external returns (bytes32 specHash) {
        specHash = keccak256(spec);
        (uint256 n, uint256 step) = abi.decode(spec, (uint256, uint256));
        if (nOf[specHash] == 0 && n != 0) emit SpecRegistered(specHash, spec);
        nOf[specHash] = n;
        stepOf[specHash] = step;
    }

    function isRegistered(bytes32 specHash) external view returns (bool) {
        return nOf[specHash] != 0;
    }

    function genesisState(bytes32 specHash) external view returns (bytes32) {
        _known(specHash);
        bytes32[] memory c = new bytes32[](1);
        return keccak256(abi.encode(specHash, uint256(0), c));
    }

    function numTransitions(bytes32 specHash) external view returns (uint256) {
        return nOf[specHash];
    }

    function transitionLayout(bytes32 specHash, uint256)
        external
        view
        returns (uint256 startComponents, uint256 ops, uint256[] memory endSources)
    {
        _known(specHash);
        endSources = new uint256[](1);
        return (1, 1, endSources);
    }

    function numElements(bytes32 specHash, uint256, uint256) external view returns (uint256) {
        _known(specHash);
        return 8;
    }

    function checkElement(
        bytes32 specHash,
        uint256,
        uint256,
        uint256 element,
        bytes32[] calldata startComponents,
        bytes32[] calldata opRoots,
        bytes calldata opening
    ) external view returns (bool asserterCorrect) {
        _known(specHash);
        if (keccak256(opening) == keccak256("bad")) revert RefereeBadOpening("opening: bad proof");
        if (element != 0) return true; // padding: the counter tensor has one element
        return uint256(opRoots[0]) == uint256(startComponents[0]) + stepOf[specHash];
    }

    function opName(bytes32, uint256, uint256) external pure returns (string memory) {
        return "add";
    }

    function _known(bytes32 specHash) private view {
        if (nOf[specHash] == 0) revert RefereeUnknownSpec(specHash);
    }
}
