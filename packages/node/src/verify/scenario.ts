// One optimistic job (training by default; inference or evaluation of an ONNX MLP) through the market, end to end, with real daemons in this process:
// a provider (its job runner's worker processes run the fixed-point program; its defender posts the
// claim and plays), a watcher (re-executes and challenges), and a tenant that orders the job. A
// fault makes the provider cheat (a corrupted weight, or a lie about one op output) or the watcher
// lie; a silent side stops moving; a provider may withhold its op outputs (the game then reveals
// them). Returns what happened and what it cost: the demo (`noos demo dispute`), the end-to-end
// tests and bench/optimistic.ts all run this.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  canonicalManifestBytes,
  loadJobManifest,
  manifestHash,
  manifestToOrderParameters,
  type NoosphereAddresses,
  type NoosphereClient,
  noosTokenAbi,
  optimisticVerifierAbi,
  PROVIDER_ROLE,
  resolveManifestRefs,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { type Address, type Hex, type PublicClient, parseEther, zeroAddress } from "viem";
import { type Common, createCommon } from "../common.js";
import { sleep } from "../follower.js";
import { createJobRunner } from "../jobs/runner.js";
import { createProvider } from "../provider/provider.js";
import { refereeAbi } from "./agent.js";
import {
  CLAIM_STATUSES,
  type GameView,
  type MoveRecord,
  type Role,
  readGame,
  turnOf,
} from "./player.js";
import type { ProgramFault } from "./program.js";
import { createWatcher } from "./watcher.js";

export type ScenarioParameters = {
  tenant: NoosphereClient;
  provider: NoosphereClient;
  watcher: NoosphereClient;
  contracts: NoosphereAddresses;
  verifier: Address;
  referee: Address;
  store: ContentStore;
  /** Scratch folder (state, manifests, worker folders). */
  workDir: string;
  /** The job's kind (default training). Inference and evaluation run `modelPath` on `inputPath`. */
  job?: "training" | "inference" | "evaluation" | undefined;
  /** Inference and evaluation: the ONNX MLP (Gemm, Relu, Gemm). */
  modelPath?: string | undefined;
  /** Training and evaluation: a CSV with a `label` column; inference: a CSV of features (or EZKL JSON). */
  inputPath: string;
  /** Training steps (ignored by inference and evaluation: one transition). */
  steps: number;
  /** Seconds. */
  challengeWindow: number;
  /** NOOS, as written in the manifest. */
  bond?: string | undefined;
  /** Watcher's challenge bond, NOOS. Default the manifest's bond. */
  challengeBond?: string | undefined;
  providerFault?: ProgramFault | undefined;
  watcherFault?: ProgramFault | undefined;
  /** The provider stops moving ("reveal": it makes every move but revealNodes). */
  providerSilent?: boolean | "reveal" | undefined;
  /**
   * The provider's op outputs cannot be had (like a coprocessor node's, which serves none): the
   * watcher finds the element it disputes by descent (requestNodes / revealNodes) instead.
   */
  withholdOpOutputs?: boolean | undefined;
  watcherSilent?: boolean | undefined;
  /**
   * Testing: stop the watcher once it has challenged (with providerNoClaim: once it has noted the
   * disputed lease) and start a new one on its state.
   */
  restartWatcher?: boolean | undefined;
  /**
   * The provider submits its result but posts no claim; the tenant disputes it and the watcher
   * resolves the lease for the tenant once the verifier's claim response window is over.
   */
  providerNoClaim?: boolean | undefined;
  /** Start no watcher (an unchallenged job). */
  noWatcher?: boolean | undefined;
  /** Called while waiting for the claim to end (a test moves the chain's clock here). */
  onTick?: (() => Promise<void>) | undefined;
  /** Stop waiting after this long, ms. Default 10 minutes. */
  timeoutMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
  logLevel?: string | undefined;
};

export type ScenarioResult = {
  leaseId: bigint;
  claimId: bigint;
  gameId?: bigint | undefined;
  game?: GameView | undefined;
  claimStatus: (typeof CLAIM_STATUSES)[number];
  leaseState: string;
  /** Where the game ended: transition lo (the disputed step), and the op the element belongs to. */
  disputedStep?: number | undefined;
  disputedOperator?: string | undefined;
  disputedElement?: number | undefined;
  winner?: "challenger" | "provider" | undefined;
  resolution?: string | undefined;
  /** Dispute transactions (challenge, moves, timeout), with their gas. */
  moves: MoveRecord[];
  claimGas: number;
  /** Milliseconds: job run (order to result), then claim to resolution. */
  timings: { resultMs: number; disputeMs: number; totalMs: number };
  /**
   * paid: NOOS the tenant is down, wallet and market balance together (its refunds are credited
   * to the balance); negative: it gained, e.g. a reporter's share of a slash.
   */
  tenant: { paid: bigint; refunded: boolean };
  provider: { slashed: bigint; bondDelta: bigint };
  watcher: { bondDelta: bigint };
  finalState: Hex;
};

const TAG_KEY = "optimistic-scenario";

export async function runOptimisticScenario(p: ScenarioParameters): Promise<ScenarioResult> {
  const log = p.log ?? (() => {});
  const started = Date.now();
  const deadline = started + (p.timeoutMs ?? 600_000);
  const tag = `s${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  await mkdir(p.workDir, { recursive: true });
  const commons: Common[] = [];
  const common = (name: string) => {
    const c = createCommon({ handleSignals: false, logLevel: p.logLevel ?? "silent", name });
    commons.push(c);
    return c;
  };
  const balance = (client: NoosphereClient) =>
    client.readContract({
      address: p.contracts.token,
      abi: noosTokenAbi,
      functionName: "balanceOf",
      args: [client.account.address],
    });
  /** The tenant's wallet plus its market balance (where the market credits its refunds). */
  const tenantHoldings = async () =>
    (await balance(p.tenant)) +
    (await p.tenant.getMarketBalance({
      account: p.tenant.account.address,
      token: p.contracts.token,
    }));
  const stakeOf = async () =>
    (
      await p.provider.getStake({
        account: p.provider.account.address,
        role: PROVIDER_ROLE,
      })
    ).staked;

  // 1. The daemons (following the chain from now: earlier orders and claims are not theirs).
  const fromBlock = await p.tenant.getBlockNumber();
  const runner = createJobRunner({
    store: p.store,
    workDir: path.join(p.workDir, "provider-work"),
    memoryBytes: 1024n ** 3n,
    timeoutMs: 600_000,
    workers: 1,
    optimisticFault: p.providerFault,
  });
  const provider = await createProvider(common("provider"), {
    client: p.provider,
    contracts: p.contracts,
    startBlock: fromBlock,
    hostUri: "http://127.0.0.1:0",
    attributes: [{ key: TAG_KEY, value: tag }],
    stake: parseEther("150"),
    pricing: {
      cpuPerCore: parseEther("0.0001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 2n * 1024n ** 3n, gpus: 0, maxJobs: 1 },
    stateDir: path.join(p.workDir, "provider-state"),
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 60_000,
    pollIntervalMs: 100,
    // A provider whose runner cannot fetch content has no defender: it posts no claim.
    runJob: p.providerNoClaim
      ? (Object.assign((...a: Parameters<typeof runner>) => runner(...a), {
          close: runner.close,
        }) as never)
      : runner,
    optimistic: {
      verifier: p.verifier,
      referee: p.referee,
      fault: p.providerFault,
      silent: p.providerSilent,
    },
  });
  // The provider's status server serves its op outputs to challengers.
  const providerHost = provider.statusUrl.replace(/\/status$/, "");
  let watcherCommon: Common | undefined;
  const startWatcher = (startBlock = fromBlock) => {
    watcherCommon = common("watcher");
    return createWatcher(watcherCommon, {
      client: p.watcher as never,
      contracts: {
        verifier: p.verifier,
        referee: p.referee,
        market: p.contracts.market,
        token: p.contracts.token,
        registry: p.contracts.registry,
      },
      store: p.store,
      stateDir: path.join(p.workDir, "watcher-state"),
      startBlock,
      bond: parseEther(p.challengeBond ?? p.bond ?? "10"),
      pollIntervalMs: 100,
      fault: p.watcherFault,
      silent: p.watcherSilent,
      opOutputs: async (gameId, t, op) => {
        if (p.withholdOpOutputs) return undefined;
        const res = await fetch(`${providerHost}/verify/games/${gameId}/ops/${t}/${op}`);
        if (!res.ok) return undefined;
        return ((await res.json()) as { values: number[] }).values;
      },
    });
  };
  let watcher = p.noWatcher ? undefined : await startWatcher();

  try {
    // 2. The tenant's job.
    const manifestPath = path.join(p.workDir, `job-${tag}.yaml`);
    const job = p.job ?? "training";
    const verification = `verification: { mode: optimistic, challengeWindow: ${p.challengeWindow}, bond: "${p.bond ?? "10"}" }`;
    const tail = `resources: { cpu: 1, memory: 512Mi }
placement: { attributes: { ${TAG_KEY}: ${tag} } }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
${verification}
deadline: 10m
bidWindow: 10s
`;
    const input = JSON.stringify(path.resolve(p.inputPath));
    const model = JSON.stringify(path.resolve(p.modelPath ?? ""));
    await writeFile(
      manifestPath,
      job === "inference"
        ? `version: "1"
kind: inference
model: ${model}
input: ${input}
${tail}`
        : job === "evaluation"
          ? `version: "1"
kind: evaluation
model: ${model}
input: ${input}
evaluation: { labelsColumn: label }
${tail}`
          : `version: "1"
kind: training
input: ${input}
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: 1
  steps: ${p.steps}
  batchSize: 32
  seed: 1
  labelsColumn: label
${tail}`,
    );
    const manifest = await loadJobManifest(manifestPath);
    const resolved = await resolveManifestRefs(
      manifest,
      async (file) => (await p.store.addFile(path.resolve(path.dirname(manifestPath), file))).cid,
    );
    const hash = manifestHash(resolved);
    const { cid: manifestCid } = await p.store.add(canonicalManifestBytes(resolved));
    const orderParams = manifestToOrderParameters(resolved, {
      manifestCid,
      manifestHash: hash,
      token: p.contracts.token,
    });
    const tenantBefore = await tenantHoldings();
    const providerBefore = await balance(p.provider);
    const watcherBefore = await balance(p.watcher);
    // The deposit: the market balance first, then the allowance, else a permit (no approve).
    const { orderId } = await p.tenant.createOrderAndWait(orderParams);
    log(
      job === "training"
        ? `order ${orderId}: ${p.steps}-step optimistic training job`
        : `order ${orderId}: optimistic ${job} job`,
    );
    await until(deadline, "a bid", async () =>
      (await p.tenant.getOrder({ orderId })).bestBidder !== zeroAddress ? true : undefined,
    );
    const { event: leased } = await p.tenant.acceptBidAndWait({ orderId });
    const stakeBefore = await stakeOf();
    const ordered = Date.now();
    log(`leased to ${leased.provider}`);

    if (p.providerNoClaim) {
      // 3'. A result and no claim: the tenant disputes; the watcher calls resolveUnclaimed.
      await until(deadline, "the result", async () => {
        const l = await p.tenant.getLease({ leaseId: orderId });
        return l.stateName === "ResultSubmitted" ? l : undefined;
      });
      const resultAt = Date.now();
      await p.tenant.disputeResultAndWait({ leaseId: orderId });
      log(`result posted with no claim; the tenant disputed lease ${orderId}`);
      if (p.restartWatcher && watcher) {
        // Once the watcher has the lease in its state file, it stops; a new one starts on that state
        // with startBlock = now (after the dispute): only the state file can tell it about the lease.
        const w = watcher;
        await until(deadline, "the watcher to note the disputed lease", async () =>
          (await w.agent.state.read()).unclaimed?.leases[orderId.toString()] ? true : undefined,
        );
        watcherCommon?.shutdown();
        await w.done;
        watcher = await startWatcher(await p.tenant.getBlockNumber());
        log("watcher restarted");
      }
      let leaseState = "Disputed";
      while (leaseState === "Disputed") {
        await p.onTick?.();
        if (Date.now() > deadline) throw new Error("timed out waiting for resolveUnclaimed");
        await sleep(200);
        leaseState = (await p.tenant.getLease({ leaseId: orderId })).stateName;
      }
      const resolvedAt = Date.now();
      const tenantAfter = await tenantHoldings();
      return {
        leaseId: orderId,
        claimId: 0n,
        claimStatus: "None",
        leaseState,
        moves: ((await watcher?.moves()) ?? []).filter((m) => m.move === "resolveUnclaimed"),
        claimGas: 0,
        timings: {
          resultMs: resultAt - ordered,
          disputeMs: resolvedAt - resultAt,
          totalMs: resolvedAt - started,
        },
        tenant: { paid: tenantBefore - tenantAfter, refunded: tenantAfter >= tenantBefore },
        provider: {
          slashed: stakeBefore - (await stakeOf()),
          bondDelta: (await balance(p.provider)) - providerBefore,
        },
        watcher: { bondDelta: (await balance(p.watcher)) - watcherBefore },
        finalState: `0x${"00".repeat(32)}`,
      };
    }

    // 3. Result and claim.
    const claimId = await until(deadline, "the claim", async () => {
      const id = (await p.tenant.readContract({
        address: p.verifier,
        abi: optimisticVerifierAbi,
        functionName: "claimOfLease",
        args: [orderId],
      })) as bigint;
      return id === 0n ? undefined : id;
    });
    const resultAt = Date.now();
    const claim = await readClaim(p.tenant, p.verifier, claimId);
    log(`result posted; claim ${claimId}, challenge window until ${claim.windowEnds}`);

    // 4. The game (if any), then the claim's end.
    let gameId: bigint | undefined;
    let game: GameView | undefined;
    for (;;) {
      const games = (await p.tenant.readContract({
        address: p.verifier,
        abi: optimisticVerifierAbi,
        functionName: "gamesOf",
        args: [claimId],
      })) as bigint[];
      if (games.length > 0 && gameId === undefined) {
        gameId = games[0] as bigint;
        log(`challenged: game ${gameId}`);
        if (p.restartWatcher && watcher) {
          // The watcher stops right after its challenge and a new one takes over from its state file.
          watcherCommon?.shutdown();
          await watcher.done;
          watcher = await startWatcher();
          log("watcher restarted");
        }
      }
      if (gameId !== undefined) {
        const view = await readGame(p.tenant, p.verifier, gameId);
        if (game?.lo !== view.lo || game?.hi !== view.hi || game?.phase !== view.phase) {
          log(`  game ${gameId}: ${view.phase} [${view.lo}, ${view.hi}]`);
        }
        game = view;
      }
      const status = CLAIM_STATUSES[(await readClaim(p.tenant, p.verifier, claimId)).status];
      if (status === "Finalized" || status === "Rejected") break;
      await p.onTick?.();
      if (Date.now() > deadline) throw new Error("timed out waiting for the claim to end");
      await sleep(200);
    }
    const resolvedAt = Date.now();
    const finalClaim = await readClaim(p.tenant, p.verifier, claimId);
    const claimStatus = CLAIM_STATUSES[finalClaim.status] ?? "None";
    const lease = await p.tenant.getLease({ leaseId: orderId });
    if (gameId !== undefined) game = await readGame(p.tenant, p.verifier, gameId);
    // The move that ended the game is recorded by its daemon once its receipt is in: wait for it.
    const allMoves = async () => [
      ...((await provider.defender?.moves()) ?? []),
      ...((await watcher?.moves()) ?? []),
    ];
    const ending = game?.resolution === "ElementChecked" ? "openElement" : "timeout";
    let moves = await allMoves();
    for (let i = 0; game && i < 50 && !moves.some((m) => m.move === ending); i++) {
      await sleep(200);
      moves = await allMoves();
    }
    const claimGas = moves.filter((m) => m.move === "postClaim").reduce((n, m) => n + m.gasUsed, 0);
    const dispute = moves
      .filter((m) => m.move !== "postClaim" && m.move !== "finalize" && m.move !== "approve")
      .sort((a, b) => (a.block ?? 0) - (b.block ?? 0));
    let disputedOperator: string | undefined;
    if (
      game &&
      (game.resolution === "ElementChecked" || game.phase === "Resolved") &&
      game.hi === game.lo + 1
    ) {
      disputedOperator = await p.tenant
        .readContract({
          address: p.referee,
          abi: refereeAbi,
          functionName: "opName",
          args: [claim.specHash, BigInt(game.lo), BigInt(game.op)],
        })
        .catch(() => undefined);
    }
    const winner =
      game?.phase === "Resolved"
        ? game.winner.toLowerCase() === p.watcher.account.address.toLowerCase()
          ? "challenger"
          : game.winner.toLowerCase() === p.provider.account.address.toLowerCase()
            ? "provider"
            : undefined
        : undefined;
    const tenantAfter = await tenantHoldings();
    return {
      leaseId: orderId,
      claimId,
      gameId,
      game,
      claimStatus,
      leaseState: lease.stateName,
      disputedStep: game?.lo,
      disputedOperator,
      disputedElement: game?.element,
      winner,
      resolution: game?.resolution,
      moves: dispute,
      claimGas,
      timings: {
        resultMs: resultAt - ordered,
        disputeMs: resolvedAt - resultAt,
        totalMs: resolvedAt - started,
      },
      tenant: {
        paid: tenantBefore - tenantAfter,
        // The whole escrow back (plus the reporter's share of the provider's slashed stake).
        refunded: tenantAfter >= tenantBefore,
      },
      provider: {
        slashed: stakeBefore - (await stakeOf()),
        bondDelta: (await balance(p.provider)) - providerBefore,
      },
      watcher: { bondDelta: (await balance(p.watcher)) - watcherBefore },
      finalState: claim.finalState,
    };
  } finally {
    for (const c of commons) c.shutdown();
    await Promise.allSettled([provider.done, watcher?.done]);
  }
}

async function readClaim(client: NoosphereClient, verifier: Address, claimId: bigint) {
  return (await client.readContract({
    address: verifier,
    abi: optimisticVerifierAbi,
    functionName: "getClaim",
    args: [claimId],
  })) as unknown as {
    status: number;
    windowEnds: bigint;
    specHash: Hex;
    finalState: Hex;
    openGames: number;
  };
}

async function until<T>(
  deadline: number,
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * An `onTick` for tests that move the chain's clock (anvil) instead of waiting: past a silent
 * side's move deadline (`silent`: a role, or the phase "Reveal" for an asserter that will not
 * reveal), and past the claim's window once its game is resolved (`windowWhen: "always"`: also
 * when no game was opened). Looks at the latest claim and its first game.
 */
export function claimClock(p: {
  publicClient: Pick<PublicClient, "readContract">;
  verifier: Address;
  /** Moves the chain's clock past unix time t (e.g. @noosphere/devnet's warpPast). */
  warpPast: (t: number) => Promise<void>;
  silent?: Role | "Reveal" | undefined;
  windowWhen?: "resolved" | "always" | undefined;
}): () => Promise<void> {
  const read = <T>(
    functionName: "claimCount" | "getClaim" | "gamesOf",
    args: readonly bigint[] = [],
  ) =>
    p.publicClient.readContract({
      address: p.verifier,
      abi: optimisticVerifierAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  return async () => {
    const claimId = await read<bigint>("claimCount");
    if (claimId === 0n) return;
    const claim = await read<{ windowEnds: bigint; openGames: number; status: number }>(
      "getClaim",
      [claimId],
    );
    if (CLAIM_STATUSES[claim.status] !== "Open") return;
    const [gameId] = await read<bigint[]>("gamesOf", [claimId]);
    if (gameId !== undefined) {
      const game = await readGame(p.publicClient, p.verifier, gameId);
      if (p.silent && (turnOf(game.phase) === p.silent || game.phase === p.silent))
        await p.warpPast(game.deadline);
      if (game.phase === "Resolved" && Number(claim.openGames) === 0)
        await p.warpPast(Number(claim.windowEnds));
    } else if (p.windowWhen === "always") {
      await p.warpPast(Number(claim.windowEnds));
    }
  };
}
