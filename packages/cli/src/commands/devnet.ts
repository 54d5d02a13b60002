import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DevnetInfo } from "@noosphere/devnet";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import type { LocalCoprocessor } from "../localCoprocessors.js";
import type { LocalProvider } from "../localProviders.js";
import { printJson } from "../output.js";

// The devnet (anvil, viem, the deployment), the SDK and the local daemons' launchers load inside
// the actions: `noos devnet --help` loads commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/devnet")),
  InvalidParameterError: (await import("@noosphere/sdk")).InvalidParameterError,
  ...(await import("../localCoprocessors.js")),
  ...(await import("../localProviders.js")),
});

/**
 * For the help text: MAX_LOCAL_PROVIDERS (localProviders.ts) and MAX_LOCAL_COPROCESSORS
 * (localCoprocessors.ts), which load the SDK; help.test.ts checks that they stay equal.
 */
const HELP_MAX_PROVIDERS = 5;
const HELP_MAX_COPROCESSORS = 4;

const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/noos.js");

type DevnetOptions = {
  port: string;
  chainId: string;
  detach?: boolean;
  providers: string;
  coprocessors: string;
};

export function registerDevnet(program: Command, globals: () => GlobalOptions) {
  const devnet = program
    .command("devnet")
    .description("run a local chain (anvil) with every Noosphere contract deployed")
    .option("-p, --port <port>", "JSON-RPC port", "8545")
    .option("--chain-id <id>", "chain id", "31337")
    .option("-d, --detach", "start in the background and return once it is ready")
    .option("--providers <n>", `also start n local providers (0..${HELP_MAX_PROVIDERS})`, "0")
    .option(
      "--coprocessors <n>",
      `also start n local coprocessor nodes serving every registered model (0..${HELP_MAX_COPROCESSORS})`,
      "0",
    )
    .addHelpText(
      "after",
      "\nWrites <dir>/devnet.json (rpc url, chain id, addresses, funded keys). Stop with `noos devnet stop`.",
    )
    .action(async (options: DevnetOptions) => {
      const {
        InvalidParameterError,
        MAX_LOCAL_COPROCESSORS,
        MAX_LOCAL_PROVIDERS,
        runDevnet,
        startDetached,
        startLocalCoprocessors,
        startLocalProviders,
        waitForCoprocessors,
        waitForProviders,
      } = await load();
      const { dir, json } = globals();
      const port = Number(options.port);
      const providerCount = Number(options.providers);
      if (
        !Number.isInteger(providerCount) ||
        providerCount < 0 ||
        providerCount > MAX_LOCAL_PROVIDERS
      ) {
        throw new InvalidParameterError({
          field: "--providers",
          expected: `an integer 0..${MAX_LOCAL_PROVIDERS}`,
          received: options.providers,
        });
      }
      const coprocessorCount = Number(options.coprocessors);
      if (
        !Number.isInteger(coprocessorCount) ||
        coprocessorCount < 0 ||
        coprocessorCount > MAX_LOCAL_COPROCESSORS ||
        providerCount + coprocessorCount > 6
      ) {
        throw new InvalidParameterError({
          field: "--coprocessors",
          expected: `an integer 0..${MAX_LOCAL_COPROCESSORS}, with --providers at most 6 in all (dev accounts 4..9)`,
          received: options.coprocessors,
        });
      }
      if (options.detach) {
        const args = [
          "devnet",
          "--dir",
          dir,
          "--port",
          options.port,
          "--chain-id",
          options.chainId,
          "--providers",
          String(providerCount),
          "--coprocessors",
          String(coprocessorCount),
        ];
        const info = await startDetached({
          dir,
          port,
          command: [process.execPath, noosBin, ...args],
        });
        const providers = providerCount ? await waitForProviders(dir, info.pid) : [];
        const coprocessors = coprocessorCount ? await waitForCoprocessors(dir) : [];
        if (json) printJson({ ...summary(info, dir), providers, coprocessors });
        else printSummary(info, dir, true, providers, coprocessors);
        return;
      }
      // Providers stop before the chain: SIGINT/SIGTERM stop them, then the devnet.
      const controller = new AbortController();
      let local: Awaited<ReturnType<typeof startLocalProviders>> | undefined;
      let nodes: Awaited<ReturnType<typeof startLocalCoprocessors>> | undefined;
      const shutdown = () => {
        void Promise.all([local?.stop(), nodes?.stop()]).finally(() => controller.abort());
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
      await runDevnet({
        dir,
        port,
        chainId: Number(options.chainId),
        signal: controller.signal,
        log: json ? undefined : (message) => process.stderr.write(`${message}\n`),
        onReady: (info) => {
          void (async () => {
            try {
              if (providerCount)
                local = await startLocalProviders({ dir, count: providerCount, info });
              if (coprocessorCount)
                nodes = await startLocalCoprocessors({ dir, count: coprocessorCount, info });
              const providers = local?.providers ?? [];
              const coprocessors = nodes?.coprocessors ?? [];
              if (json) printJson({ ...summary(info, dir), providers, coprocessors });
              else printSummary(info, dir, false, providers, coprocessors);
            } catch (err) {
              process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
              process.exitCode = 1;
              shutdown();
            }
          })();
        },
      });
    });

  devnet
    .command("stop")
    .description("stop the devnet started in --dir, and its anvil")
    .action(async () => {
      const { stopDevnet } = await import("@noosphere/devnet");
      const { dir, json } = globals();
      const stopped = await stopDevnet({ dir });
      if (json) printJson({ stopped });
      else process.stdout.write(stopped ? "devnet stopped\n" : "no devnet was running\n");
    });

  devnet
    .command("status")
    .description("show the running devnet")
    .action(async () => {
      const { readDevnet } = await import("@noosphere/devnet");
      const { dir, json } = globals();
      const info = await readDevnet(dir);
      if (json) printJson(summary(info, dir));
      else printSummary(info, dir, true);
    });
}

function summary(info: DevnetInfo, dir: string) {
  return { ...info, file: path.join(dir, "devnet.json") };
}

function printSummary(
  info: DevnetInfo,
  dir: string,
  detached: boolean,
  providers: LocalProvider[] = [],
  coprocessors: LocalCoprocessor[] = [],
) {
  const lines = [
    `Noosphere devnet ready on ${info.rpcUrl} (chain ${info.chainId})`,
    "",
    ...Object.entries(info.contracts).map(([name, address]) => `  ${name.padEnd(10)} ${address}`),
    "",
    "  accounts (10,000 ETH each; 1-9 hold 100,000 NOOS, 0 is the deployer and treasury; keys in the file below):",
    ...info.accounts
      .slice(0, 7)
      .map((a, i) => `  ${String(i).padStart(2)} ${a.address}  ${a.role}`),
    ...(providers.length
      ? ["", "  providers:", ...providers.map((p) => `  p${p.index} ${p.address}  ${p.statusUrl}`)]
      : []),
    ...(coprocessors.length
      ? [
          "",
          "  coprocessor nodes:",
          ...coprocessors.map((c) => `  c${c.index} ${c.address}  ${c.statusUrl}`),
        ]
      : []),
    "",
    `  details: ${path.join(dir, "devnet.json")}`,
    detached ? "  stop with: noos devnet stop" : "  press Ctrl-C to stop",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
