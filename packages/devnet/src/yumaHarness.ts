// The Solidity Yuma epoch engine's test harness (contracts/test/subnet/YumaEpochHarness.sol) on a
// real chain: deploy it from its forge artifact (linking YumaEpochLib and YumaBondsLib), load a
// subnet state, run one epoch in chunks, read every output back in the shape of the SDK's runEpoch.
// Used by the cross-check test and by bench/yuma-onchain.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BaseError,
  type SparseRow,
  type YumaOutput,
  type YumaParams,
  type YumaState,
} from "@noosphere/sdk";
import {
  type Abi,
  type Address,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  type PublicClient,
  toBytes,
  toHex,
} from "viem";

type LinkRefs = Record<string, Record<string, Array<{ start: number; length: number }>>>;
type Artifact = { abi: Abi; bytecode: { object: Hex; linkReferences?: LinkRefs } };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Where forge wrote the artifacts: `YUMA_ARTIFACTS_DIR`, else contracts/out (npm run build:contracts). */
export function yumaArtifactsDir(): string {
  return process.env.YUMA_ARTIFACTS_DIR ?? path.join(repoRoot, "contracts", "out");
}

function loadArtifact(dir: string, file: string, name: string): Artifact {
  const p = path.join(dir, file, `${name}.json`);
  if (!existsSync(p))
    throw new BaseError(`Missing forge artifact ${p}.`, {
      metaMessages: [
        "Build the contracts first: npm run build:contracts (or set YUMA_ARTIFACTS_DIR).",
      ],
    });
  return JSON.parse(readFileSync(p, "utf8")) as Artifact;
}

/** Fills the `__$hash$__` placeholders of `linkReferences` with library addresses (by library name). */
export function linkBytecode(artifact: Artifact, libraries: Record<string, Address>): Hex {
  let hex = artifact.bytecode.object.slice(2);
  for (const libs of Object.values(artifact.bytecode.linkReferences ?? {})) {
    for (const [name, refs] of Object.entries(libs)) {
      const address = libraries[name];
      if (!address) throw new BaseError(`No address for linked library ${name}.`);
      for (const { start, length } of refs) {
        hex =
          hex.slice(0, start * 2) +
          address.slice(2).toLowerCase() +
          hex.slice((start + length) * 2);
      }
    }
  }
  return `0x${hex}`;
}

export type TxResult = { gasUsed: bigint; hash: Hex; topics: Hex[] };

/**
 * A minimal sender for an unlocked dev account (anvil): eth_sendTransaction with an explicit gas
 * limit, then the receipt (automine makes it available at once). Throws with the revert data on failure.
 */
export class DevSender {
  constructor(
    readonly client: PublicClient,
    readonly from: Address,
    readonly gas: bigint = 900_000_000n,
  ) {}

  async send(
    to: Address | null,
    data: Hex,
  ): Promise<TxResult & { contractAddress: Address | null }> {
    const tx: Record<string, string> = { from: this.from, data, gas: toHex(this.gas) };
    if (to) tx.to = to;
    const hash = (await this.client.request({
      method: "eth_sendTransaction" as never,
      params: [tx] as never,
    })) as Hex;
    let receipt = await this.client.request({
      method: "eth_getTransactionReceipt",
      params: [hash],
    });
    for (let i = 0; receipt === null && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 10));
      receipt = await this.client.request({ method: "eth_getTransactionReceipt", params: [hash] });
    }
    if (!receipt) throw new BaseError(`No receipt for ${hash}.`);
    if (receipt.status !== "0x1") {
      let reason = "";
      try {
        await this.client.request({
          method: "eth_call",
          params: [{ from: this.from, to: to ?? undefined, data, gas: toHex(this.gas) }, "latest"],
        });
      } catch (e) {
        reason = e instanceof Error ? e.message : String(e);
      }
      throw new BaseError(`Transaction ${hash} reverted.`, { metaMessages: [reason] });
    }
    return {
      hash,
      gasUsed: BigInt(receipt.gasUsed),
      topics: receipt.logs.map((l) => l.topics[0] as Hex),
      contractAddress: receipt.contractAddress ? getAddress(receipt.contractAddress) : null,
    };
  }
}

export type YumaHarness = {
  address: Address;
  abi: Abi;
  sender: DevSender;
  write(functionName: string, args: readonly unknown[]): Promise<TxResult>;
  /** Encodes a call for `multicall`. */
  encode(functionName: string, args: readonly unknown[]): Hex;
  read<T>(functionName: string, args: readonly unknown[]): Promise<T>;
};

/** Deploys YumaEpochLib, YumaBondsLib and the harness linked to them. */
export async function deployYumaHarness(
  client: PublicClient,
  from: Address,
  gas?: bigint,
): Promise<YumaHarness> {
  const dir = yumaArtifactsDir();
  const sender = new DevSender(client, from, gas);
  const epochLib = loadArtifact(dir, "YumaEpochLib.sol", "YumaEpochLib");
  const bondsLib = loadArtifact(dir, "YumaBondsLib.sol", "YumaBondsLib");
  const harness = loadArtifact(dir, "YumaEpochHarness.sol", "YumaEpochHarness");
  const libs: Record<string, Address> = {};
  libs.YumaEpochLib = (await sender.send(null, linkBytecode(epochLib, libs)))
    .contractAddress as Address;
  libs.YumaBondsLib = (await sender.send(null, linkBytecode(bondsLib, libs)))
    .contractAddress as Address;
  const address = (await sender.send(null, linkBytecode(harness, libs))).contractAddress as Address;
  const abi = harness.abi;
  return {
    address,
    abi,
    sender,
    write: (functionName, args) =>
      sender.send(address, encodeFunctionData({ abi, functionName, args } as never)),
    encode: (functionName, args) => encodeFunctionData({ abi, functionName, args } as never),
    read: async <T>(functionName: string, args: readonly unknown[]) => {
      const data = encodeFunctionData({ abi, functionName, args } as never);
      const result = (await client.request({
        method: "eth_call",
        params: [{ to: address, data, gas: toHex(sender.gas) }, "latest"],
      })) as Hex;
      return decodeFunctionResult({ abi, functionName, data: result } as never) as T;
    },
  };
}

/** The harness's YumaParams tuple for the SDK's params (activityCutoff and commitReveal required). */
export function toSolidityParams(p: YumaParams) {
  if (p.activityCutoff === undefined)
    throw new BaseError("toSolidityParams: params.activityCutoff is required on chain (blocks).");
  return {
    tempo: p.tempo,
    kappa: p.kappa,
    bondsPenalty: p.bondsPenalty,
    bondsMovingAverage: p.bondsMovingAverage,
    yuma3: p.yuma3,
    liquidAlpha: p.liquidAlpha,
    alphaLow: p.alphaLow,
    alphaHigh: p.alphaHigh,
    alphaSigmoidSteepness: p.alphaSigmoidSteepness,
    maxAllowedValidators: p.maxAllowedValidators,
    hasOwner: p.ownerUid !== null,
    ownerUid: p.ownerUid ?? 0,
    stakeThreshold: p.stakeThreshold,
    activityCutoff: p.activityCutoff,
    commitReveal: p.commitReveal ?? false,
    raoEmission: p.raoEmission,
  };
}

const U64_MAX = (1n << 64n) - 1n;
/** topic0 of YumaEpochCompleted(uint16,uint64,uint64,uint64): the step that finished the epoch. */
const EPOCH_COMPLETED = keccak256(toBytes("YumaEpochCompleted(uint16,uint64,uint64,uint64)"));

/** Packs rows as (uid << 16 | value) u32 cells, 8 per word, for setRowsPacked. */
function packRows(rows: SparseRow[]): { lens: number[]; packed: bigint[] } {
  const lens: number[] = [];
  const packed: bigint[] = [];
  let cell = 0;
  for (const row of rows) {
    lens.push(row.length);
    for (const [u, v] of row) {
      const w = cell >> 3;
      if (packed.length <= w) packed.push(0n);
      packed[w] = (packed[w] as bigint) | (BigInt((u << 16) | v) << BigInt((cell & 7) * 32));
      cell++;
    }
  }
  return { lens, packed };
}

/** setRowsPacked calls (weights or bonds) of at most `cellsPerCall` cells each. */
export function encodeRows(
  h: YumaHarness,
  netuid: number,
  rows: Array<[uid: number, row: SparseRow]>,
  bonds: boolean,
  cellsPerCall = 4096,
): Hex[] {
  const calls: Hex[] = [];
  let batch: Array<[number, SparseRow]> = [];
  let cells = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const { lens, packed } = packRows(batch.map(([, r]) => r));
    calls.push(h.encode("setRowsPacked", [netuid, batch.map(([u]) => u), lens, packed, bonds]));
    batch = [];
    cells = 0;
  };
  for (const entry of rows) {
    if (cells + entry[1].length > cellsPerCall) flush();
    batch.push(entry);
    cells += entry[1].length;
  }
  flush();
  return calls;
}

/**
 * Loads a full SDK state into subnet `netuid` of the harness in one transaction: params, n,
 * registrations, last updates, stakes, commit blocks, permits, last step block, weights, bonds.
 */
export async function loadYumaState(
  h: YumaHarness,
  netuid: number,
  params: YumaParams,
  state: YumaState,
): Promise<void> {
  const rows = (m: SparseRow[]) =>
    m.map((r, i) => [i, r] as [number, SparseRow]).filter(([, r]) => r.length > 0);
  const calls: Hex[] = [
    h.encode("setParams", [netuid, toSolidityParams(params)]),
    h.encode("setN", [netuid, state.n]),
    h.encode("resetUids", [netuid, state.blockAtRegistration]),
    h.encode("setLastUpdates", [netuid, state.lastUpdate]),
    h.encode("setStakes", [netuid, state.stake]),
    h.encode("setCommitBlocks", [netuid, (state.commitBlock ?? []).map((c) => c ?? U64_MAX)]),
    h.encode("forcePermits", [netuid, state.validatorPermit]),
    h.encode("forceLastStepBlock", [netuid, state.lastMechanismStepBlock ?? 0n]),
    ...encodeRows(h, netuid, rows(state.weights), false),
    ...encodeRows(h, netuid, rows(state.bonds), true),
  ];
  await h.write("multicall", [calls]);
}

/** Runs one epoch at `currentBlock` with `maxColumns` units per transaction; returns each tx's gas. */
export async function runYumaEpoch(
  h: YumaHarness,
  netuid: number,
  currentBlock: bigint,
  maxColumns: bigint | ((call: number) => bigint),
  maxCalls = 10_000,
): Promise<bigint[]> {
  await h.write("setBlockOverride", [currentBlock]);
  const gas: bigint[] = [];
  for (let call = 0; call < maxCalls; call++) {
    const budget = typeof maxColumns === "function" ? maxColumns(call) : maxColumns;
    const r = await h.write("epochStep", [netuid, budget]);
    gas.push(r.gasUsed);
    if (r.topics.includes(EPOCH_COMPLETED)) return gas;
  }
  throw new BaseError(`Epoch of subnet ${netuid} did not finish in ${maxCalls} calls.`);
}

/** Every output of the last epoch, in the SDK's YumaOutput shape. */
export async function readYumaOutputs(
  h: YumaHarness,
  netuid: number,
  n: number,
): Promise<YumaOutput> {
  const [u16s, u64s, flags] = await h.read<
    [readonly number[], readonly bigint[], readonly number[]]
  >("outputs", [netuid, n]);
  const [lens, uids, values] = await h.read<
    [readonly number[], readonly number[], readonly number[]]
  >("allBonds", [netuid, n]);
  const col16 = (k: number) => Array.from({ length: n }, (_, i) => u16s[i * 5 + k] as number);
  const col64 = (k: number) => Array.from({ length: n }, (_, i) => u64s[i * 7 + k] as bigint);
  const bonds: SparseRow[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    const row: SparseRow = [];
    for (let t = 0; t < (lens[i] as number); t++, k++)
      row.push([uids[k] as number, values[k] as number]);
    bonds.push(row);
  }
  return {
    consensusU16: col16(0),
    incentiveU16: col16(1),
    dividendsU16: col16(2),
    validatorTrustU16: col16(3),
    stakeWeightU16: col16(4),
    emission: col64(0),
    serverEmission: col64(1),
    validatorEmission: col64(2),
    consensusBits: col64(3),
    incentiveBits: col64(4),
    dividendsBits: col64(5),
    activeStakeBits: col64(6),
    active: Array.from({ length: n }, (_, i) => ((flags[i] as number) & 1) !== 0),
    newValidatorPermit: Array.from({ length: n }, (_, i) => ((flags[i] as number) & 2) !== 0),
    bondsU16Stored: bonds,
  };
}
