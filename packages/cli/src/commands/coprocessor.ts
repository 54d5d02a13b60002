// `noos coprocessor start|request|status|subscriptions`: the AI coprocessor (Ritual Infernet's
// node and requests, Chainlink Functions' request/callback). Inputs and outputs are fixed-point
// integers at the model's scales on chain; this command quantizes EZKL-style float inputs and
// dequantizes outputs for display, reading the scales from the model's artifact manifest.
import path from "node:path";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson } from "../output.js";

// The work (SDK, viem, @noosphere/node, the zk prover) lives in coprocessorActions.ts, loaded by
// the actions: `noos coprocessor --help` loads commander and this file only.

export function registerCoprocessor(program: Command, globals: () => GlobalOptions) {
  const cp = program
    .command("coprocessor")
    .description(
      "AI coprocessor: contracts (or you) request a model's inference, staked nodes deliver it verified (none | redundant | zk) with a callback",
    );

  cp.command("start")
    .description(
      "run a coprocessor node: stake, set fees, follow requests, compute or prove, deliver; GET /status",
    )
    .requiredOption("-c, --config <file>", "node.yaml")
    .action(async (o: { config: string }) => {
      const { loadCoprocessorFile } = await import("@noosphere/node");
      const { startCoprocessorNode } = await import("./coprocessorActions.js");
      const file = await loadCoprocessorFile(o.config);
      await startCoprocessorNode(file, path.dirname(o.config), globals());
    });

  cp.command("request")
    .description(
      "request an inference and wait for the delivery; prints the output (dequantized), whether it was verified, and the delivery's tx",
    )
    .requiredOption("--model <id>", "ModelRegistry model id")
    .option("--input <file>", 'input, EZKL format {"input_data": [[...]]}')
    .option(
      "--input-cid [cid]",
      "send the input by CID and hash instead of inline: the CID of EZKL input JSON in the content store, or with no value, --input stored first",
    )
    .option(
      "--verification <mode>",
      "none | redundant | zk | optimistic (a model with an optimistic program: Q16.16 values, settled after its claim's challenge window)",
      "none",
    )
    .option("--redundancy <k>", "nodes that must agree (redundant)", "2")
    .option("--fee-cap <noos>", "most paid per delivery (node fee + protocol fee)", "0.1")
    .option("--deadline <seconds>", "delivery deadline from now", "300")
    .option(
      "--timeout <seconds>",
      "stop waiting after this long (default 180; optimistic: 180 after the claim's challenge window ends)",
    )
    .option("--store-dir <dir>", "content store directory (default: <--dir>/store)")
    .action(async (o) => {
      const { requestInference } = await import("./coprocessorActions.js");
      const result = await requestInference(globals(), o);
      if (globals().json) printJson(result);
      else
        printFields({
          request: result.requestId,
          ...(result.inputCid ? { "input cid": result.inputCid } : {}),
          status: result.status,
          output: JSON.stringify(result.output_data),
          verified: result.verified,
          tx: result.txHash ?? "-",
          latency: `${result.latencyMs} ms`,
        });
      if (result.status !== "delivered") process.exitCode = 1;
    });

  cp.command("subscribe")
    .description(
      "subscribe to a recurring inference (Infernet intervals): --frequency deliveries, one every --period seconds; prints the subscription id (follow it with `noos coprocessor status <id>`)",
    )
    .requiredOption("--model <id>", "ModelRegistry model id")
    .option("--input <file>", 'input, EZKL format {"input_data": [[...]]}')
    .option(
      "--input-cid [cid]",
      "send the input by CID and hash (see `request`); with no value, --input stored first",
    )
    .requiredOption("--period <seconds>", "seconds between intervals")
    .requiredOption("--frequency <n>", "number of intervals")
    .option("--verification <mode>", "none | redundant | zk", "none")
    .option("--redundancy <k>", "nodes that must agree (redundant)", "2")
    .option("--fee-cap <noos>", "most paid per delivery (node fee + protocol fee)", "0.1")
    .option("--timeout <seconds>", "each interval's deadline, seconds after its start", "300")
    .option("--active-at <unix>", "first interval's start (default: now)")
    .option("--store-dir <dir>", "content store directory (default: <--dir>/store)")
    .action(async (o) => {
      const { subscribeInference } = await import("./coprocessorActions.js");
      const result = await subscribeInference(globals(), o);
      if (globals().json) printJson(result);
      else
        printFields({
          subscription: result.subscriptionId,
          model: result.modelId,
          verification: result.verification,
          schedule: `${result.frequency} x every ${result.period} s from ${result.activeAt}`,
          "interval timeout": `${result.timeout} s`,
          "fee cap": noos(result.feeCap),
          ...(result.inputCid ? { "input cid": result.inputCid } : {}),
          tx: result.txHash,
        });
    });

  cp.command("status")
    .description("a request's parameters and the state of each interval")
    .argument("<id>", "request id")
    .action(async (id: string) => {
      await (await import("./coprocessorActions.js")).coprocessorStatus(globals(), id);
    });

  cp.command("subscriptions")
    .description(
      "recurring requests (subscriptions) on the coordinator, with their current interval",
    )
    .option("--owner <address>", "only this owner's")
    .option("--all", "one-shot requests too")
    .action(async (o: { owner?: string; all?: boolean }) => {
      await (await import("./coprocessorActions.js")).coprocessorSubscriptions(globals(), o);
    });
}
