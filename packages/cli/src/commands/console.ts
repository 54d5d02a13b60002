// `noos console`: the web console (apps/console) on the indexer (apps/indexer), against the running
// devnet or `--rpc-url`. It starts the indexer (`ponder start` in apps/indexer) as a child process,
// builds the console with Vite when its sources are newer than the build, and serves it with a
// small HTTP server that also gives the browser:
//   GET  /config.json          chain, contracts, the devnet's dev accounts (for the dev wallet)
//   GET  /indexer/*            the indexer's HTTP API (GraphQL, /freshness, /ready), same origin
//   GET  /api/store/<cid>      bytes from the devnet's content store (verification keys, results)
//   POST /api/manifest         publishes a job manifest (YAML) to the store and returns the order
//                              parameters the browser's wallet then signs (`createOrder`)
// `--detach` keeps both running after the command exits (state in <dir>/console/console.json);
// `noos console stop` stops them.
import path from "node:path";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

// The console's server, the indexer's launcher and the SDK live in consoleRun.ts, loaded inside
// the actions: `noos console --help` loads commander and this file only.
export function registerConsole(program: Command, globals: () => GlobalOptions) {
  const cmd = program
    .command("console")
    .description(
      "start the indexer and the web console against the running devnet (or --rpc-url); prints {url, indexerUrl}",
    )
    .option("--detach", "keep running in the background (stop with `noos console stop`)")
    .option("--port <port>", "web console port (default: a free one)")
    .option("--indexer-port <port>", "indexer port (default: a free one)")
    .action(async (opts: { detach?: boolean; port?: string; indexerPort?: string }) => {
      const { parseId } = await import("../context.js");
      const { runConsole, startDetachedConsole } = await import("./consoleRun.js");
      const options = globals();
      const stateDir = path.join(path.resolve(options.dir), "console");
      if (opts.detach) {
        const info = await startDetachedConsole(stateDir, process.argv.slice(2));
        if (options.json) printJson({ url: info.url, indexerUrl: info.indexerUrl, pid: info.pid });
        else process.stdout.write(`console: ${info.url}\nindexer: ${info.indexerUrl}\n`);
        return;
      }
      const running = await runConsole({
        options,
        stateDir,
        port: opts.port ? Number(parseId("--port", opts.port)) : undefined,
        indexerPort: opts.indexerPort
          ? Number(parseId("--indexer-port", opts.indexerPort))
          : undefined,
        say: options.json ? () => {} : (line) => process.stderr.write(`${line}\n`),
      });
      if (options.json) printJson({ url: running.info.url, indexerUrl: running.info.indexerUrl });
      else
        process.stdout.write(`console: ${running.info.url}\nindexer: ${running.info.indexerUrl}\n`);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
        running.indexer.once("exit", done);
      });
      await running.stop();
    });

  cmd
    .command("stop")
    .description("stop a console started with --detach")
    .action(async () => {
      const { stopConsole } = await import("./consoleRun.js");
      const options = globals();
      const stateDir = path.join(path.resolve(options.dir), "console");
      const stopped = await stopConsole(stateDir);
      if (options.json) printJson({ stopped });
      else process.stdout.write(stopped ? "console stopped\n" : "no console running\n");
    });
}
