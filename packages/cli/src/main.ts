// noos: the Noosphere command line.
import { findDevnetDir } from "@noosphere/devnet";
import { BaseError } from "@noosphere/sdk";
import { Command, CommanderError } from "commander";
import { registerDemo } from "./commands/demo.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerDevnet } from "./commands/devnet.js";
import { registerMarket } from "./commands/market.js";
import { registerProvider } from "./commands/provider.js";
import { registerStake } from "./commands/stake.js";
import { registerStore } from "./commands/store.js";
import { registerSubnet } from "./commands/subnet.js";
import { registerToken } from "./commands/token.js";
import { registerZk } from "./commands/zk.js";
import type { GlobalOptions } from "./context.js";
import { printJson } from "./output.js";

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
  .option("--rpc-url <url>", "JSON-RPC endpoint (default: the devnet's; env NOOS_RPC_URL)")
  .option("--private-key <key>", "signing key (env NOOS_PRIVATE_KEY)")
  .option("--account <index>", "devnet account to sign with when no key is given", "0")
  .option("--json", "machine-readable output")
  .showHelpAfterError()
  .exitOverride();

const globals = () => program.opts<GlobalOptions>();
registerDevnet(program, globals);
registerMarket(program, globals);
registerDeploy(program, globals);
registerDemo(program, globals);
registerProvider(program, globals);
registerToken(program, globals);
registerStake(program, globals);
registerStore(program, globals);
registerSubnet(program, globals);
registerZk(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const json = process.argv.includes("--json");
  if (err instanceof BaseError) {
    if (json)
      printJson({
        error: {
          name: err.name,
          message: err.shortMessage,
          details: err.details,
          ...(err.metaMessages?.length ? { hints: err.metaMessages } : {}),
        },
      });
    else
      process.stderr.write(
        `error: ${err.shortMessage}\n${err.metaMessages?.map((m) => `  ${m}`).join("\n") ?? ""}\n`,
      );
  } else {
    if (json) printJson({ error: { name: "Error", message: String(err) } });
    else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}
