// `noos demo trading-agent`: a vault that trades a REAL Uniswap v2 pair only on a zk-verified
// decision. Deploys a demo token (dETH) and pairs it with NOOS on a UniswapV2Factory / UniswapV2Pair
// deployed from the npm package's build artifacts (@uniswap/v2-core), adds liquidity, takes
// examples/coprocessor/trading-agent/model.onnx through the zk pipeline, deploys the TradingVault
// and funds it; then a whale dumps dETH (the spot falls far under the vault's TWAP), the owner
// triggers a decision, the vault reads its features from the pair itself and requests a zk proof
// of the model on them, and the callback buys dETH through the pair within the vault's limits
// (per-period notional, slippage from the request-time reserves).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSession, runInference } from "@noosphere/ml";
import {
  BaseError,
  coprocessorCoordinatorAbi,
  depositCoprocessorEscrowAndWait,
  tradingDemoTokenAbi,
  tradingDemoTokenBytecode,
  tradingVaultAbi,
  tradingVaultBytecode,
} from "@noosphere/sdk";
import {
  type Abi,
  type Address,
  erc20Abi,
  formatEther,
  getAddress,
  type Hex,
  parseEther,
  parseEventLogs,
} from "viem";
import { type DemoContext, type DemoWallet, deployContract, sendTransaction } from "./common.js";

export const description =
  "a vault trading a real Uniswap v2 pair only on zk-verified buy/sell/hold decisions over features it reads on chain, within per-period and slippage limits";

const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.resolve(here, "../../../../examples/coprocessor/trading-agent");
const require = createRequire(import.meta.url);

const ACTIONS = ["buy", "sell", "hold"] as const;
const SKIP_REASONS = [
  "bad output",
  "no balance",
  "slippage",
  "period limit",
  "swap failed",
] as const;

const LIQUIDITY = parseEther("1000"); // of each token: the pair opens at 1 NOOS per dETH
const VAULT_DEPOSIT = parseEther("100"); // of each token
const WHALE_DUMP = parseEther("150"); // dETH sold into the pair: the spot falls ~24%
const TWAP_WINDOW = 60; // seconds the vault's TWAP must cover
const FEE_CAP = parseEther("0.1");
const CONFIG = {
  feeCap: FEE_CAP,
  callbackGasLimit: 400_000,
  decisionTtl: 600,
  minTwapWindow: TWAP_WINDOW,
  tradeBps: 1_000, // 10% of the input token's balance per trade
  maxSlippageBps: 100, // 1% under the request-time quote
  periodLength: 3_600,
  maxTradePerPeriod: parseEther("25"), // NOOS notional per hour
};

type UniswapArtifact = { abi: Abi; bytecode: string };

/** A build artifact of the npm @uniswap/v2-core package (Waffle: abi, bytecode without 0x). */
function uniswapArtifact(name: "UniswapV2Factory" | "UniswapV2Pair"): UniswapArtifact {
  const file = require.resolve(`@uniswap/v2-core/build/${name}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as UniswapArtifact;
}

export async function run(ctx: DemoContext): Promise<Record<string, unknown>> {
  const trader = ctx.wallet(1); // the vault's owner; deploys the pair and provides liquidity
  const whale = ctx.wallet(2); // moves the market
  const noos = ctx.contracts.token;
  const coordinator = ctx.contracts.coprocessor;
  const gas: Record<string, number> = {};
  const txs: Record<string, Hex> = {};

  // 1. The decision model through the zk pipeline (public inputs: bound on chain by the coordinator).
  ctx.say("trading-agent: the decision model through the zk pipeline...");
  const model = await ctx.prepareZkModel({
    name: "trading-agent",
    onnx: path.join(appDir, "model.onnx"),
    calibration: path.join(appDir, "calibration.json"),
    inputVisibility: "public",
  });
  const { inputScale, outputScale } = model;

  // 2. A real Uniswap v2 pair: dETH / NOOS from the npm package's build artifacts.
  ctx.say(
    "deploying dETH, the Uniswap v2 factory and the dETH/NOOS pair (npm @uniswap/v2-core)...",
  );
  const deth = await deployContract(trader, tradingDemoTokenAbi, tradingDemoTokenBytecode, [
    "Demo Ether",
    "dETH",
    trader.account.address,
    parseEther("10000"),
  ]);
  const factoryArtifact = uniswapArtifact("UniswapV2Factory");
  const pairAbi = uniswapArtifact("UniswapV2Pair").abi;
  const factory = await deployContract(
    trader,
    factoryArtifact.abi,
    `0x${factoryArtifact.bytecode}`,
    [trader.account.address],
  );
  const created = await sendTransaction(trader, factory, factoryArtifact.abi, "createPair", [
    deth,
    noos,
  ]);
  txs.createPair = created.transactionHash;
  const pair = (await trader.readContract({
    address: factory,
    abi: factoryArtifact.abi,
    functionName: "getPair",
    args: [deth, noos],
  })) as Address;
  await sendTransaction(trader, deth, erc20Abi, "transfer", [pair, LIQUIDITY]);
  await sendTransaction(trader, noos, erc20Abi, "transfer", [pair, LIQUIDITY]);
  txs.addLiquidity = (
    await sendTransaction(trader, pair, pairAbi, "mint", [trader.account.address])
  ).transactionHash;
  await sendTransaction(trader, deth, erc20Abi, "transfer", [whale.account.address, WHALE_DUMP]);

  // 3. The vault: owner deposits, escrow for its decisions at the coordinator.
  ctx.say("deploying the trading vault, depositing 100 dETH + 100 NOOS...");
  const config = { ...CONFIG, modelId: model.modelId, inputScale, paymentToken: noos };
  const vault = await deployContract(trader, tradingVaultAbi, tradingVaultBytecode, [
    coordinator,
    pair,
    deth,
    trader.account.address,
    config,
  ]);
  await sendTransaction(trader, noos, erc20Abi, "approve", [coordinator, parseEther("1")]);
  await depositCoprocessorEscrowAndWait(trader, {
    address: coordinator,
    account: vault,
    token: noos,
    amount: parseEther("1"),
  });
  await sendTransaction(trader, deth, erc20Abi, "approve", [vault, VAULT_DEPOSIT]);
  await sendTransaction(trader, noos, erc20Abi, "approve", [vault, VAULT_DEPOSIT]);
  txs.depositBase = (
    await sendTransaction(trader, vault, tradingVaultAbi, "deposit", [deth, VAULT_DEPOSIT])
  ).transactionHash;
  txs.depositQuote = (
    await sendTransaction(trader, vault, tradingVaultAbi, "deposit", [noos, VAULT_DEPOSIT])
  ).transactionHash;

  // 4. The TWAP window passes at 1 NOOS/dETH, then a whale dumps dETH into the pair.
  await ctx.testClient.increaseTime({ seconds: 2 * TWAP_WINDOW });
  await ctx.testClient.mine({ blocks: 1 });
  const reservesBeforeDump = await reserves(trader, vault);
  const dumpOut = await trader.readContract({
    address: vault,
    abi: tradingVaultAbi,
    functionName: "quote",
    args: [WHALE_DUMP, reservesBeforeDump.base, reservesBeforeDump.quote],
  });
  ctx.say(`a whale sells ${formatEther(WHALE_DUMP)} dETH into the pair...`);
  await sendTransaction(whale, deth, erc20Abi, "transfer", [pair, WHALE_DUMP]);
  const dethIs0 = BigInt(deth) < BigInt(noos);
  txs.whaleSwap = (
    await sendTransaction(whale, pair, pairAbi, "swap", [
      dethIs0 ? 0n : dumpOut,
      dethIs0 ? dumpOut : 0n,
      whale.account.address,
      "0x",
    ])
  ).transactionHash;

  // 5. The owner triggers a decision: the vault reads spot, TWAP and its inventory from the pair.
  const reservesAtRequest = await reserves(trader, vault);
  const balancesBefore = await balances(trader, vault, deth, noos);
  const trigger = await sendTransaction(trader, vault, tradingVaultAbi, "trigger", []);
  txs.trigger = trigger.transactionHash;
  gas.trigger = Number(trigger.gasUsed);
  const [requested] = parseEventLogs({
    abi: tradingVaultAbi,
    logs: trigger.logs,
    eventName: "DecisionRequested",
  });
  if (!requested) throw new BaseError("trigger emitted no DecisionRequested.");
  const { requestId, features: values, spot, twap, twapWindow } = requested.args;
  const features = values.map((q) => Number(q) / 2 ** inputScale);
  ctx.say(
    `decision ${requestId} requested: spot ${fmt(spot)} vs TWAP ${fmt(twap)} NOOS/dETH over ${twapWindow} s -> features [${features.join(", ")}] (fixed point ${values.join(", ")})`,
  );

  // 6. A coprocessor node proves the model on exactly those values; the callback trades.
  ctx.say("waiting for the zk-verified decision...");
  const state = await ctx.waitForCoprocessor(requestId);
  if (state.status !== "delivered") {
    throw new BaseError(`Decision ${requestId} was not delivered (status ${state.status}).`);
  }
  if (state.callbackFailed) throw new BaseError(`The vault's callback for ${requestId} failed.`);
  const [fulfilled] = await trader.getContractEvents({
    address: coordinator,
    abi: coprocessorCoordinatorAbi,
    eventName: "RequestFulfilled",
    args: { requestId },
    fromBlock: trigger.blockNumber,
    strict: true,
  });
  if (!fulfilled) throw new BaseError(`No RequestFulfilled for ${requestId}.`);
  const delivery = await trader.getTransactionReceipt({ hash: fulfilled.transactionHash });
  txs.delivery = delivery.transactionHash;
  gas.delivery = Number(delivery.gasUsed);

  const vaultLogs = parseEventLogs({ abi: tradingVaultAbi, logs: delivery.logs });
  const received = vaultLogs.find((l) => l.eventName === "DecisionReceived");
  if (received?.eventName !== "DecisionReceived") {
    throw new BaseError(`The vault took no decision from delivery ${delivery.transactionHash}.`);
  }
  const logits = received.args.logits.map((q) => Number(q) / 2 ** outputScale);
  const decision = ACTIONS[received.args.action] ?? "hold";
  const reference = await onnxLogits(path.join(appDir, "model.onnx"), features);
  const skipped = vaultLogs.find((l) => l.eventName === "TradeSkipped");
  if (skipped?.eventName === "TradeSkipped") {
    throw new BaseError(
      `The vault decided to ${decision} but skipped the trade (${SKIP_REASONS[skipped.args.reason]}).`,
    );
  }
  const executed = vaultLogs.find((l) => l.eventName === "TradeExecuted");
  if (executed?.eventName !== "TradeExecuted") {
    throw new BaseError(`The vault decided to ${decision}: no trade in the delivery.`);
  }
  const trade = executed.args;
  const withinLimits =
    trade.amountOut >= trade.amountOutMin && trade.periodTraded <= config.maxTradePerPeriod;
  if (!withinLimits) throw new BaseError("The executed trade broke the vault's limits.");
  const reservesAfter = await reserves(trader, vault);
  const balancesAfter = await balances(trader, vault, deth, noos);
  ctx.say(
    `proven logits [${logits.map((x) => x.toFixed(3)).join(", ")}] -> ${decision}: swapped ${formatEther(trade.amountIn)} ${trade.tokenIn === deth ? "dETH" : "NOOS"} for ${formatEther(trade.amountOut)} ${trade.tokenIn === deth ? "NOOS" : "dETH"} through the pair (min ${formatEther(trade.amountOutMin)}; ${formatEther(trade.periodTraded)} of ${formatEther(config.maxTradePerPeriod)} NOOS this period)`,
  );

  return {
    model: {
      modelId: model.modelId.toString(),
      constraints: model.constraints,
      inputScale,
      outputScale,
      errorBound: model.errorBound,
      registerTx: model.hash,
    },
    contracts: {
      uniswapV2Factory: getAddress(factory),
      pair: getAddress(pair),
      vault: getAddress(vault),
      base: { symbol: "dETH", address: getAddress(deth) },
      quote: { symbol: "NOOS", address: getAddress(noos) },
    },
    market: {
      spot: fmt(spot),
      twap: fmt(twap),
      twapWindow: Number(twapWindow),
      reservesAtRequest: fmtPair(reservesAtRequest),
      reservesAfter: fmtPair(reservesAfter),
    },
    requestId: requestId.toString(),
    input: {
      features: { deviation: features[0], baseShare: features[1] },
      values: values.map(String),
      inputHash: state.request.inputHash,
    },
    verified: state.verification === "zk" && state.status === "delivered",
    output: {
      logits,
      classes: ACTIONS,
      decision,
      onnxruntime: reference,
      maxAbsError: Math.max(...logits.map((x, i) => Math.abs(x - (reference[i] ?? 0)))),
      node: state.nodes[0],
    },
    trade: {
      executed: true,
      action: decision,
      tokenIn: trade.tokenIn === deth ? "dETH" : "NOOS",
      amountIn: formatEther(trade.amountIn),
      amountOut: formatEther(trade.amountOut),
      amountOutMin: formatEther(trade.amountOutMin),
      maxSlippageBps: config.maxSlippageBps,
      periodTraded: formatEther(trade.periodTraded),
      maxTradePerPeriod: formatEther(config.maxTradePerPeriod),
      stale: trade.stale,
      withinLimits,
    },
    vault: { before: fmtBalances(balancesBefore), after: fmtBalances(balancesAfter) },
    txs,
    gas,
  };
}

const fmt = (x: bigint) => Number(formatEther(x));
const fmtPair = (r: { base: bigint; quote: bigint }) => ({
  dETH: formatEther(r.base),
  NOOS: formatEther(r.quote),
});
const fmtBalances = fmtPair;

/** The pair's reserves as the vault sees them: (base, quote). */
async function reserves(client: DemoWallet, vault: Address) {
  const [pair, base] = await Promise.all([
    client.readContract({ address: vault, abi: tradingVaultAbi, functionName: "pair" }),
    client.readContract({ address: vault, abi: tradingVaultAbi, functionName: "base" }),
  ]);
  const [r0, r1] = (await client.readContract({
    address: pair,
    abi: uniswapArtifact("UniswapV2Pair").abi,
    functionName: "getReserves",
  })) as [bigint, bigint, number];
  const baseIs0 = BigInt(base) < BigInt(await otherToken(client, vault));
  return baseIs0 ? { base: r0, quote: r1 } : { base: r1, quote: r0 };
}

async function otherToken(client: DemoWallet, vault: Address): Promise<Address> {
  return await client.readContract({
    address: vault,
    abi: tradingVaultAbi,
    functionName: "quoteToken",
  });
}

async function balances(client: DemoWallet, vault: Address, base: Address, quote: Address) {
  const [b, q] = await Promise.all(
    [base, quote].map((token) =>
      client.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [vault],
      }),
    ),
  );
  return { base: b ?? 0n, quote: q ?? 0n };
}

/** The float model (onnxruntime) on the dequantized features: what the proof is checked against. */
async function onnxLogits(onnx: string, features: number[]): Promise<number[]> {
  const session = await createSession(readFileSync(onnx));
  try {
    return (await runInference(session, { input_data: [features] })).output_data.flat();
  } finally {
    await session.release();
  }
}
