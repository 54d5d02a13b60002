// Makes sure the provider can bid: enough stake in the provider role and a registry record with
// the configured host URI and attributes. Safe to run on every start.
import {
  type Attribute,
  getProvider,
  getStake,
  type NoosphereAddresses,
  type NoosphereClient,
  PROVIDER_ROLE,
  protocolParamsAbi,
} from "@noosphere/sdk";
import { readContract } from "viem/actions";
import type { Common } from "../common.js";

export type RegistrationParameters = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  hostUri: string;
  attributes: Attribute[];
  /** Stake to hold; topped up to max(this, the protocol minimum). */
  stake: bigint;
};

export async function ensureRegistered(
  common: Common,
  params: RegistrationParameters,
): Promise<void> {
  const { client, contracts } = params;
  const me = client.account.address;
  const minimum = await readContract(client, {
    address: contracts.params,
    abi: protocolParamsAbi,
    functionName: "minProviderStake",
  });
  const target = params.stake > minimum ? params.stake : minimum;
  const { staked } = await getStake(client, {
    address: contracts.staking,
    account: me,
    role: PROVIDER_ROLE,
  });
  if (staked < target) {
    const topUp = target - staked;
    await client.approveAndWait({ spender: contracts.staking, amount: topUp });
    await client.stakeAndWait({ role: PROVIDER_ROLE, amount: topUp });
    common.logger.info({ staked: target }, "staked as provider");
  }
  const record = await getProvider(client, { address: contracts.registry, provider: me });
  if (!record) {
    await client.registerProviderAndWait({
      hostUri: params.hostUri,
      attributes: params.attributes,
    });
    common.logger.info({ hostUri: params.hostUri }, "registered provider");
  } else if (
    record.hostUri !== params.hostUri ||
    !sameAttributes(record.attributes, params.attributes)
  ) {
    await client.updateProviderAndWait({ hostUri: params.hostUri, attributes: params.attributes });
    common.logger.info({ hostUri: params.hostUri }, "updated provider record");
  }
}

function sameAttributes(a: Attribute[], b: Attribute[]): boolean {
  const key = (list: Attribute[]) =>
    JSON.stringify([...list].sort((x, y) => x.key.localeCompare(y.key)));
  return key(a) === key(b);
}
