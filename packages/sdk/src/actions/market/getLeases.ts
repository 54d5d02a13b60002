import type { Address, BlockNumber } from "viem";
import { getContractEvents } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { computeMarketAbi } from "../../generated/abis.js";
import { getLease, type Lease } from "./getLease.js";
import type { LeaseStateName } from "./types.js";

export type GetLeasesParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** Only leases of this tenant. */
  tenant?: Address | undefined;
  /** Only leases of this provider. */
  provider?: Address | undefined;
  /** Only leases in this state. */
  state?: LeaseStateName | undefined;
  /** First block to scan for LeaseCreated events (the deployment block). Default 0. */
  fromBlock?: BlockNumber | undefined;
};
export type GetLeasesReturnType = Lease[];

/** Leases found through their LeaseCreated events, newest first. */
export async function getLeases(
  client: NoosReadClient,
  params: GetLeasesParameters,
): Promise<GetLeasesReturnType> {
  const logs = await getContractEvents(client, {
    address: params.address,
    abi: computeMarketAbi,
    eventName: "LeaseCreated",
    args: {
      ...(params.tenant ? { tenant: params.tenant } : {}),
      ...(params.provider ? { provider: params.provider } : {}),
    },
    fromBlock: params.fromBlock ?? 0n,
    strict: true,
  });
  const ids = logs.map((log) => log.args.leaseId).reverse();
  const leases = await Promise.all(
    ids.map((leaseId) => getLease(client, { address: params.address, leaseId })),
  );
  return params.state ? leases.filter((l) => l.stateName === params.state) : leases;
}
