// Axon, dendrite and metagraph against a real anvil with the real SubnetRegistry, over real
// sockets: who may call (registration, permit, stake, blacklist), replay and freshness, body and
// rate limits, priority by stake, the dendrite's status per target, and the metagraph's sync.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { getNeurons, subnetStakeRole } from "@noosphere/sdk";
import { type Hex, type LocalAccount, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Axon, type AxonPolicy, createAxon, route } from "./axon.js";
import { createDendrite, type DendriteTarget } from "./dendrite.js";
import {
  checkAnswerProof,
  hashBody,
  hashRequest,
  parseRequestHeaders,
  type RequestEnvelope,
  requestHeaders,
  responseHeaders,
  signRequest,
  signResponse,
} from "./envelope.js";
import { createMetagraph, type Metagraph } from "./metagraph.js";
import { defineSynapse } from "./synapse.js";

const Echo = defineSynapse({
  name: "Echo",
  request: z.object({ text: z.string() }),
  response: z.object({ text: z.string(), by: z.string() }),
});

let net: TestDeployment;
let metagraph: Metagraph;
let netuid: number;
let dir: string;
const acct = (i: number): LocalAccount => net.accounts[i]?.account as LocalAccount;
// Dev accounts: 1 owner; 2, 3, 4 staked validators (600, 300, 1 NOOS); 5 registered without
// stake (no permit); 6, 7 miners; 8 never registers; 9 registers during the metagraph test.
const V0 = 2;
const V1 = 3;
const VLOW = 4;
const NOPERMIT = 5;
const MINER_A = 6;
const MINER_B = 7;
const STRANGER = 8;
const open: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-axon-"));
  const { subnetRegistry, staking } = net.deployment.contracts;
  const owner = net.client(1);
  await owner.approveAndWait({ spender: subnetRegistry, amount: parseEther("100") });
  ({ netuid } = await owner.createSubnetAndWait());
  await owner.setHyperparamsAndWait({
    netuid,
    hyperparams: { tempo: 2n, weightsSetRateLimit: 0n, immunityPeriod: 0n },
  });
  for (const i of [V0, V1, VLOW, NOPERMIT, MINER_A, MINER_B]) {
    const c = net.client(i);
    await c.approveAndWait({ spender: subnetRegistry, amount: parseEther("1") });
    await c.registerNeuronAndWait({ netuid });
  }
  for (const [i, amount] of [
    [V0, parseEther("600")],
    [V1, parseEther("300")],
    [VLOW, parseEther("1")],
  ] as const) {
    const c = net.client(i);
    await c.approveAndWait({ spender: staking, amount });
    await c.stakeAndWait({ role: subnetStakeRole(netuid), amount });
  }
  // Permits are handed out by the epoch (top-k by stake, stake > 0).
  const keeper = net.client(9);
  const subnet = await keeper.getSubnet({ netuid });
  const now = await keeper.getBlockNumber();
  if (now + 1n < subnet.nextEpochBlock)
    await net.testClient.mine({ blocks: Number(subnet.nextEpochBlock - now - 1n) });
  await keeper.runSubnetEpochAndWait({ netuid });
  metagraph = await createMetagraph(net.publicClient, { netuid, registry: subnetRegistry });
});

afterAll(async () => {
  for (const o of open.reverse()) await o.close().catch(() => {});
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function echoAxon(
  miner: number,
  policy: Partial<AxonPolicy> = {},
  extra: { stateFile?: string; handler?: (text: string) => Promise<void> } = {},
): Promise<Axon> {
  const account = acct(miner);
  const axon = await createAxon({
    account,
    netuid,
    metagraph,
    policy,
    ...(extra.stateFile ? { stateFile: extra.stateFile } : {}),
    synapses: [
      route(Echo, async (req) => {
        await extra.handler?.(req.text);
        return { text: req.text, by: account.address };
      }),
    ],
  });
  open.push(axon);
  return axon;
}

type Raw = { headers: Record<string, string>; body: string };

/** A signed request built by hand, so a test can replay, tamper with or mis-sign it. */
async function rawRequest(
  signer: LocalAccount,
  miner: number,
  overrides: Partial<RequestEnvelope> & { body?: string } = {},
): Promise<Raw> {
  const { body = JSON.stringify({ text: "hi" }), ...fields } = overrides;
  const e: RequestEnvelope = {
    netuid,
    synapse: "Echo",
    validator: signer.address,
    target: acct(miner).address,
    nonce: BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
    timestamp: Date.now(),
    timeoutMs: 5000,
    bodyHash: hashBody(body),
    ...fields,
  };
  const { signature } = await signRequest(signer, e);
  return {
    headers: { "content-type": "application/json", ...requestHeaders({ ...e, signature }) },
    body,
  };
}

async function send(url: string, raw: Raw, bodyOverride?: string) {
  const res = await fetch(`${url}/Echo`, {
    method: "POST",
    headers: raw.headers,
    body: bodyOverride ?? raw.body,
  });
  const text = await res.text();
  return { status: res.status, error: (JSON.parse(text) as { error?: string }).error, res, text };
}

describe("axon", () => {
  it("test_axon_permittedValidator_getsSignedAnswerItCanProve", async () => {
    const axon = await echoAxon(MINER_A);
    const dendrite = createDendrite({ account: acct(V0), netuid });
    const target = { uid: 4, hotkey: acct(MINER_A).address, endpoint: axon.url };
    const [r] = await dendrite.query([target], Echo, { text: "hello" });
    expect(r?.status).toBe("ok");
    expect(r?.httpStatus).toBe(200);
    expect(r?.response).toEqual({ text: "hello", by: acct(MINER_A).address });
    expect(r?.latencyMs).toBeGreaterThan(0);
    expect(r?.proof).toBeDefined();
    expect(await checkAnswerProof(r?.proof as NonNullable<typeof r>["proof"] & {})).toBeUndefined();
    // GET / names the hotkey and the synapses (unauthenticated, for health checks).
    const info = await (await fetch(axon.url)).json();
    expect(info).toEqual({ netuid, hotkey: acct(MINER_A).address, synapses: ["Echo"] });
  });

  it("test_axon_abortSignal_closesIt", async () => {
    const controller = new AbortController();
    const axon = await createAxon({
      account: acct(MINER_A),
      netuid,
      metagraph,
      signal: controller.signal,
      synapses: [route(Echo, async (req) => ({ text: req.text, by: "a" }))],
    });
    expect((await fetch(axon.url)).status).toBe(200);
    controller.abort();
    await until(() => false, 100).catch(() => {});
    await expect(fetch(axon.url)).rejects.toThrow();
  });

  it("test_axon_unregisteredOrUnpermittedOrLowStakeCaller_403", async () => {
    const axon = await echoAxon(MINER_A, { minValidatorStake: parseEther("2") / 10n ** 9n });
    const stranger = await send(axon.url, await rawRequest(acct(STRANGER), MINER_A));
    expect(stranger.status).toBe(403);
    expect(stranger.error).toMatch(/not registered in subnet/);
    const noPermit = await send(axon.url, await rawRequest(acct(NOPERMIT), MINER_A));
    expect(noPermit.status).toBe(403);
    expect(noPermit.error).toMatch(/holds no validator permit/);
    expect(metagraph.byHotkey(acct(VLOW).address)?.validatorPermit).toBe(true);
    const low = await send(axon.url, await rawRequest(acct(VLOW), MINER_A));
    expect(low.status).toBe(403);
    expect(low.error).toMatch(/below the minimum/);
    expect((await send(axon.url, await rawRequest(acct(V1), MINER_A))).status).toBe(200);
  });

  it("test_axon_blacklistedValidator_403", async () => {
    const axon = await echoAxon(MINER_A, { blacklist: [acct(V1).address] });
    const r = await send(axon.url, await rawRequest(acct(V1), MINER_A));
    expect(r.status).toBe(403);
    expect(r.error).toMatch(/blacklisted/);
    expect((await send(axon.url, await rawRequest(acct(V0), MINER_A))).status).toBe(200);
  });

  it("test_axon_replayedRequest_401_evenAfterRestartWithStateFile", async () => {
    const stateFile = path.join(dir, "replay", "nonces.json");
    const first = await echoAxon(MINER_A, {}, { stateFile });
    const raw = await rawRequest(acct(V0), MINER_A);
    expect((await send(first.url, raw)).status).toBe(200);
    const again = await send(first.url, raw);
    expect(again.status).toBe(401);
    expect(again.error).toMatch(/already used/);
    await first.close();
    const restarted = await echoAxon(MINER_A, {}, { stateFile });
    expect((await send(restarted.url, raw)).status).toBe(401);
    // Control: without the file a restarted axon accepts the replay inside the time window.
    const forgetful = await echoAxon(MINER_A);
    expect((await send(forgetful.url, raw)).status).toBe(200);
  });

  it("test_axon_nonceWindow_outOfOrderInsideItOnlyOnceNeverBelowIt", async () => {
    // Strictly increasing (window 1): an older nonce is refused even though never used.
    const strict = await echoAxon(MINER_A, { nonceWindow: 1 });
    expect(
      (await send(strict.url, await rawRequest(acct(V0), MINER_A, { nonce: 100n }))).status,
    ).toBe(200);
    const older = await send(strict.url, await rawRequest(acct(V0), MINER_A, { nonce: 99n }));
    expect(older.status).toBe(401);
    expect(older.error).toMatch(/below the last 1 accepted/);
    expect(
      (await send(strict.url, await rawRequest(acct(V0), MINER_A, { nonce: 101n }))).status,
    ).toBe(200);
    // Window 3: out of order is fine inside it; a nonce that left the window is spent for good.
    const windowed = await echoAxon(MINER_A, { nonceWindow: 3 });
    const codes: number[] = [];
    for (const nonce of [10n, 12n, 11n, 13n, 14n, 11n, 10n, 9n, 15n])
      codes.push((await send(windowed.url, await rawRequest(acct(V0), MINER_A, { nonce }))).status);
    // 10 12 11 ok; 13 ok (10 leaves: spent up to 10); 14 ok (11 leaves); 11 spent; 10 spent;
    // 9 spent; 15 ok.
    expect(codes).toEqual([200, 200, 200, 200, 200, 401, 401, 401, 200]);
  });

  it("test_axon_forgedTamperedStaleOrMisaddressedRequest_refused", async () => {
    const axon = await echoAxon(MINER_A);
    // Signed by the stranger, claiming to be V0.
    const forged = await rawRequest(acct(STRANGER), MINER_A, { validator: acct(V0).address });
    const f = await send(axon.url, forged);
    expect(f.status).toBe(401);
    expect(f.error).toMatch(/signature by .* not /);
    const tampered = await send(axon.url, await rawRequest(acct(V0), MINER_A), '{"text":"ho"}');
    expect(tampered.status).toBe(400);
    expect(tampered.error).toMatch(/x-noos-body-hash/);
    const stale = await send(
      axon.url,
      await rawRequest(acct(V0), MINER_A, { timestamp: Date.now() - 60_000 }),
    );
    expect(stale.status).toBe(401);
    expect(stale.error).toMatch(/window/);
    const elsewhere = await send(axon.url, await rawRequest(acct(V0), MINER_B));
    expect(elsewhere.status).toBe(421);
    const otherNet = await send(
      axon.url,
      await rawRequest(acct(V0), MINER_A, { netuid: netuid + 1 }),
    );
    expect(otherNet.status).toBe(400);
    const raw = await rawRequest(acct(V0), MINER_A);
    const missing = await send(axon.url, {
      ...raw,
      headers: { ...raw.headers, "x-noos-nonce": "abc" },
    });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).field).toBe("x-noos-nonce");
    const badJson = await send(
      axon.url,
      await rawRequest(acct(V0), MINER_A, { body: '{"text":1}' }),
    );
    expect(badJson.status).toBe(400);
    expect(badJson.error).toMatch(/^request\.text:/);
    const unknown = await fetch(`${axon.url}/Nope`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
  });

  it("test_axon_oversizeBody_413_declaredOrChunked", async () => {
    const axon = await echoAxon(MINER_A, { maxBodyBytes: 1000 });
    const big = JSON.stringify({ text: "x".repeat(2000) });
    const declared = await send(axon.url, await rawRequest(acct(V0), MINER_A, { body: big }));
    expect(declared.status).toBe(413);
    // Chunked (no Content-Length): cut off while reading.
    const raw = await rawRequest(acct(V0), MINER_A, { body: big });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${axon.url}/Echo`,
        { method: "POST", headers: raw.headers },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(big.slice(0, 1000));
      req.end(big.slice(1000));
    });
    expect(status).toBe(413);
    const dendrite = createDendrite({ account: acct(V0), netuid });
    const [r] = await dendrite.query(
      [{ uid: 4, hotkey: acct(MINER_A).address, endpoint: axon.url }],
      Echo,
      { text: "x".repeat(2000) },
    );
    expect(r).toMatchObject({ status: "refused", httpStatus: 413 });
  });

  it("test_axon_overRatePerCaller_429", async () => {
    const axon = await echoAxon(MINER_A, { ratePerMinute: 10 }); // burst 2
    const codes: number[] = [];
    for (let i = 0; i < 3; i++)
      codes.push((await send(axon.url, await rawRequest(acct(V0), MINER_A))).status);
    expect(codes).toEqual([200, 200, 429]);
    const limited = await send(axon.url, await rawRequest(acct(V0), MINER_A));
    expect(limited.res.headers.get("retry-after")).toMatch(/^\d+$/);
    // Per caller: another validator still gets through.
    expect((await send(axon.url, await rawRequest(acct(V1), MINER_A))).status).toBe(200);
  });

  it("test_axon_busy_servesByStakeAndShedsLowestStake", async () => {
    let release: () => void = () => {};
    let gate = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const axon = await echoAxon(
      MINER_A,
      { maxConcurrent: 1, maxQueue: 2 },
      {
        handler: async (text) => {
          order.push(text);
          if (text === "first") await gate;
        },
      },
    );
    const waitQueued = async (n: number) => {
      for (let i = 0; i < 500 && axon.stats().queued !== n; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(axon.stats().queued).toBe(n);
    };
    const body = (text: string) => JSON.stringify({ text });
    const pending: Promise<{ status: number }>[] = [];
    pending.push(send(axon.url, await rawRequest(acct(V1), MINER_A, { body: body("first") })));
    for (let i = 0; i < 500 && axon.stats().active !== 1; i++)
      await new Promise((r) => setTimeout(r, 10));
    pending.push(send(axon.url, await rawRequest(acct(VLOW), MINER_A, { body: body("low") })));
    await waitQueued(1);
    pending.push(send(axon.url, await rawRequest(acct(V1), MINER_A, { body: body("mid") })));
    await waitQueued(2);
    // Queue full: V0 (most stake) pushes out VLOW; a second VLOW request is refused outright.
    pending.push(send(axon.url, await rawRequest(acct(V0), MINER_A, { body: body("high") })));
    const shed = await pending[1];
    expect(shed?.status).toBe(503);
    const refused = await send(
      axon.url,
      await rawRequest(acct(VLOW), MINER_A, { body: body("low2") }),
    );
    expect(refused.status).toBe(503);
    release();
    gate = Promise.resolve();
    const statuses = (await Promise.all(pending)).map((p) => p.status);
    expect(statuses).toEqual([200, 503, 200, 200]);
    expect(order).toEqual(["first", "high", "mid"]);
  });
});

describe("dendrite", () => {
  it("test_dendrite_reportsStatusAndLatencyPerTargetInOrder", async () => {
    const fast = await echoAxon(MINER_A);
    const slow = await echoAxon(
      MINER_B,
      {},
      { handler: () => new Promise((r) => setTimeout(r, 3000)) },
    );
    const refusing = await echoAxon(MINER_A, { blacklist: [acct(V0).address] });
    // A closed port: nobody listens.
    const closed = await listen(createServer());
    const downUrl = closed.url;
    await new Promise((r) => closed.server.close(r));
    // Garbage: 200 with an unsigned non-answer.
    const garbage = await listen(
      createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"nonsense":true}');
      }),
    );
    // Signed by the right miner over the right request, but not the synapse's shape.
    const misshapen = await listen(
      createServer(async (req, res) => {
        for await (const _ of req);
        const text = '{"text":42}';
        const signed = await signResponse(
          acct(MINER_B),
          hashRequest(parseRequestHeaders(req.headers)),
          text,
        );
        res.writeHead(200, { "content-type": "application/json", ...responseHeaders(signed) });
        res.end(text);
      }),
    );
    const failing = await echoAxon(
      MINER_B,
      {},
      { handler: () => Promise.reject(new Error("boom")) },
    );
    const a = acct(MINER_A).address;
    const b = acct(MINER_B).address;
    const targets: DendriteTarget[] = [
      { uid: 0, hotkey: a, endpoint: fast.url },
      { uid: 1, hotkey: b, endpoint: slow.url },
      { uid: 2, hotkey: a, endpoint: downUrl },
      { uid: 3, hotkey: b, endpoint: garbage.url },
      { uid: 4, hotkey: a, endpoint: refusing.url },
      { uid: 5, hotkey: b, endpoint: misshapen.url },
      { uid: 6, hotkey: a, endpoint: "ftp://nowhere" },
      { uid: 7, hotkey: b, endpoint: failing.url },
    ];
    const dendrite = createDendrite({ account: acct(V0), netuid, timeoutMs: 400 });
    const t0 = performance.now();
    const results = await dendrite.query(targets, Echo, { text: "hey" });
    const wall = performance.now() - t0;
    expect(results.map((r) => [r.uid, r.status])).toEqual([
      [0, "ok"],
      [1, "timeout"],
      [2, "error"],
      [3, "invalid"],
      [4, "refused"],
      [5, "invalid"],
      [6, "error"],
      [7, "error"],
    ]);
    expect(results[1]?.latencyMs).toBeGreaterThanOrEqual(395);
    expect(results[1]?.latencyMs).toBeLessThan(2500);
    expect(results[0]?.latencyMs).toBeLessThan(results[1]?.latencyMs ?? 0);
    expect(results[3]?.error).toMatch(/unsigned answer/);
    expect(results[4]?.httpStatus).toBe(403);
    expect(results[5]?.error).toMatch(/^response\.text: /);
    expect(results[6]?.error).toMatch(/bad endpoint/);
    expect(results[7]).toMatchObject({ httpStatus: 500, error: "boom" });
    // Concurrent and cut at the deadline: about one timeout, not the slow miner's 3 s.
    expect(wall).toBeLessThan(2500);
    await garbage.close();
    await misshapen.close();
  });

  it("test_dendrite_minerRelayingAnotherMinersSignedAnswer_invalid", async () => {
    const honest = await echoAxon(MINER_A);
    const dendrite = createDendrite({ account: acct(V0), netuid, timeoutMs: 2000 });
    // The copier (MINER_B's endpoint) asks nobody; it hands back A's last signed answer verbatim.
    let stolen: { headers: Record<string, string>; body: string } | undefined;
    const copier = await listen(
      createServer(async (req, res) => {
        for await (const _ of req);
        res.writeHead(200, { "content-type": "application/json", ...stolen?.headers });
        res.end(stolen?.body ?? "{}");
      }),
    );
    const a = acct(MINER_A).address;
    const b = acct(MINER_B).address;
    const [fromA] = await dendrite.query([{ uid: 0, hotkey: a, endpoint: honest.url }], Echo, {
      text: "q",
    });
    expect(fromA?.status).toBe("ok");
    const proof = fromA?.proof;
    if (!proof) throw new Error("no proof");
    stolen = { headers: responseHeaders(proof.response), body: proof.responseBody };
    const [fromB] = await dendrite.query([{ uid: 1, hotkey: b, endpoint: copier.url }], Echo, {
      text: "q",
    });
    expect(fromB?.status).toBe("invalid");
    expect(fromB?.error).toBe(`response signed by ${a}, not the queried miner ${b}`);
    expect(fromB?.response).toBeUndefined();
    await copier.close();
  });
});

describe("dendrite nonces", () => {
  it("test_dendrite_nonceFile_keepsNoncesIncreasingAcrossRestarts", async () => {
    const nonceFile = path.join(dir, "dendrite", "nonce.json");
    const seen: bigint[] = [];
    const recorder = await listen(
      createServer(async (req, res) => {
        for await (const _ of req);
        seen.push(BigInt(req.headers["x-noos-nonce"] as string));
        res.writeHead(503);
        res.end("{}");
      }),
    );
    const target = [{ uid: 0, hotkey: acct(MINER_A).address, endpoint: recorder.url }];
    const first = createDendrite({ account: acct(V0), netuid, nonceFile });
    await first.query([...target, ...target], Echo, { text: "a" });
    const reserved = BigInt(JSON.parse(await readFile(nonceFile, "utf8")).reserved);
    expect(reserved).toBeGreaterThan(seen[1] ?? 0n);
    // A clock that went back (a far-future reservation stands for it): the next process still
    // starts above everything the file reserved.
    const future = reserved + 10n ** 12n;
    await writeFile(nonceFile, JSON.stringify({ reserved: future.toString() }));
    const second = createDendrite({ account: acct(V0), netuid, nonceFile });
    await second.query(target, Echo, { text: "b" });
    expect(seen.length).toBe(3);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[2]).toBeGreaterThan(future);
    await recorder.close();
  });
});

describe("metagraph", () => {
  it("test_metagraph_matchesChainAndRefreshesOnEvents", async () => {
    const { subnetRegistry } = net.deployment.contracts;
    const chain = await getNeurons(net.publicClient, { address: subnetRegistry, netuid });
    expect(metagraph.neurons.map((n) => [n.uid, n.hotkey, n.stake, n.validatorPermit])).toEqual(
      chain.map((n) => [n.uid, n.hotkey, n.stake, n.validatorPermit]),
    );
    expect(metagraph.byUid(0)?.hotkey).toBe(acct(V0).address);
    expect(metagraph.byHotkey(acct(V0).address.toLowerCase() as Hex)?.uid).toBe(0);
    expect(metagraph.byHotkey(acct(STRANGER).address)).toBeUndefined();
    expect(metagraph.hyperparams.tempo).toBe(2n);
    expect(metagraph.block).toBeGreaterThan(0n);
    // Stakes are split by the epoch: V0 holds 600/901 of the stake weight.
    expect(metagraph.byUid(0)?.stakeWeight).toBeCloseTo(600 / 901, 3);

    const live = await createMetagraph(net.publicClient, { netuid, registry: subnetRegistry });
    const synced: number[] = [];
    const stop = live.watch({
      resyncMs: 0,
      pollingInterval: 50,
      onSync: (m) => synced.push(m.neurons.length),
    });
    try {
      const n = live.neurons.length;
      const newcomer = net.client(9);
      await newcomer.approveAndWait({ spender: subnetRegistry, amount: parseEther("1") });
      await newcomer.registerNeuronAndWait({ netuid });
      await until(() => live.neurons.length === n + 1);
      await newcomer.setEndpointAndWait({ netuid, endpoint: "http://127.0.0.1:9999" });
      await until(() => live.byHotkey(acct(9).address)?.endpoint === "http://127.0.0.1:9999");
      // Stake lives in Staking: its event for this subnet's role refreshes the stake column.
      const amount = parseEther("5");
      await newcomer.approveAndWait({ spender: net.deployment.contracts.staking, amount });
      await newcomer.stakeAndWait({ role: subnetStakeRole(netuid), amount });
      await until(() => live.byHotkey(acct(9).address)?.stake === amount / 10n ** 9n);
      expect(synced.length).toBeGreaterThanOrEqual(2);
    } finally {
      stop();
    }
  });

  it("test_metagraph_badRegistry_namesTheField", async () => {
    await expect(
      createMetagraph(net.publicClient, { netuid, registry: "0x12" as Hex }),
    ).rejects.toThrow(/registry/);
  });
});

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function listen(
  server: Server,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${port}`, server, close };
}
