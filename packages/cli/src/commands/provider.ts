import path from "node:path";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";

// The provider (providerStart.ts: @noosphere/node, the SDK, viem, the store) loads inside the
// action: `noos provider --help` loads commander and this file only.
export function registerProvider(program: Command, globals: () => GlobalOptions) {
  const provider = program.command("provider").description("run a compute provider");
  provider
    .command("start")
    .description(
      "register (staking if needed), bid on orders, run leased jobs; Ctrl-C stops gracefully",
    )
    .requiredOption("-c, --config <file>", "provider.yaml")
    .addHelpText("after", "\nSee examples/providers/*.yaml for the fields.")
    .action(async (options: { config: string }) => {
      const { loadProviderFile } = await import("@noosphere/node");
      const { startProvider } = await import("./providerStart.js");
      const file = await loadProviderFile(options.config);
      await startProvider(file, path.dirname(options.config), globals());
    });
}
