// Ponder config: one chain (the devnet, or NOOS_RPC_URL) and every Noosphere contract of its
// deployment, ABIs from @noosphere/sdk. See README.md for the environment variables.
import { abis } from "@noosphere/sdk";
import { createConfig, factory } from "ponder";
import { type Address, getAbiItem, zeroAddress } from "viem";
import { loadIndexerSettings } from "./src/deployment.ts";

const settings = loadIndexerSettings();
const { deployment } = settings;
const { contracts } = deployment;
const startBlock = deployment.startBlock;
const chain = "noos" as const;
// Contracts that older deployments lack are indexed at the zero address (which emits nothing).
const optional = (address: Address | undefined): Address => address ?? zeroAddress;
const dataNftFactory = optional(contracts.dataNftFactory);

export default createConfig({
  database: settings.databaseUrl
    ? { kind: "postgres", connectionString: settings.databaseUrl }
    : { kind: "pglite", directory: settings.pgliteDir },
  chains: {
    [chain]: {
      id: deployment.chainId,
      rpc: deployment.rpcUrl,
      pollingInterval: settings.pollingIntervalMs,
      // anvil's blocks are not worth caching: a restarted devnet reuses block numbers and hashes.
      disableCache: deployment.chainId === 31337,
    },
  },
  contracts: {
    NoosToken: { abi: abis.NoosToken, chain, address: contracts.token, startBlock },
    Staking: { abi: abis.Staking, chain, address: contracts.staking, startBlock },
    ProviderRegistry: {
      abi: abis.ProviderRegistry,
      chain,
      address: contracts.registry,
      startBlock,
    },
    ComputeMarket: { abi: abis.ComputeMarket, chain, address: contracts.market, startBlock },
    ModelRegistry: {
      abi: abis.ModelRegistry,
      chain,
      address: contracts.modelRegistry,
      startBlock,
    },
    ProofRegistry: {
      abi: abis.ProofRegistry,
      chain,
      address: contracts.proofRegistry,
      startBlock,
    },
    SubnetRegistry: {
      abi: abis.SubnetRegistry,
      chain,
      address: contracts.subnetRegistry,
      startBlock,
    },
    CoprocessorCoordinator: {
      abi: abis.CoprocessorCoordinator,
      chain,
      address: contracts.coprocessor,
      startBlock,
    },
    PaymentChannels: {
      abi: abis.PaymentChannels,
      chain,
      address: optional(contracts.paymentChannels),
      startBlock,
    },
    OptimisticVerifier: {
      abi: abis.OptimisticVerifier,
      chain,
      address: optional(contracts.optimisticVerifier),
      startBlock,
    },
    DataNFTFactory: {
      abi: abis.DataNFTFactory,
      chain,
      address: dataNftFactory,
      startBlock,
    },
    DataNFT: {
      abi: abis.DataNFT,
      chain,
      address: factory({
        address: dataNftFactory,
        event: getAbiItem({ abi: abis.DataNFTFactory, name: "DataNFTCreated" }),
        parameter: "nft",
      }),
      startBlock,
    },
    Datatoken: {
      abi: abis.Datatoken,
      chain,
      address: factory({
        address: dataNftFactory,
        event: getAbiItem({ abi: abis.DataNFTFactory, name: "DatatokenCreated" }),
        parameter: "datatoken",
      }),
      startBlock,
    },
  },
});
