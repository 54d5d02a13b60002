// `noos verifier start [--config verifier.yaml]`: the optimistic-verification watcher. It
// re-executes every optimistic claim (market jobs: training mlp-train, inference mlp-infer or, for a
// CNN model, cnn-infer, evaluation mlp-eval; coprocessor claims), challenges a claim whose final
// state differs from its own run with a bond, and plays the dispute game to the end (bisection over
// steps, then over the step's operators, then one element the chain recomputes). Restart-safe
// (state in <stateDir>/verifier.json, keyed by chain id + genesis hash + verifier address); serves
// GET /status. Connects like every command (the devnet, or --network), signing with --account /
// --private-key unless the config names a key.
// Modules load inside the action: `noos verifier --help` loads commander and this file only.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import type { Address, Hex } from "viem";
import type { GlobalOptions } from "../context.js";

/** verifier.yaml: every field optional. */
export type VerifierFile = {
  /** Bond per challenge, NOOS. Default "10". */
  bond?: string;
  /** State folder. Default <--dir>/verifier. */
  stateDir?: string;
  /** Content store folder (manifests and inputs by CID). Default <--dir>/store. */
  storeDir?: string;
  /** GET /status. Default 127.0.0.1, a free port. */
  listen?: { host?: string; port?: number };
  pollIntervalMs?: number;
  /** A signing key (else --private-key / --account). */
  privateKey?: Hex;
};

const FIELDS = ["bond", "stateDir", "storeDir", "listen", "pollIntervalMs", "privateKey"];

export async function loadVerifierFile(file: string): Promise<VerifierFile> {
  const { parse: parseYaml } = await import("yaml");
  const { InvalidParameterError, parseNoos } = await import("@noosphere/sdk");
  const raw = parseYaml(await readFile(file, "utf8")) as unknown;
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new InvalidParameterError({
      field: file,
      expected: `a mapping with ${FIELDS.join(", ")} (all optional)`,
      received: raw,
    });
  }
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!FIELDS.includes(key)) {
      throw new InvalidParameterError({
        field: key,
        expected: `one of ${FIELDS.join(" | ")}`,
        received: doc[key],
      });
    }
  }
  if (doc.bond !== undefined) parseNoos(String(doc.bond), "bond");
  const listen = doc.listen as { port?: unknown } | undefined;
  if (
    listen !== undefined &&
    (typeof listen !== "object" ||
      (listen.port !== undefined &&
        !(Number.isInteger(listen.port) && (listen.port as number) >= 0)))
  ) {
    throw new InvalidParameterError({
      field: "listen",
      expected: "{ host?: string, port?: integer >= 0 }",
      received: doc.listen,
    });
  }
  return doc as VerifierFile;
}

export function registerVerifier(program: Command, globals: () => GlobalOptions) {
  const verifier = program
    .command("verifier")
    .description(
      "optimistic verification watcher: re-executes optimistic results, challenges a mismatch with a bond, plays every dispute game to the end",
    );
  verifier
    .command("start")
    .description(
      "run the watcher until stopped; GET /status shows the claims it checked and the games it plays",
    )
    .option("-c, --config <file>", "verifier.yaml (bond, stateDir, storeDir, listen, privateKey)")
    .action(async (o: { config?: string }) => {
      await startVerifier(globals(), o.config);
    });
}

export async function startVerifier(options: GlobalOptions, configFile?: string) {
  const [
    { createCommon, createWatcher, coprocessorSource },
    { InvalidParameterError, parseNoos },
    { createStore },
  ] = await Promise.all([
    import("@noosphere/node"),
    import("@noosphere/sdk"),
    import("@noosphere/storage"),
  ]);
  const { walletClient } = await import("../context.js");
  const { printFields, printJson } = await import("../output.js");
  const file = configFile ? await loadVerifierFile(configFile) : {};
  const baseDir = configFile ? path.dirname(path.resolve(configFile)) : process.cwd();
  const resolve = (p: string) => path.resolve(baseDir, p);
  const { connection, client } = await walletClient(
    file.privateKey ? { ...options, privateKey: file.privateKey } : options,
  );
  const contracts = connection.contracts as unknown as Record<string, Address | undefined>;
  const need = (name: string) => {
    const address = contracts[name];
    if (!address) {
      throw new InvalidParameterError({
        field: `contracts.${name}`,
        expected:
          "a deployment with the optimistic verifier and the step referee (restart the devnet)",
        received: undefined,
      });
    }
    return address;
  };
  const common = createCommon({ name: `verifier:${client.account.address.slice(0, 8)}` });
  const store = createStore({
    kind: "local",
    dir: file.storeDir ? resolve(file.storeDir) : path.join(path.resolve(options.dir), "store"),
  });
  const watcher = await createWatcher(common, {
    client: client as never,
    contracts: {
      verifier: need("optimisticVerifier"),
      referee: need("stepReferee"),
      market: need("market"),
      token: need("token"),
      registry: need("registry"),
    },
    store,
    // Coprocessor deliveries in optimistic mode: standalone claims about a request's program.
    sources: contracts.coprocessor
      ? [
          coprocessorSource({
            client: client as never,
            coordinator: contracts.coprocessor,
            fromBlock: BigInt(connection.startBlock),
            fetchContent: (cid) => store.get(cid),
          }),
        ]
      : [],
    stateDir: file.stateDir
      ? resolve(file.stateDir)
      : path.join(path.resolve(options.dir), "verifier"),
    startBlock: BigInt(connection.startBlock),
    bond: parseNoos(file.bond ?? "10", "bond"),
    listen: { host: file.listen?.host ?? "127.0.0.1", port: file.listen?.port ?? 0 },
    pollIntervalMs: file.pollIntervalMs ?? 500,
  });
  const ready = {
    address: client.account.address,
    verifier: contracts.optimisticVerifier ?? "",
    statusUrl: watcher.statusUrl ?? "",
  };
  if (options.json) printJson(ready);
  else printFields({ watcher: ready.address, verifier: ready.verifier, status: ready.statusUrl });
  await watcher.done;
}
