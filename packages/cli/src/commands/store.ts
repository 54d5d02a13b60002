import { once } from "node:events";
import path from "node:path";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printFields, printJson } from "../output.js";

/**
 * `noos store add|get`: the local content store; no devnet needed. The store (and the SDK's
 * errors, which load viem) are imported by the actions, so `noos store --help` loads neither.
 */
export function registerStore(program: Command, globals: () => GlobalOptions) {
  const store = program
    .command("store")
    .description("content store: IPFS-compatible CIDs (same as `ipfs add --cid-version=1`)")
    .option("--store-dir <dir>", "blockstore directory (default: <--dir>/store)");

  const open = async () => {
    const { createStore } = await import("@noosphere/storage");
    const { storeDir } = store.opts<{ storeDir?: string }>();
    return createStore({ kind: "local", dir: storeDir ?? path.join(globals().dir, "store") });
  };

  store
    .command("add")
    .description("import a file; prints its CID, size and sha256 (of the raw bytes)")
    .argument("<file>", "file to import")
    .action(async (file: string) => {
      const result = await (await open()).addFile(file);
      if (globals().json) printJson(result);
      else printFields(result);
    });

  store
    .command("get")
    .description("write a CID's content to a file (-o) or stdout, after checking it")
    .argument("<cid>", "content to fetch")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .action(async (cid: string, options: { out?: string }) => {
      const json = globals().json;
      if (options.out !== undefined) {
        const result = await (await open()).getToFile(cid, options.out);
        const out = { ...result, path: path.resolve(options.out) };
        if (json) printJson(out);
        else printFields(out);
        return;
      }
      if (json) {
        const { InvalidParameterError } = await import("@noosphere/sdk");
        throw new InvalidParameterError({
          field: "--out",
          expected: "a file path when --json is given (content and JSON cannot share stdout)",
          received: undefined,
        });
      }
      for await (const chunk of (await open()).cat(cid)) {
        if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
      }
    });
}
