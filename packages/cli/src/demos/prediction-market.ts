// `noos demo prediction-market`: an AI-resolved prediction market on the devnet. The question
// "Will the model predict disease progression >= 150 for this patient record?" fixes the model
// (examples/zk linreg, PyTorch linear regression on the diabetes data, input and output public), the
// record by its on-chain input hash, the rule and a resolution time a few seconds out. Two traders
// buy opposite sides from the market maker; after the resolution time a third account triggers
// resolution, a coprocessor node delivers the output with a Groth16 proof, the callback reports the
// payouts, and the traders redeem.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BaseError,
  coprocessorCoordinatorAbi,
  predictionConditionalTokensAbi,
  predictionConditionalTokensBytecode,
  predictionMarketAbi,
  predictionMarketFactoryAbi,
  predictionMarketFactoryBytecode,
} from "@noosphere/sdk";
import { dequantize, quantizeValue } from "@noosphere/zk";
import {
  type Abi,
  type Address,
  erc20Abi,
  formatEther,
  type Hex,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import { type DemoContext, type DemoWallet, deployContract, sendTransaction } from "./common.js";

export const description =
  "AI-resolved prediction market: conditional tokens + a market maker, resolved by a zk-verified linreg inference on the committed patient record";

const here = path.dirname(fileURLToPath(import.meta.url));
const zkExamples = path.resolve(here, "../../../../examples/zk");
const ONNX = path.join(zkExamples, "models/linreg.onnx");
const CALIBRATION = path.join(zkExamples, "data/linreg.calibration.json");
const RECORD = path.join(zkExamples, "data/linreg.input.json");

const QUESTION = "Will the model predict disease progression >= 150 for this patient record?";
const THRESHOLD = 150;
const LIQUIDITY = parseEther("100");
const STAKE = parseEther("20");
const FEE_BPS = 100;
const RESOLUTION_FEE = parseEther("0.1");
const CALLBACK_GAS = 200_000;
/** Seconds from the market's creation to its resolution time, and from there to the deadline. */
const TRADING_SECONDS = 10n;
const RESOLUTION_WINDOW = 600n;
const OUTCOMES = ["unresolved", "YES", "NO", "INVALID"] as const;

type Sent = { hash: Hex; gas: number; receipt: TransactionReceipt };

export async function run(ctx: DemoContext): Promise<Record<string, unknown>> {
  // 1. The model through the zk pipeline, input public (the coordinator hashes it on chain).
  const model = await ctx.prepareZkModel({
    name: "prediction-linreg",
    onnx: ONNX,
    calibration: CALIBRATION,
    inputVisibility: "public",
  });
  const { inputScale: inScale, outputScale: outScale } = model;
  const record = JSON.parse(readFileSync(RECORD, "utf8")).input_data[0] as number[];
  const input = record.map((x) => quantizeValue(x, inScale));

  const creator = ctx.wallet(0);
  const alice = ctx.wallet(1);
  const bob = ctx.wallet(2);
  const resolver = ctx.wallet(3);
  const { coprocessor, token, modelRegistry } = ctx.contracts;

  // 2. The conditional tokens and the market factory.
  ctx.say("  deploying the conditional tokens and the market factory...");
  const ct = await deployContract(
    creator,
    predictionConditionalTokensAbi,
    predictionConditionalTokensBytecode,
    [],
  );
  const factory = await deployContract(
    creator,
    predictionMarketFactoryAbi,
    predictionMarketFactoryBytecode,
    [coprocessor, ct, modelRegistry],
  );

  // 3. The question: model, committed input hash, rule, resolution time a few seconds out.
  const inputHash = (await creator.readContract({
    address: coprocessor,
    abi: coprocessorCoordinatorAbi,
    functionName: "inputHashOf",
    args: [input],
  })) as Hex;
  await send(creator, token, erc20Abi, "approve", [factory, LIQUIDITY + RESOLUTION_FEE]);
  const now = await chainTime(ctx);
  const question = {
    modelId: model.modelId,
    inputHash,
    outputIndex: 0,
    threshold: quantizeValue(THRESHOLD, outScale),
    resolutionTime: now + TRADING_SECONDS,
    resolutionDeadline: now + TRADING_SECONDS + RESOLUTION_WINDOW,
  };
  const created = await send(creator, factory, predictionMarketFactoryAbi, "createMarket", [
    {
      question,
      collateral: token,
      liquidity: LIQUIDITY,
      feeBps: FEE_BPS,
      paymentToken: token,
      resolutionFee: RESOLUTION_FEE,
      callbackGasLimit: CALLBACK_GAS,
      text: QUESTION,
    },
  ]);
  const deployed = parseEventLogs({
    abi: predictionMarketFactoryAbi,
    logs: created.receipt.logs,
    eventName: "MarketDeployed",
  })[0];
  if (!deployed) throw new BaseError("createMarket emitted no MarketDeployed event.");
  const market = deployed.args.market;
  ctx.say(
    `  market ${market}: "${QUESTION}" (model ${model.modelId}, resolves in ${TRADING_SECONDS} s)`,
  );

  // 4. Two traders take opposite sides.
  const trades: Record<string, unknown>[] = [];
  const buys: Record<string, Sent> = {};
  for (const [name, w, side] of [
    ["alice", alice, 0],
    ["bob", bob, 1],
  ] as const) {
    await send(w, token, erc20Abi, "approve", [market, STAKE]);
    const quote = (await w.readContract({
      address: market,
      abi: predictionMarketAbi,
      functionName: "calcBuyAmount",
      args: [BigInt(side), STAKE],
    })) as bigint;
    const sent = await send(w, market, predictionMarketAbi, "buy", [BigInt(side), STAKE, quote]);
    buys[name] = sent;
    trades.push({
      trader: name,
      address: w.account.address,
      side: side === 0 ? "YES" : "NO",
      paid: formatEther(STAKE),
      outcomeTokens: formatEther(quote),
      txHash: sent.hash,
    });
    ctx.say(
      `  ${name} paid ${formatEther(STAKE)} NOOS for ${formatEther(quote)} ${side === 0 ? "YES" : "NO"}`,
    );
  }

  // 5. After the resolution time anyone (account 3 here) triggers resolution on the committed record.
  await waitForChainTime(ctx, question.resolutionTime);
  const resolveStarted = Date.now();
  const resolved = await send(resolver, market, predictionMarketAbi, "resolve", [input]);
  const requested = parseEventLogs({
    abi: predictionMarketAbi,
    logs: resolved.receipt.logs,
    eventName: "ResolutionRequested",
  })[0];
  if (!requested) throw new BaseError("resolve emitted no ResolutionRequested event.");
  const requestId = requested.args.requestId;
  ctx.say(
    `  resolution requested: coprocessor request ${requestId} (zk); waiting for the proof...`,
  );

  // 6. The node proves and delivers; the coordinator verifies and calls the market back.
  const settled = await ctx.waitForCoprocessor(requestId);
  const latencyMs = Date.now() - resolveStarted;
  if (settled.status !== "delivered") {
    throw new BaseError(`Coprocessor request ${requestId} ended ${settled.status}, not delivered.`);
  }
  const fulfilled = await creator.getContractEvents({
    address: coprocessor,
    abi: coprocessorCoordinatorAbi,
    eventName: "RequestFulfilled",
    args: { requestId },
    fromBlock: resolved.receipt.blockNumber,
    strict: true,
  });
  const delivery = fulfilled[0];
  if (!delivery) throw new BaseError(`No RequestFulfilled event for request ${requestId}.`);
  const deliveryReceipt = await creator.getTransactionReceipt({ hash: delivery.transactionHash });
  const read = <T>(functionName: string) =>
    creator.readContract({
      address: market,
      abi: predictionMarketAbi as Abi,
      functionName,
    }) as Promise<T>;
  const outcome = OUTCOMES[Number(await read<number>("outcome"))] ?? "unresolved";
  // The verified output: what the coordinator checked against the proof and passed to the market.
  const delivered = parseEventLogs({
    abi: coprocessorCoordinatorAbi,
    logs: deliveryReceipt.logs,
    eventName: "OutputDelivered",
  }).find((e) => e.args.requestId === requestId);
  const output = delivered?.args.output.values ?? [];
  const ruleValue = await read<bigint>("resolvedValue");
  if (outcome === "unresolved" || output[0] !== ruleValue) {
    throw new BaseError(
      `The market did not resolve on the delivered output ${output.join(", ")} (outcome ${outcome}, value ${ruleValue}, callback ${delivery.args.callbackSucceeded ? "succeeded" : "failed"}).`,
    );
  }
  const prediction = output.map((v) => dequantize(v, outScale));
  ctx.say(
    `  delivered and verified: progression ${prediction[0]?.toFixed(3)} -> ${outcome} (request->callback ${(latencyMs / 1000).toFixed(1)} s)`,
  );

  // 7. Traders redeem; the creator takes back the pool, the fees and the unspent escrow.
  const conditionId = await read<Hex>("conditionId");
  const payouts: Record<string, string> = {};
  const redeems: Record<string, Sent> = {};
  for (const [name, w] of [
    ["alice", alice],
    ["bob", bob],
  ] as const) {
    const before = await balance(w, token);
    const sent = await send(w, ct, predictionConditionalTokensAbi, "redeemPositions", [
      token,
      conditionId,
    ]);
    redeems[name] = sent;
    payouts[name] = formatEther((await balance(w, token)) - before);
    ctx.say(`  ${name} redeemed ${payouts[name]} NOOS`);
  }
  const creatorBefore = await balance(creator, token);
  const withdrawn = await send(creator, market, predictionMarketAbi, "withdrawLiquidity", []);
  payouts.creator = formatEther((await balance(creator, token)) - creatorBefore);
  ctx.say(`  creator withdrew ${payouts.creator} NOOS (pool, fees, unspent resolution fee)`);

  return {
    question: {
      text: QUESTION,
      modelId: model.modelId.toString(),
      inputHash,
      input: input.map(String),
      threshold: THRESHOLD,
      thresholdFixed: question.threshold.toString(),
      resolutionTime: Number(question.resolutionTime),
      resolutionDeadline: Number(question.resolutionDeadline),
    },
    contracts: { conditionalTokens: ct, factory, market },
    requestId: requestId.toString(),
    requestIds: [requestId.toString()],
    output_data: [prediction],
    outputFixed: output.map(String),
    outputScale: outScale,
    verified: delivery.args.verified,
    outcome,
    resolved: true,
    trades,
    payouts,
    latencyMs,
    txHashes: {
      createMarket: created.hash,
      buyYes: buys.alice?.hash,
      buyNo: buys.bob?.hash,
      resolve: resolved.hash,
      delivery: delivery.transactionHash,
      redeemYes: redeems.alice?.hash,
      redeemNo: redeems.bob?.hash,
      withdrawLiquidity: withdrawn.hash,
    },
    gas: {
      createMarket: created.gas,
      buy: buys.alice?.gas,
      resolve: resolved.gas,
      delivery: Number(deliveryReceipt.gasUsed),
      redeem: redeems.alice?.gas,
      withdrawLiquidity: withdrawn.gas,
    },
  };
}

/** A sent transaction's hash and gas, for the demo's JSON. */
async function send(...args: Parameters<typeof sendTransaction>): Promise<Sent> {
  const receipt = await sendTransaction(...args);
  return { hash: receipt.transactionHash, gas: Number(receipt.gasUsed), receipt };
}

async function balance(w: DemoWallet, token: Address): Promise<bigint> {
  return w.readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [w.account.address],
  });
}

/** The latest block's timestamp (the devnet's clock may run ahead of the wall clock). */
async function chainTime(ctx: DemoContext): Promise<bigint> {
  return (await ctx.testClient.getBlock({ blockTag: "latest" })).timestamp;
}

/** Waits (wall clock) until the next block's timestamp reaches `t`; mines one block to show it. */
async function waitForChainTime(ctx: DemoContext, t: bigint) {
  const latest = await chainTime(ctx);
  const offset = latest - BigInt(Math.floor(Date.now() / 1000));
  const waitMs = Number(t - offset) * 1000 - Date.now();
  if (waitMs > 0) {
    ctx.say(`  waiting ${(waitMs / 1000).toFixed(0)} s for the resolution time...`);
    await new Promise((r) => setTimeout(r, waitMs + 1000));
  }
  await ctx.testClient.mine({ blocks: 1 });
  if ((await chainTime(ctx)) < t) {
    // The devnet mines at a fixed interval or its clock lags: move it to the resolution time.
    await ctx.testClient.setNextBlockTimestamp({ timestamp: t });
    await ctx.testClient.mine({ blocks: 1 });
  }
}
