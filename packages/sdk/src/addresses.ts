import { type Address, keccak256, toHex } from "viem";

/** Addresses of a Noosphere deployment, as written to `.noos/devnet.json`. */
export type NoosphereAddresses = {
  token: Address;
  params: Address;
  staking: Address;
  registry: Address;
  market: Address;
  /** zkML models: ONNX hash, settings hash, Groth16 verifier, public-signal layout. */
  modelRegistry: Address;
  /** Verifies zkML proofs against a model's verifier and records the verified inferences. */
  proofRegistry: Address;
  /** Incentive subnets (Yuma consensus); holds NOOS's MINTER_ROLE to pay emissions. */
  subnetRegistry: Address;
  /** AI coprocessor coordinator: inference requests, subscriptions, escrow, verified deliveries. */
  coprocessor: Address;
  /** x402 batch-settlement payment channels for pay-per-call serving (absent in older deployments). */
  paymentChannels?: Address;
  /** Data assets: clones data NFTs and datatokens, maps DIDs to NFTs (absent in older deployments). */
  dataNftFactory?: Address;
  /** Fixed-rate datatoken exchange (absent in older deployments). */
  fixedRateExchange?: Address;
  /** Free-datatoken dispenser (absent in older deployments). */
  dispenser?: Address;
  /** Optimistic verification: the step referee of fixed-point programs (absent in older deployments). */
  stepReferee?: Address;
  /** Optimistic verification: bonded claims and their dispute games; the market's arbiter (absent in older deployments). */
  optimisticVerifier?: Address;
};

/** A deployment: where the contracts live and from which block to index them. */
export type Deployment = {
  chainId: number;
  rpcUrl: string;
  contracts: NoosphereAddresses;
  startBlock: number;
};

/** Staking role of compute providers: keccak256("PROVIDER"), as in the contracts. */
export const PROVIDER_ROLE = keccak256(toHex("PROVIDER"));

/** Staking role of coprocessor nodes: keccak256("COPROCESSOR"), as in CoprocessorCoordinator. */
export const COPROCESSOR_ROLE = keccak256(toHex("COPROCESSOR"));
