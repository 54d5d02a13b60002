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
import { createStore } from "@noosphere/storage";
import * as ort from "onnxruntime-node";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Common, createCommon } from "../common.js";
import { createProvider, type ProviderConfig } from "../provider/provider.js";
import { deployService, readLeaseStatus } from "../tenant/deployService.js";
import { inferService } from "./client.js";
import { createServiceHost } from "./leases.js";

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

describe("service leases", () => {
  it("test_serviceLease_deployInferRestartClose_endToEnd", async () => {
    const store = createStore({ kind: "local", dir: path.join(dir, "store") });
    const statusPort = await freePort();
    const config = (): ProviderConfig => ({
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
      bidDeposit: parseEther("0.5"),
      stateDir: path.join(dir, "provider"),
      listen: { host: "127.0.0.1", port: statusPort },
      withdrawIntervalMs: 200,
      serviceSettleIntervalMs: 300,
      serviceDrainMs: 1_000,
      pollIntervalMs: 50,
      runJob: async () => {
        throw new Error("no batch jobs in this test");
      },
      services: createServiceHost({ store, listenHost: "127.0.0.1" }),
    });
    let common: Common = createCommon({ handleSignals: false, logLevel: "silent" });
    let provider = await createProvider(common, config());

    const manifest = path.join(dir, "service.yaml");
    await writeFile(
      manifest,
      `version: "1"
kind: service
model: ${cnnPath}
resources: { cpu: 1, memory: 256Mi }
placement: { attributes: { region: eu } }
pricing: { maxPricePerSecond: "0.0001", deposit: "1" }
service: { name: digits-cnn, maxBatchSize: 8 }
bidWindow: 10s
`,
    );
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
    await until("a settlement", async () =>
      (await tenant.getLease({ leaseId: deployed.leaseId })).paid > 0n ? true : undefined,
    );

    // Provider restart: the server goes down with it and comes back at the same endpoint.
    common.shutdown();
    await provider.done;
    await expect(call()).rejects.toThrow();
    common = createCommon({ handleSignals: false, logLevel: "silent" });
    provider = await createProvider(common, config());
    const again = await until("the restarted service", () => call());
    expect(again.output_data).toEqual(first.output_data);

    // The tenant closes the lease: the provider drains and stops serving; the rest is refunded.
    await tenant.closeLeaseAndWait({ leaseId: deployed.leaseId });
    await until("the service to stop", async () =>
      (await call().then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    );
    const after = (await (await fetch(provider.statusUrl)).json()) as {
      jobs: Record<string, { state: string }>;
      services: unknown[];
    };
    expect(after.jobs[deployed.leaseId.toString()]?.state).toBe("closed");
    expect(after.services).toEqual([]);
    common.shutdown();
    await provider.done;
  });
});
