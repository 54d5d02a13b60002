import { type ContractFunctionReturnType, encodeAbiParameters, type Hex, keccak256 } from "viem";
import { InvalidParameterError } from "../../errors.js";
import type { subnetRegistryAbi } from "../../generated/abis.js";

/** NOOS wei per alpha unit of the Yuma engine (1 gwei): stake and emission are counted in units. */
export const ALPHA_UNIT = 10n ** 9n;
/** Hard cap on uids per subnet. */
export const MAX_SUBNET_UIDS = 256;

/** A subnet as the registry returns it (`getSubnet`). */
export type SubnetInfo = ContractFunctionReturnType<typeof subnetRegistryAbi, "view", "getSubnet">;
/** The owner-settable hyperparameters. */
export type SubnetHyperparams = SubnetInfo["hyperparams"];
/** The hyperparameters only the registry admin sets. */
export type SubnetProtocolHyperparams = SubnetInfo["protocol"];
/** The protocol config and bounds. */
export type SubnetConfig = ContractFunctionReturnType<typeof subnetRegistryAbi, "view", "config">;

/** The Staking role whose stake counts in subnet `netuid`: keccak256(abi.encode("SUBNET", netuid)). */
export function subnetStakeRole(netuid: number): Hex {
  checkNetuid(netuid);
  return keccak256(
    encodeAbiParameters([{ type: "string" }, { type: "uint16" }], ["SUBNET", netuid]),
  );
}

export function checkNetuid(netuid: number, field = "netuid"): void {
  if (!Number.isInteger(netuid) || netuid < 1 || netuid > 0xffff) {
    throw new InvalidParameterError({
      field,
      expected: "an integer in [1, 65535]",
      received: netuid,
    });
  }
}

function checkU16(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new InvalidParameterError({
      field,
      expected: "an integer in [0, 65535]",
      received: value,
    });
  }
}

/**
 * Validates a weight vector as the contract will (same lengths, u16 values, distinct uids < 256),
 * so a bad vector fails before any transaction. Values are relative: the contract max-upscales
 * them so the largest becomes 65535.
 */
export function checkWeights(uids: readonly number[], values: readonly number[]): void {
  if (uids.length !== values.length) {
    throw new InvalidParameterError({
      field: "values",
      expected: `${uids.length} values (one per uid)`,
      received: values.length,
    });
  }
  const seen = new Set<number>();
  uids.forEach((uid, i) => {
    checkU16(`uids[${i}]`, uid);
    if (uid >= MAX_SUBNET_UIDS) {
      throw new InvalidParameterError({
        field: `uids[${i}]`,
        expected: `a uid < ${MAX_SUBNET_UIDS}`,
        received: uid,
      });
    }
    if (seen.has(uid)) {
      throw new InvalidParameterError({
        field: `uids[${i}]`,
        expected: "distinct uids",
        received: uid,
      });
    }
    seen.add(uid);
  });
  values.forEach((value, i) => {
    checkU16(`values[${i}]`, value);
  });
}

/** Converts NOOS wei to alpha units (floor), as the registry does for stake. */
export function toAlphaUnits(wei: bigint): bigint {
  return wei / ALPHA_UNIT;
}
