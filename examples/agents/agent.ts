// A first agent that pays for AI: a wallet, a spending policy, and a router. No LLM.
//   - discover(): finds every active service lease on the market that serves `model` (lease state
//     on chain, endpoint and per-call price from the provider's lease status, Akash-style), and
//     keeps only providers on the policy's allow-list;
//   - call(): pays each call through x402 (one payment channel per provider, the SDK's paying
//     client), after the policy allowed it: max per call, max per rolling hour, allow-listed payTo;
//   - routing: every call goes to the offer with the lowest expected cost, price plus latency priced
//     at `latencyWeiPerMs` (what a millisecond is worth to this agent); every `exploreEvery`-th call
//     goes to another offer so its latency estimate stays fresh (epsilon-greedy, deterministic); a
//     provider that fails is benched for `benchMs` and its traffic moves to the others.
// It is a library (the `noos demo serving` runs it) and a script:
//   tsx examples/agents/agent.ts --rpc-url http://127.0.0.1:8545 --private-key 0x.. --market 0x.. \
//     --registry 0x.. --model digits --calls 100 --allow 0xProviderA,0xProviderB
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { inferService, readLeaseStatus } from "@noosphere/node";
import {
  BaseError,
  createNoosClient,
  createX402Client,
  getLeases,
  getProvider,
  type NoosWalletClient,
  type X402Client,
} from "@noosphere/sdk";
import { type Address, type Hex, parseEther } from "viem";

export type SpendingPolicy = {
  /** Most one call may cost, wei. */
  maxPerCall: bigint;
  /** Most all calls of any rolling hour may cost together, wei. */
  maxPerHour: bigint;
  /** Only these providers (payTo addresses) get paid; the others are not even called. */
  allowProviders: readonly Address[];
};

export type Offer = {
  leaseId: bigint;
  provider: Address;
  endpoint: string;
  model: string;
  /** Wei per 1,000 samples; 0 when calls are free. */
  pricePerThousandSamples: bigint;
};

export type OfferStats = Offer & {
  calls: number;
  failures: number;
  /** Paid to this provider, wei (what its PAYMENT-RESPONSEs charged). */
  paid: bigint;
  /** Exponentially weighted mean latency, ms (undefined until a second call succeeded: the first opens the channel). */
  latencyMs: number | undefined;
  benchedUntil: number;
  /** No longer on the market (its lease ended): kept for the record, never chosen. */
  gone: boolean;
};

export type AgentRouting = {
  /** What a millisecond of latency is worth, wei: the cost of an offer is price + latency x this. */
  latencyWeiPerMs: bigint;
  /** Every n-th call probes another offer (default 10; 0: never). */
  exploreEvery?: number | undefined;
  /** A failed provider gets no calls for this long, ms (default 30 s). */
  benchMs?: number | undefined;
};

export class SpendingPolicyError extends BaseError {
  readonly rule: "maxPerCall" | "maxPerHour" | "allowProviders";
  constructor(rule: "maxPerCall" | "maxPerHour" | "allowProviders", message: string) {
    super(message, { name: "SpendingPolicyError" });
    this.rule = rule;
  }
}

export class NoOfferError extends BaseError {
  constructor(model: string, seen: number) {
    super(
      `No allow-listed provider serves ${model} now (${seen} known, all ended or benched after a failure).`,
      { name: "NoOfferError" },
    );
  }
}

/** The price of a call of `samples` rows, rounded up as the paywall does. */
export const priceOf = (offer: Offer, samples: number) =>
  (offer.pricePerThousandSamples * BigInt(samples) + 999n) / 1000n;

/** Active service leases that serve `model`, with their endpoints and prices. */
export async function discoverOffers(
  client: NoosWalletClient,
  params: { market: Address; registry: Address; model: string; fromBlock?: bigint | undefined },
): Promise<Offer[]> {
  const leases = await getLeases(client, {
    address: params.market,
    state: "Active",
    fromBlock: params.fromBlock,
  });
  const offers = await Promise.all(
    leases
      .filter((l) => l.deadline === 0n) // service leases have no result deadline
      .map(async (lease): Promise<Offer | undefined> => {
        const record = await getProvider(client, {
          address: params.registry,
          provider: lease.provider,
        }).catch(() => undefined);
        if (!record) return undefined;
        const status = await readLeaseStatus(record.hostUri, lease.id).catch(() => undefined);
        const service = status?.services[params.model] as
          | { available: number; uris: string[]; pricePerThousandSamples?: string }
          | undefined;
        const endpoint = service?.uris[0];
        if (!service || service.available < 1 || !endpoint) return undefined;
        return {
          leaseId: lease.id,
          provider: lease.provider,
          endpoint,
          model: params.model,
          pricePerThousandSamples: BigInt(service.pricePerThousandSamples ?? 0),
        };
      }),
  );
  return offers.filter((o): o is Offer => o !== undefined);
}

export type Agent = ReturnType<typeof createAgent>;

export function createAgent(params: {
  wallet: NoosWalletClient;
  policy: SpendingPolicy;
  routing: AgentRouting;
  /** Deposit per channel, wei (default 100 x maxPerCall). */
  deposit?: bigint | undefined;
  now?: () => number;
}) {
  const { wallet, policy, routing } = params;
  const now = params.now ?? Date.now;
  const allowed = new Set(policy.allowProviders.map((a) => a.toLowerCase()));
  const offers = new Map<string, OfferStats>(); // by endpoint
  const payers = new Map<string, X402Client>(); // by provider: one channel each
  const spending: { at: number; amount: bigint }[] = [];
  const refusals: Record<SpendingPolicyError["rule"], number> = {
    maxPerCall: 0,
    maxPerHour: 0,
    allowProviders: 0,
  };
  let calls = 0;

  const spentLastHour = () => {
    const since = now() - 3_600_000;
    while (spending.length > 0 && (spending[0]?.at ?? 0) < since) spending.shift();
    return spending.reduce((sum, s) => sum + s.amount, 0n);
  };

  const payerFor = (provider: Address) => {
    const key = provider.toLowerCase();
    let payer = payers.get(key);
    if (!payer) {
      payer = createX402Client({
        wallet,
        maxPerCall: policy.maxPerCall,
        maxTotal: policy.maxPerHour, // a second fence: the channel never pays more than an hour's cap
        deposit: params.deposit ?? policy.maxPerCall * 100n,
        allowPayTo: policy.allowProviders,
      });
      payers.set(key, payer);
    }
    return payer;
  };

  /** Expected cost of a call, wei: price + latency x its worth. Unmeasured offers go first. */
  const cost = (o: OfferStats, samples: number) =>
    o.latencyMs === undefined
      ? -1n
      : priceOf(o, samples) + BigInt(Math.round(o.latencyMs)) * routing.latencyWeiPerMs;

  /** Checks the policy for a call of `samples` rows to `offer`; throws SpendingPolicyError. */
  const check = (offer: Offer, samples: number) => {
    const price = priceOf(offer, samples);
    const refuse = (rule: SpendingPolicyError["rule"], message: string): never => {
      refusals[rule]++;
      throw new SpendingPolicyError(rule, message);
    };
    if (!allowed.has(offer.provider.toLowerCase()))
      refuse("allowProviders", `provider ${offer.provider} is not allow-listed`);
    if (price > policy.maxPerCall)
      refuse("maxPerCall", `the call costs ${price} wei, above maxPerCall ${policy.maxPerCall}`);
    const hour = spentLastHour();
    if (hour + price > policy.maxPerHour)
      refuse(
        "maxPerHour",
        `the call costs ${price} wei; with ${hour} spent in the last hour that is above maxPerHour ${policy.maxPerHour}`,
      );
    return price;
  };

  /** The offer the next call of `samples` rows goes to. */
  const choose = (samples = 1): OfferStats => {
    const ready = [...offers.values()].filter((o) => !o.gone && o.benchedUntil <= now());
    if (ready.length === 0) throw new NoOfferError(model(), offers.size);
    ready.sort((a, b) => {
      const d = cost(a, samples) - cost(b, samples);
      return d < 0n ? -1 : d > 0n ? 1 : a.endpoint.localeCompare(b.endpoint);
    });
    const every = routing.exploreEvery ?? 10;
    const explore = every > 0 && ready.length > 1 && calls % every === every - 1;
    return (
      explore ? ready[1 + (Math.floor(calls / every) % (ready.length - 1))] : ready[0]
    ) as OfferStats;
  };
  const model = () => [...offers.values()][0]?.model ?? "the model";

  return {
    /** Replaces the offers with those found now (stats of known endpoints are kept). */
    setOffers(found: readonly Offer[]) {
      const live = new Set(found.map((o) => o.endpoint));
      for (const [key, o] of offers) if (!live.has(key)) o.gone = true;
      for (const o of found) {
        if (!allowed.has(o.provider.toLowerCase())) continue; // not even a candidate
        const known = offers.get(o.endpoint);
        offers.set(o.endpoint, {
          ...o,
          calls: known?.calls ?? 0,
          failures: known?.failures ?? 0,
          paid: known?.paid ?? 0n,
          latencyMs: known?.latencyMs,
          benchedUntil: known?.benchedUntil ?? 0,
          gone: false,
        });
      }
    },
    choose,
    /** One paid inference: policy check, route, pay, measure. */
    async infer(input: number[][], options: { offer?: OfferStats } = {}) {
      const offer = options.offer ?? choose(input.length);
      const price = check(offer, input.length);
      calls++;
      offer.calls++;
      const payer = payerFor(offer.provider);
      const before = payer.spent();
      const started = performance.now();
      try {
        const result = await inferService({
          endpoint: offer.endpoint,
          model: offer.model,
          input: { input_data: [input.flat()] },
          fetch: price > 0n ? payer.fetch : fetch,
        });
        const ms = performance.now() - started;
        // The first paid call to a provider also opens its channel (a deposit on chain): not latency.
        if (offer.calls - offer.failures > 1 || price === 0n)
          offer.latencyMs = offer.latencyMs === undefined ? ms : 0.8 * offer.latencyMs + 0.2 * ms;
        const charged = payer.spent() - before;
        offer.paid += charged;
        spending.push({ at: now(), amount: charged });
        return { output: result.output_data[0] ?? [], offer, charged, ms };
      } catch (err) {
        offer.failures++;
        offer.benchedUntil = now() + (routing.benchMs ?? 30_000);
        throw err;
      }
    },
    offers: () => [...offers.values()],
    /** The channels this agent pays through (one per provider). */
    channels: () => [...payers.entries()].flatMap(([, p]) => p.channels()),
    spent: () => [...payers.values()].reduce((sum, p) => sum + p.spent(), 0n),
    spentLastHour,
    /** Counts a payment made outside this agent (another process on the same wallet) against the hourly cap. */
    recordSpend(amount: bigint) {
      spending.push({ at: now(), amount });
    },
    refusals: () => ({ ...refusals }),
    check,
  };
}

// As a script: discover, then make --calls calls and print what went where.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      "rpc-url": { type: "string", default: "http://127.0.0.1:8545" },
      "chain-id": { type: "string", default: "31337" },
      "private-key": { type: "string" },
      market: { type: "string" },
      registry: { type: "string" },
      model: { type: "string", default: "digits" },
      calls: { type: "string", default: "100" },
      allow: { type: "string", default: "" },
      "max-per-call": { type: "string", default: "0.01" },
      "max-per-hour": { type: "string", default: "1" },
      "latency-wei-per-ms": { type: "string", default: "100000000000000" },
    },
  });
  if (!values["private-key"] || !values.market || !values.registry) {
    throw new BaseError("--private-key, --market and --registry are required.");
  }
  const wallet = createNoosClient({
    rpcUrl: values["rpc-url"],
    chainId: Number(values["chain-id"]),
    privateKey: values["private-key"] as Hex,
  });
  const agent = createAgent({
    wallet,
    policy: {
      maxPerCall: parseEther(values["max-per-call"]),
      maxPerHour: parseEther(values["max-per-hour"]),
      allowProviders: values.allow.split(",").filter(Boolean) as Address[],
    },
    routing: { latencyWeiPerMs: BigInt(values["latency-wei-per-ms"]) },
  });
  agent.setOffers(
    await discoverOffers(wallet, {
      market: values.market as Address,
      registry: values.registry as Address,
      model: values.model,
    }),
  );
  const pixels = Array.from({ length: 64 }, (_, i) => (i % 17) / 16);
  for (let i = 0; i < Number(values.calls); i++) await agent.infer([pixels]).catch(() => {});
  process.stdout.write(
    `${JSON.stringify(
      {
        spent: agent.spent().toString(),
        offers: agent.offers().map((o) => ({
          provider: o.provider,
          endpoint: o.endpoint,
          calls: o.calls,
          paid: o.paid.toString(),
          latencyMs: o.latencyMs,
        })),
      },
      null,
      2,
    )}\n`,
  );
}
