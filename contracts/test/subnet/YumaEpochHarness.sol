// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {YumaEpochEngine} from "../../src/subnet/YumaEpochEngine.sol";

/// @notice Test harness of the Yuma epoch engine: the registry hooks are plain storage a test sets
/// (params, stakes, commit blocks, the epoch's block number), payouts are recorded. Used by the forge
/// tests and by the TypeScript cross-check (deployed from its forge artifact on a real anvil).
contract YumaEpochHarness is YumaEpochEngine {
    mapping(uint16 => YumaParams) private _params;
    mapping(uint16 => mapping(uint16 => uint64)) private _stake;
    /// @dev commit block + 1 (0 = no commit)
    mapping(uint16 => mapping(uint16 => uint64)) private _commit;
    mapping(uint16 => mapping(uint16 => uint256)) private _payout; // server | validator << 64
    mapping(uint16 => uint256) public payoutCalls;
    mapping(uint16 => uint256) public finishedCalls;
    mapping(uint16 => uint64) public lastTotalServer;
    mapping(uint16 => uint64) public lastTotalValidator;
    uint64 public blockOverride;

    // ------------------------------------------------------------------ hooks

    function _yumaParams(uint16 netuid) internal view override returns (YumaParams memory) {
        return _params[netuid];
    }

    function _yumaStake(uint16 netuid, uint16 uid) internal view override returns (uint64) {
        return _stake[netuid][uid];
    }

    function _yumaCommitBlock(uint16 netuid, uint16 uid) internal view override returns (uint64) {
        uint64 c = _commit[netuid][uid];
        return c == 0 ? type(uint64).max : c - 1;
    }

    function _yumaPayout(uint16 netuid, uint16 uid, uint64 serverEmission, uint64 validatorEmission) internal override {
        _payout[netuid][uid] = uint256(serverEmission) | (uint256(validatorEmission) << 64);
        payoutCalls[netuid] += 1;
    }

    function _yumaEpochFinished(uint16 netuid, uint64 totalServer, uint64 totalValidator) internal override {
        finishedCalls[netuid] += 1;
        lastTotalServer[netuid] = totalServer;
        lastTotalValidator[netuid] = totalValidator;
    }

    function _yumaBlockNumber() internal view override returns (uint64) {
        return blockOverride == 0 ? uint64(block.number) : blockOverride;
    }

    // ------------------------------------------------------------------ setters

    function setParams(uint16 netuid, YumaParams calldata p) external {
        _params[netuid] = p;
    }

    function setBlockOverride(uint64 b) external {
        blockOverride = b;
    }

    function setN(uint16 netuid, uint16 n) external {
        _yumaSetN(netuid, n);
    }

    function setStakes(uint16 netuid, uint64[] calldata stakes) external {
        for (uint256 i; i < stakes.length; ++i) {
            _stake[netuid][uint16(i)] = stakes[i];
        }
    }

    /// @param blocks commit block per uid, type(uint64).max = none
    function setCommitBlocks(uint16 netuid, uint64[] calldata blocks) external {
        for (uint256 i; i < blocks.length; ++i) {
            _commit[netuid][uint16(i)] = blocks[i] == type(uint64).max ? 0 : blocks[i] + 1;
        }
    }

    function setLastUpdates(uint16 netuid, uint64[] calldata blocks) external {
        for (uint256 i; i < blocks.length; ++i) {
            _yumaSetLastUpdate(netuid, uint16(i), blocks[i]);
        }
    }

    function setLastUpdate(uint16 netuid, uint16 uid, uint64 b) external {
        _yumaSetLastUpdate(netuid, uid, b);
    }

    /// @notice Registration of every uid (resets rows) at the given blocks.
    function resetUids(uint16 netuid, uint64[] calldata registrationBlocks) external {
        for (uint256 i; i < registrationBlocks.length; ++i) {
            _yumaResetUid(netuid, uint16(i), registrationBlocks[i]);
        }
    }

    function resetUid(uint16 netuid, uint16 uid, uint64 registrationBlock) external {
        _yumaResetUid(netuid, uid, registrationBlock);
    }

    function setWeights(uint16 netuid, uint16 uid, uint16[] calldata uids, uint16[] calldata values) external {
        _yumaSetWeights(netuid, uid, uids, values);
    }

    /// @notice Several rows at once; `packed` holds (uid << 16 | value) u32 cells, 8 per word, rows
    /// back to back with lengths `lens`.
    function setRowsPacked(
        uint16 netuid,
        uint16[] calldata rowUids,
        uint16[] calldata lens,
        uint256[] calldata packed,
        bool bonds
    ) external {
        uint256 cell;
        for (uint256 r; r < rowUids.length; ++r) {
            uint256 len = lens[r];
            uint16[] memory uids = new uint16[](len);
            uint16[] memory values = new uint16[](len);
            for (uint256 t; t < len; ++t) {
                uint256 v = packed[cell >> 3] >> ((cell & 7) << 5);
                uids[t] = uint16(v >> 16);
                values[t] = uint16(v);
                ++cell;
            }
            if (bonds) _yumaForceBonds(netuid, rowUids[r], uids, values);
            else _yumaSetWeights(netuid, rowUids[r], uids, values);
        }
    }

    function forceBonds(uint16 netuid, uint16 uid, uint16[] calldata uids, uint16[] calldata values) external {
        _yumaForceBonds(netuid, uid, uids, values);
    }

    function forcePermits(uint16 netuid, bool[] calldata permits) external {
        for (uint256 i; i < permits.length; ++i) {
            _yumaForcePermit(netuid, uint16(i), permits[i]);
        }
    }

    function forceLastStepBlock(uint16 netuid, uint64 b) external {
        _yumaForceLastStepBlock(netuid, b);
    }

    /// @notice Several setter calls in one transaction (DELEGATECALL to self; reverts bubble up).
    function multicall(bytes[] calldata calls) external {
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = address(this).delegatecall(calls[i]);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }

    // ------------------------------------------------------------------ epoch

    function epochStep(uint16 netuid, uint256 maxColumns) external returns (bool) {
        return _yumaEpochStep(netuid, maxColumns);
    }

    function inProgress(uint16 netuid) external view returns (bool) {
        return _yumaEpochInProgress(netuid);
    }

    // ------------------------------------------------------------------ outputs

    function payoutOf(uint16 netuid, uint16 uid) external view returns (uint64 server, uint64 validator) {
        uint256 p = _payout[netuid][uid];
        return (uint64(p), uint64(p >> 64));
    }

    function epochBits(uint16 netuid, uint16 uid)
        external
        view
        returns (uint64 consensusBits, uint64 incentiveBits, uint64 dividendsBits, uint64 activeStakeBits)
    {
        return _yumaEpochBits(netuid, uid);
    }

    /// @notice Every per-uid output of the last epoch in one call: `u16s` = consensus, incentive,
    /// dividends, validator trust, stake weight (5 per uid); `u64s` = emission, server, validator,
    /// consensus bits, incentive bits, dividends bits, active stake bits (7 per uid); `flags` bit 0
    /// active, bit 1 permit.
    function outputs(uint16 netuid, uint16 n)
        external
        view
        returns (uint16[] memory u16s, uint64[] memory u64s, uint8[] memory flags)
    {
        u16s = new uint16[](uint256(n) * 5);
        u64s = new uint64[](uint256(n) * 7);
        flags = new uint8[](n);
        for (uint16 i; i < n; ++i) {
            _outputsOf(netuid, i, u16s, u64s, flags);
        }
    }

    function _outputsOf(uint16 netuid, uint16 i, uint16[] memory u16s, uint64[] memory u64s, uint8[] memory flags)
        private
        view
    {
        _termsOf(netuid, i, u16s, u64s, flags);
        uint256 p = _payout[netuid][i];
        uint256 b = uint256(i) * 7;
        u64s[b + 1] = uint64(p);
        u64s[b + 2] = uint64(p >> 64);
        (u64s[b + 3], u64s[b + 4], u64s[b + 5], u64s[b + 6]) = _yumaEpochBits(netuid, i);
        if (this.validatorPermit(netuid, i)) flags[i] |= 2;
    }

    function _termsOf(uint16 netuid, uint16 i, uint16[] memory u16s, uint64[] memory u64s, uint8[] memory flags)
        private
        view
    {
        (uint16 c, uint16 inc, uint16 d, uint16 vt, uint16 sw, uint64 em, bool active) = this.neuronTerms(netuid, i);
        _put5(u16s, uint256(i) * 5, c, inc, d, vt, sw);
        u64s[uint256(i) * 7] = em;
        flags[i] = active ? 1 : 0;
    }

    function _put5(uint16[] memory a, uint256 b, uint16 v0, uint16 v1, uint16 v2, uint16 v3, uint16 v4) private pure {
        a[b] = v0;
        a[b + 1] = v1;
        a[b + 2] = v2;
        a[b + 3] = v3;
        a[b + 4] = v4;
    }

    /// @notice All bond rows: per-row lengths and the cells back to back.
    function allBonds(uint16 netuid, uint16 n)
        external
        view
        returns (uint16[] memory lens, uint16[] memory uids, uint16[] memory values)
    {
        lens = new uint16[](n);
        uint16[][] memory us = new uint16[][](n);
        uint16[][] memory vs = new uint16[][](n);
        uint256 total;
        for (uint16 i; i < n; ++i) {
            (us[i], vs[i]) = this.bondsOf(netuid, i);
            lens[i] = uint16(us[i].length);
            total += us[i].length;
        }
        uids = new uint16[](total);
        values = new uint16[](total);
        uint256 k;
        for (uint16 i; i < n; ++i) {
            for (uint256 t; t < us[i].length; ++t) {
                uids[k] = us[i][t];
                values[k] = vs[i][t];
                ++k;
            }
        }
    }
}
