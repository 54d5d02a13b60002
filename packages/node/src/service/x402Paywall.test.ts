// x402 pay-per-call end to end on anvil: the real PaymentChannels contract, the OIP server over real
// sockets and onnxruntime, the real paywall, and the SDK's paying client. Over-cap calls are
// refused, replayed or lower vouchers get a corrective 402, concurrent calls on one channel are
// all served and charged exactly once, a restarted paywall claims every voucher it had, and a payer
// that withdraws finds the provider claimed first; money is conserved throughout.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import {
  type ChannelConfig,
  computeChannelId,
  createX402Client,
  decodePaymentRequired,
  decodeSettleResponse,
  encodeX402Header,
  finalizeChannelWithdrawAndWait,
  getChannel,
  initiateChannelWithdrawAndWait,
  type NoosWalletClient,
  type PaymentPayload,
  signVoucher,
  X402Errors,
  X402PaymentError,
  X402SpendingCapError,
} from "@noosphere/sdk";
import {
  type Address,
  getAddress,
  type Hex,
  type LocalAccount,
  pad,
  parseEther,
  toHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { createInferenceServer, type InferenceServer } from "./server.js";
import { createX402Paywall, type X402Paywall } from "./x402Paywall.js";

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples");
const mlpPath = path.join(examples, "digits/mlp.onnx");
const PRICE_PER_1000 = parseEther("1"); // 0.001 NOOS per sample
const PRICE = parseEther("0.001");
const body = (rows = 1) =>
  JSON.stringify({
    inputs: [
      { name: "input", shape: [rows, 64], datatype: "FP32", data: Array(64 * rows).fill(0.5) },
    ],
  });

let net: TestDeployment;
let contract: Address;
let token: Address;
let dir: string;
let provider: NoosWalletClient;
let paywall: X402Paywall;
let server: InferenceServer;
const common = createCommon({ handleSignals: false, logLevel: "silent" });

async function start(): Promise<void> {
  paywall = await createX402Paywall(common, {
    client: provider,
    contract,
    token,
    pricePer1000: PRICE_PER_1000,
    withdrawDelay: 900,
    stateFile: path.join(dir, "x402.json"),
    claim: { intervalMs: 3_600_000, marginSeconds: 60 },
    pollIntervalMs: 100,
  });
  server = await createInferenceServer({
    models: [{ name: "mlp", model: mlpPath, maxBatchSize: 64, maxQueueDelayMicroseconds: 2_000 }],
    listen: { host: "127.0.0.1", port: 0 },
    paywall,
  });
}

const infer = () => `${server.url}/v2/models/mlp/infer`;
const post = { method: "POST", headers: { "content-type": "application/json" } } as const;
const balanceOf = (a: Address) => net.client(0).getTokenBalance({ account: a });

beforeAll(async () => {
  net = await startTestDeployment();
  contract = net.deployment.contracts.paymentChannels as Address;
  token = net.deployment.contracts.token;
  provider = net.client(4);
  dir = await mkdtemp(path.join(tmpdir(), "noos-x402-"));
  await start();
}, 120_000);
afterAll(async () => {
  await server?.close();
  await net?.stop();
  await rm(dir, { recursive: true, force: true });
});

function payer(
  index: number,
  caps: { maxPerCall?: bigint; maxTotal?: bigint; salt?: number } = {},
) {
  return createX402Client({
    wallet: net.client(index),
    maxPerCall: caps.maxPerCall ?? parseEther("0.1"),
    maxTotal: caps.maxTotal ?? parseEther("10"),
    deposit: parseEther("1"),
    salt: pad(toHex(caps.salt ?? 0), { size: 32 }),
  });
}

describe("x402 paywall", () => {
  it("test_paywall_unpaidCall_gets402WithPaymentRequired", async () => {
    const res = await fetch(infer(), { ...post, body: body() });
    expect(res.status).toBe(402);
    const required = decodePaymentRequired(res.headers.get("payment-required"));
    expect(required.error).toBe(X402Errors.paymentRequired);
    expect(required.accepts[0]).toMatchObject({
      scheme: "batch-settlement",
      network: `eip155:${net.anvil.chainId}`,
      amount: PRICE.toString(),
      payTo: provider.account.address,
      extra: {
        channelContract: getAddress(contract),
        withdrawDelay: 900,
        name: "Noosphere",
        version: "1",
      },
    });
    expect(await res.json()).toMatchObject({ x402Version: 2, error: X402Errors.paymentRequired });
  });

  it("test_client_paysPerCall_chargedAfter2xxOnly", async () => {
    const client = payer(3);
    const before = paywall.totals().charged;
    for (let i = 0; i < 5; i++) {
      const res = await client.fetch(infer(), { ...post, body: body(i === 4 ? 3 : 1) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { outputs: { name: string }[] }).outputs[0]?.name).toBe(
        "logits",
      );
      expect(decodeSettleResponse(res.headers.get("payment-response")).success).toBe(true);
    }
    expect(client.spent()).toBe(PRICE * 7n); // four 1-row calls and one 3-row call
    expect(paywall.totals().charged - before).toBe(PRICE * 7n);
    // A 400 (malformed tensor) costs nothing: the server refuses it before the paywall.
    const bad = await client.fetch(infer(), { ...post, body: JSON.stringify({ inputs: [] }) });
    expect(bad.status).toBe(400);
    expect(client.spent()).toBe(PRICE * 7n);
    // The seam: a call authorized and then released (the handler failed) is not charged.
    const [first] = client.channels();
    if (!first) throw new Error("no channel");
    const header = encodeX402Header(await voucherPayload(first.config, first.cumulative + PRICE));
    const decision = await paywall.authorize({
      model: "mlp",
      samples: 1,
      resource: infer(),
      headers: { "payment-signature": header },
    });
    if (!decision.ok) throw new Error("expected ok");
    decision.charge.release();
    expect(paywall.totals().charged - before).toBe(PRICE * 7n);
  });

  it("test_client_overCapCall_refusedBeforeSigning", async () => {
    const tiny = payer(5, { maxPerCall: PRICE - 1n });
    await expect(tiny.fetch(infer(), { ...post, body: body() })).rejects.toSatisfy(
      (e) => e instanceof X402SpendingCapError && e.field === "maxPerCall",
    );
    const capped = payer(5, { maxTotal: PRICE * 2n, salt: 1 });
    expect((await capped.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    expect((await capped.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    const charged = paywall.totals().charged;
    await expect(capped.fetch(infer(), { ...post, body: body() })).rejects.toSatisfy(
      (e) => e instanceof X402SpendingCapError && e.field === "maxTotal",
    );
    expect(capped.spent()).toBe(PRICE * 2n);
    expect(paywall.totals().charged).toBe(charged);
  });

  it("test_paywall_replayedLowerOrForgedVoucher_refused", async () => {
    const seen: string[] = [];
    const recording = createX402Client({
      wallet: net.client(6),
      maxPerCall: parseEther("0.1"),
      maxTotal: parseEther("10"),
      deposit: parseEther("1"),
      fetch: async (input, init) => {
        const h = new Headers(init?.headers).get("payment-signature");
        if (h) seen.push(h);
        return fetch(input, init);
      },
    });
    expect((await recording.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    expect((await recording.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    const replay = await fetch(infer(), {
      ...post,
      headers: { ...post.headers, "payment-signature": seen.at(-1) as string },
      body: body(),
    });
    expect(replay.status).toBe(402);
    const corrective = decodePaymentRequired(replay.headers.get("payment-required"));
    expect(corrective.error).toBe(X402Errors.cumulativeMismatch);
    expect(corrective.accepts[0]?.extra.channelState?.chargedCumulativeAmount).toBe(
      (PRICE * 2n).toString(),
    );
    const lower = await fetch(infer(), {
      ...post,
      headers: { ...post.headers, "payment-signature": seen[0] as string },
      body: body(),
    });
    expect(lower.status).toBe(402);
    const [entry] = recording.channels();
    if (!entry) throw new Error("no channel");
    const forged = await voucherPayload(
      entry.config,
      PRICE * 10n,
      net.accounts[7]?.account as LocalAccount,
    );
    const res = await fetch(infer(), {
      ...post,
      headers: { ...post.headers, "payment-signature": encodeX402Header(forged) },
      body: body(),
    });
    expect(res.status).toBe(402);
    expect(decodePaymentRequired(res.headers.get("payment-required")).error).toBe(
      X402Errors.invalidSignature,
    );
    expect(recording.spent()).toBe(PRICE * 2n);
  });

  it("test_paywall_concurrentCallsOnOneChannel_allServedChargedOnce", async () => {
    // 40 calls at once with one voucher that covers 40: queued per channel, each charged once.
    const client = payer(8);
    expect((await client.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    const [entry] = client.channels();
    if (!entry) throw new Error("no channel");
    const header = encodeX402Header(
      await voucherPayload(
        entry.config,
        entry.cumulative + PRICE * 40n,
        net.accounts[8]?.account as LocalAccount,
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 41 }, () =>
        fetch(infer(), {
          ...post,
          headers: { ...post.headers, "payment-signature": header },
          body: body(),
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.filter((s) => s === 402)).toHaveLength(1);
    const id = computeChannelId(entry.config, {
      chainId: net.anvil.chainId,
      verifyingContract: contract,
    }).toLowerCase();
    expect(paywall.channels().get(id)?.charged).toBe(PRICE * 41n);
    // And 60 concurrent calls through one paying client: all succeed (the client queues them).
    const many = await Promise.all(
      Array.from({ length: 60 }, () => client.fetch(infer(), { ...post, body: body() })),
    );
    expect(many.every((r) => r.status === 200)).toBe(true);
    expect(paywall.channels().get(id)?.charged).toBe(PRICE * 101n);
  }, 60_000);

  it("test_paywall_restart_losesNoVoucher_andClaimsInOneBatch", async () => {
    const charged = paywall.totals().charged;
    expect(paywall.totals().claimed).toBe(0n);
    const receiverBefore = await balanceOf(provider.account.address);
    await server.close(); // closes the paywall: vouchers flushed
    await start();
    expect(paywall.totals()).toEqual({ charged, claimed: 0n });
    const claim = await paywall.claimNow();
    expect(claim?.amount).toBe(charged);
    expect(claim?.channels).toBeGreaterThanOrEqual(4);
    console.log(`x402 claimAndSettle of ${claim?.channels} channels: ${claim?.gasUsed} gas`);
    expect((await balanceOf(provider.account.address)) - receiverBefore).toBe(charged);
    // A client that knows nothing (new origin) resyncs from the corrective 402 and goes on.
    const client = payer(3);
    expect((await client.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    expect(client.spent()).toBe(PRICE);
  }, 60_000);

  it("test_withdraw_providerClaimsFirst_thenRefusesInMargin_moneyConserved", async () => {
    const wallet = net.client(9);
    const client = payer(9);
    await paywall.claimNow(); // other channels' charges out of the way: this test counts one channel
    const payerBefore = await balanceOf(wallet.account.address);
    const providerBefore = await balanceOf(provider.account.address);
    for (let i = 0; i < 3; i++)
      expect((await client.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    const [entry] = client.channels();
    if (!entry) throw new Error("no channel");
    const state = await getChannel(net.publicClient, {
      address: contract,
      channelId: entry.channelId,
    });
    await initiateChannelWithdrawAndWait(wallet, {
      address: contract,
      config: entry.config,
      amount: state.balance,
    });
    // The paywall sees WithdrawInitiated and claims without being asked.
    const deadline = Date.now() + 10_000;
    while (
      (await getChannel(net.publicClient, { address: contract, channelId: entry.channelId }))
        .totalClaimed <
      PRICE * 3n
    ) {
      if (Date.now() > deadline)
        throw new Error("the provider did not claim after WithdrawInitiated");
      await new Promise((r) => setTimeout(r, 100));
    }
    // Still served until the margin; refused inside it.
    expect((await client.fetch(infer(), { ...post, body: body() })).status).toBe(200);
    await net.testClient.increaseTime({ seconds: 900 - 60 });
    await net.testClient.mine({ blocks: 1 });
    await new Promise((r) => setTimeout(r, 1100)); // the paywall's chain clock refreshes each second
    await expect(client.fetch(infer(), { ...post, body: body() })).rejects.toBeInstanceOf(
      X402PaymentError,
    );
    // The refusal made the paywall claim the 4th call; wait for it, then let the payer finalize.
    const until = Date.now() + 10_000;
    while (
      (await getChannel(net.publicClient, { address: contract, channelId: entry.channelId }))
        .totalClaimed <
      PRICE * 4n
    ) {
      if (Date.now() > until) throw new Error("the provider did not claim inside the margin");
      await new Promise((r) => setTimeout(r, 100));
    }
    await net.testClient.increaseTime({ seconds: 60 });
    await net.testClient.mine({ blocks: 1 });
    await finalizeChannelWithdrawAndWait(wallet, { address: contract, config: entry.config });
    const after = await getChannel(net.publicClient, {
      address: contract,
      channelId: entry.channelId,
    });
    expect(after).toMatchObject({ totalClaimed: PRICE * 4n, balance: 0n });
    // Conservation: what the payer lost is exactly what the provider was paid (claimAndSettle).
    const paid = payerBefore - (await balanceOf(wallet.account.address));
    const earned = (await balanceOf(provider.account.address)) - providerBefore;
    expect(paid).toBe(PRICE * 4n);
    expect(earned).toBe(paid);
  }, 60_000);
});

async function voucherPayload(
  config: ChannelConfig,
  max: bigint,
  account?: LocalAccount,
): Promise<PaymentPayload> {
  const domain = { chainId: net.anvil.chainId, verifyingContract: contract };
  const signer = account ?? (net.accounts[3]?.account as LocalAccount);
  const channelId = computeChannelId(config, domain) as Hex;
  const v = await signVoucher(signer, { channelId, maxClaimableAmount: max, domain });
  const required = decodePaymentRequired(
    (await fetch(infer(), { ...post, body: body() })).headers.get("payment-required"),
  );
  return {
    x402Version: 2,
    accepted: required.accepts[0] as PaymentPayload["accepted"],
    payload: {
      type: "voucher",
      channelConfig: config,
      voucher: { channelId, maxClaimableAmount: max.toString(), signature: v.signature },
    },
  };
}
