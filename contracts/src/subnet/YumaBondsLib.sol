// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {YumaEpochLib as L} from "./YumaEpochLib.sol";
import {YumaFixedPoint as F} from "./YumaFixedPoint.sol";

/// @title YumaBondsLib
/// @notice Bonds, dividends and finalize phases of the Yuma epoch (yuma.md §3.9-3.12), split from
/// `YumaEpochLib` so that each linked library stays under the 24 KiB code-size limit. Same storage
/// (`YumaEpochLib.Store`), run by DELEGATECALL from `YumaEpochEngine`.
library YumaBondsLib {
    // ------------------------------------------------------------------------------------ phase 4

    struct BondCtx {
        bool yuma3;
        bool liquid;
        uint256 beta; // bonds penalty u16
        int256 betaFixed;
        int256 alpha; // EMA alpha (1 - bma/1e6)
        int256 oneMinusAlpha;
        int256 low;
        int256 high;
        int256 steepDiv;
        uint256 n;
        uint256 lastTempo;
        uint256 sumR;
        // per row
        int256[] a;
        bool[] isV;
        bool[] pNew;
        bool[] wSeenAll;
        bool[] bSeenAll;
        uint256[] seenW;
        uint256[] seenB;
        int256[] div;
        // per group
        uint256[] wWord;
        uint256[] wBits;
        uint256[] bWord;
        uint256[] bBits;
        uint256[] newWord;
        uint256[] newBits;
        // per column
        int256[] wb;
        int256[] bv;
        int256[] x;
    }

    /// @notice Bond columns from the cursor with `budget` units (1 per column, 4 with liquid alpha);
    /// returns the rest.
    function bondsStep(L.Store storage y, uint256 budget) external returns (uint256) {
        L.Subnet storage st = y.st;
        uint256 n = st.en;
        uint256 unit = st.liquid ? 4 : 1;
        uint256 c0 = st.cursor;
        uint256 c1 = L._min(n, c0 + (budget + unit - 1) / unit);
        if (c1 > c0) _bondsChunk(y, st, c0, c1);
        if (c1 == n) {
            st.phase = L.YUMA_PHASE_FINALIZE;
            st.cursor = 0;
        } else {
            st.cursor = uint16(c1);
        }
        return L._spend(budget, (c1 - c0) * unit);
    }

    function _bondsChunk(L.Store storage y, L.Subnet storage st, uint256 c0, uint256 c1) private {
        L.Params memory p = y.params;
        L.Rows memory r = L._loadRows(y, 1, st.nB);
        BondCtx memory b = _bondSetup(st, p, r);
        for (uint256 g = c0 >> 4; g <= (c1 - 1) >> 4; ++g) {
            _loadBGroup(y, r, b, g);
            uint256 jStart = L._max(c0, g << 4);
            uint256 jEnd = L._min(c1, (g + 1) << 4);
            for (uint256 j = jStart; j < jEnd; ++j) {
                _bondColumn(y, r, b, p, j);
            }
            // columns of this group handled by this call; past n they are cleared
            uint256 mask;
            uint256 hiEnd = jEnd == b.n ? (g + 1) << 4 : jEnd;
            for (uint256 j = jStart; j < hiEnd; ++j) {
                mask |= 1 << (j & 15);
            }
            _storeBGroup(y, r, b, g, mask);
        }
        for (uint256 t; t < r.count; ++t) {
            if (b.div[t] == 0) continue;
            uint256 s = r.snap[t];
            uint256 d = ((s >> L.S_DIV) & L.M40) + uint256(b.div[t]);
            y.snap[r.uid[t]] = (s & ~(L.M40 << L.S_DIV)) | (d << L.S_DIV);
        }
    }

    function _bondSetup(L.Subnet storage st, L.Params memory p, L.Rows memory r)
        private
        view
        returns (BondCtx memory b)
    {
        b.yuma3 = p.yuma3;
        b.liquid = st.liquid;
        b.beta = p.bondsPenalty;
        b.betaFixed = F.u16Proportion(p.bondsPenalty);
        // α = 1 - trunc32(I64F64(bma) / 1e6)
        b.alpha = F.satSub(F.ONE, int256((uint256(p.bondsMovingAverage) << 32) / 1_000_000));
        b.oneMinusAlpha = F.satSub(F.ONE, b.alpha);
        b.low = F.u16Proportion(p.alphaLow);
        b.high = F.u16Proportion(p.alphaHigh);
        b.steepDiv = F.satDiv(int256(p.alphaSigmoidSteepness) << 32, -100 << 32);
        b.n = st.en;
        b.lastTempo = st.lastTempo;
        b.sumR = st.sumR;
        uint256 count = r.count;
        b.a = new int256[](count);
        b.isV = new bool[](count);
        b.pNew = new bool[](count);
        b.wSeenAll = new bool[](count);
        b.bSeenAll = new bool[](count);
        b.seenW = new uint256[](count);
        b.seenB = new uint256[](count);
        b.div = new int256[](count);
        b.wWord = new uint256[](count);
        b.wBits = new uint256[](count);
        b.bWord = new uint256[](count);
        b.bBits = new uint256[](count);
        b.newWord = new uint256[](count);
        b.newBits = new uint256[](count);
        b.wb = new int256[](count);
        b.bv = new int256[](count);
        b.x = new int256[](count);
        bool orderedWb = p.bondsPenalty == 0 || p.bondsPenalty == 65_535;
        for (uint256 t; t < count; ++t) {
            uint256 s = r.snap[t];
            uint256 neu = r.neu[t];
            b.a[t] = int256(s & L.M40);
            b.isV[t] = (s >> L.S_POLD) & 1 != 0;
            b.pNew[t] = (s >> L.S_PNEW) & 1 != 0;
            b.wSeenAll[t] = true;
            b.bSeenAll[t] = true;
            if (b.liquid) {
                if (orderedWb && b.isV[t] && (neu >> L.N_WUNSORTED) & 1 != 0) b.wSeenAll[t] = false;
                if ((neu >> L.N_BUNSORTED) & 1 != 0 && (neu >> L.N_BNONEMPTY) & 1 != 0) b.bSeenAll[t] = false;
            }
        }
    }

    function _loadBGroup(L.Store storage y, L.Rows memory r, BondCtx memory b, uint256 g) private view {
        for (uint256 t; t < r.count; ++t) {
            uint256 base = r.uid[t] << 16;
            uint256 neu = r.neu[t];
            uint256 wbits;
            if (b.isV[t] && (neu >> L.N_WLEN) & L.M16 != 0) {
                wbits = (y.wPres[base | (g >> 4)] >> ((g & 15) << 4)) & L.M16;
            }
            b.wBits[t] = wbits;
            b.wWord[t] = wbits == 0 ? 0 : y.wDense[base | g];
            uint256 bbits;
            if ((neu >> L.N_BNONEMPTY) & 1 != 0) {
                bbits = (y.bPres[base | (g >> 4)] >> ((g & 15) << 4)) & L.M16;
            }
            b.bBits[t] = bbits;
            uint256 bw = (bbits != 0 || b.pNew[t]) ? y.bDense[base | g] : 0;
            b.bWord[t] = bw;
            b.newWord[t] = bw;
            b.newBits[t] = 0;
            uint256 shift = (g & 15) << 4;
            if (!b.wSeenAll[t]) b.seenW[t] = (y.seenW[base | (g >> 4)] >> shift) & L.M16;
            if (!b.bSeenAll[t]) b.seenB[t] = (y.seenB[base | (g >> 4)] >> shift) & L.M16;
        }
    }

    function _storeBGroup(L.Store storage y, L.Rows memory r, BondCtx memory b, uint256 g, uint256 mask) private {
        for (uint256 t; t < r.count; ++t) {
            if (!b.pNew[t]) continue;
            uint256 base = r.uid[t] << 16;
            if (b.newWord[t] != b.bWord[t]) y.bDense[base | g] = b.newWord[t];
            uint256 key = base | (g >> 4);
            uint256 shift = (g & 15) << 4;
            uint256 old = y.bPres[key];
            uint256 upd = (old & ~(mask << shift)) | ((b.newBits[t] & mask) << shift);
            if (upd != old) y.bPres[key] = upd;
        }
    }

    /// @dev One column of §3.9-3.10: W_b, old bonds, EMA, dividend sums, stored bonds.
    function _bondColumn(L.Store storage y, L.Rows memory r, BondCtx memory b, L.Params memory p, uint256 j)
        private
        view
    {
        uint256 barJ = uint64(y.neuron[j] >> L.N_BAR);
        int256 cj = L._colC(y, j);
        int256 ij = L._colR(y, j);
        if (b.sumR != 0) ij = F.safeDiv(ij, int256(b.sumR));
        bool bMasked = b.lastTempo <= barJ;
        uint256 count = r.count;
        for (uint256 t; t < count; ++t) {
            b.wb[t] = _wbAt(r, b, p, t, j, barJ, cj);
            b.bv[t] = bMasked ? int256(-1) : _bondAt(b, t, j & 15);
        }
        if (b.yuma3) _yuma3Column(b, count, cj, ij, j & 15);
        else _yuma2Column(b, count, ij, j & 15);
    }

    /// @dev Weight for bonds (§3.9) of row t at column j, -1 if absent.
    function _wbAt(L.Rows memory r, BondCtx memory b, L.Params memory p, uint256 t, uint256 j, uint256 barJ, int256 cj)
        private
        pure
        returns (int256)
    {
        int256 w = L._wAt(r, b.wBits, b.wWord, t, j, barJ, p);
        if (b.beta == 0) return w;
        int256 clipped = w;
        if (w >= 0 && cj < w) clipped = cj > 0 ? cj : int256(-1);
        if (b.beta == 65_535) return clipped;
        int256 v1 = w < 0 ? int256(0) : w;
        int256 v2 = clipped < 0 ? int256(0) : clipped;
        int256 wb = F.satAdd(v1, F.satMul(b.betaFixed, F.satSub(v2, v1)));
        return wb > 0 ? wb : int256(-1);
    }

    /// @dev Stored bond of row t at column c of the loaded group, as I32F32 (Yuma3: /65535), -1 if absent.
    function _bondAt(BondCtx memory b, uint256 t, uint256 c) private pure returns (int256) {
        if ((b.bBits[t] >> c) & 1 == 0) return -1;
        uint256 raw = (b.bWord[t] >> (c << 4)) & L.M16;
        return b.yuma3 ? F.u16Proportion(raw) : int256(raw << 32);
    }

    function _yuma2Column(BondCtx memory b, uint256 count, int256 ij, uint256 c) private pure {
        int256 sumB;
        int256 sumD;
        for (uint256 t; t < count; ++t) {
            if (b.bv[t] > 0) sumB += b.bv[t];
            int256 wb = b.wb[t];
            int256 d = wb < 0 ? int256(-1) : F.satMul(wb, b.a[t]);
            b.x[t] = d;
            if (d > 0) sumD += d;
        }
        // EMA of the column-normalised delta and bonds (mat_ema_sparse keeps cells > 0)
        int256 sumE;
        for (uint256 t; t < count; ++t) {
            int256 e;
            int256 d = b.x[t];
            if (d >= 0) e = F.satMul(b.alpha, sumD != 0 ? F.safeDiv(d, sumD) : d);
            int256 bond = b.bv[t];
            if (bond >= 0) e = F.satAdd(e, F.satMul(b.oneMinusAlpha, sumB != 0 ? F.safeDiv(bond, sumB) : bond));
            if (e > 0) {
                b.x[t] = e;
                sumE += e;
            } else {
                b.x[t] = -1;
            }
        }
        int256 colMax;
        for (uint256 t; t < count; ++t) {
            int256 e = b.x[t];
            if (e < 0) continue;
            if (sumE != 0) e = F.safeDiv(e, sumE);
            b.x[t] = e;
            b.div[t] = F.satAdd(b.div[t], F.satMul(ij, e));
            if (colMax < e) colMax = e;
        }
        for (uint256 t; t < count; ++t) {
            if (!b.pNew[t]) continue;
            int256 e = b.x[t];
            if (e < 0) continue;
            if (colMax != 0) e = F.safeDiv(e, colMax);
            _setBond(b, t, c, F.toU16Proportion(e));
        }
    }

    function _yuma3Column(BondCtx memory b, uint256 count, int256 cj, int256 ij, uint256 c) private pure {
        int256 sumE;
        for (uint256 t; t < count; ++t) {
            int256 wb = b.wb[t];
            int256 bond = b.bv[t];
            int256 e;
            if (b.liquid) {
                // mat_ema_alpha_sparse: only the cells of W_b survive
                if (wb < 0) {
                    b.x[t] = -1;
                    continue;
                }
                e = _liquidCell(b, t, c, cj, wb, bond);
            } else {
                if (wb >= 0) e = F.satMul(b.alpha, wb);
                if (bond >= 0) e = F.satAdd(e, F.satMul(b.oneMinusAlpha, bond));
            }
            if (e > 0) {
                b.x[t] = e;
                sumE += e;
            } else {
                b.x[t] = -1;
            }
        }
        for (uint256 t; t < count; ++t) {
            int256 e = b.x[t];
            if (e < 0) continue;
            int256 bh = sumE != 0 ? F.safeDiv(e, sumE) : e;
            b.div[t] = F.satAdd(b.div[t], F.satMul(bh, ij));
            if (b.pNew[t]) _setBond(b, t, c, F.toU16Proportion(e));
        }
    }

    /// @dev min(1, (1-α)·B + max(0, α·W_b)) with α = alpha_sigmoid of the merged (seen) weight and bond.
    function _liquidCell(BondCtx memory b, uint256 t, uint256 c, int256 cj, int256 wb, int256 bond)
        private
        pure
        returns (int256 e)
    {
        int256 wS = (b.wSeenAll[t] || (b.seenW[t] >> c) & 1 != 0) ? wb : int256(0);
        int256 bS = (bond >= 0 && (b.bSeenAll[t] || (b.seenB[t] >> c) & 1 != 0)) ? bond : int256(0);
        int256 al = F.alphaSigmoid(cj, wS, bS, b.low, b.high, b.steepDiv);
        int256 decayed = bond >= 0 ? F.satMul(F.satSub(F.ONE, al), bond) : int256(0);
        int256 inc = F.satMul(al, wb);
        if (inc < 0) inc = 0;
        e = F.satAdd(decayed, inc);
        if (e > F.ONE) e = F.ONE;
    }

    function _setBond(BondCtx memory b, uint256 t, uint256 c, uint16 v) private pure {
        uint256 shift = c << 4;
        b.newWord[t] = (b.newWord[t] & ~(L.M16 << shift)) | (uint256(v) << shift);
        b.newBits[t] |= 1 << c;
    }

    // ------------------------------------------------------------------------------------ phase 5

    struct Fin {
        int256 sumD;
        int256 esum;
        bool aZero;
        bool yuma3;
        uint64 rao;
        uint256 sumR;
    }

    /// @notice One finalize chunk: the uids paid by this call (from `start`), and when `done` the totals.
    struct FinalizeChunk {
        uint256 start;
        uint64[] server;
        uint64[] validator;
        bool done;
        uint64 totalServer;
        uint64 totalValidator;
        uint256 budgetLeft;
    }

    /// @notice Phase 5 (§3.11-3.12), 1 unit per uid: terms and payouts of the uids from the cursor; the
    /// last chunk also writes permits and bond bookkeeping and closes the epoch. The engine calls its
    /// payout hook for each returned uid.
    function finalizeStep(L.Store storage y, uint256 budget) external returns (FinalizeChunk memory ch) {
        L.Subnet storage st = y.st;
        L.Params memory p = y.params;
        uint256 n = st.en;
        uint256 c0 = st.cursor;
        if (c0 == 0) _finalizeSums(y, st, p.yuma3, n);
        Fin memory f = Fin({
            sumD: int256(uint256(st.sumD)),
            esum: int256(uint256(st.esum)),
            aZero: st.aZero,
            yuma3: p.yuma3,
            rao: p.raoEmission,
            sumR: st.sumR
        });
        uint256 c1 = L._min(n, c0 + budget);
        ch.start = c0;
        ch.server = new uint64[](c1 - c0);
        ch.validator = new uint64[](c1 - c0);
        uint64 ts = st.totalServer;
        uint64 tv = st.totalValidator;
        for (uint256 i = c0; i < c1; ++i) {
            (uint64 server, uint64 validator) = _finalizeUid(y, f, i);
            ch.server[i - c0] = server;
            ch.validator[i - c0] = validator;
            ts += server;
            tv += validator;
        }
        ch.budgetLeft = L._spend(budget, c1 - c0);
        st.totalServer = ts;
        st.totalValidator = tv;
        if (c1 < n) {
            st.cursor = uint16(c1);
            return ch;
        }
        _finalizeBonds(y, p, st);
        st.lastStepBlock = st.currentBlock;
        st.phase = L.YUMA_PHASE_IDLE;
        st.cursor = 0;
        st.epochs += 1;
        ch.done = true;
        ch.totalServer = ts;
        ch.totalValidator = tv;
    }

    /// @dev Raw dividend of uid i (Yuma3: tb_i * A_i with checked_mul, 0 on overflow).
    function _rawDividend(uint256 sn, bool yuma3) private pure returns (int256 d) {
        d = int256((sn >> L.S_DIV) & L.M40);
        if (yuma3) {
            (bool ok, int256 prod) = F.checkedMul(d, int256(sn & L.M40));
            d = ok ? prod : int256(0);
        }
    }

    function _incentive(L.Store storage y, uint256 i, uint256 sumR) private view returns (int256 inc) {
        inc = L._colR(y, i);
        if (sumR != 0) inc = F.safeDiv(inc, int256(sumR));
    }

    /// @dev Sums over all uids, once per epoch: dividend normaliser, Σ(I + D), whether A is all zero.
    function _finalizeSums(L.Store storage y, L.Subnet storage st, bool yuma3, uint256 n) private {
        int256 sumA;
        int256 sumD;
        for (uint256 i; i < n; ++i) {
            uint256 sn = y.snap[i];
            sumA += int256(sn & L.M40);
            sumD += _rawDividend(sn, yuma3);
        }
        int256 esum;
        uint256 sumR = st.sumR;
        for (uint256 i; i < n; ++i) {
            int256 d = _rawDividend(y.snap[i], yuma3);
            if (sumD != 0) d = F.safeDiv(d, sumD);
            esum += _incentive(y, i, sumR) + d;
        }
        st.sumD = uint64(uint256(sumD));
        st.esum = uint64(uint256(esum));
        st.aZero = sumA == 0;
        st.totalServer = 0;
        st.totalValidator = 0;
    }

    function _emission(int256 x, uint64 rao) private pure returns (uint64) {
        // I96F32: floor(x_bits * rao / 2^32), saturating to u64; x in [0, 1]
        if (x <= 0) return 0;
        uint256 v = (uint256(x) * rao) >> 32;
        return v > type(uint64).max ? type(uint64).max : uint64(v);
    }

    function _finalizeUid(L.Store storage y, Fin memory f, uint256 i)
        private
        returns (uint64 server, uint64 validator)
    {
        uint256 sn = y.snap[i];
        int256 d = _rawDividend(sn, f.yuma3);
        if (f.sumD != 0) d = F.safeDiv(d, f.sumD);
        int256 inc = _incentive(y, i, f.sumR);
        uint64 combined;
        (server, validator, combined) = _split(f, sn, inc, d);
        y.terms[i] = _packTerms(L._colC(y, i), inc, d, sn, combined);
    }

    /// @dev §3.11 emission split of one uid.
    function _split(Fin memory f, uint256 s, int256 inc, int256 d)
        private
        pure
        returns (uint64 server, uint64 validator, uint64 combined)
    {
        int256 nSE = inc;
        int256 nVE = d;
        int256 nCE = inc + d;
        if (f.esum != 0) {
            nSE = F.safeDiv(inc, f.esum);
            nVE = F.safeDiv(d, f.esum);
            nCE = F.safeDiv(inc + d, f.esum);
        } else {
            // no usable weights: stake (active stake if any) gets the validator share
            int256 fb = f.aZero ? int256((s >> L.S_S) & L.M40) : int256(s & L.M40);
            nVE = fb;
            nCE = fb;
        }
        server = _emission(nSE, f.rao);
        validator = _emission(nVE, f.rao);
        combined = _emission(nCE, f.rao);
    }

    function _packTerms(int256 cj, int256 inc, int256 d, uint256 s, uint64 combined) private pure returns (uint256 t) {
        t = uint256(F.toU16Proportion(cj)) | (uint256(F.toU16Proportion(inc)) << L.T_I)
            | (uint256(F.toU16Proportion(d)) << L.T_D);
        t |= uint256(F.toU16Proportion(int256((s >> L.S_VT) & L.M40))) << L.T_VT;
        t |= uint256(F.toU16Proportion(int256((s >> L.S_S) & L.M40))) << L.T_S;
        t |= (uint256(combined) << L.T_EM) | (uint256(d) << L.T_DBITS);
        if ((s >> L.S_INACTIVE) & 1 == 0) t |= 1 << L.T_ACTIVE;
    }

    /// @dev §3.12: permits, bond rows of non-permitted uids cleared, bond row order and flags.
    function _finalizeBonds(L.Store storage y, L.Params memory p, L.Subnet storage st) private {
        uint256 n = st.en;
        bool keepOrder = st.liquid && (p.bondsPenalty == 0 || p.bondsPenalty == 65_535);
        for (uint256 i; i < n; ++i) {
            uint256 s = y.snap[i];
            uint256 w = y.neuron[i];
            uint256 nw = w & ~((1 << L.N_PERMIT) | (1 << L.N_BUNSORTED) | (1 << L.N_BNONEMPTY) | (L.M16 << L.N_BLEN));
            if ((s >> L.S_PNEW) & 1 != 0) {
                nw |= 1 << L.N_PERMIT;
                // rows that were processed (permit or bonds) hold their new bonds
                if ((s >> L.S_POLD) & 1 != 0 || (w >> L.N_BNONEMPTY) & 1 != 0) {
                    nw |= 1 << L.N_BNONEMPTY;
                    if (keepOrder && (w >> L.N_WUNSORTED) & 1 != 0 && (s >> L.S_POLD) & 1 != 0) {
                        nw = _writeBondOrder(y, i, w, nw, n);
                    }
                }
            } else if ((w >> L.N_BNONEMPTY) & 1 != 0) {
                L._clearBits(y.bPres, i, n);
            }
            if (nw != w) y.neuron[i] = nw;
        }
    }

    /// @dev Liquid-alpha bonds keep the order of W_b, i.e. the stored weights order (β ∈ {0, 1}).
    function _writeBondOrder(L.Store storage y, uint256 uid, uint256 w, uint256 nw, uint256 n)
        private
        returns (uint256)
    {
        uint16[] memory order = L._readOrder(y.wOrder, uid, n, (w >> L.N_WLEN) & L.M16);
        uint256 base = uid << 16;
        uint256 cnt;
        bool sorted = true;
        for (uint256 t; t < order.length; ++t) {
            uint256 u = order[t];
            if ((y.bPres[base | (u >> 8)] >> (u & 255)) & 1 == 0) continue;
            if (cnt > 0 && u <= order[cnt - 1]) sorted = false;
            order[cnt++] = uint16(u);
        }
        if (sorted) return nw;
        uint256 acc;
        for (uint256 t; t < cnt; ++t) {
            acc |= uint256(order[t]) << ((t & 15) << 4);
            if (t & 15 == 15 || t == cnt - 1) {
                y.bOrder[base | (t >> 4)] = acc;
                acc = 0;
            }
        }
        return nw | (1 << L.N_BUNSORTED) | (cnt << L.N_BLEN);
    }
}
