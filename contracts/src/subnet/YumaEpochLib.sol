// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {YumaFixedPoint as F} from "./YumaFixedPoint.sol";

/// @title YumaEpochLib
/// @notice The work of `YumaEpochEngine` (see there for the phases and the storage layout), as an
/// externally linked library: its functions run by DELEGATECALL on the engine's storage, which keeps
/// the inheriting contract (SubnetRegistry) under the 24 KiB code-size limit. Bonds and finalize live in
/// `YumaBondsLib`. Deploy both once and link them (forge links them automatically in tests; the
/// artifact's `linkReferences` give the placeholders).
library YumaEpochLib {
    /// @dev Same fields and order as YumaEpochEngine.YumaParams (converted by abi round trip).
    struct Params {
        uint64 tempo;
        uint16 kappa;
        uint16 bondsPenalty;
        uint64 bondsMovingAverage;
        bool yuma3;
        bool liquidAlpha;
        uint16 alphaLow;
        uint16 alphaHigh;
        int16 alphaSigmoidSteepness;
        uint16 maxAllowedValidators;
        bool hasOwner;
        uint16 ownerUid;
        uint64 stakeThreshold;
        uint64 activityCutoff;
        bool commitReveal;
        uint64 raoEmission;
    }

    uint256 internal constant M16 = 0xFFFF;
    uint256 internal constant M32 = 0xFFFFFFFF;
    uint256 internal constant M40 = 0xFFFFFFFFFF;
    uint256 internal constant M64 = 0xFFFFFFFFFFFFFFFF;
    uint256 internal constant M128 = type(uint128).max;
    uint256 internal constant I64F64_MAX = uint256(type(uint128).max) >> 1;

    // neuron slot
    uint256 internal constant N_BAR = 64; // block at registration
    uint256 internal constant N_CB = 128; // commit block, epoch scratch
    uint256 internal constant N_PERMIT = 192;
    uint256 internal constant N_WUNSORTED = 193;
    uint256 internal constant N_BUNSORTED = 194;
    uint256 internal constant N_BNONEMPTY = 195;
    uint256 internal constant N_WLEN = 200;
    uint256 internal constant N_BLEN = 216;

    // snap slot
    uint256 internal constant S_S = 40;
    uint256 internal constant S_VT = 80;
    uint256 internal constant S_DIV = 120;
    uint256 internal constant S_ROWSUM = 160;
    uint256 internal constant S_INACTIVE = 192;
    uint256 internal constant S_POLD = 193;
    uint256 internal constant S_PNEW = 194;

    // terms slot
    uint256 internal constant T_I = 16;
    uint256 internal constant T_D = 32;
    uint256 internal constant T_VT = 48;
    uint256 internal constant T_S = 64;
    uint256 internal constant T_EM = 80;
    uint256 internal constant T_ACTIVE = 144;
    uint256 internal constant T_DBITS = 152;

    struct Subnet {
        uint16 n;
        uint8 phase;
        uint16 cursor;
        uint16 en; // n of the epoch in progress
        uint16 nV; // rows with a (previous) permit
        uint16 nB; // rows with a permit or stored bonds
        bool anyConsensus;
        bool liquid;
        uint64 currentBlock;
        uint64 lastStepBlock; // LastMechansimStepBlock: block of the last epoch's snapshot
        uint64 lastTempo;
        uint64 sumR; // sum of ranks, I32F32 bits
        uint64 epochs;
        bool aZero; // finalize: active stake all zero
        uint64 sumD; // finalize: sum of raw dividends, I32F32 bits
        uint64 esum; // finalize: sum of incentive + dividends
        uint64 totalServer; // finalize: paid so far
        uint64 totalValidator;
    }

    /// @notice Everything the engine stores for one subnet. Row-keyed maps use (uid << 16) | word.
    struct Store {
        Subnet st;
        Params params; // snapshot of the epoch in progress
        mapping(uint256 => uint256) neuron; // uid: last update, registration, permit, row flags
        mapping(uint256 => uint256) terms; // uid: outputs of the last epoch
        mapping(uint256 => uint256) snap; // uid: epoch scratch
        mapping(uint256 => uint256) col; // j >> 1: (C, R) bits of two columns
        mapping(uint256 => uint256) list; // (listId << 16) | word: row lists, 16 uids per word
        mapping(uint256 => uint256) wDense;
        mapping(uint256 => uint256) wPres;
        mapping(uint256 => uint256) wOrder;
        mapping(uint256 => uint256) bDense;
        mapping(uint256 => uint256) bPres;
        mapping(uint256 => uint256) bOrder;
        mapping(uint256 => uint256) seenW;
        mapping(uint256 => uint256) seenB;
    }

    error YumaUidOutOfRange(uint16 netuid, uint16 uid, uint16 n);
    error YumaWeightsLengthMismatch(uint256 uids, uint256 values);
    error YumaDuplicateUid(uint16 netuid, uint16 uid);

    uint8 internal constant YUMA_PHASE_IDLE = 0;
    uint8 internal constant YUMA_PHASE_CONSENSUS = 1;
    uint8 internal constant YUMA_PHASE_SEEN = 2;
    uint8 internal constant YUMA_PHASE_BONDS = 3;
    uint8 internal constant YUMA_PHASE_FINALIZE = 4;
    uint8 internal constant YUMA_PHASE_ROWSUMS = 5;

    // ------------------------------------------------------------------------------------ rows API

    /// @notice Replaces a weights (bonds = false) or bonds row; validates uids (< n, distinct).
    function setRow(
        Store storage y,
        uint16 netuid,
        bool bonds,
        uint16 uid,
        uint16[] memory uids,
        uint16[] memory values
    ) external {
        uint256 n = y.st.n;
        RowPack memory pk = _packRow(netuid, n, uids, values);
        uint256 w = y.neuron[uid];
        if (bonds) {
            bool sorted = _writeRow(y.bDense, y.bPres, y.bOrder, uid, pk, uids);
            w &= ~((M16 << N_BLEN) | (1 << N_BUNSORTED) | (1 << N_BNONEMPTY));
            w |= (uids.length << N_BLEN) | (sorted ? 0 : 1 << N_BUNSORTED) | (uids.length > 0 ? 1 << N_BNONEMPTY : 0);
        } else {
            bool sorted = _writeRow(y.wDense, y.wPres, y.wOrder, uid, pk, uids);
            w &= ~((M16 << N_WLEN) | (1 << N_WUNSORTED));
            w |= (uids.length << N_WLEN) | (sorted ? 0 : 1 << N_WUNSORTED);
        }
        y.neuron[uid] = w;
    }

    /// @notice New neuron in `uid`: registration block set; weights, bonds, permit, flags and terms
    /// cleared; the last update is kept (the registry sets it).
    function resetUid(Store storage y, uint16 uid, uint64 registrationBlock) external {
        uint256 n = y.st.n;
        uint256 w = y.neuron[uid];
        if ((w >> N_WLEN) & M16 != 0) _clearBits(y.wPres, uid, n);
        if ((w >> N_BNONEMPTY) & 1 != 0) _clearBits(y.bPres, uid, n);
        y.neuron[uid] = (w & M64) | (uint256(registrationBlock) << N_BAR);
        y.terms[uid] = 0;
    }

    /// @notice A stored row as (uids, values) in stored order (entries >= n dropped).
    function readRow(Store storage y, bool bonds, uint16 uid)
        external
        view
        returns (uint16[] memory uids, uint16[] memory values)
    {
        uint256 w = y.neuron[uid];
        uint256 n = y.st.n;
        if (bonds) {
            if ((w >> N_BNONEMPTY) & 1 == 0) return (new uint16[](0), new uint16[](0));
            uids = (w >> N_BUNSORTED) & 1 != 0
                ? _readOrder(y.bOrder, uid, n, (w >> N_BLEN) & M16)
                : _readPresent(y.bPres, uid, n);
            values = _readValues(y.bDense, uid, uids);
        } else {
            uids = (w >> N_WUNSORTED) & 1 != 0
                ? _readOrder(y.wOrder, uid, n, (w >> N_WLEN) & M16)
                : _readPresent(y.wPres, uid, n);
            values = _readValues(y.wDense, uid, uids);
        }
    }

    /// @notice Raw I32F32 bits of the last finished epoch (valid until the next epoch starts).
    function epochBits(Store storage y, uint16 uid)
        external
        view
        returns (uint64 consensusBits, uint64 incentiveBits, uint64 dividendsBits, uint64 activeStakeBits)
    {
        consensusBits = uint64(uint256(_colC(y, uid)));
        int256 inc = _colR(y, uid);
        uint256 sumR = y.st.sumR;
        if (sumR != 0) inc = F.safeDiv(inc, int256(sumR));
        incentiveBits = uint64(uint256(inc));
        dividendsBits = uint64(y.terms[uid] >> T_DBITS);
        activeStakeBits = uint64(y.snap[uid] & M40);
    }

    // ------------------------------------------------------------------------------------ phase steps

    /// @notice Consensus columns from the cursor with `budget` units (1 per column); returns the rest.
    function consensusStep(Store storage y, uint256 budget) external returns (uint256) {
        Subnet storage st = y.st;
        uint256 n = st.en;
        uint256 c0 = st.cursor;
        uint256 c1 = _min(n, c0 + budget);
        if (c1 > c0) _consensusChunk(y, st, c0, c1);
        if (c1 == n) _afterConsensus(y, st);
        else st.cursor = uint16(c1);
        return _spend(budget, c1 - c0);
    }

    /// @notice Seen-pass rows from the cursor with `budget` units (1 per row); returns the rest.
    function seenStep(Store storage y, uint256 budget) external returns (uint256) {
        Subnet storage st = y.st;
        uint256 r0 = st.cursor;
        uint256 r1 = _min(st.nB, r0 + budget);
        _seenPass(y, st, r0, r1);
        if (r1 == st.nB) {
            st.phase = YUMA_PHASE_BONDS;
            st.cursor = 0;
        } else {
            st.cursor = uint16(r1);
        }
        return _spend(budget, r1 - r0);
    }

    struct RowPack {
        uint256[] words; // dense u16 cells, 16 per word
        uint256[] bits; // presence, 256 per word
        bool sorted;
    }

    /// @dev Validates a row (equal lengths, uids < n, distinct) and packs it.
    function _packRow(uint16 netuid, uint256 n, uint16[] memory uids, uint16[] memory values)
        private
        pure
        returns (RowPack memory pk)
    {
        uint256 len = uids.length;
        if (len != values.length) revert YumaWeightsLengthMismatch(len, values.length);
        pk.words = new uint256[]((n + 15) >> 4);
        pk.bits = new uint256[]((n + 255) >> 8);
        pk.sorted = true;
        for (uint256 t; t < len; ++t) {
            uint256 u = uids[t];
            if (u >= n) revert YumaUidOutOfRange(netuid, uint16(u), uint16(n));
            uint256 bit = 1 << (u & 255);
            if (pk.bits[u >> 8] & bit != 0) revert YumaDuplicateUid(netuid, uint16(u));
            pk.bits[u >> 8] |= bit;
            pk.words[u >> 4] |= uint256(values[t]) << ((u & 15) << 4);
            if (t > 0 && u <= uids[t - 1]) pk.sorted = false;
        }
    }

    /// @dev Writes a packed row: presence words, the dense words holding an entry (the presence
    /// bitmap masks stale words), and the uid order if it is not ascending. Returns whether ascending.
    function _writeRow(
        mapping(uint256 => uint256) storage dense,
        mapping(uint256 => uint256) storage pres,
        mapping(uint256 => uint256) storage order,
        uint256 uid,
        RowPack memory pk,
        uint16[] memory uids
    ) private returns (bool) {
        uint256 base = uid << 16;
        uint256 nWords = pk.words.length;
        for (uint256 k; k < pk.bits.length; ++k) {
            uint256 b = pk.bits[k];
            if (pres[base | k] != b) pres[base | k] = b;
            if (b == 0) continue;
            for (uint256 g; g < 16; ++g) {
                uint256 wi = (k << 4) | g;
                if (wi < nWords && (b >> (g << 4)) & M16 != 0) dense[base | wi] = pk.words[wi];
            }
        }
        if (!pk.sorted) {
            uint256 len = uids.length;
            uint256 acc;
            for (uint256 t; t < len; ++t) {
                acc |= uint256(uids[t]) << ((t & 15) << 4);
                if (t & 15 == 15 || t == len - 1) {
                    order[base | (t >> 4)] = acc;
                    acc = 0;
                }
            }
        }
        return pk.sorted;
    }

    function _clearBits(mapping(uint256 => uint256) storage pres, uint256 uid, uint256 n) internal {
        uint256 base = uid << 16;
        uint256 k = (n + 255) >> 8;
        for (uint256 i; i < k; ++i) {
            if (pres[base | i] != 0) pres[base | i] = 0;
        }
    }

    function _spend(uint256 budget, uint256 cost) internal pure returns (uint256) {
        return budget > cost ? budget - cost : 0;
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    // ------------------------------------------------------------------------------------ phase 1

    struct Prep {
        uint256 n;
        bool hasOwner;
        uint256 owner;
        uint256[] neu;
        uint256[] s64; // I64F64 bits of the filtered stake
        int256[] s; // I32F32 stake
        bool[] permitOld;
        bool[] permitNew;
        bool[] inactive;
        int256[] a;
    }

    /// @notice Phase 1 (yuma.md §3.1-3.5): snapshot of the inputs. `stakes` and `commitBlocks` come from
    /// the engine's hooks (`commitBlocks` may be empty when commit-reveal is off).
    function prepare(
        Store storage y,
        Params memory p,
        uint64 blockNumber,
        uint64[] memory stakes,
        uint64[] memory commitBlocks
    ) external {
        Subnet storage st = y.st;
        y.params = p;
        Prep memory q;
        q.n = st.n;
        q.hasOwner = p.hasOwner && p.ownerUid < q.n;
        q.owner = p.ownerUid;
        st.en = uint16(q.n);
        st.currentBlock = blockNumber;
        st.cursor = 0;
        st.sumR = 0;
        st.anyConsensus = false;
        st.liquid = false;
        uint64 lsb = st.lastStepBlock;
        st.lastTempo = lsb != 0 ? lsb + 1 : (blockNumber > p.tempo ? blockNumber - p.tempo : 0);
        _prepStake(y, p, q, stakes);
        _prepPermitsAndActive(p, q, blockNumber);
        _prepCommitBlocks(y, p, q, commitBlocks);
        _prepWrite(y, st, q);
        st.phase = YUMA_PHASE_ROWSUMS;
    }

    /// @dev §3.2: threshold filter (owner exempt), I64F64 normalisation (saturating at i64 integer
    /// part, as substrate-fixed's from_num), truncation to I32F32.
    function _prepStake(Store storage y, Params memory p, Prep memory q, uint64[] memory stakes) private view {
        uint256 n = q.n;
        q.neu = new uint256[](n);
        q.s64 = new uint256[](n);
        q.s = new int256[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            q.neu[i] = y.neuron[i];
            uint256 raw = stakes[i];
            if (raw < p.stakeThreshold && !(q.hasOwner && i == q.owner)) raw = 0;
            uint256 v = raw << 64;
            if (v > I64F64_MAX) v = I64F64_MAX;
            q.s64[i] = v;
            total += v; // <= 4096 * 2^127
        }
        for (uint256 i; i < n; ++i) {
            uint256 v = q.s64[i];
            // (v << 64) / total <= 2^64 (v <= total), then >> 32: I64F64 -> I32F32 floor.
            q.s[i] = total == 0 ? int256(v >> 32) : int256(((v << 64) / total) >> 32);
        }
    }

    /// @dev §3.1, §3.3, §3.4.
    function _prepPermitsAndActive(Params memory p, Prep memory q, uint64 cb) private pure {
        uint256 n = q.n;
        q.permitOld = new bool[](n);
        q.permitNew = new bool[](n);
        q.inactive = new bool[](n);
        q.a = new int256[](n);
        uint256[] memory keys = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 w = q.neu[i];
            q.permitOld[i] = (w >> N_PERMIT) & 1 != 0 || (q.hasOwner && i == q.owner);
            q.inactive[i] = uint256(uint64(w)) + p.activityCutoff < cb;
            q.permitNew[i] = q.s[i] != 0;
            keys[i] = (uint256(q.s[i]) << 16) | i; // stable ascending order: ties by uid
        }
        uint256 k = p.maxAllowedValidators;
        if (n >= k && n > 0) {
            _sort(keys, 0, int256(n - 1));
            for (uint256 t; t < n - k; ++t) {
                q.permitNew[keys[t] & M16] = false;
            }
        }
        if (q.hasOwner) q.permitNew[q.owner] = true;
        int256 sumA;
        for (uint256 i; i < n; ++i) {
            int256 v = (q.inactive[i] || !q.permitOld[i]) ? int256(0) : q.s[i];
            q.a[i] = v;
            sumA += v;
        }
        if (sumA != 0) {
            for (uint256 i; i < n; ++i) {
                q.a[i] = F.safeDiv(q.a[i], sumA);
            }
        }
    }

    /// @dev §3.5: masked weight sums of the permitted rows (u16 units; the row normalisation divides by it).
    /// @dev Commit blocks of the permitted rows (§3.5 step 4) go into the neuron slots' scratch field.
    function _prepCommitBlocks(Store storage y, Params memory p, Prep memory q, uint64[] memory commitBlocks) private {
        uint256 n = q.n;
        for (uint256 i; i < n; ++i) {
            if (!q.permitOld[i]) continue;
            uint256 cbI = p.commitReveal ? commitBlocks[i] : type(uint64).max;
            uint256 w = (q.neu[i] & ~(M64 << N_CB)) | (cbI << N_CB);
            if (q.neu[i] != w) y.neuron[i] = w;
            q.neu[i] = w;
        }
    }

    /// @notice Masked weight sums (§3.5) of the permitted rows from the cursor, 1 unit per row; the row
    /// normalisation of the later phases divides by them. Returns the budget left.
    function rowSumStep(Store storage y, uint256 budget) external returns (uint256) {
        Subnet storage st = y.st;
        Params memory p = y.params;
        uint256 n = st.en;
        uint256 r0 = st.cursor;
        uint256 r1 = _min(st.nV, r0 + budget);
        if (r1 > r0) {
            uint256[] memory neu = new uint256[](n);
            for (uint256 j; j < n; ++j) {
                neu[j] = y.neuron[j];
            }
            uint256 word;
            for (uint256 t = r0; t < r1; ++t) {
                if (t == r0 || t & 15 == 0) word = y.list[t >> 4];
                uint256 i = (word >> ((t & 15) << 4)) & M16;
                if ((neu[i] >> N_WLEN) & M16 == 0) continue;
                uint256 sum = _rowSum(y, p, neu, n, i);
                if (sum != 0) y.snap[i] |= sum << S_ROWSUM;
            }
        }
        if (r1 == st.nV) {
            st.phase = YUMA_PHASE_CONSENSUS;
            st.cursor = 0;
        } else {
            st.cursor = uint16(r1);
        }
        return _spend(budget, r1 - r0);
    }

    function _rowSum(Store storage y, Params memory p, uint256[] memory neu, uint256 n, uint256 i)
        private
        view
        returns (uint256 total)
    {
        uint256 base = i << 16;
        uint256 bits;
        uint256 word;
        uint256 group = type(uint256).max;
        for (uint256 j; j < n; ++j) {
            if (j & 255 == 0) bits = y.wPres[base | (j >> 8)];
            if ((bits >> (j & 255)) & 1 == 0) continue;
            if (_wMasked(i, j, neu[i], uint64(neu[j] >> N_BAR), p)) continue;
            if (group != j >> 4) {
                group = j >> 4;
                word = y.wDense[base | group];
            }
            total += (word >> ((j & 15) << 4)) & M16;
        }
    }

    function _prepWrite(Store storage y, Subnet storage st, Prep memory q) private {
        uint256 n = q.n;
        uint256 nV;
        uint256 nB;
        uint256 accV;
        uint256 accB;
        for (uint256 i; i < n; ++i) {
            uint256 s = uint256(q.a[i]) | (uint256(q.s[i]) << S_S);
            if (q.inactive[i]) s |= 1 << S_INACTIVE;
            if (q.permitOld[i]) s |= 1 << S_POLD;
            if (q.permitNew[i]) s |= 1 << S_PNEW;
            y.snap[i] = s;
            if (q.permitOld[i]) {
                accV |= i << ((nV & 15) << 4);
                ++nV;
                if (nV & 15 == 0) {
                    y.list[(nV - 1) >> 4] = accV;
                    accV = 0;
                }
            }
            if (q.permitOld[i] || (q.neu[i] >> N_BNONEMPTY) & 1 != 0) {
                accB |= i << ((nB & 15) << 4);
                ++nB;
                if (nB & 15 == 0) {
                    y.list[(1 << 16) | ((nB - 1) >> 4)] = accB;
                    accB = 0;
                }
            }
        }
        if (nV & 15 != 0) y.list[nV >> 4] = accV;
        if (nB & 15 != 0) y.list[(1 << 16) | (nB >> 4)] = accB;
        st.nV = uint16(nV);
        st.nB = uint16(nB);
    }

    /// @dev In-place quicksort of distinct keys (ascending).
    function _sort(uint256[] memory a, int256 lo, int256 hi) private pure {
        while (lo < hi) {
            uint256 pivot = a[uint256(lo + (hi - lo) / 2)];
            int256 i = lo;
            int256 j = hi;
            while (i <= j) {
                while (a[uint256(i)] < pivot) ++i;
                while (a[uint256(j)] > pivot) --j;
                if (i <= j) {
                    (a[uint256(i)], a[uint256(j)]) = (a[uint256(j)], a[uint256(i)]);
                    ++i;
                    --j;
                }
            }
            if (j - lo < hi - i) {
                _sort(a, lo, j);
                lo = i;
            } else {
                _sort(a, i, hi);
                hi = j;
            }
        }
    }

    // ------------------------------------------------------------------------------------ rows

    struct Rows {
        uint256 count;
        uint256[] uid;
        uint256[] snap;
        uint256[] neu;
    }

    function _loadRows(Store storage y, uint256 listId, uint256 count) internal view returns (Rows memory r) {
        r.count = count;
        r.uid = new uint256[](count);
        r.snap = new uint256[](count);
        r.neu = new uint256[](count);
        uint256 word;
        for (uint256 t; t < count; ++t) {
            if (t & 15 == 0) word = y.list[(listId << 16) | (t >> 4)];
            uint256 u = (word >> ((t & 15) << 4)) & M16;
            r.uid[t] = u;
            r.snap[t] = y.snap[u];
            r.neu[t] = y.neuron[u];
        }
    }

    /// @dev Whether the weight (i, j) is masked (§3.5 steps 2-4); the row mask is the caller's.
    function _wMasked(uint256 i, uint256 j, uint256 neuI, uint256 barJ, Params memory p) internal pure returns (bool) {
        if (i == j && !(p.hasOwner && i == p.ownerUid)) return true;
        if (uint64(neuI) <= barJ) return true;
        if (p.commitReveal && uint64(neuI >> N_CB) < barJ) return true;
        return false;
    }

    // ------------------------------------------------------------------------------------ phase 2

    struct Cons {
        int256[] useStake;
        uint256[] consRow; // k -> row index
        int256[] score;
        uint256[] idx;
        int256 stakeSum;
        int256 minority;
        int256[] w; // current column, -1 = absent
        int256[] vt;
        uint256[] wWord;
        uint256[] wBits; // 16 presence bits of the group
    }

    function _consensusChunk(Store storage y, Subnet storage st, uint256 c0, uint256 c1) private {
        Params memory p = y.params;
        Rows memory r = _loadRows(y, 0, st.nV);
        Cons memory c = _consSetup(r, p);
        uint256 sumR = st.sumR;
        bool anyC = st.anyConsensus;
        for (uint256 g = c0 >> 4; g <= (c1 - 1) >> 4; ++g) {
            _loadWGroup(y, r, c, g);
            uint256 jEnd = _min(c1, (g + 1) << 4);
            for (uint256 j = _max(c0, g << 4); j < jEnd; ++j) {
                (int256 cj, int256 rj) = _consensusColumn(y, r, c, p, j);
                if (cj != 0) anyC = true;
                sumR += uint256(rj);
                _storeCol(y, j, cj, rj);
            }
        }
        st.sumR = uint64(sumR);
        st.anyConsensus = anyC;
        for (uint256 t; t < r.count; ++t) {
            if (c.vt[t] == 0) continue;
            uint256 s = r.snap[t];
            uint256 vt = ((s >> S_VT) & M40) + uint256(c.vt[t]);
            y.snap[r.uid[t]] = (s & ~(M40 << S_VT)) | (vt << S_VT);
        }
    }

    /// @dev Two columns per slot: (C, R) bits at offset 0 / 128.
    function _storeCol(Store storage y, uint256 j, int256 cj, int256 rj) private {
        uint256 off = (j & 1) << 7;
        uint256 old = y.col[j >> 1];
        y.col[j >> 1] = (old & ~(M128 << off)) | ((uint256(cj) | (uint256(rj) << 64)) << off);
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    function _consSetup(Rows memory r, Params memory p) private pure returns (Cons memory c) {
        uint256 count = r.count;
        uint256 m;
        int256 sumA;
        for (uint256 t; t < count; ++t) {
            int256 a = int256(r.snap[t] & M40);
            if (a > 0) {
                ++m;
                sumA += a;
            }
        }
        c.useStake = new int256[](m);
        c.consRow = new uint256[](m);
        c.score = new int256[](m);
        c.idx = new uint256[](m);
        c.w = new int256[](count);
        c.vt = new int256[](count);
        c.wWord = new uint256[](count);
        c.wBits = new uint256[](count);
        uint256 k;
        int256 stakeSum;
        for (uint256 t; t < count; ++t) {
            int256 a = int256(r.snap[t] & M40);
            if (a > 0) {
                int256 u = F.safeDiv(a, sumA);
                c.useStake[k] = u;
                c.consRow[k] = t;
                stakeSum += u;
                ++k;
            }
        }
        c.stakeSum = stakeSum;
        c.minority = F.satSub(stakeSum, F.u16Proportion(p.kappa));
    }

    function _loadWGroup(Store storage y, Rows memory r, Cons memory c, uint256 g) private view {
        for (uint256 t; t < r.count; ++t) {
            if ((r.neu[t] >> N_WLEN) & M16 == 0) {
                c.wBits[t] = 0;
                continue;
            }
            uint256 base = r.uid[t] << 16;
            uint256 bits = (y.wPres[base | (g >> 4)] >> ((g & 15) << 4)) & M16;
            c.wBits[t] = bits;
            c.wWord[t] = bits == 0 ? 0 : y.wDense[base | g];
        }
    }

    /// @dev Normalised, masked weight of row t at column j, or -1 if absent.
    function _wAt(
        Rows memory r,
        uint256[] memory wBits,
        uint256[] memory wWord,
        uint256 t,
        uint256 j,
        uint256 barJ,
        Params memory p
    ) internal pure returns (int256) {
        uint256 c = j & 15;
        if ((wBits[t] >> c) & 1 == 0) return -1;
        if (_wMasked(r.uid[t], j, r.neu[t], barJ, p)) return -1;
        uint256 v = (wWord[t] >> (c << 4)) & M16;
        uint256 rs = (r.snap[t] >> S_ROWSUM) & M32;
        // safe_div(v, rowSum) of I32F32 integers = floor(v * 2^32 / rowSum); unchanged row if the sum is 0
        return rs == 0 ? int256(v << 32) : int256((v << 32) / rs);
    }

    function _consensusColumn(Store storage y, Rows memory r, Cons memory c, Params memory p, uint256 j)
        private
        view
        returns (int256 cj, int256 rj)
    {
        uint256 barJ = uint64(y.neuron[j] >> N_BAR);
        for (uint256 t; t < r.count; ++t) {
            c.w[t] = _wAt(r, c.wBits, c.wWord, t, j, barJ, p);
        }
        uint256 m = c.useStake.length;
        for (uint256 k; k < m; ++k) {
            int256 v = c.w[c.consRow[k]];
            c.score[k] = v < 0 ? int256(0) : v;
            c.idx[k] = k;
        }
        cj = F.weightedMedian(c.useStake, c.score, c.idx, c.minority, c.stakeSum);
        // §3.7 clip + row sums, §3.8 ranks
        for (uint256 t; t < r.count; ++t) {
            int256 v = c.w[t];
            if (v < 0) continue;
            if (cj < v) {
                if (cj <= 0) continue;
                v = cj;
            }
            c.vt[t] += v;
            int256 a = int256(r.snap[t] & M40);
            if (a != 0) rj = F.satAdd(rj, F.satMul(a, v));
        }
    }

    function _afterConsensus(Store storage y, Subnet storage st) private {
        Params storage p = y.params;
        bool liquid = p.yuma3 && p.liquidAlpha && st.anyConsensus;
        st.liquid = liquid;
        st.cursor = 0;
        st.phase = liquid ? YUMA_PHASE_SEEN : YUMA_PHASE_BONDS;
    }

    // ------------------------------------------------------------------------------------ phase 3

    /// @dev Liquid alpha reads each row with a merge that assumes ascending uids (§3.10b): an entry is
    /// "seen" iff its uid exceeds every uid before it in the row (after the row's masks). Rows stored
    /// ascending see everything; for the others this pass writes the seen bitmaps of W_b and B.
    function _seenPass(Store storage y, Subnet storage st, uint256 r0, uint256 r1) private {
        Params memory p = y.params;
        uint256 word;
        for (uint256 t = r0; t < r1; ++t) {
            if (t == r0 || t & 15 == 0) word = y.list[(1 << 16) | (t >> 4)];
            _seenOne(y, (word >> ((t & 15) << 4)) & M16, st.en, st.lastTempo, p);
        }
    }

    function _seenOne(Store storage y, uint256 uid, uint256 n, uint256 lastTempo, Params memory p) private {
        uint256 neu = y.neuron[uid];
        bool orderedWb = p.bondsPenalty == 0 || p.bondsPenalty == 65_535;
        if (orderedWb && (neu >> N_WUNSORTED) & 1 != 0 && (y.snap[uid] >> S_POLD) & 1 != 0) {
            _storeBits(y.seenW, uid, _seenWRow(y, uid, neu, n, p));
        }
        if ((neu >> N_BUNSORTED) & 1 != 0 && (neu >> N_BNONEMPTY) & 1 != 0) {
            _storeBits(y.seenB, uid, _seenBRow(y, uid, neu, n, lastTempo));
        }
    }

    function _storeBits(mapping(uint256 => uint256) storage m, uint256 uid, uint256[] memory bits) private {
        uint256 base = uid << 16;
        for (uint256 k; k < bits.length; ++k) {
            if (m[base | k] != bits[k]) m[base | k] = bits[k];
        }
    }

    /// @dev Seen bitmap of the W_b row (256 columns per word).
    function _seenWRow(Store storage y, uint256 uid, uint256 neu, uint256 n, Params memory p)
        private
        view
        returns (uint256[] memory bits)
    {
        bits = new uint256[]((n + 255) >> 8);
        uint256 len = (neu >> N_WLEN) & M16;
        uint256 base = uid << 16;
        uint256 word;
        bool any;
        uint256 maxU;
        for (uint256 t; t < len; ++t) {
            if (t & 15 == 0) word = y.wOrder[base | (t >> 4)];
            uint256 u = (word >> ((t & 15) << 4)) & M16;
            if (u >= n) continue;
            if (!_inWb(y, uid, u, neu, p)) continue;
            if (!any || u > maxU) {
                any = true;
                maxU = u;
                bits[u >> 8] |= 1 << (u & 255);
            }
        }
    }

    /// @dev Whether the stored weight (uid, u) is a cell of W_b (β ∈ {0, 1}): unmasked and, for β = 1,
    /// not dropped by clipping to a zero consensus.
    function _inWb(Store storage y, uint256 uid, uint256 u, uint256 neu, Params memory p) private view returns (bool) {
        if (_wMasked(uid, u, neu, uint64(y.neuron[u] >> N_BAR), p)) return false;
        if (p.bondsPenalty == 65_535 && _colC(y, u) == 0) {
            uint256 v = (y.wDense[(uid << 16) | (u >> 4)] >> ((u & 15) << 4)) & M16;
            if (v > 0) return false;
        }
        return true;
    }

    function _seenBRow(Store storage y, uint256 uid, uint256 neu, uint256 n, uint256 lastTempo)
        private
        view
        returns (uint256[] memory bits)
    {
        bits = new uint256[]((n + 255) >> 8);
        uint256 len = (neu >> N_BLEN) & M16;
        uint256 base = uid << 16;
        uint256 word;
        bool any;
        uint256 maxU;
        for (uint256 t; t < len; ++t) {
            if (t & 15 == 0) word = y.bOrder[base | (t >> 4)];
            uint256 u = (word >> ((t & 15) << 4)) & M16;
            if (u >= n) continue;
            if (lastTempo <= uint64(y.neuron[u] >> N_BAR)) continue;
            if (!any || u > maxU) {
                any = true;
                maxU = u;
                bits[u >> 8] |= 1 << (u & 255);
            }
        }
    }

    function _colC(Store storage y, uint256 j) internal view returns (int256) {
        return int256((y.col[j >> 1] >> ((j & 1) << 7)) & M64);
    }

    function _colR(Store storage y, uint256 j) internal view returns (int256) {
        return int256((y.col[j >> 1] >> (((j & 1) << 7) + 64)) & M64);
    }

    /// @dev Stored uid order (entries >= n dropped, as the epoch reads them).
    function _readOrder(mapping(uint256 => uint256) storage order, uint256 uid, uint256 n, uint256 len)
        internal
        view
        returns (uint16[] memory uids)
    {
        uint256 base = uid << 16;
        uids = new uint16[](len);
        uint256 cnt;
        uint256 word;
        for (uint256 t; t < len; ++t) {
            if (t & 15 == 0) word = order[base | (t >> 4)];
            uint256 u = (word >> ((t & 15) << 4)) & M16;
            if (u >= n) continue;
            uids[cnt++] = uint16(u);
        }
        assembly ("memory-safe") {
            mstore(uids, cnt)
        }
    }

    /// @dev Present columns < n, ascending.
    function _readPresent(mapping(uint256 => uint256) storage pres, uint256 uid, uint256 n)
        private
        view
        returns (uint16[] memory uids)
    {
        uint256 base = uid << 16;
        uids = new uint16[](n);
        uint256 cnt;
        for (uint256 k; k < (n + 255) >> 8; ++k) {
            uint256 bits = pres[base | k];
            for (uint256 c; bits != 0 && c < 256; ++c) {
                if ((bits >> c) & 1 == 0) continue;
                uint256 u = (k << 8) | c;
                if (u >= n) break;
                uids[cnt++] = uint16(u);
            }
        }
        assembly ("memory-safe") {
            mstore(uids, cnt)
        }
    }

    function _readValues(mapping(uint256 => uint256) storage dense, uint256 uid, uint16[] memory uids)
        private
        view
        returns (uint16[] memory values)
    {
        uint256 base = uid << 16;
        values = new uint16[](uids.length);
        for (uint256 t; t < uids.length; ++t) {
            uint256 u = uids[t];
            values[t] = uint16(dense[base | (u >> 4)] >> ((u & 15) << 4));
        }
    }
}
