// `noos network`: Noosphere on an existing EVM chain (an L1/L2, a testnet, Hardhat's node) instead
// of the devnet. `deploy` runs the devnet's own deployment (@noosphere/devnet's deployNoosphere)
// against the chain and writes a deployment file; every other command then uses it through
// `--network <file>` or NOOS_NETWORK.
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import type { GlobalOptions, NetworkFile } from "../context.js";
import { printFields, printJson } from "../output.js";

// The deployment code, the SDK and viem load inside the actions: `noos network --help` loads
// commander and this file only.
const load = async () => ({
  ...(await import("viem")),
  ...(await import("viem/accounts")),
  ...(await import("@noosphere/sdk")), // after viem: its InvalidParameterError is the SDK's
  ...(await import("../context.js")),
  deployNoosphere: (await import("@noosphere/devnet")).deployNoosphere,
});

/** Where `noos network deploy` writes its file unless `--out` says otherwise. */
export const DEFAULT_NETWORK_FILE = "noos-network.json";

export function registerNetwork(program: Command, globals: () => GlobalOptions) {
  const network = program
    .command("network")
    .description("use Noosphere on an existing EVM chain (deploy, then --network <file>)");

  network
    .command("deploy")
    .description(
      "deploy every contract to the chain at --rpc-url with --private-key and write a deployment file",
    )
    .option("-o, --out <file>", "deployment file to write", DEFAULT_NETWORK_FILE)
    .option("--treasury <address>", "receives the initial NOOS supply and fees (default: deployer)")
    .option("--force", "overwrite an existing deployment file")
    .action(async (o: { out: string; treasury?: string; force?: boolean }) => {
      const {
        createPublicClient,
        deployNoosphere,
        http,
        InvalidParameterError,
        isHex,
        parseAddress,
        privateKeyToAccount,
      } = await load();
      const options = globals();
      const rpcUrl = options.rpcUrl ?? process.env.NOOS_RPC_URL;
      if (!rpcUrl || !URL.canParse(rpcUrl)) {
        throw new InvalidParameterError({
          field: "--rpc-url",
          expected: "the JSON-RPC URL of the chain to deploy to (or env NOOS_RPC_URL)",
          received: rpcUrl,
        });
      }
      const key = options.privateKey ?? process.env.NOOS_PRIVATE_KEY;
      if (key === undefined || !isHex(key) || key.length !== 66) {
        throw new InvalidParameterError({
          field: "--private-key",
          expected:
            "the deployer's 0x-prefixed 32-byte key (or env NOOS_PRIVATE_KEY); it pays the gas and holds the admin roles",
          received: key === undefined ? undefined : "(hidden)",
        });
      }
      const treasury = o.treasury ? parseAddress("--treasury", o.treasury) : undefined;
      const out = path.resolve(o.out);
      if (!o.force && (await exists(out))) {
        throw new InvalidParameterError({
          field: "--out",
          expected: "a file that does not exist yet (or --force to overwrite it)",
          received: out,
        });
      }
      const deployer = privateKeyToAccount(key);
      const chainId = await createPublicClient({ transport: http(rpcUrl) }).getChainId();
      const log = options.json
        ? undefined
        : (message: string) => process.stderr.write(`${message}\n`);
      const deployment = await deployNoosphere({
        rpcUrl,
        chainId,
        deployer,
        treasury,
        pollingInterval: 250,
        log,
      });
      const file: NetworkFile = {
        rpcUrl,
        chainId: deployment.chainId,
        contracts: deployment.contracts,
        startBlock: deployment.startBlock,
        deployer: deployment.deployer,
        deployedAt: new Date().toISOString(),
      };
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(`${out}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
      await rename(`${out}.tmp`, out);
      if (options.json) printJson({ file: out, ...file });
      else {
        printFields({
          file: out,
          chainId: file.chainId,
          rpcUrl,
          deployer: file.deployer,
          startBlock: file.startBlock,
          ...file.contracts,
        });
        process.stdout.write(
          `\nuse it: noos --network ${path.relative(process.cwd(), out) || out} --private-key <key> <command> (or export NOOS_NETWORK)\n`,
        );
      }
    });

  network
    .command("show")
    .description("the deployment in use (--network / NOOS_NETWORK) and whether the chain has it")
    .action(async () => {
      const {
        connect,
        createPublicClient,
        http,
        InvalidParameterError,
        networkFileOption,
        readNetworkFile,
      } = await load();
      const options = globals();
      const file = networkFileOption(options);
      if (file === undefined) {
        throw new InvalidParameterError({
          field: "--network",
          expected: "a deployment file (or env NOOS_NETWORK)",
          received: undefined,
        });
      }
      const info = await readNetworkFile(file);
      const connection = await connect(options);
      const client = createPublicClient({ transport: http(connection.rpcUrl) });
      const chainId = await client.getChainId();
      const code = await client.getCode({ address: info.contracts.market });
      const live = chainId === info.chainId && code !== undefined && code !== "0x";
      if (options.json)
        printJson({ file: path.resolve(file), ...info, rpcUrl: connection.rpcUrl, live });
      else
        printFields({
          file: path.resolve(file),
          chainId: info.chainId,
          rpcUrl: connection.rpcUrl,
          deployer: info.deployer,
          startBlock: info.startBlock,
          live,
          ...info.contracts,
        });
    });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
