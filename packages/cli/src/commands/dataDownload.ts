// `noos data download <did>`: a signed request (EIP-191) to the asset's provider, which streams the
// file after checking the buyer's on-chain order. Kept apart from data.ts (publish/list/show/buy).
import path from "node:path";
import type { Command } from "commander";
import type { LocalAccount } from "viem";
import type { GlobalOptions } from "../context.js";
import { printFields, printJson } from "../output.js";

export function registerDataDownload(data: Command, globals: () => GlobalOptions) {
  data
    .command("download")
    .description("download a bought data asset's file from its provider (needs a valid order)")
    .argument("<did>", "did:noos:...")
    .option("-o, --out <path>", "where to write it (default: the file's name, here)")
    .option("--file <index>", "which file of the asset (default 0)", "0")
    .action(async (did: string, opts: { out?: string; file: string }) => {
      // The SDK (viem) and the provider's client load here, not when `noos data --help` runs.
      const { BaseError, getDataAsset, InvalidParameterError, isDid } = await import(
        "@noosphere/sdk"
      );
      const { downloadData } = await import("@noosphere/node/data");
      const { walletClient } = await import("../context.js");
      const options = globals();
      if (!isDid(did)) {
        throw new InvalidParameterError({
          field: "did",
          expected: "did:noos: followed by 64 hex characters",
          received: did,
        });
      }
      const file = Number(opts.file);
      if (!Number.isInteger(file) || file < 0) {
        throw new InvalidParameterError({
          field: "--file",
          expected: "an index 0, 1, …",
          received: opts.file,
        });
      }
      const { connection, client } = await walletClient(options);
      const { dataNftFactory, fixedRateExchange, dispenser } = connection.contracts;
      if (!dataNftFactory || !fixedRateExchange || !dispenser) {
        throw new BaseError(
          "This deployment has no data-asset contracts: redeploy it (noos devnet start --fresh).",
        );
      }
      const asset = await getDataAsset(client, {
        dataNftFactory,
        fixedRateExchange,
        dispenser,
        did,
      });
      const got = await downloadData({
        providerUrl: asset.provider.url,
        did,
        account: client.account as LocalAccount,
        file,
      });
      const out = path.resolve(opts.out ?? got.name ?? `${did.slice(9, 21)}.bin`);
      const { writeFile } = await import("node:fs/promises");
      await writeFile(out, got.bytes);
      const result = { did, path: out, bytes: got.bytes.length, sha256: got.sha256 };
      if (options.json) printJson(result);
      else printFields({ saved: out, bytes: String(result.bytes), sha256: got.sha256 });
    });
}
