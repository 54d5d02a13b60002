// Issue 17: a provider restarted against a different chain at the same RPC URL (a new devnet in
// the same folder) must start fresh: the new chain's order ids and blocks start again from zero,
// so the old cursor and jobs would make it skip or ignore the new orders.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { keccak256, parseEther, toHex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { createProvider, type JobRunner, type ProviderConfig } from "./provider.js";

let stateDir: string;
let net: TestDeployment | undefined;
beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "noos-newchain-"));
});
afterAll(async () => {
  await net?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const echoRunner: JobRunner = async ({ manifestCid }) => ({
  resultCid: `result-of-${manifestCid}`,
  resultHash: keccak256(toHex(`result-of-${manifestCid}`)),
});

function config(deployment: TestDeployment): ProviderConfig {
  return {
    client: deployment.client(5),
    contracts: deployment.deployment.contracts,
    startBlock: BigInt(deployment.deployment.startBlock),
    hostUri: "http://127.0.0.1:0",
    attributes: [],
    stake: parseEther("150"),
    pricing: {
      cpuPerCore: parseEther("0.0001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 2 },
    stateDir,
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 60_000,
    pollIntervalMs: 50,
    runJob: echoRunner,
  };
}

/** Opens an order as tenant 1 (deposit by permit: no approve), leases the provider's bid and waits for its result. */
async function runOneJob(deployment: TestDeployment, tag: string) {
  const tenant = deployment.client(1);
  const { orderId } = await tenant.createOrderAndWait({
    manifestCid: tag,
    manifestHash: keccak256(toHex(tag)),
    token: deployment.deployment.contracts.token,
    maxPricePerSecond: parseEther("0.001"),
    deposit: parseEther("5"),
    resources: { cpuMillis: 1000 },
    placement: {},
    bidWindow: 10,
    jobTimeout: 600,
  });
  await until("the provider's bid", async () =>
    (await tenant.getOrder({ orderId })).bestBidder !== zeroAddress ? true : undefined,
  );
  await tenant.acceptBidAndWait({ orderId });
  const lease = await until("the result", async () => {
    const l = await tenant.getLease({ leaseId: orderId });
    return l.stateName === "ResultSubmitted" ? l : undefined;
  });
  return { orderId, lease };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("provider restarted against a new chain", () => {
  it("sets the old chain's state aside, starts fresh and takes the new chain's jobs", async () => {
    const first = await startTestDeployment();
    net = first;
    const port = first.anvil.port;
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    const provider = await createProvider(common, config(first));
    const old = await runOneJob(first, "job-on-the-old-chain");
    expect(old.orderId).toBe(1n);
    // Move the old chain on, so its cursor is well past where the new chain's orders will be.
    await first.client(0).request({ method: "anvil_mine" as never, params: ["0x40"] as never });
    await new Promise((r) => setTimeout(r, 300));
    common.shutdown();
    await provider.done;
    const oldGenesis = (await first.client(0).getBlock({ blockNumber: 0n })).hash;
    await first.stop();
    net = undefined;

    // Same RPC URL, a new chain: genesis differs (anvil stamps it with the start time).
    await new Promise((r) => setTimeout(r, 1100));
    const second = await startTestDeployment({ port });
    net = second;
    expect((await second.client(0).getBlock({ blockNumber: 0n })).hash).not.toBe(oldGenesis);
    const again = createCommon({ handleSignals: false, logLevel: "silent" });
    const restarted = await createProvider(again, config(second));
    // Order 1 again, on the new chain: the old state said "1: submitted" and cursor far ahead.
    const fresh = await runOneJob(second, "job-on-the-new-chain");
    expect(fresh.orderId).toBe(1n);
    expect(fresh.lease.resultCid).toBe("result-of-job-on-the-new-chain");
    // The provider records "submitted" right after its transaction: wait for its /status to say so.
    const job = await until("the provider's record of the new job", async () => {
      const status = (await (await fetch(restarted.statusUrl)).json()) as {
        jobs: Record<string, { state: string; resultCid?: string }>;
      };
      return status.jobs["1"]?.state === "submitted" ? status.jobs["1"] : undefined;
    });
    expect(job.resultCid).toBe("result-of-job-on-the-new-chain");
    again.shutdown();
    await restarted.done;
    // The old chain's state is kept aside, not deleted.
    expect((await readdir(stateDir)).filter((f) => f.startsWith("provider.stale-"))).toHaveLength(
      1,
    );
  });
});
