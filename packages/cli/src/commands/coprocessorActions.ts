// What `noos coprocessor ...` runs (registered in coprocessor.ts, which loads this module inside
// its actions so that `noos coprocessor --help` loads neither the SDK nor @noosphere/node).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { readDevnet } from "@noosphere/devnet";
import {
  type CoprocessorFile,
  type CoprocessorRequest,
  coprocessorSettings,
  createCommon,
  createCoprocessorNode,
  dequantizeAt,
  parseInputContent,
  quantizeInput,
  requestInputHash,
  VERIFICATION_NAMES,
} from "@noosphere/node";
import {
  coprocessorCoordinatorAbi as abi,
  BaseError,
  createNoosClient,
  createSubscriptionAndWait,
  decodeContractError,
  getClaim,
  getModel,
  getOptimisticDelivery,
  InvalidParameterError,
  inferenceWaitDeadline,
  type NoosphereAddresses,
  noosphereActions,
  requestInferenceAndWait,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { fetchModelArtifacts } from "@noosphere/zk";
import { type Address, type Hex, parseEventLogs } from "viem";
import {
  type Connection,
  daemonKey,
  type GlobalOptions,
  parseAddress,
  parseAmount,
  parseId,
  readClient,
  walletClient,
} from "../context.js";
import { noos, printFields, printJson, printTable } from "../output.js";

const ZERO32 = `0x${"0".repeat(64)}` as Hex;
/** How long `request` waits for the settlement by default (after an optimistic claim's window). */
const DEFAULT_WAIT_S = 180;

/** The coordinator's address in the deployment (devnet.json `contracts.coprocessor`). */
export function coordinatorAddress(
  contracts: NoosphereAddresses | Record<string, string>,
): Address {
  const c = contracts as Record<string, string | undefined>;
  const address = c.coprocessor ?? c.coprocessorCoordinator ?? c.coordinator;
  if (!address) {
    throw new InvalidParameterError({
      field: "contracts.coprocessor",
      expected: "a deployment with the coprocessor coordinator (restart the devnet)",
      received: undefined,
    });
  }
  return address as Address;
}

/** `noos coprocessor status <id>`. */
export async function coprocessorStatus(options: GlobalOptions, id: string) {
  const requestId = parseId("id", id);
  const { connection, client } = await readClient(options);
  const coordinator = coordinatorAddress(connection.contracts);
  const created = await requestsCreated(client, connection, coordinator, requestId);
  const first = created[0];
  if (!first) {
    throw new InvalidParameterError({
      field: "id",
      expected: "the id of a request on this coordinator",
      received: id,
    });
  }
  const { request: r, input } = first;
  const current = await client.readContract({
    address: coordinator,
    abi,
    functionName: "currentInterval",
    args: [r],
  });
  const last = Math.max(1, Math.min(r.frequency, current));
  const intervals = [];
  for (let i = 1; i <= last; i++) {
    const s = await client.readContract({
      address: coordinator,
      abi,
      functionName: "getInterval",
      args: [r.id, i],
    });
    intervals.push({
      interval: i,
      status: STATUS[s.status] ?? String(s.status),
      deliveries: s.deliveries,
      callbackFailed: s.callbackFailed,
      locked: s.locked,
      outputHash: s.outputHash,
    });
  }
  const result = {
    requestId: r.id,
    owner: r.owner,
    modelId: r.modelId,
    verification: VERIFICATION_NAMES[r.verification],
    redundancy: r.redundancy,
    feeCap: r.feeCap,
    inputHash: r.inputHash,
    input: input.values,
    ...(input.cid ? { inputCid: input.cid } : {}),
    subscription: r.period > 0,
    period: r.period,
    frequency: r.frequency,
    currentInterval: current,
    intervals,
  };
  if (options.json) printJson(result);
  else {
    printFields({
      request: r.id,
      model: r.modelId,
      verification: result.verification ?? "?",
      "fee cap": noos(r.feeCap),
      schedule: r.period > 0 ? `${r.frequency} x every ${r.period} s` : "one-shot",
    });
    printTable(
      intervals.map((i) => ({
        ...i,
        callbackFailed: String(i.callbackFailed),
        locked: noos(i.locked),
      })),
    );
  }
}

/** `noos coprocessor subscriptions`. */
export async function coprocessorSubscriptions(
  options: GlobalOptions,
  o: { owner?: string; all?: boolean },
) {
  const owner = o.owner ? parseAddress("--owner", o.owner).toLowerCase() : undefined;
  const { connection, client } = await readClient(options);
  const coordinator = coordinatorAddress(connection.contracts);
  const created = (await requestsCreated(client, connection, coordinator)).filter(
    ({ request: r }) => (o.all || r.period > 0) && (!owner || r.owner.toLowerCase() === owner),
  );
  const rows = [];
  for (const { request: r } of created) {
    const [current, canceledAfter] = await Promise.all([
      client.readContract({
        address: coordinator,
        abi,
        functionName: "currentInterval",
        args: [r],
      }),
      client.readContract({
        address: coordinator,
        abi,
        functionName: "canceledAfter",
        args: [r.id],
      }),
    ]);
    rows.push({
      requestId: r.id,
      owner: r.owner,
      modelId: r.modelId,
      verification: VERIFICATION_NAMES[r.verification] ?? String(r.verification),
      period: r.period,
      frequency: r.frequency,
      currentInterval: current,
      canceledAfter,
      active:
        current >= 1 && current <= r.frequency && (canceledAfter === 0 || current <= canceledAfter),
    });
  }
  if (options.json) printJson({ subscriptions: rows });
  else
    printTable(
      rows.map((r) => ({ ...r, active: String(r.active) })),
      "no subscriptions",
    );
}

const STATUS = ["none", "pending", "delivered", "disputed", "refunded"] as const;

type RequestLog = {
  request: CoprocessorRequest;
  input: { values: readonly bigint[]; hash: Hex; cid: string };
};

async function requestsCreated(
  client: Awaited<ReturnType<typeof readClient>>["client"],
  connection: Connection,
  coordinator: Address,
  requestId?: bigint,
): Promise<RequestLog[]> {
  const logs = await client.getLogs({
    address: coordinator,
    event: abi.find((x) => x.type === "event" && x.name === "RequestCreated") as Extract<
      (typeof abi)[number],
      { type: "event"; name: "RequestCreated" }
    >,
    ...(requestId !== undefined ? { args: { requestId } } : {}),
    fromBlock: BigInt(connection.startBlock),
    toBlock: "latest",
  });
  return logs.map((l) => ({
    request: l.args.request as unknown as CoprocessorRequest,
    input: l.args.input as RequestLog["input"],
  }));
}

type RequestOptions = {
  model: string;
  input?: string;
  /** true: store --input and send its CID; a string: the CID of input content already stored. */
  inputCid?: string | boolean;
  verification: string;
  redundancy: string;
  feeCap: string;
  deadline: string;
  /** Seconds; default 180, and for an optimistic request 180 after its claim's window ends. */
  timeout?: string;
  storeDir?: string;
};

type PrepareOptions = Pick<
  RequestOptions,
  "model" | "input" | "inputCid" | "verification" | "redundancy" | "feeCap" | "storeDir"
>;

/**
 * What `request` and `subscribe` share: the model, the input (inline quantized values, or by CID
 * with its hash), and the escrow topped up to `intervals * feeCap * redundancy`.
 */
async function prepareRequest(
  options: GlobalOptions,
  o: PrepareOptions,
  intervals: number,
  allowOptimistic = false,
) {
  const modelId = parseId("--model", o.model);
  const verification = VERIFICATION_NAMES.indexOf(o.verification as never);
  const optimistic = o.verification === "optimistic";
  if (verification < 0 || (optimistic && !allowOptimistic)) {
    throw new InvalidParameterError({
      field: "--verification",
      expected: allowOptimistic
        ? "one of none, redundant, zk, optimistic"
        : "one of none, redundant, zk",
      received: o.verification,
    });
  }
  if (optimistic && o.inputCid !== undefined) {
    throw new InvalidParameterError({
      field: "--input-cid",
      expected: "an inline --input (an optimistic request carries its Q16.16 values)",
      received: String(o.inputCid),
    });
  }
  const redundancy = o.verification === "redundant" ? Number(o.redundancy) : 1;
  if (!Number.isInteger(redundancy) || redundancy < 1 || redundancy > 16) {
    throw new InvalidParameterError({
      field: "--redundancy",
      expected: "an integer 2..16",
      received: o.redundancy,
    });
  }
  const feeCap = parseAmount("--fee-cap", o.feeCap);
  const { connection, client } = await walletClient(options);
  const coordinator = coordinatorAddress(connection.contracts);
  const token = connection.contracts.token;
  const model = await getModel(client, { address: connection.contracts.modelRegistry, modelId });
  if (!model) {
    throw new InvalidParameterError({
      field: "--model",
      expected: "a registered model id (noos zk register-model)",
      received: o.model,
    });
  }
  const store = createStore({
    kind: "local",
    dir: o.storeDir ?? path.join(options.dir, "store"),
  });
  // The scales: the zk artifacts' manifest, or for an optimistic model its Q16.16 program (the
  // dims from OptimisticModelSet; no artifacts needed).
  const manifest = optimistic
    ? await optimisticManifest(client, coordinator, modelId, BigInt(connection.startBlock), o.model)
    : (
        await fetchModelArtifacts({
          store,
          metadataURI: model.metadataURI,
          onnxHash: model.onnxHash,
          settingsHash: model.settingsHash,
          names: [],
        })
      ).manifest;
  // The input: inline fixed-point values, or (--input-cid) EZKL input JSON in the content store,
  // sent as its CID and the hash of its quantized values (packages/node coprocessor/inputs.ts).
  let content: Uint8Array;
  let inputCid: string | undefined;
  if (typeof o.inputCid === "string") {
    inputCid = o.inputCid;
    content = await store.get(inputCid).catch((err: unknown) => {
      throw new InvalidParameterError({
        field: "--input-cid",
        expected: "the CID of EZKL input JSON in the content store",
        received: `${inputCid} (${err instanceof Error ? err.message : String(err)})`,
      });
    });
  } else {
    if (!o.input) {
      throw new InvalidParameterError({
        field: "--input",
        expected: 'an EZKL input file {"input_data": [[...]]} (or --input-cid <cid>)',
        received: undefined,
      });
    }
    content = await readFile(o.input).catch(() => {
      throw new InvalidParameterError({
        field: "--input",
        expected: "an existing EZKL input file",
        received: o.input,
      });
    });
    if (o.inputCid === true) inputCid = (await store.add(content)).cid;
  }
  let values: bigint[];
  try {
    values = quantizeInput(parseInputContent(content), manifest.inputs, manifest.input_scale);
  } catch (err) {
    throw new InvalidParameterError({
      field: "input_data",
      expected: `EZKL input JSON with ${manifest.inputs} numbers (the model's inputs, flattened)`,
      received: err instanceof Error ? err.message : String(err),
    });
  }
  const zkRequest = o.verification === "zk";
  // Inline: only a hashed-input zk request names its hash (Poseidon); the coordinator computes the
  // others. By CID: the hash the node checks the content against (the zk statement's input hash).
  const inputHash =
    inputCid !== undefined
      ? requestInputHash(values, zkRequest ? model.layout : undefined)
      : zkRequest && model.layout.inputVisibility === "hashed"
        ? requestInputHash(values, model.layout)
        : ZERO32;

  // Escrow: top up to what this request locks (a subscription: each interval at its delivery).
  const needed = feeCap * BigInt(redundancy) * BigInt(intervals);
  const [available] = await client.readContract({
    address: coordinator,
    abi,
    functionName: "escrowOf",
    args: [client.account.address, token],
  });
  const send = async (write: () => Promise<Hex>) => {
    try {
      const hash = await write();
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new BaseError(`Transaction ${hash} reverted.`);
      return receipt;
    } catch (err) {
      throw err instanceof BaseError && err.name !== "BaseError"
        ? err
        : decodeContractError(err, abi);
    }
  };
  if (available < needed) {
    const topUp = needed - available;
    await client.approveAndWait({ spender: coordinator, amount: topUp });
    await send(() =>
      client.writeContract({
        address: coordinator,
        abi,
        functionName: "deposit",
        args: [client.account.address, token, topUp],
      }),
    );
  }
  const input =
    inputCid !== undefined ? { hash: inputHash, cid: inputCid } : { values, hash: inputHash };
  return {
    modelId,
    redundancy,
    feeCap,
    client,
    coordinator,
    token,
    manifest,
    input,
    inputCid,
    inputHash,
  };
}

/** Q16.16: the scale of an optimistic model's inputs and outputs (ARITHMETIC.md). */
const Q16_SCALE = 16;

/** An optimistic model's inputs and scales, from its OptimisticModelSet program. */
async function optimisticManifest(
  client: Awaited<ReturnType<typeof walletClient>>["client"],
  coordinator: Address,
  modelId: bigint,
  fromBlock: bigint,
  received: string,
) {
  const events = await client.getContractEvents({
    address: coordinator,
    abi,
    eventName: "OptimisticModelSet",
    args: { modelId },
    fromBlock,
    strict: true,
  });
  const program = events.at(-1)?.args.model;
  if (!program) {
    throw new InvalidParameterError({
      field: "--model",
      expected: "a model with an optimistic program (setOptimisticModel)",
      received,
    });
  }
  return {
    inputs: Number(program.nIn),
    input_scale: Q16_SCALE,
    output_scales: Array.from({ length: Number(program.nOut) }, () => Q16_SCALE),
  };
}

/** Quantizes the input, funds the escrow, requests, and waits for the interval to settle. */
export async function requestInference(options: GlobalOptions, o: RequestOptions) {
  const deadlineS = Number(o.deadline);
  const timeoutS = Number(o.timeout ?? DEFAULT_WAIT_S);
  // No --timeout on an optimistic request: wait out its claim's window, then DEFAULT_WAIT_S more.
  const optimisticDefault = o.timeout === undefined && o.verification === "optimistic";
  let followWindow = optimisticDefault;
  for (const [field, v] of [
    ["--deadline", deadlineS],
    ["--timeout", timeoutS],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0)
      throw new InvalidParameterError({ field, expected: "a number of seconds > 0", received: v });
  }
  const {
    modelId,
    redundancy,
    feeCap,
    client,
    coordinator,
    token,
    manifest,
    input,
    inputCid,
    inputHash,
  } = await prepareRequest(options, o, 1, true);
  const started = performance.now();
  const { receipt, requestId } = await requestInferenceAndWait(client, {
    address: coordinator,
    modelId,
    input,
    verification: o.verification as "none" | "redundant" | "zk" | "optimistic",
    redundancy,
    token,
    feeCap,
    timeout: Math.ceil(deadlineS),
  });

  // Wait for the interval to settle.
  let deadline = Date.now() + timeoutS * 1000;
  let from = receipt.blockNumber;
  const settled = new Set(["RequestFulfilled", "RequestDisputed", "RequestRefunded"]);
  const delivered: { node: Address; outputHash: Hex; values: readonly bigint[] }[] = [];
  while (Date.now() < deadline) {
    const head = await client.getBlockNumber();
    if (head >= from) {
      const logs = parseEventLogs({
        abi,
        logs: await client.getLogs({ address: coordinator, fromBlock: from, toBlock: head }),
      }).filter((l) => (l.args as { requestId?: bigint }).requestId === requestId);
      for (const l of logs) {
        if (l.eventName === "OutputDelivered") {
          delivered.push({
            node: l.args.node,
            outputHash: l.args.outputHash,
            values: l.args.output.values,
          });
        }
      }
      if (followWindow && delivered.length > 0) {
        // Delivered with a claim: the callback waits for its window (on the chain's clock).
        followWindow = false;
        const { claimId, verifier } = await getOptimisticDelivery(client, {
          address: coordinator,
          requestId,
        });
        if (claimId !== 0n) {
          const [claim, block] = await Promise.all([
            getClaim(client, { address: verifier, claimId }),
            client.getBlock({ blockTag: "latest" }),
          ]);
          deadline = Math.max(
            deadline,
            inferenceWaitDeadline({
              nowMs: Date.now(),
              graceMs: timeoutS * 1000,
              windowEnds: BigInt(claim.windowEnds),
              chainNow: block.timestamp,
            }),
          );
        }
      }
      const end = logs.find((l) => settled.has(l.eventName));
      if (end) {
        const latencyMs = Math.round(performance.now() - started);
        const base = {
          requestId,
          modelId,
          ...(inputCid !== undefined ? { inputCid, inputHash } : {}),
          verification: o.verification,
          requestTxHash: receipt.transactionHash,
          nodes: delivered.map((d) => d.node),
          latencyMs,
        };
        if (end.eventName === "RequestFulfilled") {
          const args = end.args;
          const out = delivered.find((d) => d.outputHash === args.outputHash);
          const ints = out?.values ?? [];
          return {
            ...base,
            status: "delivered" as const,
            output_data: [ints.map((q, i) => dequantizeAt(q, manifest.output_scales[i] ?? 0))],
            output: ints.map(String),
            outputHash: args.outputHash,
            verified: args.verified,
            callbackSucceeded: args.callbackSucceeded,
            nodeFee: args.nodeFee,
            protocolFee: args.protocolFee,
            txHash: end.transactionHash,
          };
        }
        return {
          ...base,
          status:
            end.eventName === "RequestDisputed" ? ("disputed" as const) : ("refunded" as const),
          output_data: [],
          outputs: delivered.map((d) => ({ node: d.node, output: d.values.map(String) })),
          verified: false,
          ...(end.eventName === "RequestDisputed"
            ? { slashed: (end.args as { slashed: readonly Address[] }).slashed }
            : {}),
          txHash: end.transactionHash,
        };
      }
      from = head + 1n;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new BaseError(
    `Request ${requestId} was not settled within ${timeoutS} s${optimisticDefault && !followWindow ? " after its claim's window" : ""}.`,
    {
      metaMessages: [
        "Is a coprocessor node running and serving the model? (noos devnet --coprocessors 1)",
        `noos coprocessor status ${requestId}`,
      ],
    },
  );
}

type SubscribeOptions = PrepareOptions & {
  period: string;
  frequency: string;
  timeout: string;
  activeAt?: string;
};

/** Creates a subscription (escrow topped up for every interval) and returns its id. */
export async function subscribeInference(options: GlobalOptions, o: SubscribeOptions) {
  const positive = (field: string, raw: string) => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v <= 0 || v > 0xffffffff) {
      throw new InvalidParameterError({ field, expected: "a positive integer", received: raw });
    }
    return v;
  };
  const period = positive("--period", o.period);
  const frequency = positive("--frequency", o.frequency);
  const timeout = positive("--timeout", o.timeout);
  const activeAt = o.activeAt === undefined ? 0n : BigInt(positive("--active-at", o.activeAt));
  const { modelId, redundancy, feeCap, client, coordinator, token, input, inputCid } =
    await prepareRequest(options, o, frequency);
  const { receipt, subscriptionId, event } = await createSubscriptionAndWait(client, {
    address: coordinator,
    modelId,
    input,
    verification: o.verification as "none" | "redundant" | "zk",
    redundancy,
    token,
    feeCap,
    period,
    frequency,
    timeout,
    activeAt,
  }).catch((err: unknown) => {
    throw err instanceof BaseError && err.name !== "BaseError"
      ? err
      : decodeContractError(err, abi);
  });
  return {
    subscriptionId,
    modelId,
    verification: o.verification,
    redundancy,
    period,
    frequency,
    activeAt: event.request.activeAt,
    timeout,
    feeCap,
    inputHash: event.request.inputHash,
    ...(inputCid !== undefined ? { inputCid } : {}),
    txHash: receipt.transactionHash,
  };
}

/** Resolves the chain, key and store a node.yaml describes, then runs until SIGINT/SIGTERM. */
export async function startCoprocessorNode(
  file: CoprocessorFile,
  baseDir: string,
  options: GlobalOptions,
) {
  const resolve = (p: string) => path.resolve(baseDir, p);
  const devnet = file.devnet ? await readDevnet(resolve(file.devnet)) : undefined;
  const rpcUrl = file.rpcUrl ?? devnet?.rpcUrl;
  const contracts = devnet?.contracts as NoosphereAddresses | undefined;
  const addresses = file.contracts ?? {
    coprocessor: contracts ? coordinatorAddress(contracts) : undefined,
    modelRegistry: contracts?.modelRegistry,
    staking: contracts?.staking,
    token: contracts?.token,
  };
  if (!rpcUrl || !addresses.coprocessor || !addresses.modelRegistry || !addresses.staking) {
    throw new InvalidParameterError({
      field: "devnet",
      expected: "a running devnet, or rpcUrl + contracts",
      received: file.devnet,
    });
  }
  const key = daemonKey(file, devnet?.accounts.map((a) => a.privateKey) ?? []);
  const client = createNoosClient({
    rpcUrl,
    chainId: devnet?.chainId ?? 31337,
    privateKey: key,
    concurrent: true,
  }).extend(noosphereActions((contracts ?? { token: addresses.token }) as NoosphereAddresses));
  const settings = coprocessorSettings(file);
  const storeDir = file.storeDir
    ? resolve(file.storeDir)
    : path.join(path.resolve(options.dir), "store");
  const common = createCommon({ name: `coprocessor:${client.account.address.slice(0, 8)}` });
  const node = await createCoprocessorNode(common, {
    client,
    coordinator: addresses.coprocessor as Address,
    modelRegistry: addresses.modelRegistry as Address,
    staking: addresses.staking as Address,
    token: (file.token ?? addresses.token) as Address,
    startBlock: BigInt(devnet?.startBlock ?? 0),
    stake: settings.stake,
    models: settings.models,
    serveAll: settings.serveAll,
    store: createStore({ kind: "local", dir: storeDir }),
    stateDir: resolve(file.stateDir),
    listen: file.listen,
    pollIntervalMs: settings.pollIntervalMs,
    singleThread: file.singleThread,
    corruptOutput: file.testing?.corruptOutput ?? false,
  });
  await node.done;
  const { terminateSnarkjs } = await import("@noosphere/zk");
  await terminateSnarkjs();
}
