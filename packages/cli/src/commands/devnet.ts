import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DevnetInfo,
  readDevnet,
  runDevnet,
  startDetached,
  stopDevnet,
} from "@noosphere/devnet";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/noos.js");

type DevnetOptions = { port: string; chainId: string; detach?: boolean };

export function registerDevnet(program: Command, globals: () => GlobalOptions) {
  const devnet = program
    .command("devnet")
    .description("run a local chain (anvil) with every Noosphere contract deployed")
    .option("-p, --port <port>", "JSON-RPC port", "8545")
    .option("--chain-id <id>", "chain id", "31337")
    .option("-d, --detach", "start in the background and return once it is ready")
    .addHelpText(
      "after",
      "\nWrites <dir>/devnet.json (rpc url, chain id, addresses, funded keys). Stop with `noos devnet stop`.",
    )
    .action(async (options: DevnetOptions) => {
      const { dir, json } = globals();
      const port = Number(options.port);
      if (options.detach) {
        const args = [
          "devnet",
          "--dir",
          dir,
          "--port",
          options.port,
          "--chain-id",
          options.chainId,
        ];
        const info = await startDetached({
          dir,
          port,
          command: [process.execPath, noosBin, ...args],
        });
        if (json) printJson(summary(info, dir));
        else printSummary(info, dir, true);
        return;
      }
      await runDevnet({
        dir,
        port,
        chainId: Number(options.chainId),
        log: json ? undefined : (message) => process.stderr.write(`${message}\n`),
        onReady: (info) => {
          if (json) printJson(summary(info, dir));
          else printSummary(info, dir, false);
        },
      });
    });

  devnet
    .command("stop")
    .description("stop the devnet started in --dir, and its anvil")
    .action(async () => {
      const { dir, json } = globals();
      const stopped = await stopDevnet({ dir });
      if (json) printJson({ stopped });
      else process.stdout.write(stopped ? "devnet stopped\n" : "no devnet was running\n");
    });

  devnet
    .command("status")
    .description("show the running devnet")
    .action(async () => {
      const { dir, json } = globals();
      const info = await readDevnet(dir);
      if (json) printJson(summary(info, dir));
      else printSummary(info, dir, true);
    });
}

function summary(info: DevnetInfo, dir: string) {
  return { ...info, file: path.join(dir, "devnet.json") };
}

function printSummary(info: DevnetInfo, dir: string, detached: boolean) {
  const lines = [
    `Noosphere devnet ready on ${info.rpcUrl} (chain ${info.chainId})`,
    "",
    ...Object.entries(info.contracts).map(([name, address]) => `  ${name.padEnd(10)} ${address}`),
    "",
    "  accounts (10,000 ETH each; 1-9 hold 100,000 NOOS, 0 is the deployer and treasury; keys in the file below):",
    ...info.accounts
      .slice(0, 7)
      .map((a, i) => `  ${String(i).padStart(2)} ${a.address}  ${a.role}`),
    "",
    `  details: ${path.join(dir, "devnet.json")}`,
    detached ? "  stop with: noos devnet stop" : "  press Ctrl-C to stop",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
