// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {YumaBondsLib as B} from "./YumaBondsLib.sol";
import {YumaEpochLib as L} from "./YumaEpochLib.sol";

/// @title YumaEpochEngine
/// @notice Bittensor's Yuma Consensus epoch (subtensor `epoch_mechanism`, specs/yuma.md §3), on chain,
/// bit-exact with the TypeScript `runEpoch` of the Noosphere SDK, split over several transactions.
///
/// Storage per subnet (every row is a uid, every column a uid < n):
///  - weights and bonds rows are DENSE u16 words (16 columns per slot) plus a presence bitmap (256
///    columns per slot): a column chunk reads one slot per row, zero entries are kept (they matter in
///    Yuma3). A row whose stored order is not ascending also keeps its uid order (16 uids per slot),
///    which the liquid-alpha merge of subtensor depends on (§3.10b) and `weightsOf`/`bondsOf` return.
///  - one packed "neuron" slot per uid (last update, registration block, permit, row flags).
///  - epoch scratch, reused every epoch (non-zero to non-zero writes): one "snap" slot per uid
///    (active stake, stake, validator-trust and dividend accumulators, masked row sum, flags) and one
///    slot per two columns (consensus and rank bits).
///
/// Phases of one epoch (`_yumaEpochStep`, work counted in columns):
///  1. prepare (cost n units): stake normalisation (I64F64 -> I32F32), new permits (stable top-k),
///     active stake, row lists; then row-sum chunks (1 unit per permitted row): masked weight sums.
///  2. consensus chunks (1 unit per column): weighted median, clipping, ranks, validator trust.
///  3. seen pass (Yuma3 + liquid alpha only; 1 unit per row, work only for rows stored unsorted).
///  4. bond chunks (1 unit per column, 4 with liquid alpha): Yuma2 or Yuma3 bonds, dividend sums,
///     new bonds written in place (a column's old bonds are read before they are overwritten).
///  5. finalize chunks (1 unit per uid): dividends, emission split, terms, payouts; the last chunk
///     writes permits and bond bookkeeping.
/// While an epoch is in progress every input is frozen (`YumaEpochInProgress`).
/// The phases run in the linked libraries `YumaEpochLib` and `YumaBondsLib` (DELEGATECALL on this
/// contract's storage), which keeps an inheriting contract under the 24 KiB code-size limit.
abstract contract YumaEpochEngine {
    struct YumaParams {
        uint64 tempo;
        uint16 kappa; // u16 proportion
        uint16 bondsPenalty;
        uint64 bondsMovingAverage; // per million
        bool yuma3;
        bool liquidAlpha;
        uint16 alphaLow;
        uint16 alphaHigh;
        int16 alphaSigmoidSteepness;
        uint16 maxAllowedValidators;
        bool hasOwner;
        uint16 ownerUid;
        uint64 stakeThreshold;
        uint64 activityCutoff; // blocks
        bool commitReveal; // apply the commit-reveal sniping mask (yuma.md §3.5 step 4)
        uint64 raoEmission; // amount distributed by this epoch (server + validator)
    }

    // ------------------------------------------------------------------------------------ errors

    error YumaUidOutOfRange(uint16 netuid, uint16 uid, uint16 n);
    error YumaWeightsLengthMismatch(uint256 uids, uint256 values);
    error YumaDuplicateUid(uint16 netuid, uint16 uid);
    error YumaEpochInProgress(uint16 netuid);
    error YumaTooManyUids(uint16 netuid, uint256 n, uint256 max);
    error YumaNoWork(uint16 netuid);

    // ------------------------------------------------------------------------------------ events

    event YumaEpochStarted(uint16 indexed netuid, uint64 blockNumber, uint16 n);
    event YumaEpochCompleted(uint16 indexed netuid, uint64 blockNumber, uint64 totalServer, uint64 totalValidator);

    // ------------------------------------------------------------------------------------ layout

    /// @notice Largest subnet the engine accepts (subtensor's historical maximum); gas bounds it first.
    uint256 internal constant YUMA_MAX_UIDS = 4096;

    mapping(uint16 => L.Store) private _yStore;

    // ------------------------------------------------------------------------------------ hooks

    function _yumaParams(uint16 netuid) internal view virtual returns (YumaParams memory);
    function _yumaStake(uint16 netuid, uint16 uid) internal view virtual returns (uint64);
    /// @dev Min commit block of the uid's non-expired commits, type(uint64).max if none.
    function _yumaCommitBlock(uint16 netuid, uint16 uid) internal view virtual returns (uint64);
    function _yumaPayout(uint16 netuid, uint16 uid, uint64 serverEmission, uint64 validatorEmission) internal virtual;
    function _yumaEpochFinished(uint16 netuid, uint64 totalServer, uint64 totalValidator) internal virtual;

    /// @dev The epoch's "current block"; a test harness may override it.
    function _yumaBlockNumber() internal view virtual returns (uint64) {
        return uint64(block.number);
    }

    // ------------------------------------------------------------------------------------ state changes

    function _yumaEpochInProgress(uint16 netuid) internal view returns (bool) {
        return _yStore[netuid].st.phase != L.YUMA_PHASE_IDLE;
    }

    function _requireIdle(uint16 netuid) private view {
        if (_yStore[netuid].st.phase != L.YUMA_PHASE_IDLE) revert YumaEpochInProgress(netuid);
    }

    function _requireUid(uint16 netuid, uint16 uid) private view {
        uint16 n = _yStore[netuid].st.n;
        if (uid >= n) revert YumaUidOutOfRange(netuid, uid, n);
    }

    /// @notice Number of uids (grows on registration). Cells of uids >= n are never read.
    function _yumaSetN(uint16 netuid, uint16 n) internal {
        _requireIdle(netuid);
        if (n > YUMA_MAX_UIDS) revert YumaTooManyUids(netuid, n, YUMA_MAX_UIDS);
        _yStore[netuid].st.n = n;
    }

    function _yumaSetLastUpdate(uint16 netuid, uint16 uid, uint64 blockNumber) internal {
        _requireIdle(netuid);
        _requireUid(netuid, uid);
        mapping(uint256 => uint256) storage neuron = _yStore[netuid].neuron;
        neuron[uid] = (neuron[uid] & ~uint256(type(uint64).max)) | blockNumber;
    }

    /// @notice New neuron in `uid`: registration block set; weights, bonds, permit and terms cleared.
    function _yumaResetUid(uint16 netuid, uint16 uid, uint64 registrationBlock) internal {
        _requireIdle(netuid);
        _requireUid(netuid, uid);
        L.resetUid(_yStore[netuid], uid, registrationBlock);
    }

    /// @notice Replaces the weights row of `uid` (values already max-upscaled by the caller). Any order
    /// is accepted and kept; uids must be < n and distinct.
    function _yumaSetWeights(uint16 netuid, uint16 uid, uint16[] memory uids, uint16[] memory values) internal {
        _requireIdle(netuid);
        _requireUid(netuid, uid);
        L.setRow(_yStore[netuid], netuid, false, uid, uids, values);
    }

    /// @notice Overwrites a stored bonds row (test fixtures and migrations; the epoch writes bonds itself).
    function _yumaForceBonds(uint16 netuid, uint16 uid, uint16[] memory uids, uint16[] memory values) internal {
        _requireIdle(netuid);
        _requireUid(netuid, uid);
        L.setRow(_yStore[netuid], netuid, true, uid, uids, values);
    }

    /// @notice Overwrites a stored validator permit (test fixtures and migrations).
    function _yumaForcePermit(uint16 netuid, uint16 uid, bool permit) internal {
        _requireIdle(netuid);
        _requireUid(netuid, uid);
        mapping(uint256 => uint256) storage neuron = _yStore[netuid].neuron;
        uint256 bit = 1 << 192; // N_PERMIT
        neuron[uid] = permit ? neuron[uid] | bit : neuron[uid] & ~bit;
    }

    /// @notice Overwrites LastMechansimStepBlock (0 = none: last_tempo falls back to block - tempo).
    function _yumaForceLastStepBlock(uint16 netuid, uint64 blockNumber) internal {
        _requireIdle(netuid);
        _yStore[netuid].st.lastStepBlock = blockNumber;
    }

    // ------------------------------------------------------------------------------------ epoch driver

    /// @notice Runs up to `maxColumns` units of work of the current epoch (the first call snapshots
    /// the inputs: params, stakes and commit blocks via the hooks, the block number). Units: prepare n,
    /// each row sum 1, each consensus column 1, each seen-pass row 1, each bond column 1 (4 with
    /// liquid alpha), each finalized uid 1. A step starts whenever budget is left, so any budget > 0
    /// makes progress; the payout hook runs in the finalize chunks.
    /// Returns true when the epoch finished in this call (payout hook called for every uid, then
    /// `_yumaEpochFinished` once).
    function _yumaEpochStep(uint16 netuid, uint256 maxColumns) internal returns (bool finished) {
        if (maxColumns == 0) revert YumaNoWork(netuid);
        L.Store storage y = _yStore[netuid];
        uint256 budget = maxColumns;
        uint256 n = y.st.n;
        if (y.st.phase == L.YUMA_PHASE_IDLE) {
            _yumaPrepare(netuid, y, n);
            budget = budget > n ? budget - n : 0;
        }
        while (budget > 0) {
            uint8 phase = y.st.phase;
            if (phase == L.YUMA_PHASE_ROWSUMS) {
                budget = L.rowSumStep(y, budget);
            } else if (phase == L.YUMA_PHASE_CONSENSUS) {
                budget = L.consensusStep(y, budget);
            } else if (phase == L.YUMA_PHASE_SEEN) {
                budget = L.seenStep(y, budget);
            } else if (phase == L.YUMA_PHASE_BONDS) {
                budget = B.bondsStep(y, budget);
            } else {
                B.FinalizeChunk memory ch = B.finalizeStep(y, budget);
                for (uint256 k; k < ch.server.length; ++k) {
                    _yumaPayout(netuid, uint16(ch.start + k), ch.server[k], ch.validator[k]);
                }
                if (ch.done) {
                    _yumaEpochFinished(netuid, ch.totalServer, ch.totalValidator);
                    emit YumaEpochCompleted(netuid, y.st.currentBlock, ch.totalServer, ch.totalValidator);
                    return true;
                }
                budget = ch.budgetLeft;
            }
        }
        return false;
    }

    function _yumaPrepare(uint16 netuid, L.Store storage y, uint256 n) private {
        YumaParams memory p = _yumaParams(netuid);
        uint64 blockNumber = _yumaBlockNumber();
        uint64[] memory stakes = new uint64[](n);
        uint64[] memory commits = new uint64[](p.commitReveal ? n : 0);
        for (uint256 i; i < n; ++i) {
            stakes[i] = _yumaStake(netuid, uint16(i));
            if (p.commitReveal) commits[i] = _yumaCommitBlock(netuid, uint16(i));
        }
        L.prepare(y, abi.decode(abi.encode(p), (L.Params)), blockNumber, stakes, commits);
        emit YumaEpochStarted(netuid, blockNumber, uint16(n));
    }

    // ------------------------------------------------------------------------------------ views

    function subnetN(uint16 netuid) external view returns (uint16) {
        return _yStore[netuid].st.n;
    }

    /// @notice Stored weights row, in stored order.
    function weightsOf(uint16 netuid, uint16 uid) external view returns (uint16[] memory uids, uint16[] memory values) {
        return L.readRow(_yStore[netuid], false, uid);
    }

    /// @notice Stored bonds row (u16 as subtensor stores it), in stored order.
    function bondsOf(uint16 netuid, uint16 uid) external view returns (uint16[] memory uids, uint16[] memory values) {
        return L.readRow(_yStore[netuid], true, uid);
    }

    function validatorPermit(uint16 netuid, uint16 uid) external view returns (bool) {
        return (_yStore[netuid].neuron[uid] >> 192) & 1 != 0;
    }

    function lastUpdate(uint16 netuid, uint16 uid) external view returns (uint64) {
        return uint64(_yStore[netuid].neuron[uid]);
    }

    function blockAtRegistration(uint16 netuid, uint16 uid) external view returns (uint64) {
        return uint64(_yStore[netuid].neuron[uid] >> 64);
    }

    /// @notice Terms stored by the last epoch (u16 proportions, combined emission, active flag).
    function neuronTerms(uint16 netuid, uint16 uid)
        external
        view
        returns (
            uint16 consensus,
            uint16 incentive,
            uint16 dividends,
            uint16 validatorTrust,
            uint16 stakeWeight,
            uint64 emission,
            bool active
        )
    {
        uint256 t = _yStore[netuid].terms[uid];
        consensus = uint16(t);
        incentive = uint16(t >> 16);
        dividends = uint16(t >> 32);
        validatorTrust = uint16(t >> 48);
        stakeWeight = uint16(t >> 64);
        emission = uint64(t >> 80);
        active = (t >> 144) & 1 != 0;
    }

    /// @notice Where the subnet's epoch stands: phase (0 idle, 5 row sums, 1 consensus, 2 seen pass,
    /// 3 bonds, 4 finalize), cursor (next column or row), n, the epoch's block, the last finished epoch's
    /// block (LastMechansimStepBlock) and the number of finished epochs.
    function epochProgress(uint16 netuid)
        external
        view
        returns (uint8 phase, uint16 cursor, uint16 n, uint64 epochBlock, uint64 lastStepBlock, uint64 epochs)
    {
        L.Subnet storage st = _yStore[netuid].st;
        return (st.phase, st.cursor, st.en, st.currentBlock, st.lastStepBlock, st.epochs);
    }

    /// @dev Raw I32F32 bits of the last finished epoch (valid until the next epoch starts).
    function _yumaEpochBits(uint16 netuid, uint16 uid)
        internal
        view
        returns (uint64 consensusBits, uint64 incentiveBits, uint64 dividendsBits, uint64 activeStakeBits)
    {
        return L.epochBits(_yStore[netuid], uid);
    }
}
