// Serving benchmark (issue 13): the digits MLP and a digits CNN through the OIP endpoint
// (packages/node/src/service/server.ts) at batch 1 and 64, JSON and binary tensors, unpaid and
// paid with x402 vouchers (the SDK's paying client against the provider's paywall), measured
// against direct in-process onnxruntime in the same run; then the on-chain gas of 1,000 paid calls
// (one deposit, one claimAndSettle). The servers run in a child process (bench/lib/serving-server-
// child.ts), as Triton's perf_analyzer measures a server from outside it; the market path
// (bench/results/provider.json) is quoted beside it.
//   tsx bench/serving.ts [--requests 1000] [--concurrency 8]
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startTestDeployment } from "@noosphere/devnet";
import { createCnnOnnx, createSession, encodeModel } from "@noosphere/ml";
import { decodeResponse, encodeRequest } from "@noosphere/node";
import {
  type ChannelConfig,
  computeChannelId,
  createX402Client,
  getChannel,
  type NoosWalletClient,
  paymentChannelsAbi,
  signVoucher,
  verifyVoucher,
} from "@noosphere/sdk";
import * as ort from "onnxruntime-node";
import { type Hex, type LocalAccount, pad, parseEther, toHex, zeroAddress } from "viem";
import { describeMachine } from "./lib/machine.js";
import type { ServingChildArgs } from "./lib/serving-server-child.js";
import { round, summarize } from "./lib/stats.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench/results/serving.json");
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    calls: { type: "string", default: "1000" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const PAID_CALLS = Number(values.calls);
const PRICE_PER_1000 = parseEther("0.001"); // NOOS per 1,000 samples
const BATCHES = [1, 64] as const;
const log = (line: string) => process.stderr.write(`${line}\n`);

type Model = { name: string; about: string; path: string; batches: readonly number[] };
type Figures = ReturnType<typeof figures>;
type CaseKey = "jsonUnpaid" | "jsonPaid" | "binaryUnpaid" | "binaryPaid";
type Case = { concurrency1: Figures; throughputVsDirect: number } & Record<string, unknown>;
type Row = { model: string; batch: number; direct: Figures } & Record<CaseKey, Case>;
type Encoding = "json" | "binary";

/** Same rows for every path: digits-like pixels in [0, 1], deterministic. */
const rowsOf = (batch: number) =>
  Float32Array.from({ length: batch * 64 }, (_, i) => ((i * 7919) % 17) / 16);

function requestBody(
  batch: number,
  encoding: Encoding,
): { body: Buffer | string; headers: Record<string, string> } {
  const tensor = {
    name: "input",
    datatype: "FP32" as const,
    shape: [batch, 64],
    data: rowsOf(batch),
  };
  if (encoding === "json") {
    return {
      body: JSON.stringify({ inputs: [{ ...tensor, data: Array.from(tensor.data) }] }),
      headers: { "content-type": "application/json" },
    };
  }
  const { body, headerLength } = encodeRequest([tensor], { binaryOutput: true });
  return {
    body,
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(headerLength),
    },
  };
}

/** Runs `count` calls of `fn`, `concurrency` at a time; per-call latency (ms) and the wall time. */
async function drive(count: number, concurrency: number, fn: () => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) {
        const t = performance.now();
        await fn();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, seconds };
}

function figures(run: { latencies: number[]; seconds: number }, batch: number) {
  const rps = run.latencies.length / run.seconds;
  return {
    requestsPerSecond: round(rps, 1),
    samplesPerSecond: round(rps * batch, 0),
    latencyMs: summarize(run.latencies, 3),
  };
}

const loadBefore = loadavg().map((x) => round(x, 2));
const net = await startTestDeployment();
const dir = await mkdtemp(path.join(tmpdir(), "noos-bench-serving-"));
const contracts = net.deployment.contracts as typeof net.deployment.contracts & {
  paymentChannels: `0x${string}`;
};
const cnnPath = path.join(dir, "cnn.onnx");
await writeFile(cnnPath, encodeModel(createCnnOnnx({ seed: 7, input: "flat", channels: 8 })));
// The same CNN 16x wider: enough compute per batch-64 call (~1 ms) to show where serving overhead
// stops dominating (the digits models take tens of microseconds per call).
const wideCnnPath = path.join(dir, "cnn-wide.onnx");
await writeFile(wideCnnPath, encodeModel(createCnnOnnx({ seed: 7, input: "flat", channels: 128 })));
const models: Model[] = [
  {
    name: "mlp",
    about: "digits MLP 64-32-10 (examples/digits/mlp.onnx, dynamic batch)",
    path: path.join(repoRoot, "examples/digits/mlp.onnx"),
    batches: BATCHES,
  },
  {
    name: "cnn",
    about:
      "digits CNN [batch,64] -> Reshape -> Conv 3x3 x8 -> Relu -> Pad -> AveragePool -> Flatten -> Gemm (createCnnOnnx, torch.onnx.export's layout, random weights)",
    path: cnnPath,
    batches: BATCHES,
  },
  {
    name: "cnn-wide",
    about: "the same CNN with 128 conv channels (createCnnOnnx, random weights): batch 64 only",
    path: wideCnnPath,
    batches: [64],
  },
];
const childArgs: ServingChildArgs = {
  rpcUrl: net.anvil.rpcUrl,
  chainId: net.anvil.chainId,
  providerKey: net.accounts[4]?.privateKey as Hex,
  contract: contracts.paymentChannels,
  token: contracts.token,
  pricePer1000: PRICE_PER_1000.toString(),
  models: models.map((m) => ({ name: m.name, path: m.path, maxBatchSize: 1024 })),
};
const child = fork(
  path.join(repoRoot, "bench/lib/serving-server-child.ts"),
  [JSON.stringify(childArgs)],
  {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  },
);
const message = <T>(key: string) =>
  new Promise<T>((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off("message", onMessage);
        resolve(m[key] as T);
      }
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`the server process exited with ${code}`)));
  });

try {
  const urls = await message<{ unpaid: string; paid: string }>("urls");
  log(`servers: unpaid ${urls.unpaid}, paid ${urls.paid}`);
  const payer = (wallet: NoosWalletClient, salt: number) =>
    createX402Client({
      wallet,
      maxPerCall: parseEther("1"),
      maxTotal: parseEther("1000"),
      deposit: parseEther("100"),
      salt: pad(toHex(salt), { size: 32 }),
    });

  const results: Row[] = [];
  for (const model of models) {
    const session = await createSession(model.path, { threads: 1 });
    for (const batch of model.batches) {
      const n = batch === 1 ? REQUESTS : Math.max(200, Math.floor(REQUESTS / 4));
      // Direct: the same session kind the server uses (1 intra-op thread), the same rows.
      const feeds = { input: new ort.Tensor("float32", rowsOf(batch), [batch, 64]) };
      const direct = await session.ort.run(feeds);
      const expected = direct[session.outputs[0]?.name as string]?.data as Float32Array;
      await drive(Math.min(n, 500), 1, async () => void (await session.ort.run(feeds)));
      const directRun = figures(
        await drive(n, 1, async () => void (await session.ort.run(feeds))),
        batch,
      );
      log(
        `${model.name} b${batch} direct: ${directRun.requestsPerSecond} req/s, p50 ${directRun.latencyMs.p50} ms`,
      );
      const row = { model: model.name, batch, direct: directRun } as Row;
      for (const encoding of ["json", "binary"] as const) {
        const { body, headers } = requestBody(batch, encoding);
        for (const paid of [false, true]) {
          const base = paid ? urls.paid : urls.unpaid;
          const url = `${base}/v2/models/${model.name}/infer`;
          // Paid: one paying client (one channel) per lane; the client serializes its own calls.
          const lanes = Array.from({ length: CONCURRENCY }, (_, i) =>
            paid
              ? payer(
                  net.client(3),
                  1000 * batch + 100 * models.indexOf(model) + (encoding === "json" ? 0 : 50) + i,
                ).fetch
              : fetch,
          );
          let checked = false;
          const call = (lane: number) => async () => {
            const res = await (lanes[lane] as typeof fetch)(url, { method: "POST", headers, body });
            const bytes = new Uint8Array(await res.arrayBuffer());
            if (res.status !== 200)
              throw new Error(`${url}: HTTP ${res.status} ${Buffer.from(bytes).toString()}`);
            if (!checked) {
              checked = true;
              const out = decodeResponse(bytes, res.headers.get("inference-header-content-length"));
              const got = (out.outputs[0]?.data ?? []) as number[];
              const worst = got.reduce(
                (m, v, i) => Math.max(m, Math.abs(v - (expected[i] ?? Number.NaN))),
                0,
              );
              if (got.length !== expected.length || !(worst <= 1e-4))
                throw new Error(
                  `${model.name} b${batch} ${encoding}: the endpoint's output differs from direct onnxruntime by ${worst}`,
                );
            }
          };
          // Warm-up (and, paid, the channel's deposit) outside the measurement.
          for (let i = 0; i < CONCURRENCY; i++) for (let k = 0; k < 5; k++) await call(i)();
          const sequential = figures(await drive(n, 1, call(0)), batch);
          let lane = 0;
          const concurrentRun = await drive(n, CONCURRENCY, () => call(lane++ % CONCURRENCY)());
          const concurrent = figures(concurrentRun, batch);
          const key: CaseKey = `${encoding}${paid ? "Paid" : "Unpaid"}`;
          row[key] = {
            concurrency1: sequential,
            [`concurrency${CONCURRENCY}`]: concurrent,
            // The better of the two loads, as perf_analyzer reports the best of its concurrency sweep.
            throughputVsDirect: round(
              Math.max(concurrent.samplesPerSecond, sequential.samplesPerSecond) /
                directRun.samplesPerSecond,
              3,
            ),
          };
          log(
            `${model.name} b${batch} ${key}: c1 p50 ${sequential.latencyMs.p50} ms p95 ${sequential.latencyMs.p95} ms ${sequential.requestsPerSecond} req/s; c${CONCURRENCY} ${concurrent.requestsPerSecond} req/s (${concurrent.samplesPerSecond} samples/s)`,
          );
        }
      }
      results.push(row);
    }
    await session.release();
  }

  // Where a paid call's extra time goes: the client's voucher signature and the server's
  // recovery of it (viem over @noble/curves, pure JS), timed here in-process.
  const signer = net.accounts[6]?.account as LocalAccount;
  const voucherDomain = {
    chainId: net.anvil.chainId,
    verifyingContract: contracts.paymentChannels,
  };
  const voucherConfig: ChannelConfig = {
    payer: signer.address,
    payerAuthorizer: zeroAddress,
    receiver: signer.address,
    receiverAuthorizer: signer.address,
    token: contracts.token,
    withdrawDelay: 3600,
    salt: pad(toHex(0), { size: 32 }),
  };
  const channelId = computeChannelId(voucherConfig, voucherDomain);
  let voucher = await signVoucher(signer, {
    channelId,
    maxClaimableAmount: 1n,
    domain: voucherDomain,
  });
  let amount = 1n;
  const signRun = await drive(300, 1, async () => {
    voucher = await signVoucher(signer, {
      channelId,
      maxClaimableAmount: ++amount,
      domain: voucherDomain,
    });
  });
  const verifyRun = await drive(300, 1, async () => {
    if (!(await verifyVoucher(voucher, voucherConfig, voucherDomain)))
      throw new Error("a voucher did not verify");
  });
  const voucherCrypto = {
    signMs: summarize(signRun.latencies, 3),
    verifyMs: summarize(verifyRun.latencies, 3),
  };
  log(
    `voucher sign p50 ${voucherCrypto.signMs.p50} ms, verify p50 ${voucherCrypto.verifyMs.p50} ms`,
  );

  // Gas: settle what the runs above charged, then 1,000 paid calls on one fresh channel and the
  // one transaction that claims and settles them.
  await new Promise((r) => setTimeout(r, 0));
  child.send({ op: "claim" });
  const earlier = await message<{ gasUsed: string; channels: number } | undefined>("claim");
  const client = payer(net.client(5), 1);
  const body = requestBody(1, "binary");
  const url = `${urls.paid}/v2/models/mlp/infer`;
  const fromBlock = await net.client(0).getBlockNumber();
  for (let i = 0; i < PAID_CALLS; i++) {
    const res = await client.fetch(url, { method: "POST", ...body });
    if (res.status !== 200) throw new Error(`paid call ${i}: HTTP ${res.status}`);
    await res.arrayBuffer();
  }
  const deposits = await net.client(0).getContractEvents({
    address: contracts.paymentChannels,
    abi: paymentChannelsAbi,
    eventName: "Deposited",
    fromBlock,
  });
  const depositGas = await Promise.all(
    deposits.map(
      async (d) => (await net.client(0).getTransactionReceipt({ hash: d.transactionHash })).gasUsed,
    ),
  );
  child.send({ op: "claim" });
  const claim = await message<{ gasUsed: string; channels: number; amount: string; hash: Hex }>(
    "claim",
  );
  const claimGas = Number(claim.gasUsed);
  const onChain = await getChannel(net.client(0), {
    address: contracts.paymentChannels,
    channelId: client.channels()[0]?.channelId as Hex,
  });
  log(
    `1,000 paid calls: claimAndSettle ${claimGas} gas (deposit ${depositGas.join(", ")}), charged ${claim.amount} wei`,
  );

  const market = JSON.parse(
    readFileSync(path.join(repoRoot, "bench/results/provider.json"), "utf8"),
  ) as {
    runs: Record<
      string,
      {
        date: string;
        metrics: {
          marketJobsPerSecond: number;
          latencySeconds: { total: { p50: number }; leaseToResult: { p50: number } };
        };
      }
    >;
  };
  const marketRuns = Object.entries(market.runs).sort((a, b) => a[1].date.localeCompare(b[1].date));
  const [marketLabel, marketRun] = marketRuns[marketRuns.length - 1] ?? [];

  const mlp1 = results.find((r) => r.model === "mlp" && r.batch === 1);
  const targetRows = results.map((x) => {
    return {
      model: x.model,
      batch: x.batch,
      p50MsUnpaidBinary: x.binaryUnpaid.concurrency1.latencyMs.p50,
      p50MsPaidBinary: x.binaryPaid.concurrency1.latencyMs.p50,
      p50MsUnpaidJson: x.jsonUnpaid.concurrency1.latencyMs.p50,
      p50MsPaidJson: x.jsonPaid.concurrency1.latencyMs.p50,
      throughputVsDirectBinaryUnpaid: x.binaryUnpaid.throughputVsDirect,
      throughputVsDirectBinaryPaid: x.binaryPaid.throughputVsDirect,
    };
  });
  const out = {
    name: "serving",
    about:
      "OIP V2 endpoint (node:http, dynamic batching over warm onnxruntime sessions, 1 intra-op thread) vs direct in-process onnxruntime (same session options, same rows), same run. Servers in a child process; load from this process with Node's fetch (keep-alive). concurrency1: one call at a time (latency); concurrencyN: N lanes, paid lanes each with their own channel (the paying client serializes the calls of one channel). throughputVsDirect: endpoint samples/s (the better of concurrency 1 and N) over direct samples/s. Paid: x402 v2 batch-settlement vouchers (one EIP-712 signature per call by the client, one recovery per call by the server) on a devnet PaymentChannels channel.",
    date: new Date().toISOString(),
    machine: describeMachine(),
    // The machine is shared (other builds and tests run beside it): its 1/5/15-minute load.
    loadAverage: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
    inputs: {
      requestsPerCase: REQUESTS,
      batch64RequestsPerCase: Math.max(200, Math.floor(REQUESTS / 4)),
      concurrency: CONCURRENCY,
      serverMaxBatchSize: 1024,
      maxQueueDelayMicroseconds: 0,
      pricePer1000Samples: `${PRICE_PER_1000} wei`,
      models: models.map((m) => ({ name: m.name, about: m.about })),
    },
    results,
    voucherCrypto,
    gas: {
      paidCalls: PAID_CALLS,
      claimAndSettleGas: claimGas,
      depositGas: depositGas.map(Number),
      per1000PaidCalls: Math.round((claimGas * 1000) / PAID_CALLS),
      per1000PaidCallsWithDeposit: Math.round(
        ((claimGas + depositGas.reduce((a, b) => a + Number(b), 0)) * 1000) / PAID_CALLS,
      ),
      chargedWei: claim.amount,
      channelOnChain: {
        totalClaimed: onChain.totalClaimed.toString(),
        balance: onChain.balance.toString(),
      },
      earlierClaim: earlier
        ? { channels: earlier.channels, gasUsed: Number(earlier.gasUsed) }
        : null,
    },
    marketPath: marketRun
      ? {
          source: `bench/results/provider.json runs["${marketLabel}"] (${marketRun.date})`,
          jobsPerSecond: marketRun.metrics.marketJobsPerSecond,
          totalP50Seconds: marketRun.metrics.latencySeconds.total.p50,
          leaseToResultP50Seconds: marketRun.metrics.latencySeconds.leaseToResult.p50,
          endpointBatch1P50MsUnpaid: mlp1?.binaryUnpaid?.concurrency1.latencyMs.p50,
        }
      : null,
    targets: {
      rows: targetRows,
      batch64ThroughputAtLeastHalfOfDirect: targetRows
        .filter((r) => r.batch === 64)
        .map((r) => ({
          model: r.model,
          unpaid: r.throughputVsDirectBinaryUnpaid >= 0.5,
          paid: r.throughputVsDirectBinaryPaid >= 0.5,
        })),
      batch1P50UnpaidAtMost2Ms: targetRows
        .filter((r) => r.batch === 1)
        .map((r) => ({
          model: r.model,
          binary: r.p50MsUnpaidBinary <= 2,
          json: r.p50MsUnpaidJson <= 2,
        })),
      batch1P50PaidAtMost3Ms: targetRows
        .filter((r) => r.batch === 1)
        .map((r) => ({
          model: r.model,
          binary: r.p50MsPaidBinary <= 3,
          json: r.p50MsPaidJson <= 3,
        })),
      gasPer1000PaidCallsAtMost100k: Math.round((claimGas * 1000) / PAID_CALLS) <= 100_000,
    },
    anchors: {
      triton:
        "perf_analyzer -m simple (tiny add/sub), HTTP, concurrency 1: 1,407.84 infer/s, p50 690 us, p99 1,031 us (NVIDIA quick start; hardware not stated)",
      mlserver:
        "sum model, 1,024-element tensor, local, 100 workers: REST 1,439.73 req/s (mean 69.2 ms), gRPC 2,806.48 req/s (MLServer benchmarking README)",
      x402BatchSettlement:
        "claim 1 voucher 40,252 gas + settle 31,204 gas (x402 Foundry snapshot, mock tokens)",
    },
  };
  await writeFile(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${path.relative(repoRoot, resultsFile)}`);
} finally {
  child.send({ op: "stop" });
  await new Promise((r) => child.once("exit", r));
  await net.stop();
  await rm(dir, { recursive: true, force: true });
}
