// A minimal in-memory subnet, enough to replay subtensor test scenarios and simulations: blocks,
// registrations, set_weights (max-upscaled as stored, LastUpdate = block), epochs that persist
// bonds and validator permits exactly as `epoch()` does. No emission accounting beyond the
// epoch's own output.
import { InvalidParameterError } from "../errors.js";
import {
  runEpoch,
  type SparseRow,
  type YumaOutput,
  type YumaParams,
  type YumaState,
} from "./epoch.js";
import { maxUpscaleWeights } from "./math.js";

export type SubnetChainOptions = {
  params: YumaParams;
  /** u64 stake per uid; its length is n. */
  stake: bigint[];
  /** Block at which every uid registers, and the chain's first block (default 0). */
  registrationBlock?: bigint;
  /** Validator permits before the first epoch (default: none). */
  validatorPermit?: boolean[];
};

export type SubnetChain = {
  readonly params: YumaParams;
  /** The current block. */
  block(): bigint;
  /** Advance `blocks` blocks without running an epoch (`next_block_no_epoch`). */
  advance(blocks?: bigint | number): void;
  /** `set_weights`: store the max-upscaled values and LastUpdate = current block. */
  setWeights(uid: number, uids: readonly number[], values: readonly number[]): void;
  /** Record a commit at the current block (commit-reveal): LastUpdate and the commit block. */
  commit(uid: number): void;
  /** Reveal: store the weights without touching LastUpdate; clears the pending commit. */
  reveal(uid: number, uids: readonly number[], values: readonly number[]): void;
  /** `do_reset_bonds`: drop every stored bond pointing at `uid`. */
  resetBondsColumn(uid: number): void;
  setStake(uid: number, stake: bigint): void;
  /** The epoch's input at the current block. */
  state(): YumaState;
  /** Run one epoch at the current block and persist bonds and validator permits. */
  epoch(): YumaOutput;
};

export function createSubnetChain(options: SubnetChainOptions): SubnetChain {
  const params = options.params;
  const n = options.stake.length;
  const start = options.registrationBlock ?? 0n;
  let block = start;
  const stake = options.stake.slice();
  const weights: SparseRow[] = Array.from({ length: n }, () => []);
  let bonds: SparseRow[] = Array.from({ length: n }, () => []);
  const lastUpdate: bigint[] = new Array<bigint>(n).fill(start);
  const blockAtRegistration: bigint[] = new Array<bigint>(n).fill(start);
  let validatorPermit = options.validatorPermit?.slice() ?? new Array<boolean>(n).fill(false);
  const commitBlock: Array<bigint | null> = new Array<bigint | null>(n).fill(null);

  const checkUid = (field: string, uid: number) => {
    if (!Number.isInteger(uid) || uid < 0 || uid >= n)
      throw new InvalidParameterError({ field, expected: `a uid < n = ${n}`, received: uid });
  };
  const store = (uid: number, uids: readonly number[], values: readonly number[]) => {
    checkUid("uid", uid);
    if (uids.length !== values.length)
      throw new InvalidParameterError({
        field: "values",
        expected: `as many values as uids (${uids.length})`,
        received: values.length,
      });
    for (const u of uids) checkUid("uids", u);
    const up = maxUpscaleWeights(values);
    weights[uid] = uids.map((u, k) => [u, up[k] as number]);
  };

  const state = (): YumaState => ({
    n,
    currentBlock: block,
    stake: stake.slice(),
    weights: weights.map((r) => r.slice()),
    bonds: bonds.map((r) => r.slice()),
    lastUpdate: lastUpdate.slice(),
    blockAtRegistration: blockAtRegistration.slice(),
    validatorPermit: validatorPermit.slice(),
    commitBlock: commitBlock.slice(),
  });

  return {
    params,
    block: () => block,
    advance(blocks = 1n) {
      block += BigInt(blocks);
    },
    setWeights(uid, uids, values) {
      store(uid, uids, values);
      lastUpdate[uid] = block;
    },
    commit(uid) {
      checkUid("uid", uid);
      lastUpdate[uid] = block;
      const cb = commitBlock[uid];
      commitBlock[uid] = cb === null || cb === undefined ? block : cb < block ? cb : block;
    },
    reveal(uid, uids, values) {
      store(uid, uids, values);
      commitBlock[uid] = null;
    },
    resetBondsColumn(uid) {
      checkUid("uid", uid);
      bonds = bonds.map((row) => row.filter(([j]) => j !== uid));
    },
    setStake(uid, value) {
      checkUid("uid", uid);
      stake[uid] = value;
    },
    state,
    epoch() {
      const out = runEpoch(params, state());
      bonds = out.bondsU16Stored.map((r) => r.slice());
      validatorPermit = out.newValidatorPermit.slice();
      return out;
    },
  };
}
