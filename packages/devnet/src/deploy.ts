// Placeholder until the real deployment script lands: same signature, always throws.
import { BaseError } from "@noosphere/sdk";
import type { Account, Address } from "viem";

export type Deployment = {
  chainId: number;
  rpcUrl: string;
  contracts: Record<string, Address>;
  startBlock: number;
};

export type DeployNoosphereParameters = {
  rpcUrl: string;
  chainId: number;
  deployer: Account;
  fund: Address[];
};

export async function deployNoosphere(_parameters: DeployNoosphereParameters): Promise<Deployment> {
  throw new BaseError("deployNoosphere: not yet written");
}
