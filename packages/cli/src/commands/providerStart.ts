// `noos provider start`: what it runs (registered in provider.ts, which loads this module inside
// its action so that `noos provider --help` loads neither the SDK nor @noosphere/node).
import path from "node:path";
import { readDevnet } from "@noosphere/devnet";
import {
  type Common,
  createCommon,
  createJobRunner,
  createProvider,
  createServiceHost,
  type ProviderFile,
  providerSettings,
  x402PaywallFactory,
} from "@noosphere/node";
import {
  createDataChain,
  createDataJobs,
  createDataServer,
  type DataJobs,
} from "@noosphere/node/data";
import {
  createNoosClient,
  InvalidParameterError,
  type NoosphereAddresses,
  type NoosReadClient,
  noosphereActions,
} from "@noosphere/sdk";
import { type ContentStore, createStore } from "@noosphere/storage";
import type { Hex } from "viem";
import { getBlock, getChainId } from "viem/actions";
import { daemonKey, type GlobalOptions } from "../context.js";

/** Resolves the chain, key and store a provider.yaml describes, then runs until SIGINT/SIGTERM. */
export async function startProvider(file: ProviderFile, baseDir: string, options: GlobalOptions) {
  const resolve = (p: string) => path.resolve(baseDir, p);
  const devnet = file.devnet ? await readDevnet(resolve(file.devnet)) : undefined;
  const rpcUrl = file.rpcUrl ?? devnet?.rpcUrl;
  const contracts = (file.contracts ?? devnet?.contracts) as NoosphereAddresses | undefined;
  if (!rpcUrl || !contracts) {
    throw new InvalidParameterError({
      field: "devnet",
      expected: "a running devnet, or rpcUrl + contracts",
      received: file.devnet,
    });
  }
  const privateKey = daemonKey(file, devnet?.accounts.map((a) => a.privateKey) ?? []);
  const client = createNoosClient({
    rpcUrl,
    chainId: devnet?.chainId ?? 31337,
    privateKey,
    concurrent: true,
    // How often a sent transaction's receipt is polled: every bid and result waits for one.
    pollingInterval: 50,
  }).extend(noosphereActions(contracts));
  const settings = providerSettings(file);
  const stateDir = resolve(file.stateDir);
  const storeDir = file.storeDir
    ? resolve(file.storeDir)
    : path.join(path.resolve(options.dir), "store");
  const store = createStore({ kind: "local", dir: storeDir });
  const common = createCommon({ name: `provider:${client.account.address.slice(0, 8)}` });
  const hostUri = file.hostUri ?? `http://${file.listen.host}:${file.listen.port}`;
  // Service leases: one OIP server per lease on this host; paid ones behind an x402 paywall.
  const services = createServiceHost({
    store,
    listenHost: file.listen.host,
    publicHost: new URL(hostUri).hostname,
    paywall: x402PaywallFactory(common, { client, contracts, stateDir }),
    logger: common.logger,
  });
  const daemon = await createProvider(common, {
    client,
    contracts,
    startBlock: BigInt(devnet?.startBlock ?? 0),
    hostUri,
    attributes: Object.entries(file.attributes).map(([key, value]) => ({ key, value })),
    stake: settings.stake,
    pricing: settings.pricing,
    capacity: settings.capacity,
    stateDir,
    listen: file.listen,
    withdrawIntervalMs: settings.withdrawIntervalMs,
    pollIntervalMs: settings.pollIntervalMs,
    runJob: createJobRunner({
      store,
      workDir: path.join(stateDir, "work"),
      memoryBytes: settings.jobMemoryBytes,
      timeoutMs: settings.jobTimeoutMs,
      workers: settings.jobWorkers,
      jobsPerWorker: settings.jobsPerWorker,
      dataJobs: await startDataServices(common, { file, client, contracts, privateKey, store }),
    }),
    services,
  });
  await daemon.done;
}

/**
 * Data assets (where the network has a DataNFTFactory): the data endpoint on `dataPort`
 * (listen.port + 1 by default) and the compute-to-data checks the job runner applies.
 */
async function startDataServices(
  common: Common,
  p: {
    file: ProviderFile;
    client: NoosReadClient;
    contracts: NoosphereAddresses;
    privateKey: Hex;
    store: ContentStore;
  },
): Promise<DataJobs | undefined> {
  if (!p.contracts.dataNftFactory) return undefined;
  const chain = createDataChain(p.client, p.contracts.dataNftFactory);
  const listen = { host: p.file.listen.host, port: p.file.dataPort ?? p.file.listen.port + 1 };
  const quote = {
    chainId: await getChainId(p.client),
    now: async () => (await getBlock(p.client)).timestamp,
  };
  const server = await createDataServer(common, {
    quote,
    listen,
    privateKey: p.privateKey,
    chain,
    store: p.store,
  });
  common.logger.info({ url: server.url }, "data endpoint listening");
  return createDataJobs({
    client: p.client,
    market: p.contracts.market,
    chain,
    store: p.store,
    privateKey: p.privateKey,
  });
}
