// Deploys every Noosphere contract to any EVM chain with viem: the devnet runs it against anvil,
// and `noos network deploy` runs the same function against any other chain (an L1/L2, Hardhat's
// node) given an RPC URL and a funded key.
import {
  BaseError,
  chainFor,
  cnnStepRefereeAbi,
  cnnStepRefereeBytecode,
  computeMarketAbi,
  computeMarketBytecode,
  computeMarketLibAbi,
  computeMarketLibBytecode,
  computeMarketLinkReferences,
  coprocessorCoordinatorAbi,
  coprocessorCoordinatorBytecode,
  coprocessorCoordinatorLinkReferences,
  coprocessorOptimisticLibAbi,
  coprocessorOptimisticLibBytecode,
  type Deployment,
  dataNFTAbi,
  dataNFTBytecode,
  dataNFTFactoryAbi,
  dataNFTFactoryBytecode,
  datatokenAbi,
  datatokenBytecode,
  dispenserAbi,
  dispenserBytecode,
  fixedRateExchangeAbi,
  fixedRateExchangeBytecode,
  mlpStepRefereeAbi,
  mlpStepRefereeBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  type NoosphereAddresses,
  noosTokenAbi,
  noosTokenBytecode,
  optimisticVerifierAbi,
  optimisticVerifierBytecode,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  proofRegistryAbi,
  proofRegistryBytecode,
  protocolParamsAbi,
  protocolParamsBytecode,
  providerRegistryAbi,
  providerRegistryBytecode,
  refereeRouterAbi,
  refereeRouterBytecode,
  type SubnetConfig,
  stakingAbi,
  stakingBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
  subnetRegistryLibAbi,
  subnetRegistryLibBytecode,
  subnetRegistryLinkReferences,
  yumaBondsLibAbi,
  yumaBondsLibBytecode,
  yumaEpochLibAbi,
  yumaEpochLibBytecode,
} from "@noosphere/sdk";
import {
  type Abi,
  type Account,
  type Address,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  parseEther,
  publicActions,
} from "viem";

export type { Deployment } from "@noosphere/sdk";

export type DeployNoosphereParameters = {
  rpcUrl: string;
  /** The chain's id (eth_chainId of the endpoint). */
  chainId: number;
  /** Deploys, owns the parameters and admin roles. */
  deployer: Account;
  /** Receives the initial NOOS supply, fees and slashes. Default: the deployer. */
  treasury?: Address | undefined;
  /** Accounts that get `fundAmount` NOOS (and 10 ETH if they have less than 1). Default: none. */
  fund?: Address[] | undefined;
  /** NOOS per funded account. Default 100,000. */
  fundAmount?: bigint | undefined;
  /** Initial NOOS supply. Default 1,000,000,000. */
  initialSupply?: bigint | undefined;
  log?: ((message: string) => void) | undefined;
  /** COPROCESSOR stake a coprocessor node needs. Default: DEVNET_COPROCESSOR_MIN_STAKE. */
  coprocessorMinStake?: bigint | undefined;
  /** Subnet protocol config and bounds. Default: DEVNET_SUBNET_CONFIG. */
  subnetConfig?: SubnetConfig | undefined;
  /** Optimistic verifier's game parameters. Default: DEVNET_VERIFIER_CONFIG. */
  verifierConfig?: VerifierConfig | undefined;
  /** How often receipts are polled, in ms. Default 50 (anvil mines at once). */
  pollingInterval?: number | undefined;
};

/** A deployment and the account that made it (it holds the admin roles). */
export type NoosphereDeployment = Deployment & { deployer: Address };

/** Devnet payment-token minimums, after Akash's defaults (0.5 for a bid deposit). */
export const DEVNET_MIN_ORDER_DEPOSIT = parseEther("1");
export const DEVNET_MIN_BID_DEPOSIT = parseEther("0.5");

/**
 * Subnet protocol config of a devnet. Anvil mines blocks on demand, so tempo may go down to 1
 * block (production bounds: 360..50400). 1 NOOS per block is shared by all subnets by stake; the
 * lock cost (floor 100 NOOS) doubles with each subnet and decays back over 57,600 blocks (8 days,
 * subtensor's interval); a subnet dissolved within 50,400 blocks loses its lock; the owner's
 * cut and exemptions need 10 NOOS of its own stake in the subnet.
 */
export const DEVNET_SUBNET_CONFIG: SubnetConfig = {
  subnetLockCost: parseEther("100"),
  defaultRegistrationFee: parseEther("1"),
  minRegistrationFee: 0n,
  maxRegistrationFee: parseEther("1000"),
  emissionPerBlock: parseEther("1"),
  ownerMinStake: parseEther("10"),
  minTempo: 1n,
  maxTempo: 50_400n,
  maxImmunityPeriod: 100_800n,
  maxWeightsSetRateLimit: 50_400n,
  lockReductionInterval: 57_600n,
  subnetMinLifetime: 50_400n,
  maxSubnets: 128,
};

/** COPROCESSOR stake a devnet coprocessor node needs (and loses if caught lying in redundant mode). */
export const DEVNET_COPROCESSOR_MIN_STAKE = parseEther("100");

/** The OptimisticVerifier's constructor parameters (IOptimisticVerifier.Config). */
export type VerifierConfig = {
  /** Smallest bond of a claim or a challenge, in wei. */
  minBond: bigint;
  /** Smallest challenge window, in seconds. */
  minWindow: bigint;
  /** Time each side has for a move, in seconds. */
  moveTimeout: bigint;
  /** After a tenant-disputed lease's dispute window, how long its provider has to post a claim (s). */
  claimResponseWindow: bigint;
  /** Level A splits each interval into this many sub-intervals (2..256). */
  arity: number;
  /** Share of a loser's bond burned, in bps. */
  burnBps: number;
};

/**
 * Devnet verifier parameters: 1 NOOS minimum bond, windows from 10 s (tests), 60 s per move, 32-way
 * bisection (1,001 states of a 1,000-step training job: 2 rounds), 10% of a loser's bond burned.
 */
export const DEVNET_VERIFIER_CONFIG: VerifierConfig = {
  minBond: parseEther("1"),
  minWindow: 10n,
  moveTimeout: 60n,
  claimResponseWindow: 60n,
  arity: 32,
  burnBps: 1000,
};

export async function deployNoosphere(
  params: DeployNoosphereParameters,
): Promise<NoosphereDeployment> {
  const log = params.log ?? (() => {});
  const chainId = params.chainId;
  const client = createWalletClient({
    account: params.deployer,
    chain: chainFor(chainId, params.rpcUrl),
    transport: http(params.rpcUrl),
    pollingInterval: params.pollingInterval ?? 50,
  }).extend(publicActions);
  const deployer = params.deployer.address;
  const treasury = params.treasury ?? deployer;
  const startBlock = Number(await client.getBlockNumber());

  async function confirm(hash: Hash, what: string) {
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new BaseError(`Deployment step failed: ${what} (tx ${hash}).`);
    return receipt;
  }
  async function deploy(
    name: string,
    abi: Abi,
    bytecode: Hex,
    args: readonly unknown[],
  ): Promise<Address> {
    const hash = await client.deployContract({ abi, bytecode, args });
    const receipt = await confirm(hash, `deploy ${name}`);
    if (!receipt.contractAddress) throw new BaseError(`Deployment of ${name} returned no address.`);
    log(`deployed ${name} at ${receipt.contractAddress}`);
    return receipt.contractAddress;
  }
  async function call(address: Address, abi: Abi, functionName: string, args: readonly unknown[]) {
    const hash = await client.writeContract({ address, abi, functionName, args });
    await confirm(hash, functionName);
  }

  const supply = params.initialSupply ?? parseEther("1000000000");
  const token = await deploy("NoosToken", noosTokenAbi, noosTokenBytecode, [
    deployer,
    treasury,
    supply,
  ]);
  const protocolParams = await deploy("ProtocolParams", protocolParamsAbi, protocolParamsBytecode, [
    deployer,
    treasury,
  ]);
  const staking = await deploy("Staking", stakingAbi, stakingBytecode, [
    token,
    protocolParams,
    deployer,
  ]);
  const registry = await deploy("ProviderRegistry", providerRegistryAbi, providerRegistryBytecode, [
    staking,
    protocolParams,
  ]);
  // The market keeps order validation/storage and the receipt check in a linked library (it would
  // not fit the 24 KiB code-size limit otherwise).
  const computeMarketLib = await deploy(
    "ComputeMarketLib",
    computeMarketLibAbi,
    computeMarketLibBytecode,
    [],
  );
  const market = await deploy(
    "ComputeMarket",
    computeMarketAbi,
    linkBytecode(computeMarketBytecode, computeMarketLinkReferences, {
      ComputeMarketLib: computeMarketLib,
    }),
    [protocolParams, registry, staking],
  );
  const modelRegistry = await deploy("ModelRegistry", modelRegistryAbi, modelRegistryBytecode, []);
  const proofRegistry = await deploy("ProofRegistry", proofRegistryAbi, proofRegistryBytecode, [
    modelRegistry,
  ]);
  // The AI coprocessor: checks zk deliveries through ProofRegistry, stakes nodes in Staking; its
  // optimistic-mode checks live in a linked library (24 KiB code-size limit).
  const coprocessorLib = await deploy(
    "CoprocessorOptimisticLib",
    coprocessorOptimisticLibAbi,
    coprocessorOptimisticLibBytecode,
    [],
  );
  const coprocessor = await deploy(
    "CoprocessorCoordinator",
    coprocessorCoordinatorAbi,
    linkBytecode(coprocessorCoordinatorBytecode, coprocessorCoordinatorLinkReferences, {
      CoprocessorOptimisticLib: coprocessorLib,
    }),
    [
      protocolParams,
      staking,
      modelRegistry,
      proofRegistry,
      params.coprocessorMinStake ?? DEVNET_COPROCESSOR_MIN_STAKE,
    ],
  );

  // Subnets last: the registry runs the Yuma epoch in linked libraries (it would not fit the
  // 24 KiB code-size limit otherwise) and mints emission, so it gets NOOS's MINTER_ROLE.
  const libraries: Record<string, Address> = {
    YumaEpochLib: await deploy("YumaEpochLib", yumaEpochLibAbi, yumaEpochLibBytecode, []),
    YumaBondsLib: await deploy("YumaBondsLib", yumaBondsLibAbi, yumaBondsLibBytecode, []),
    SubnetRegistryLib: await deploy(
      "SubnetRegistryLib",
      subnetRegistryLibAbi,
      subnetRegistryLibBytecode,
      [],
    ),
  };
  const subnetRegistry = await deploy(
    "SubnetRegistry",
    subnetRegistryAbi,
    linkBytecode(subnetRegistryBytecode, subnetRegistryLinkReferences, libraries),
    [token, staking, deployer, params.subnetConfig ?? DEVNET_SUBNET_CONFIG],
  );
  const minterRole = await client.readContract({
    address: token,
    abi: noosTokenAbi,
    functionName: "MINTER_ROLE",
  });
  await call(token, noosTokenAbi, "grantRole", [minterRole, subnetRegistry]);

  const slasherRole = await client.readContract({
    address: staking,
    abi: stakingAbi,
    functionName: "SLASHER_ROLE",
  });
  await call(staking, stakingAbi, "grantRole", [slasherRole, market]);
  // The market locks the stake backing each open lease (it cannot be unstaked until the lease ends).
  const lockerRole = await client.readContract({
    address: staking,
    abi: stakingAbi,
    functionName: "LOCKER_ROLE",
  });
  await call(staking, stakingAbi, "grantRole", [lockerRole, market]);
  // The coprocessor locks a redundant node's stake until its interval settles and slashes the
  // provable minority of a strict majority.
  await call(staking, stakingAbi, "grantRole", [slasherRole, coprocessor]);
  await call(staking, stakingAbi, "grantRole", [lockerRole, coprocessor]);
  await call(protocolParams, protocolParamsAbi, "setPaymentToken", [
    token,
    true,
    DEVNET_MIN_ORDER_DEPOSIT,
    DEVNET_MIN_BID_DEPOSIT,
  ]);

  // Funding needs the treasury's NOOS, so only when the deployer holds them.
  const fundAmount = params.fundAmount ?? parseEther("100000");
  const accounts = (params.fund ?? []).filter((a) => a.toLowerCase() !== treasury.toLowerCase());
  if (treasury.toLowerCase() === deployer.toLowerCase()) {
    for (const account of accounts) {
      await call(token, noosTokenAbi, "transfer", [account, fundAmount]);
    }
  }
  for (const account of accounts) {
    if ((await client.getBalance({ address: account })) < parseEther("1")) {
      await confirm(
        await client.sendTransaction({ to: account, value: parseEther("10") }),
        "fund ETH",
      );
    }
  }
  if (accounts.length)
    log(`funded ${accounts.length} accounts with ${fundAmount / 10n ** 18n} NOOS`);

  // Pay-per-call serving: x402 batch-settlement payment channels (no owner, no parameters); deployed
  // last so that every other contract keeps its devnet address.
  const paymentChannels = await deploy(
    "PaymentChannels",
    paymentChannelsAbi,
    paymentChannelsBytecode,
    [],
  );

  // Data assets (Ocean v4): templates, the factory that clones them, and its exchange and dispenser.
  const dataNftFactory = await deploy("DataNFTFactory", dataNFTFactoryAbi, dataNFTFactoryBytecode, [
    deployer,
    token,
    await deploy("DataNFT", dataNFTAbi, dataNFTBytecode, []),
    await deploy("Datatoken", datatokenAbi, datatokenBytecode, []),
    treasury,
  ]);
  const fixedRateExchange = await deploy(
    "FixedRateExchange",
    fixedRateExchangeAbi,
    fixedRateExchangeBytecode,
    [dataNftFactory],
  );
  const dispenser = await deploy("Dispenser", dispenserAbi, dispenserBytecode, [dataNftFactory]);
  await call(dataNftFactory, dataNFTFactoryAbi, "setPricingContracts", [
    fixedRateExchange,
    dispenser,
  ]);

  // Optimistic verification (contracts/src/verify): the referees of the fixed-point programs (MLP
  // kinds 1, 2, 4; CNN kind 3) behind a router that dispatches by the spec's kind (`stepReferee`, the
  // verifier's referee), and the dispute-game verifier. The verifier becomes the market's arbiter: a
  // provider's claim freezes the lease's payment, and the claim's outcome (final or rejected) resolves
  // the dispute.
  const stepReferee = await deploy("RefereeRouter", refereeRouterAbi, refereeRouterBytecode, [
    await deploy("MlpStepReferee", mlpStepRefereeAbi, mlpStepRefereeBytecode, []),
    await deploy("CnnStepReferee", cnnStepRefereeAbi, cnnStepRefereeBytecode, []),
  ]);
  const optimisticVerifier = await deploy(
    "OptimisticVerifier",
    optimisticVerifierAbi,
    optimisticVerifierBytecode,
    [token, market, protocolParams, stepReferee, params.verifierConfig ?? DEVNET_VERIFIER_CONFIG],
  );
  await call(protocolParams, protocolParamsAbi, "setArbiter", [optimisticVerifier]);
  // The coprocessor's optimistic mode posts its nodes' claims in the same verifier: a delivery's claim
  // must stay challengeable for the verifier's minimum window after it, with at least its minimum bond.
  const verifierConfig = params.verifierConfig ?? DEVNET_VERIFIER_CONFIG;
  await call(coprocessor, coprocessorCoordinatorAbi, "setOptimisticConfig", [
    optimisticVerifier,
    verifierConfig.minWindow,
    verifierConfig.minBond,
  ]);

  const contracts: NoosphereAddresses = {
    token,
    params: protocolParams,
    staking,
    registry,
    market,
    modelRegistry,
    proofRegistry,
    subnetRegistry,
    coprocessor,
    paymentChannels,
    dataNftFactory,
    fixedRateExchange,
    dispenser,
    stepReferee,
    optimisticVerifier,
  };
  return { chainId, rpcUrl: params.rpcUrl, contracts, startBlock, deployer };
}

type LinkReferences = Readonly<
  Record<string, Readonly<Record<string, readonly { start: number; length: number }[]>>>
>;

/** Writes library addresses over the `__$…$__` placeholders that `linkReferences` lists. */
export function linkBytecode(
  bytecode: Hex,
  linkReferences: LinkReferences,
  libraries: Record<string, Address>,
): Hex {
  let hex = bytecode.slice(2);
  for (const refs of Object.values(linkReferences)) {
    for (const [name, spots] of Object.entries(refs)) {
      const address = libraries[name];
      if (!address) throw new BaseError(`No address for linked library ${name}.`);
      for (const { start, length } of spots) {
        hex =
          hex.slice(0, start * 2) +
          address.slice(2).toLowerCase() +
          hex.slice((start + length) * 2);
      }
    }
  }
  if (hex.includes("__$"))
    throw new BaseError("Bytecode still holds unlinked library placeholders.");
  return `0x${hex}`;
}
