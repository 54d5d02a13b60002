// noos: the Noosphere command line. It loads only the command it runs: `noos --version` or
// `noos store get` must not pay for onnxruntime, snarkjs and viem's whole surface at start-up.
import { findDevnetDir } from "@noosphere/devnet/dir";
import { Command, CommanderError } from "commander";
import type { GlobalOptions } from "./context.js";

type Register = (program: Command, globals: () => GlobalOptions) => void;

/** Each top-level command and the module that registers it, in `noos --help` order. */
const commands: Record<string, () => Promise<Register>> = {
  devnet: async () => (await import("./commands/devnet.js")).registerDevnet,
  market: async () => (await import("./commands/market.js")).registerMarket,
  deploy: async () => (await import("./commands/deploy.js")).registerDeploy,
  job: async () => (await import("./commands/deploy.js")).registerDeploy,
  demo: async () => (await import("./commands/demo.js")).registerDemo,
  provider: async () => (await import("./commands/provider.js")).registerProvider,
  token: async () => (await import("./commands/token.js")).registerToken,
  stake: async () => (await import("./commands/stake.js")).registerStake,
  store: async () => (await import("./commands/store.js")).registerStore,
  subnet: async () => (await import("./commands/subnet.js")).registerSubnet,
  zk: async () => (await import("./commands/zk.js")).registerZk,
  coprocessor: async () => (await import("./commands/coprocessor.js")).registerCoprocessor,
  network: async () => (await import("./commands/network.js")).registerNetwork,
  channel: async () => (await import("./commands/channel.js")).registerChannel,
  service: async () => (await import("./commands/service.js")).registerService,
  data: async () => (await import("./commands/data.js")).registerData,
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
const name = commandName(args);
const versionOnly = name === undefined && (args.includes("--version") || args.includes("-V"));
const load =
  name !== undefined && name in commands
    ? [commands[name]]
    : versionOnly
      ? []
      : Object.values(commands);
const registered = new Set<Register>();
for (const loader of load) {
  const register = await (loader as () => Promise<Register>)();
  if (registered.has(register)) continue; // deploy and job share a module
  registered.add(register);
  register(program, globals);
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
