// The devnet's tenant default, shared by the commands a tenant runs (deploy, service, channel).
// Only types are imported, so a command's --help still loads nothing but commander.
import type { Command } from "commander";
import type { GlobalOptions } from "./context.js";

/**
 * The global options as a tenant command uses them: on a devnet the tenant (who orders, calls
 * and pays) is account 1 unless --account or a key says otherwise.
 */
export function tenantOptions(program: Command, globals: () => GlobalOptions): () => GlobalOptions {
  return () => {
    const options = globals();
    return program.getOptionValueSource("account") === "default"
      ? { ...options, account: "1" }
      : options;
  };
}
