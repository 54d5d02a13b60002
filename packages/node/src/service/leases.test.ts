// Service leases end to end on a real anvil, with a real provider daemon, content store, HTTP
// servers and onnxruntime: the tenant deploys a service manifest of a PyTorch-exported model,
// reads the endpoint from the provider's lease status, and gets PyTorch-export outputs within
// 1e-4 of local onnxruntime; the provider collects the per-second pay; a provider restart brings
// the server back; a closed lease stops serving.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { computeMarketAbi, createX402Client, getChannel } from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import * as ort from "onnxruntime-node";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Common, createCommon } from "../common.js";
import { createProvider, type ProviderConfig } from "../provider/provider.js";
import { deployService, readLeaseStatus } from "../tenant/deployService.js";
import { inferService } from "./client.js";
import { createServiceHost, x402PaywallFactory } from "./leases.js";

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples");
const cnnPath = path.join(examples, "zk/models/cnn.onnx");
let net: TestDeployment;
let dir: string;
let sample: number[];
let expected: Float32Array;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-service-"));
  sample = (
    JSON.parse(await readFile(path.join(examples, "zk/data/cnn.input.json"), "utf8")) as {
      input_data: number[][];
    }
  ).input_data[0] as number[];
  const local = await ort.InferenceSession.create(cnnPath);
  const out = await local.run({
    input: new ort.Tensor("float32", Float32Array.from(sample), [1, 64]),
  });
  expected = out.output?.data as Float32Array;
  await local.release();
});
afterAll(async () => {
  await net?.stop();
  await rm(dir, { recursive: true, force: true });
});

function providerConfig(
  statusPort: number,
  stateDir: string,
  services: ProviderConfig["services"],
): ProviderConfig {
  return {
    client: net.client(5),
    contracts: net.deployment.contracts,
    startBlock: BigInt(net.deployment.startBlock),
    hostUri: `http://127.0.0.1:${statusPort}`,
    attributes: [{ key: "region", value: "eu" }],
    stake: parseEther("150"),
    pricing: {
      cpuPerCore: parseEther("0.00001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 2 },
    stateDir,
    listen: { host: "127.0.0.1", port: statusPort },
    withdrawIntervalMs: 200,
    serviceSettleIntervalMs: 300,
    serviceDrainMs: 1_000,
    pollIntervalMs: 50,
    runJob: async () => {
      throw new Error("no batch jobs in this test");
    },
    services,
  };
}

async function writeManifest(name: string, extra = "") {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `version: "1"
kind: service
model: ${cnnPath}
resources: { cpu: 1, memory: 256Mi }
placement: { attributes: { region: eu } }
pricing: { maxPricePerSecond: "0.0001", deposit: "1"${extra} }
service: { name: ${name}, maxBatchSize: 8 }
bidWindow: 10s
`,
  );
  return file;
}

describe("service leases", () => {
  it("test_serviceLease_deployInferRestartClose_endToEnd", async () => {
    const store = createStore({ kind: "local", dir: path.join(dir, "store") });
    const statusPort = await freePort();
    const config = () =>
      providerConfig(
        statusPort,
        path.join(dir, "provider"),
        createServiceHost({ store, listenHost: "127.0.0.1" }),
      );
    let common: Common = createCommon({ handleSignals: false, logLevel: "silent" });
    let provider = await createProvider(common, config());

    const manifest = await writeManifest("digits-cnn");
    const tenant = net.client(1);
    const deployed = await deployService({
      client: tenant,
      contracts: net.deployment.contracts,
      store,
      manifestPath: manifest,
      acceptFirstBid: true,
      pollIntervalMs: 100,
    });
    expect(deployed.model).toBe("digits-cnn");
    expect(deployed.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const order = await tenant.getOrder({ orderId: deployed.leaseId });
    expect(order.jobTimeout).toBe(0);
    const status = await readLeaseStatus(`http://127.0.0.1:${statusPort}`, deployed.leaseId);
    expect(status.services["digits-cnn"]?.uris).toEqual([deployed.endpoint]);

    const call = () =>
      inferService({
        endpoint: deployed.endpoint,
        model: "digits-cnn",
        input: { input_data: [sample] },
      });
    const first = await call();
    expect(first.output_data[0]).toHaveLength(10);
    first.output_data[0]?.forEach((v, i) => {
      expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-4);
    });

    // The provider settles the service lease as it runs: the tenant's escrow pays per second.
    await until("a settlement", async () => {
      const settled = await tenant.getContractEvents({
        address: net.deployment.contracts.market,
        abi: computeMarketAbi,
        eventName: "LeaseSettled",
        args: { leaseId: deployed.leaseId },
        fromBlock: 0n,
      });
      return settled.some((e) => (e.args.accrued ?? 0n) > 0n) ? true : undefined;
    });

    // Provider restart: the server goes down with it and comes back at the same endpoint.
    common.shutdown();
    await provider.done;
    await expect(call()).rejects.toThrow();
    common = createCommon({ handleSignals: false, logLevel: "silent" });
    provider = await createProvider(common, config());
    const again = await until("the restarted service", () => call());
    expect(again.output_data).toEqual(first.output_data);

    // The tenant closes the lease: the provider drains and stops serving; the escrow left goes
    // back to the tenant's market balance.
    await tenant.closeLeaseAndWait({ leaseId: deployed.leaseId });
    await until("the service to stop", async () =>
      (await call().then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    const after = await until("the lease recorded as closed", async () => {
      const status = (await (await fetch(provider.statusUrl)).json()) as {
        jobs: Record<string, { state: string }>;
        services: unknown[];
      };
      return status.jobs[deployed.leaseId.toString()]?.state === "closed" ? status : undefined;
    });
    expect(after.services).toEqual([]);
    common.shutdown();
    await provider.done;
  });

  it("test_paidServiceLease_402ThenPaidCalls_claimLandsOnChainWhenLeaseCloses", async () => {
    const store = createStore({ kind: "local", dir: path.join(dir, "store") });
    const statusPort = await freePort();
    const stateDir = path.join(dir, "provider-paid");
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    const providerClient = net.client(6);
    const paywall = x402PaywallFactory(common, {
      client: providerClient,
      contracts: net.deployment.contracts,
      stateDir,
      claim: { intervalMs: 600_000 }, // only the lease's end claims here
    });
    expect(paywall).toBeDefined();
    const provider = await createProvider(common, {
      ...providerConfig(
        statusPort,
        stateDir,
        createServiceHost({ store, listenHost: "127.0.0.1", paywall }),
      ),
      client: providerClient,
    });
    const deployed = await deployService({
      client: net.client(1),
      contracts: net.deployment.contracts,
      store,
      manifestPath: await writeManifest("digits-paid", ', perThousandSamples: "1"'),
      provider: providerClient.account.address,
      pollIntervalMs: 100,
    });
    expect(deployed.pricePerThousandSamples).toBe(parseEther("1"));
    const url = `${deployed.endpoint}/v2/models/digits-paid/infer`;
    const request = JSON.stringify({
      inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: sample }],
    });
    // A plain call (curl) is asked to pay.
    const unpaid = await fetch(url, { method: "POST", body: request });
    expect(unpaid.status).toBe(402);
    expect(unpaid.headers.get("payment-required")).toBeTruthy();

    const payer = createX402Client({
      wallet: net.client(2),
      maxPerCall: parseEther("0.01"),
      maxTotal: parseEther("1"),
      deposit: parseEther("0.5"),
    });
    for (let i = 0; i < 3; i++) {
      const paid = await inferService({
        endpoint: deployed.endpoint,
        model: "digits-paid",
        input: { input_data: [sample] },
        fetch: payer.fetch,
      });
      expect(paid.paymentResponse).toBeTruthy();
      expect(Math.abs((paid.output_data[0]?.[0] as number) - (expected[0] as number))).toBeLessThan(
        1e-4,
      );
    }
    expect(payer.spent()).toBe(3n * parseEther("0.001")); // 1 NOOS per 1,000 samples, 1 sample each
    const [channel] = payer.channels();
    if (!channel) throw new Error("the payer opened no channel");
    const contract = net.deployment.contracts.paymentChannels as `0x${string}`;
    expect(
      (await getChannel(net.client(0), { address: contract, channelId: channel.channelId }))
        .totalClaimed,
    ).toBe(0n);

    // The lease closes: the provider drains, then claims every voucher it holds.
    await net.client(1).closeLeaseAndWait({ leaseId: deployed.leaseId });
    await until("the provider's claim", async () => {
      const state = await getChannel(net.client(0), {
        address: contract,
        channelId: channel.channelId,
      });
      return state.totalClaimed === payer.spent() ? true : undefined;
    });
    expect(
      (await fetch(url, { method: "POST", body: request }).catch(() => undefined))?.status ?? 0,
    ).not.toBe(200);
    common.shutdown();
    await provider.done;
  });
});
