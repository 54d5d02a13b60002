// `noos demo dao-delegate`: an OpenZeppelin Governor DAO whose largest voter is an AI delegate.
// Deploys the DAO (DaoToken on a timestamp clock, TimelockController, DaoGovernor) and the
// AiDelegate, takes examples/coprocessor/dao-delegate/model.onnx through the zk pipeline, lets a
// holder delegate 55% of the votes to the delegate, and makes two proposals whose descriptions
// commit to their feature vectors: a clear one (the delegate votes on a zk-verified classification)
// and a contested one (the margin is below the DAO's threshold: it abstains and escalates, and a
// human decides). Then the DAO lowers the threshold through propose -> vote -> queue -> execute.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  aiDelegateAbi,
  aiDelegateBytecode,
  BaseError,
  coprocessorCoordinatorAbi,
  daoGovernorAbi,
  daoGovernorBytecode,
  daoTimelockAbi,
  daoTimelockBytecode,
  daoTokenAbi,
  daoTokenBytecode,
  depositCoprocessorEscrowAndWait,
} from "@noosphere/sdk";
import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  keccak256,
  parseEther,
  parseEventLogs,
  zeroAddress,
} from "viem";
import { type DemoContext, type DemoWallet, deployContract, sendTransaction } from "./common.js";

export const description =
  "an OpenZeppelin Governor DAO with an AI delegate: zk-verified votes on clear proposals, escalation to the humans on contested ones";

const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.resolve(here, "../../../../examples/coprocessor/dao-delegate");

const SUPPLY = parseEther("1000000");
const VOTING_DELAY = 1; // seconds (the token's clock is block.timestamp)
const VOTING_PERIOD = 600;
const TIMELOCK_DELAY = 60;
const QUORUM_PERCENT = 4n;
/** The delegate's initial margin threshold: 1.0 logit (ten-thousandths of a logit). */
const THRESHOLD = 10_000n;
/** What the DAO changes it to. */
const NEW_THRESHOLD = 1_000n;
const FEE_CAP = parseEther("0.1");
const SUPPORT = ["Against", "For", "Abstain"] as const;

type Example = {
  name: string;
  title: string;
  features: number[];
  featuresFixed: number[];
  logits: number[];
  margin: number;
};

export async function run(ctx: DemoContext): Promise<Record<string, unknown>> {
  const started = Date.now();
  const examples = JSON.parse(
    readFileSync(path.join(appDir, "examples.json"), "utf8"),
  ) as Example[];
  const pick = (name: string) => {
    const e = examples.find((x) => x.name === name);
    if (!e) throw new BaseError(`examples.json has no "${name}" proposal.`);
    return e;
  };
  const admin = ctx.wallet(0); // deploys; the DAO's founding holder
  const alice = ctx.wallet(1); // delegates her votes to the AI
  const bob = ctx.wallet(2); // votes himself; proposes
  const keeper = ctx.wallet(3); // anyone: triggers the delegate
  const gas: Record<string, number> = {};
  const txs: Record<string, Hex> = {};

  // 1. The model through the zk pipeline (public inputs: the coordinator binds them on chain).
  ctx.say("dao-delegate: the classifier through the zk pipeline...");
  const model = await ctx.prepareZkModel({
    name: "dao-delegate",
    onnx: path.join(appDir, "model.onnx"),
    calibration: path.join(appDir, "calibration.json"),
    inputVisibility: "public",
  });
  const { inputScale, outputScale } = model;

  // 2. The DAO and the delegate.
  ctx.say("deploying the DAO (token, timelock, governor) and the AI delegate...");
  const token = await deployContract(admin, daoTokenAbi, daoTokenBytecode, [
    "Noos DAO",
    "NDAO",
    admin.account.address,
    SUPPLY,
  ]);
  const timelock = await deployContract(admin, daoTimelockAbi, daoTimelockBytecode, [
    BigInt(TIMELOCK_DELAY),
    [],
    [zeroAddress],
    admin.account.address,
  ]);
  const governor = await deployContract(admin, daoGovernorAbi, daoGovernorBytecode, [
    token,
    timelock,
    VOTING_DELAY,
    VOTING_PERIOD,
    0n,
    QUORUM_PERCENT,
  ]);
  const delegate = await deployContract(admin, aiDelegateAbi, aiDelegateBytecode, [
    ctx.contracts.coprocessor,
    governor,
    timelock,
    { modelId: model.modelId, featureCount: 5, inputScale, outputScale },
    THRESHOLD,
    { token: ctx.contracts.token, feeCap: FEE_CAP, callbackGasLimit: 400_000, timeout: 600 },
  ]);
  const role = async (name: "PROPOSER_ROLE" | "CANCELLER_ROLE" | "DEFAULT_ADMIN_ROLE") =>
    (await admin.readContract({
      address: timelock,
      abi: daoTimelockAbi,
      functionName: name,
    })) as Hex;
  await sendTransaction(admin, timelock, daoTimelockAbi, "grantRole", [
    await role("PROPOSER_ROLE"),
    governor,
  ]);
  await sendTransaction(admin, timelock, daoTimelockAbi, "grantRole", [
    await role("CANCELLER_ROLE"),
    governor,
  ]);
  await sendTransaction(admin, timelock, daoTimelockAbi, "renounceRole", [
    await role("DEFAULT_ADMIN_ROLE"),
    admin.account.address,
  ]);

  // The delegate pays the coprocessor from its escrow at the coordinator (anyone may fund it).
  await sendTransaction(admin, ctx.contracts.token, erc20Abi, "approve", [
    ctx.contracts.coprocessor,
    parseEther("1"),
  ]);
  await depositCoprocessorEscrowAndWait(admin, {
    address: ctx.contracts.coprocessor,
    account: delegate,
    token: ctx.contracts.token,
    amount: parseEther("1"),
  });

  // Votes: alice 55% delegated to the AI, bob 35% himself, 10% is the DAO's treasury (timelock).
  await sendTransaction(admin, token, daoTokenAbi, "transfer", [
    alice.account.address,
    (SUPPLY * 55n) / 100n,
  ]);
  await sendTransaction(admin, token, daoTokenAbi, "transfer", [
    bob.account.address,
    (SUPPLY * 35n) / 100n,
  ]);
  const treasury = (SUPPLY * 10n) / 100n;
  await sendTransaction(admin, token, daoTokenAbi, "transfer", [timelock, treasury]);
  await sendTransaction(alice, token, daoTokenAbi, "delegate", [delegate]);
  await sendTransaction(bob, token, daoTokenAbi, "delegate", [bob.account.address]);
  await advance(ctx, 1);

  // 3. Two proposals whose descriptions commit to their features; both open for voting.
  const grantee = ctx.devnet.accounts[3]?.address as Address;
  const proposals = [pick("clear"), pick("uncertain")].map((e) => {
    const share = BigInt(Math.round((e.features[0] ?? 0) * 10_000));
    const calldata = encodeFunctionData({
      abi: daoTokenAbi,
      functionName: "transfer",
      args: [grantee, (treasury * share) / 10_000n],
    });
    const featuresHash = keccak256(
      encodeAbiParameters([{ type: "int256[]" }], [e.featuresFixed.map(BigInt)]),
    );
    return {
      example: e,
      targets: [token] as Address[],
      values: [0n],
      calldatas: [calldata] as Hex[],
      description: `${e.title}\n\n#ai-features=${featuresHash}`,
      featuresHash,
    };
  });
  const proposed = [];
  for (const p of proposals) {
    const r = await sendTransaction(bob, governor, daoGovernorAbi, "propose", [
      p.targets,
      p.values,
      p.calldatas,
      p.description,
    ]);
    const [created] = parseEventLogs({
      abi: daoGovernorAbi,
      logs: r.logs,
      eventName: "ProposalCreated",
    });
    if (!created) throw new BaseError("propose emitted no ProposalCreated.");
    proposed.push({ ...p, proposalId: created.args.proposalId, proposeTx: r.transactionHash });
    gas.propose = Number(r.gasUsed);
  }
  await advance(ctx, VOTING_DELAY + 1);

  // 4. Anyone triggers the delegate on each; the coprocessor proves the classification and calls back.
  ctx.say("triggering the AI delegate on both proposals (zk-verified inference)...");
  const triggered = [];
  for (const p of proposed) {
    const r = await sendTransaction(keeper, delegate, aiDelegateAbi, "trigger", [
      p.targets,
      p.values,
      p.calldatas,
      p.description,
      p.example.featuresFixed.map(BigInt),
    ]);
    const [t] = parseEventLogs({ abi: aiDelegateAbi, logs: r.logs, eventName: "Triggered" });
    if (!t) throw new BaseError("trigger emitted no Triggered.");
    triggered.push({ ...p, requestId: t.args.requestId, trigger: r });
  }
  const results = [];
  for (const p of triggered) {
    const delivered = await ctx.waitForCoprocessor(p.requestId);
    if (delivered.status !== "delivered" || !delivered.output) {
      throw new BaseError(`Request ${p.requestId} was not delivered (${delivered.status}).`);
    }
    const fulfilled = await admin.getContractEvents({
      address: ctx.contracts.coprocessor,
      abi: coprocessorCoordinatorAbi,
      eventName: "RequestFulfilled",
      args: { requestId: p.requestId },
      fromBlock: p.trigger.blockNumber,
      strict: true,
    });
    const f = fulfilled[0];
    if (!f) throw new BaseError(`No RequestFulfilled for request ${p.requestId}.`);
    const receipt = await admin.getTransactionReceipt({ hash: f.transactionHash });
    const events = parseEventLogs({ abi: aiDelegateAbi, logs: receipt.logs });
    const escalated = events.some((e) => e.eventName === "Escalated");
    const voted = events.find((e) => e.eventName === "DelegateVoted");
    const record = await admin.readContract({
      address: delegate,
      abi: aiDelegateAbi,
      functionName: "voteOf",
      args: [p.proposalId],
    });
    const logits = delivered.output.values.map((v) => Number(v) / 2 ** outputScale);
    results.push({
      ...p,
      deliveryTx: f.transactionHash,
      deliveryGas: Number(receipt.gasUsed),
      callbackSucceeded: f.args.callbackSucceeded,
      verified: f.args.verified,
      logits,
      margin: Number(record.margin) / 2 ** outputScale,
      escalated,
      support: SUPPORT[record.support] ?? String(record.support),
      weight: voted?.eventName === "DelegateVoted" ? voted.args.weight : 0n,
      status: record.status,
    });
  }
  const clear = results[0];
  const contested = results[1];
  if (!clear || !contested) throw new BaseError("missing results");
  gas.trigger = Number(clear.trigger.gasUsed);
  gas.deliverAndVote = clear.deliveryGas;
  gas.deliverAndEscalate = contested.deliveryGas;

  // 5. The humans answer the escalation: bob votes on the contested proposal himself.
  const human = await sendTransaction(bob, governor, daoGovernorAbi, "castVote", [
    contested.proposalId,
    1,
  ]);
  gas.humanVote = Number(human.gasUsed);

  // 6. The DAO (and only the DAO) changes the delegate: threshold 1.0 -> 0.1 logit.
  ctx.say("the DAO lowers the delegate's threshold: propose, vote, queue, execute...");
  const change = {
    targets: [delegate] as Address[],
    values: [0n],
    calldatas: [
      encodeFunctionData({
        abi: aiDelegateAbi,
        functionName: "setThreshold",
        args: [NEW_THRESHOLD],
      }),
    ] as Hex[],
    description: "Lower the AI delegate's escalation threshold from 1.0 to 0.1 logit",
  };
  const descriptionHash = keccak256(new TextEncoder().encode(change.description));
  const before = await threshold(admin, delegate);
  const proposeChange = await sendTransaction(bob, governor, daoGovernorAbi, "propose", [
    change.targets,
    change.values,
    change.calldatas,
    change.description,
  ]);
  const [changeCreated] = parseEventLogs({
    abi: daoGovernorAbi,
    logs: proposeChange.logs,
    eventName: "ProposalCreated",
  });
  if (!changeCreated) throw new BaseError("propose emitted no ProposalCreated.");
  const changeId = changeCreated.args.proposalId;
  await advance(ctx, VOTING_DELAY + 1);
  const voteChange = await sendTransaction(bob, governor, daoGovernorAbi, "castVote", [
    changeId,
    1,
  ]);
  await advance(ctx, VOTING_PERIOD + 1);
  const queued = await sendTransaction(bob, governor, daoGovernorAbi, "queue", [
    change.targets,
    change.values,
    change.calldatas,
    descriptionHash,
  ]);
  await advance(ctx, TIMELOCK_DELAY + 1);
  const execute = await sendTransaction(bob, governor, daoGovernorAbi, "execute", [
    change.targets,
    change.values,
    change.calldatas,
    descriptionHash,
  ]);
  gas.execute = Number(execute.gasUsed);
  const after = await threshold(admin, delegate);
  // Anyone else is refused by name.
  const refused = await admin
    .simulateContract({
      address: delegate,
      abi: aiDelegateAbi,
      functionName: "setThreshold",
      args: [0n],
      account: admin.account,
    })
    .then(() => "accepted")
    .catch((e: unknown) =>
      e instanceof Error && /AiDelegateNotTimelock/.test(e.message)
        ? "AiDelegateNotTimelock"
        : "other error",
    );

  const state = async (id: bigint) =>
    PROPOSAL_STATES[
      Number(
        await admin.readContract({
          address: governor,
          abi: daoGovernorAbi,
          functionName: "state",
          args: [id],
        }),
      )
    ];
  const votes = async (id: bigint) => {
    const [against, forVotes, abstain] = await admin.readContract({
      address: governor,
      abi: daoGovernorAbi,
      functionName: "proposalVotes",
      args: [id],
    });
    return { against: fmt(against), for: fmt(forVotes), abstain: fmt(abstain) };
  };

  const out = [];
  for (const r of results) {
    out.push({
      name: r.example.name,
      title: r.example.title,
      proposalId: r.proposalId.toString(),
      features: Object.fromEntries(FEATURES.map((f, i) => [f, r.example.features[i]])),
      featuresHash: r.featuresHash,
      requestId: r.requestId.toString(),
      verified: r.verified,
      output_data: [r.logits],
      onnxLogits: r.example.logits,
      // The proven logits agree with onnxruntime's within calibration's reported bound.
      withinErrorBound:
        model.errorBound !== undefined &&
        r.logits.every(
          (v, i) => Math.abs(v - (r.example.logits[i] ?? Number.NaN)) <= (model.errorBound ?? 0),
        ),
      margin: r.margin,
      threshold: Number(THRESHOLD) / 10_000,
      outcome: r.escalated ? "escalated" : "vote cast",
      delegateVote: r.support,
      delegateWeight: fmt(r.weight),
      callbackSucceeded: r.callbackSucceeded,
      txs: { propose: r.proposeTx, trigger: r.trigger.transactionHash, delivery: r.deliveryTx },
      votes: await votes(r.proposalId),
      state: await state(r.proposalId),
    });
  }
  txs.humanVote = human.transactionHash;

  return {
    app: "dao-delegate",
    model: {
      modelId: model.modelId.toString(),
      constraints: model.constraints,
      inputScale,
      outputScale,
      errorBound: model.errorBound,
    },
    contracts: { token, timelock, governor, delegate },
    votingPower: { aiDelegate: "55%", bob: "35%", treasury: "10%" },
    proposals: out,
    humanVoteOnEscalated: { voter: bob.account.address, support: "For", tx: human.transactionHash },
    daoChange: {
      proposalId: changeId.toString(),
      call: "setThreshold(1000)",
      thresholdBefore: Number(before) / 10_000,
      thresholdAfter: Number(after) / 10_000,
      txs: {
        propose: proposeChange.transactionHash,
        vote: voteChange.transactionHash,
        queue: queued.transactionHash,
        execute: execute.transactionHash,
      },
      state: await state(changeId),
      directCallByOthers: refused,
    },
    gas,
    demoSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
}

const FEATURES = [
  "treasuryShare",
  "proposerRecord",
  "audited",
  "forumSupport",
  "forumTurnout",
] as const;
const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;

const fmt = (wei: bigint) => Number(wei / 10n ** 18n);

async function threshold(client: DemoWallet, delegate: Address): Promise<bigint> {
  return await client.readContract({
    address: delegate,
    abi: aiDelegateAbi,
    functionName: "threshold",
  });
}

/** Chain time forward by `seconds`, then a block at that time. */
async function advance(ctx: DemoContext, seconds: number) {
  await ctx.testClient.increaseTime({ seconds });
  await ctx.testClient.mine({ blocks: 1 });
}
