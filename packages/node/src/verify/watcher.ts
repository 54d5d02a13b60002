// The watcher (`noos verifier start`): re-executes every optimistic claim (the spec's registered
// bytes from the referee, the program's data from the first claim source that knows the claim:
// claimSource.ts; the market lease's manifest first), and when
// its final state differs, challenges with a bond and plays the game to the end: it picks the
// sub-interval, the op and the element that differ from its own run (the element from the op output
// the asserter serves, or by descent over the op's output tree: requestNodes / revealNodes), and
// calls `timeout` on an asserter that stops answering. The disputed leases with no claim that it
// resolves for their tenants (resolveUnclaimed) are kept in its state file too. State: `<stateDir>/verifier.json`, keyed by chain id + genesis
// hash + verifier address (a new devnet starts fresh). GET /status shows claims and games.
import type { Server } from "node:http";
import path from "node:path";
import {
  computeMarketAbi,
  getOrder,
  type NoosReadClient,
  noosTokenAbi,
  optimisticVerifierAbi,
  providerRegistryAbi,
  verifyJobManifest,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Address, Hex } from "viem";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { serveStatus } from "../daemon.js";
import {
  type Agent,
  type AgentState,
  type ClaimRecord,
  createAgent,
  refereeAbi,
  specBytesOf,
  summarize,
} from "./agent.js";
import {
  type ClaimSource,
  type PostedClaim,
  programFromSources,
  UnsupportedClaimError,
} from "./claimSource.js";
import { decodeSpec, programViewOf, runFixed } from "./fixedJob.js";
import { type MoveRecord, type PlayerClient, sendVerifier } from "./player.js";
import type { OpOutput, ProgramFault, ProgramView } from "./program.js";
import { marketLeaseSource } from "./sources/market.js";

export type WatcherConfig = {
  client: PlayerClient;
  contracts: {
    verifier: Address;
    referee: Address;
    market: Address;
    token: Address;
    registry: Address;
  };
  store: ContentStore;
  stateDir: string;
  startBlock: bigint;
  /** Bond of each challenge (token units). */
  bond: bigint;
  /**
   * Further claim sources (claimSource.ts), asked in order after the built-in market-lease source:
   * e.g. the coprocessor's (sources/coprocessor.ts).
   */
  sources?: readonly ClaimSource[] | undefined;
  listen?: { host: string; port: number } | undefined;
  pollIntervalMs?: number | undefined;
  /**
   * Where an asserter's op outputs are served (the provider's status server,
   * `<hostUri>/verify/games/<gameId>/ops/<t>/<op>`); by default the asserter's registered host URI.
   */
  opOutputs?:
    | ((gameId: bigint, t: number, op: number) => Promise<OpOutput | undefined>)
    | undefined;
  /** Testing: a lying watcher (its run carries this fault, so it challenges honest claims). */
  fault?: ProgramFault | undefined;
  /** Testing: challenge, then never move (the asserter wins by timeout). */
  silent?: boolean | undefined;
};

export type Watcher = {
  agent: Agent;
  done: Promise<void>;
  statusUrl: string | undefined;
  /** Moves this watcher sent (the demo and the bench sum their gas). */
  moves: () => Promise<MoveRecord[]>;
};

export async function createWatcher(common: Common, config: WatcherConfig): Promise<Watcher> {
  const { client, contracts, logger } = { ...config, logger: common.logger };
  const me = client.account.address.toLowerCase();
  const challengeMoves: MoveRecord[] = [];

  /** Where claims' programs come from: the market lease first, then the configured sources. */
  const sources: ClaimSource[] = [
    marketLeaseSource({ client, market: contracts.market, store: config.store }),
    ...(config.sources ?? []),
  ];

  /** Re-executes the claim's program: spec from the referee, data from the first source that knows it. */
  async function programOf(claimId: string, claim: ClaimRecord): Promise<ProgramView> {
    const bytes = await specBytesOf(client, contracts.referee, claim.specHash);
    if (!bytes) throw new Error(`spec ${claim.specHash} was never registered with the referee`);
    const posted: PostedClaim = {
      claimId: BigInt(claimId),
      leaseId: BigInt(claim.leaseId),
      specHash: claim.specHash,
      specBytes: bytes,
      spec: decodeSpec(bytes),
      asserter: claim.asserter,
      finalState: claim.finalState,
      windowEnds: claim.windowEnds,
    };
    const found = await programFromSources(sources, posted);
    if (!found) {
      throw new UnsupportedClaimError(
        `no claim source knows claim ${claimId} (lease ${claim.leaseId}; sources: ${sources.map((x) => x.name).join(", ")})`,
      );
    }
    const started = performance.now();
    const run = runFixed(found.spec, found.data, config.fault);
    logger.info(
      {
        claimId,
        specHash: claim.specHash,
        source: found.source,
        origin: found.origin,
        transitions: run.n,
        ms: Math.round(performance.now() - started),
      },
      "re-executed the claim's program",
    );
    return programViewOf(found.spec, found.data, run);
  }

  async function onClaim(claimId: string, claim: ClaimRecord) {
    if (claim.asserter.toLowerCase() === me) return;
    let program: ProgramView;
    try {
      program = await agent.program(claimId);
    } catch (err) {
      const unsupported = err instanceof UnsupportedClaimError;
      logger.warn({ claimId, err: String(err) }, "could not re-execute the claim");
      await agent.state.update((s) => {
        const c = s.claims[claimId];
        if (c) {
          c.status = unsupported ? "unsupported" : "failed";
          c.error = String(err);
        }
        return s;
      });
      return;
    }
    const mine = program.stateAt(program.n);
    const agrees = mine.toLowerCase() === claim.finalState.toLowerCase();
    await agent.state.update((s) => {
      const c = s.claims[claimId];
      if (c) {
        c.computedFinal = mine;
        c.status = agrees ? "agreed" : "checking";
      }
      return s;
    });
    if (agrees) {
      logger.info({ claimId }, "claim checked: same final state");
      return;
    }
    const already = (await agent.state.read()).claims[claimId]?.games.length ?? 0;
    if (already > 0) return;
    if ((await agent.now()) >= claim.windowEnds) {
      logger.warn({ claimId }, "claim differs but its challenge window is over");
      await agent.state.update((s) => {
        const c = s.claims[claimId];
        if (c) {
          c.status = "failed";
          c.error = "final state differs, but the window closed before the check";
        }
        return s;
      });
      return;
    }
    logger.warn({ claimId, theirs: claim.finalState, mine }, "final state differs: challenging");
    const allowance = await client.readContract({
      address: contracts.token,
      abi: noosTokenAbi,
      functionName: "allowance",
      args: [client.account.address, contracts.verifier],
    });
    const onMove = (m: MoveRecord) => challengeMoves.push(m);
    if (allowance < config.bond) {
      const hash = await client.writeContract({
        address: contracts.token,
        abi: noosTokenAbi,
        functionName: "approve",
        args: [contracts.verifier, 2n ** 255n],
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      onMove({ gameId: "0", move: "approve", gasUsed: Number(receipt.gasUsed), txHash: hash });
    }
    await sendVerifier({ client, verifier: contracts.verifier, onMove }, 0n, "challenge", [
      BigInt(claimId),
      mine,
      config.bond,
    ]);
    count(common, "challenges");
    await agent.state.update((s) => {
      const c = s.claims[claimId];
      if (c) c.status = "challenged";
      return s;
    });
  }

  const opOutputs =
    config.opOutputs ??
    (async (gameId: bigint, t: number, op: number): Promise<OpOutput | undefined> => {
      const game = await client.readContract({
        address: contracts.verifier,
        abi: optimisticVerifierAbi,
        functionName: "getGame",
        args: [gameId],
      });
      const claim = await client.readContract({
        address: contracts.verifier,
        abi: optimisticVerifierAbi,
        functionName: "getClaim",
        args: [(game as { claimId: bigint }).claimId],
      });
      const host = await hostUriOf(
        client,
        contracts.registry,
        (claim as { asserter: Address }).asserter,
      );
      if (!host) return undefined;
      const res = await fetch(`${host.replace(/\/$/, "")}/verify/games/${gameId}/ops/${t}/${op}`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) return undefined;
      return ((await res.json()) as { values: number[] }).values;
    });

  // Unclaimed optimistic leases: a lease its tenant disputed (ResultDisputed) whose provider never
  // posted a claim goes to the tenant after disputeEndsAt + claimResponseWindow; the watcher calls
  // resolveUnclaimed then, so a tenant is never stuck. The candidates come from the market's
  // events; they and the last block scanned are kept in the state file (state.unclaimed), so a
  // restart goes on from there instead of scanning again from startBlock.
  let lastUnclaimedScan = 0;
  const unclaimedState = async () => {
    const u = (await agent.state.read()).unclaimed;
    return { leases: u?.leases ?? {}, scannedTo: u?.scannedTo, resolved: u?.resolved ?? [] };
  };
  const updateUnclaimed = (change: (u: NonNullable<AgentState["unclaimed"]>) => void) =>
    agent.state.update((s) => {
      s.unclaimed ??= { leases: {}, resolved: [] };
      change(s.unclaimed);
      return s;
    });
  async function resolveUnclaimedDue() {
    if (Date.now() - lastUnclaimedScan < (config.pollIntervalMs ?? 500) * 2) return;
    lastUnclaimedScan = Date.now();
    const head = await client.getBlockNumber();
    const saved = await unclaimedState();
    const disputedFrom = saved.scannedTo === undefined ? config.startBlock : saved.scannedTo + 1n;
    if (head >= disputedFrom) {
      const logs = await client.getContractEvents({
        address: contracts.market,
        abi: computeMarketAbi,
        eventName: "ResultDisputed",
        fromBlock: disputedFrom,
        toBlock: head,
      });
      await updateUnclaimed((u) => {
        for (const l of logs) {
          const id = (l.args as { leaseId?: bigint }).leaseId;
          if (id !== undefined && !u.resolved.includes(id.toString()))
            u.leases[id.toString()] ??= {};
        }
        u.scannedTo = head;
      });
    }
    const unclaimed = (await unclaimedState()).leases;
    if (Object.keys(unclaimed).length === 0) return;
    const forget = (id: string, resolved: boolean) =>
      updateUnclaimed((u) => {
        delete u.leases[id];
        if (resolved) u.resolved.push(id);
      });
    const now = await agent.now();
    for (const [id, entry] of Object.entries(unclaimed)) {
      const leaseId = BigInt(id);
      try {
        const claimId = (await client.readContract({
          address: contracts.verifier,
          abi: optimisticVerifierAbi,
          functionName: "claimOfLease",
          args: [leaseId],
        })) as bigint;
        const lease = (await client.readContract({
          address: contracts.market,
          abi: computeMarketAbi,
          functionName: "getLease",
          args: [leaseId],
        })) as { state: number; disputeEndsAt: bigint };
        if (claimId !== 0n || lease.state !== LEASE_DISPUTED) {
          await forget(id, false); // claimed, or already settled
          continue;
        }
        if (entry.optimistic === undefined) {
          const order = await getOrder(client as unknown as NoosReadClient, {
            address: contracts.market,
            orderId: leaseId,
          });
          const manifest = verifyJobManifest(await config.store.get(order.manifestCid), {
            manifestHash: order.manifestHash,
            source: order.manifestCid,
          });
          entry.optimistic = manifest.verification.mode === "optimistic";
          const optimistic = entry.optimistic;
          await updateUnclaimed((u) => {
            const e = u.leases[id];
            if (e) e.optimistic = optimistic;
          });
        }
        if (!entry.optimistic) {
          await forget(id, false); // another arbiter's dispute
          continue;
        }
        if (now <= Number(lease.disputeEndsAt) + claimResponseWindow) continue;
        await sendVerifier(
          { client, verifier: contracts.verifier, onMove: (m) => challengeMoves.push(m) },
          0n,
          "resolveUnclaimed",
          [leaseId],
        );
        await forget(id, true);
        count(common, "unclaimedResolved");
        logger.info({ leaseId: id }, "unclaimed optimistic lease resolved for its tenant");
      } catch (err) {
        logger.warn({ leaseId: id, err: String(err) }, "resolveUnclaimed check failed; retrying");
      }
    }
  }

  const claimResponseWindow = Number(
    (
      (await client.readContract({
        address: contracts.verifier,
        abi: optimisticVerifierAbi,
        functionName: "config",
      })) as { claimResponseWindow: bigint }
    ).claimResponseWindow,
  );

  const agent = await createAgent(common, {
    client,
    verifier: contracts.verifier,
    startBlock: config.startBlock,
    stateDir: config.stateDir,
    stateFile: "verifier.json",
    pollIntervalMs: config.pollIntervalMs ?? 500,
    role: "challenger",
    programOf,
    onClaim,
    isMine: (_claim, challenger) => challenger.toLowerCase() === me,
    fetchOpOutput: opOutputs,
    silent: config.silent,
    onTick: resolveUnclaimedDue,
  });

  let server: Server | undefined;
  if (config.listen) {
    server = await serveStatus(config.listen, async () => ({
      role: "verifier",
      address: client.account.address,
      verifier: contracts.verifier,
      bond: config.bond,
      ...summarize(await agent.state.read()),
      unclaimed: await (async () => {
        const u = await unclaimedState();
        return { watching: Object.keys(u.leases), resolved: u.resolved };
      })(),
      metrics: Object.fromEntries(common.metrics),
    }));
  }
  const address = server?.address();
  const statusUrl =
    address && typeof address === "object"
      ? `http://${config.listen?.host ?? "127.0.0.1"}:${address.port}/status`
      : undefined;
  const done = agent.run().finally(() => server?.close());
  return {
    agent,
    done,
    statusUrl,
    moves: async () => [
      ...challengeMoves,
      ...Object.values((await agent.state.read()).games).flatMap((g) => g.moves),
    ],
  };
}

export { UnsupportedClaimError };

/** IComputeMarket.LeaseState.Disputed. */
const LEASE_DISPUTED = 3;

/** The provider's registered host URI (where its status server answers). */
async function hostUriOf(
  client: PlayerClient,
  registry: Address,
  provider: Address,
): Promise<string | undefined> {
  const info = (await client.readContract({
    address: registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [provider],
  })) as { hostUri?: string };
  return info.hostUri || undefined;
}

export type { Hex };
export { refereeAbi };
export const watcherStateFile = (stateDir: string) => path.join(stateDir, "verifier.json");
