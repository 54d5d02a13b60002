// noos: the Noosphere command line. It loads only the command it runs: `noos --version` or
// `noos store get` must not pay for onnxruntime, snarkjs and viem's whole surface at start-up.
import { findDevnetDir } from "@noosphere/devnet/dir";
import { Command, CommanderError } from "commander";
import type { GlobalOptions } from "./context.js";

type Register = (program: Command, globals: () => GlobalOptions) => void;
type Entry = { description: string; load: () => Promise<Register> };

/**
 * Each top-level command, in `noos --help` order: its one-line description (what `noos --help`
 * prints, so that listing the commands loads none of them; keep it equal to the description the
 * module registers) and the module that registers it (loaded only when that command runs).
 */
const commands: Record<string, Entry> = {
  devnet: {
    description: "run a local chain (anvil) with every Noosphere contract deployed",
    load: async () => (await import("./commands/devnet.js")).registerDevnet,
  },
  market: {
    description: "compute market: orders, bids, leases",
    load: async () => (await import("./commands/market.js")).registerMarket,
  },
  deploy: {
    description:
      "run a job on the market: validate, upload, order, take the lowest bid, wait, download",
    load: async () => (await import("./commands/deploy.js")).registerDeploy,
  },
  job: {
    description: "inspect and manage a deployed job (its order id)",
    load: async () => (await import("./commands/deploy.js")).registerDeploy,
  },
  demo: {
    description:
      "run a capability end to end on the devnet (reuses a running one, or starts one) and report what it did",
    load: async () => (await import("./commands/demo.js")).registerDemo,
  },
  provider: {
    description: "run a compute provider",
    load: async () => (await import("./commands/provider.js")).registerProvider,
  },
  token: {
    description: "NOOS token",
    load: async () => (await import("./commands/token.js")).registerToken,
  },
  stake: {
    description: "stake NOOS by role (unbonding before withdrawal)",
    load: async () => (await import("./commands/stake.js")).registerStake,
  },
  store: {
    description: "content store: IPFS-compatible CIDs (same as `ipfs add --cid-version=1`)",
    load: async () => (await import("./commands/store.js")).registerStore,
  },
  subnet: {
    description:
      "incentive subnets: create and join one, run miners, validators and a keeper (examples/subnets/template), read the metagraph; Yuma Consensus epochs (bit-exact with subtensor) and simulations",
    load: async () => (await import("./commands/subnet.js")).registerSubnet,
  },
  zk: {
    description:
      "zkML: prove ONNX inference with Groth16 (gen-settings -> calibrate-settings -> compile-circuit -> setup -> gen-witness -> prove -> verify -> create-evm-verifier -> deploy-evm -> verify-evm)",
    load: async () => (await import("./commands/zk.js")).registerZk,
  },
  coprocessor: {
    description:
      "AI coprocessor: contracts (or you) request a model's inference, staked nodes deliver it verified (none | redundant | zk) with a callback",
    load: async () => (await import("./commands/coprocessor.js")).registerCoprocessor,
  },
  network: {
    description: "use Noosphere on an existing EVM chain (deploy, then --network <file>)",
    load: async () => (await import("./commands/network.js")).registerNetwork,
  },
  channel: {
    description: "x402 payment channels for pay-per-call services: open, status, claim, close",
    load: async () => (await import("./commands/channel.js")).registerChannel,
  },
  service: {
    description: "call and manage leased inference services (noos deploy service.yaml)",
    load: async () => (await import("./commands/service.js")).registerService,
  },
  data: {
    description: "data assets: data NFTs, datatokens, compute-to-data (Ocean v4)",
    load: async () => (await import("./commands/data.js")).registerData,
  },
  console: {
    description:
      "start the indexer and the web console against the running devnet (or --rpc-url); prints {url, indexerUrl}",
    load: async () => (await import("./commands/console.js")).registerConsole,
  },
  verifier: {
    description:
      "optimistic verification watcher: re-executes optimistic results, challenges a mismatch with a bond, plays every dispute game to the end",
    load: async () => (await import("./commands/verifier.js")).registerVerifier,
  },
};
/** Global options that take a value (the token after them is not a command name). */
const valueOptions = new Set(["--dir", "--network", "--rpc-url", "--private-key", "--account"]);

// `noos ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const program = new Command("noos")
  .description("Noosphere: an open, verifiable AI network settling on EVM chains")
  .version("0.1.0")
  .option(
    "--dir <dir>",
    "where the devnet keeps its state (default: env NOOS_DIR, else the nearest .noos in this folder or above)",
    findDevnetDir(),
  )
  .option(
    "--network <file>",
    "deployment file from `noos network deploy`, used instead of the devnet (env NOOS_NETWORK)",
  )
  .option(
    "--rpc-url <url>",
    "JSON-RPC endpoint (default: the network file's or the devnet's; env NOOS_RPC_URL)",
  )
  .option("--private-key <key>", "signing key (env NOOS_PRIVATE_KEY)")
  .option("--account <index>", "devnet account to sign with when no key is given", "0")
  .option("--json", "machine-readable output")
  .showHelpAfterError()
  .exitOverride();
const globals = () => program.opts<GlobalOptions>();

/** The command named on the command line, or undefined (help, --version, nothing). */
function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (valueOptions.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

const args = process.argv.slice(2);
let name = commandName(args);
// `noos help <command>` shows that command's help: load it (commander's help command does the rest).
if (name === "help") name = commandName(args.slice(args.indexOf("help") + 1));
const entry = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
if (entry !== undefined) {
  (await entry.load())(program, globals); // deploy's module registers `job` too
} else if (!(name === undefined && (args.includes("--version") || args.includes("-V")))) {
  // `noos --help`, `noos` alone or an unknown command: list every command from the table above
  // without loading any (commander prints the list, or names the unknown one with a suggestion).
  for (const [command, { description }] of Object.entries(commands)) {
    program.command(command).description(description);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const json = process.argv.includes("--json");
  // BaseError (ours and viem's) carries a short message, details and hints; duck-typed so that
  // start-up does not load the SDK for a command that never needed it.
  const e = err as {
    name?: string;
    shortMessage?: string;
    details?: string;
    metaMessages?: string[];
  };
  if (typeof e?.shortMessage === "string") {
    if (json)
      printJson({
        error: {
          name: e.name,
          message: e.shortMessage,
          details: e.details,
          ...(e.metaMessages?.length ? { hints: e.metaMessages } : {}),
        },
      });
    else
      process.stderr.write(
        `error: ${e.shortMessage}\n${e.metaMessages?.map((m) => `  ${m}`).join("\n") ?? ""}\n`,
      );
  } else {
    if (json) printJson({ error: { name: "Error", message: String(err) } });
    else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}

function printJson(value: unknown) {
  const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
  process.stdout.write(`${text}\n`);
}
