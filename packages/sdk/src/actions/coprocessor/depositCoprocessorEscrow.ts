import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type DepositCoprocessorEscrowParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  /** Whose escrow to credit (a consumer contract, or the caller). */
  account: Address;
  token: Address;
  /** In wei. */
  amount: bigint;
};
export type DepositCoprocessorEscrowReturnType = Hash;
export type DepositCoprocessorEscrowErrorType = ContractRevertError | BaseError;

/** Credits `amount` of `token` to `account`'s coprocessor escrow, paid by the caller (approve the coordinator first). */
export function depositCoprocessorEscrow(
  client: NoosWalletClient,
  params: DepositCoprocessorEscrowParameters,
): Promise<DepositCoprocessorEscrowReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "deposit",
    args: [params.account, params.token, params.amount],
  });
}

export type DepositCoprocessorEscrowAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "EscrowDeposited">;
};

/** `depositCoprocessorEscrow`, then waits for the receipt and returns the decoded `EscrowDeposited` event. */
export async function depositCoprocessorEscrowAndWait(
  client: NoosWalletClient,
  params: DepositCoprocessorEscrowParameters,
): Promise<DepositCoprocessorEscrowAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await depositCoprocessorEscrow(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "EscrowDeposited") };
}
