// `noos demo serving`: an agent with a wallet buys inference from two providers serving the same
// model and moves its traffic by price and latency (examples/agents/agent.ts).
//   1. fresh keys (two providers, an operator, the agent), funded by the devnet's treasury;
//   2. two provider daemons with a service host and the x402 paywall (in this process);
//   3. the operator leases the digits MLP from each as a service: provider A low latency at
//      0.001 NOOS a call, provider B a batching endpoint (waits up to 20 ms to fill a batch) at
//      0.0005 NOOS a call;
//   4. the agent discovers both leases on the market, checks each call against its spending policy
//      (max per call, per hour, allow-listed providers), pays through x402 channels and routes by
//      price + latency x what a millisecond is worth to it; halfway, the lease it prefers closes and
//      its traffic moves to the other; a call above its per-call cap is refused before paying;
//   5. both leases close, each provider claims its vouchers on chain; the demo checks that what
//      the agent paid is what the channels show claimed.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DevnetInfo } from "@noosphere/devnet";
import {
  type Common,
  createCommon,
  createProvider,
  createServiceHost,
  deployService,
  type Provider,
  x402PaywallFactory,
} from "@noosphere/node";
import {
  BaseError,
  createNoosClient,
  formatNoos,
  getChannel,
  type NoosphereAddresses,
  noosphereActions,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { type Address, createTestClient, type Hex, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const here = path.dirname(fileURLToPath(import.meta.url));
const agentFile = path.resolve(here, "../../../../examples/agents/agent.ts");
const modelFile = path.resolve(here, "../../../../examples/digits/mlp.onnx");
const digitsCsv = path.resolve(here, "../../../../examples/digits/test-pixels.csv");

export type ServingDemoFigures = {
  ok: boolean;
  calls: number;
  /** Paid by the agent, NOOS. */
  paid: string;
  /** Claimed on chain by the providers from the agent's channels, NOOS. */
  claimedOnChain: string;
  providers: {
    name: string;
    address: Address;
    endpoint: string;
    leaseId: string;
    pricePerCall: string;
    calls: number;
    callsAfterClose: number;
    paid: string;
    latencyMsEwma: number | null;
  }[];
  refused: Record<string, number>;
  moved: boolean;
  checks: Record<string, boolean>;
};

const CALLS = 120;

export async function runServingDemo(p: {
  dir: string;
  devnet: DevnetInfo;
  say: (line: string) => void;
  calls?: number | undefined;
}): Promise<ServingDemoFigures> {
  const { devnet, say } = p;
  const calls = p.calls ?? CALLS;
  const contracts = devnet.contracts as NoosphereAddresses;
  const work = path.resolve(p.dir, "serving-demo");
  await mkdir(work, { recursive: true });
  const wallet = (key: Hex) =>
    createNoosClient({
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      privateKey: key,
      pollingInterval: 100,
    }).extend(noosphereActions(contracts));
  const deployerKey = devnet.accounts[0]?.privateKey;
  if (!deployerKey) throw new BaseError("The devnet has no dev account 0.");
  if (!contracts.paymentChannels)
    throw new BaseError("This devnet has no PaymentChannels: restart it (`noos devnet stop`).");
  const deployer = wallet(deployerKey);
  const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) });

  // 1. Fresh keys, funded.
  const keys = {
    a: generatePrivateKey(),
    b: generatePrivateKey(),
    operator: generatePrivateKey(),
    agent: generatePrivateKey(),
  };
  say("funding two providers, an operator and the agent...");
  for (const key of Object.values(keys)) {
    const address = privateKeyToAccount(key).address;
    await test.setBalance({ address, value: parseEther("100") });
    await deployer.transferAndWait({ to: address, amount: parseEther("500") });
  }

  // 2. Two providers with a service host and the x402 paywall.
  const store = createStore({ kind: "local", dir: path.join(work, "store") });
  const commons: Common[] = [];
  const providers: { name: string; key: Hex; provider: Provider }[] = [];
  for (const name of ["a", "b"] as const) {
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    commons.push(common);
    const client = wallet(keys[name]);
    const stateDir = path.join(work, `provider-${name}-${client.account.address.slice(2, 10)}`);
    const statusPort = await freePort();
    const provider = await createProvider(common, {
      client,
      contracts,
      startBlock: BigInt(devnet.startBlock),
      hostUri: `http://127.0.0.1:${statusPort}`,
      // The operator pins each lease to one provider by this attribute (placement): the market
      // leases to the order's best bid, so an unpinned order goes to whichever bids lower.
      attributes: [{ key: "demo/provider", value: name }],
      // minProviderStake (100) free per open lease, for up to maxJobs leases.
      stake: parseEther("450"),
      pricing: {
        cpuPerCore: parseEther("0.00001"),
        memoryPerGiB: 0n,
        gpuPerUnit: 0n,
        base: 0n,
        marginBps: 0,
        minPricePerSecond: 1n,
      },
      capacity: { cpuMillis: 2000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 4 },
      stateDir,
      listen: { host: "127.0.0.1", port: statusPort },
      withdrawIntervalMs: 5_000,
      serviceSettleIntervalMs: 2_000,
      serviceDrainMs: 1_000,
      pollIntervalMs: 100,
      runJob: async () => {
        throw new BaseError("this demo's providers serve only service leases");
      },
      services: createServiceHost({
        store,
        listenHost: "127.0.0.1",
        paywall: x402PaywallFactory(common, {
          client,
          contracts,
          stateDir,
          claim: { intervalMs: 600_000 }, // the lease's end claims
          pollIntervalMs: 200,
        }),
      }),
    });
    providers.push({ name, key: keys[name], provider });
  }
  const [provA, provB] = providers as [(typeof providers)[0], (typeof providers)[0]];
  const addressOf = (key: Hex) => privateKeyToAccount(key).address;

  try {
    // 3. The operator leases the same model from both.
    const operator = wallet(keys.operator);
    const manifest = async (
      name: string,
      provider: string,
      perThousand: string,
      delayUs: number,
    ) => {
      const file = path.join(work, `${name}.yaml`);
      await writeFile(
        file,
        `version: "1"
kind: service
model: ${modelFile}
resources: { cpu: 1, memory: 256Mi }
pricing: { maxPricePerSecond: "0.0001", deposit: "1", perThousandSamples: "${perThousand}" }
service: { name: digits, maxBatchSize: 64, maxQueueDelayMicroseconds: ${delayUs} }
placement: { attributes: { demo/provider: ${provider} } }
bidWindow: 10s
`,
      );
      return file;
    };
    const leases = [];
    for (const [prov, perThousand, delayUs] of [
      [provA, "1", 0],
      [provB, "0.5", 20_000],
    ] as const) {
      say(`leasing the digits MLP from provider ${prov.name.toUpperCase()}...`);
      const deployed = await deployService({
        client: operator,
        contracts,
        store,
        manifestPath: await manifest(`digits-${prov.name}`, prov.name, perThousand, delayUs),
        provider: addressOf(prov.key),
        pollIntervalMs: 100,
      });
      say(
        `  lease ${deployed.leaseId}: ${deployed.endpoint} at ${perThousand} NOOS / 1,000 samples`,
      );
      leases.push({ prov, deployed });
    }

    // 4. The agent.
    (await import("tsx/esm/api")).register();
    const lib = (await import(
      pathToFileURL(agentFile).href
    )) as typeof import("../../../../examples/agents/agent.js");
    const agentWallet = wallet(keys.agent);
    const agent = lib.createAgent({
      wallet: agentWallet,
      policy: {
        maxPerCall: parseEther("0.01"),
        maxPerHour: parseEther("1"),
        allowProviders: [addressOf(provA.key), addressOf(provB.key)],
      },
      // A millisecond is worth 0.0001 NOOS to this agent: A (0.001 + ~2 ms) beats B (0.0005 + ~20 ms).
      routing: { latencyWeiPerMs: parseEther("0.0001"), exploreEvery: 10 },
      deposit: parseEther("1"),
    });
    const discover = async () =>
      agent.setOffers(
        await lib.discoverOffers(agentWallet, {
          market: contracts.market,
          registry: contracts.registry,
          model: "digits",
          fromBlock: BigInt(devnet.startBlock),
        }),
      );
    await discover();
    say(`the agent found ${agent.offers().length} providers serving digits`);
    const pixels = await digitsRows();
    const byProvider = new Map<string, { before: number; after: number }>();
    const count = (address: Address, after: boolean) => {
      const c = byProvider.get(address.toLowerCase()) ?? { before: 0, after: 0 };
      if (after) c.after++;
      else c.before++;
      byProvider.set(address.toLowerCase(), c);
    };
    let ok = 0;
    let failed = 0;
    let closedPreferred: Address | undefined;
    for (let i = 0; i < calls; i++) {
      if (i === Math.floor(calls / 2)) {
        // The lease the agent prefers closes: its traffic must move.
        const preferred = [...byProvider.entries()].sort((x, y) => y[1].before - x[1].before)[0];
        const lease = leases.find((l) => addressOf(l.prov.key).toLowerCase() === preferred?.[0]);
        if (lease) {
          say(
            `closing the lease of provider ${lease.prov.name.toUpperCase()}, which the agent prefers...`,
          );
          await operator.closeLeaseAndWait({ leaseId: lease.deployed.leaseId });
          closedPreferred = addressOf(lease.prov.key);
          await discover();
        }
      }
      try {
        const r = await agent.infer([pixels[i % pixels.length] as number[]]);
        ok++;
        count(r.offer.provider, closedPreferred !== undefined);
      } catch (err) {
        if (err instanceof lib.SpendingPolicyError) throw err;
        failed++; // a provider went away between discovery and the call: benched, retried elsewhere
      }
    }
    // A 64-row call costs 0.032 NOOS at B's price: above the per-call cap, refused before paying.
    const big = Array.from({ length: 64 }, (_, i) => pixels[i % pixels.length] as number[]);
    const capped = await agent.infer(big).then(
      () => false,
      (err: unknown) => err instanceof lib.SpendingPolicyError && err.rule === "maxPerCall",
    );

    // 5. Close the other lease; each provider claims the agent's vouchers on chain.
    for (const l of leases) {
      const lease = await operator.getLease({ leaseId: l.deployed.leaseId });
      if (lease.stateName === "Active")
        await operator.closeLeaseAndWait({ leaseId: l.deployed.leaseId });
    }
    const channels = agent.channels();
    const paid = agent.spent();
    const claimed = await until(30_000, async () => {
      let sum = 0n;
      for (const c of channels) {
        sum += (
          await getChannel(deployer, {
            address: contracts.paymentChannels as Address,
            channelId: c.channelId,
          })
        ).totalClaimed;
      }
      return sum === paid ? sum : undefined;
    }).catch(async () => 0n);

    const offers = new Map(agent.offers().map((o) => [o.provider.toLowerCase(), o]));
    const rows = leases.map((l) => {
      const address = addressOf(l.prov.key);
      const o = offers.get(address.toLowerCase());
      const c = byProvider.get(address.toLowerCase()) ?? { before: 0, after: 0 };
      const perCall = (l.deployed.pricePerThousandSamples ?? 0n) / 1000n;
      return {
        name: l.prov.name.toUpperCase(),
        address,
        endpoint: l.deployed.endpoint,
        leaseId: l.deployed.leaseId.toString(),
        pricePerCall: formatNoos(perCall),
        calls: c.before + c.after,
        callsAfterClose: c.after,
        paid: formatNoos(o?.paid ?? 0n),
        latencyMsEwma: o?.latencyMs === undefined ? null : Math.round(o.latencyMs * 100) / 100,
      };
    });
    const other = rows.find((r) => r.address !== closedPreferred);
    const closed = rows.find((r) => r.address === closedPreferred);
    const checks = {
      bothProvidersUsed: rows.every((r) => r.calls > 0),
      trafficMoved:
        closed !== undefined && closed.callsAfterClose === 0 && (other?.callsAfterClose ?? 0) > 0,
      preferredWasCheaperByPriceAndLatency: closed?.name === "A",
      perCallCapRefused: capped,
      allCallsAccountedFor: ok + failed === calls && ok >= calls - 2,
      paidEqualsClaimedOnChain: paid > 0n && claimed === paid,
    };
    for (const r of rows) {
      say(
        `provider ${r.name}: ${r.calls} calls (${r.callsAfterClose} after the close), ${r.paid} NOOS, ~${r.latencyMsEwma} ms`,
      );
    }
    say(`the agent paid ${formatNoos(paid)} NOOS; claimed on chain: ${formatNoos(claimed)} NOOS`);
    return {
      ok: Object.values(checks).every(Boolean),
      calls: ok,
      paid: formatNoos(paid),
      claimedOnChain: formatNoos(claimed),
      providers: rows,
      refused: agent.refusals(),
      moved: checks.trafficMoved,
      checks,
    };
  } finally {
    for (const c of commons) c.shutdown();
    await Promise.all(providers.map((p) => p.provider.done.catch(() => {})));
  }
}

async function digitsRows(): Promise<number[][]> {
  const { loadTable } = await import("@noosphere/ml");
  const table = await loadTable(digitsCsv);
  return table.rows.slice(0, 50).map((r) => r.slice(0, 64));
}

async function until<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new BaseError("timed out");
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function freePort(): Promise<number> {
  const { getFreePort } = await import("@noosphere/devnet");
  return getFreePort();
}

/** `noos demo serving [--json] [--keep]`: reuses a running devnet or starts one (no providers). */
export async function runServingDemoCommand(p: {
  dir: string;
  json: boolean;
  say: (line: string) => void;
  keep?: boolean | undefined;
}) {
  const { getFreePort, isPortFree, readDevnet, stopDevnet } = await import("@noosphere/devnet");
  const { startDevnetWithProviders } = await import("../localProviders.js");
  const { printJson } = await import("../output.js");
  const started = Date.now();
  let ours = false;
  let devnet = await readDevnet(p.dir).catch(() => undefined);
  if (!devnet) {
    const port = (await isPortFree(8545)) ? 8545 : await getFreePort();
    p.say(`starting a devnet on port ${port}...`);
    devnet = (await startDevnetWithProviders({ dir: p.dir, port, count: 0 })).info;
    ours = true;
  }
  try {
    p.say("serving: an agent with a wallet buys inference from two leased endpoints over x402");
    const figures = await runServingDemo({ dir: p.dir, devnet, say: p.say });
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    if (p.json) printJson({ ...figures, demo: "serving", seconds });
    else p.say(`${figures.ok ? "ok" : "NOT ok"}: done in ${seconds.toFixed(1)} s`);
    if (!figures.ok) process.exitCode = 1;
  } finally {
    if (ours && !p.keep) await stopDevnet({ dir: p.dir });
    else if (ours) p.say("the devnet keeps running: stop it with `noos devnet stop`");
  }
}
