import type { Command } from "commander";
import type { Hex } from "viem";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson, printTable, time } from "../output.js";

// The SDK and viem load inside the actions: `noos stake --help` loads commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
});

/** The role's hash by name; the contracts key stake by keccak256 of the name. */
async function role(name: string): Promise<Hex> {
  const { InvalidParameterError, PROVIDER_ROLE } = await import("@noosphere/sdk");
  const { keccak256, toHex } = await import("viem");
  const roles: Record<string, Hex> = {
    provider: PROVIDER_ROLE,
    validator: keccak256(toHex("VALIDATOR")),
  };
  const hash = roles[name];
  if (!hash) {
    throw new InvalidParameterError({
      field: "--role",
      expected: Object.keys(roles).join(" | "),
      received: name,
    });
  }
  return hash;
}

export function registerStake(program: Command, globals: () => GlobalOptions) {
  const stake = program
    .command("stake")
    .description("stake NOOS by role (unbonding before withdrawal)");

  stake
    .command("add")
    .description("stake NOOS from the selected account")
    .argument("<amount>", "amount of NOOS")
    .option("--role <role>", "provider | validator", "provider")
    .action(async (amount: string, opts: { role: string }) => {
      const { parseAmount, walletClient } = await load();
      const options = globals();
      const wei = parseAmount("amount", amount);
      const { client, connection } = await walletClient(options);
      await client.approveAndWait({ spender: connection.contracts.staking, amount: wei });
      const { hash } = await client.stakeAndWait({ role: await role(opts.role), amount: wei });
      if (options.json)
        printJson({ account: client.account.address, role: opts.role, amount: wei, tx: hash });
      else process.stdout.write(`staked ${noos(wei)} as ${opts.role} (tx ${hash})\n`);
    });

  stake
    .command("remove")
    .description(
      "start unbonding NOOS (a provider's idle lease stake is released from the market first); withdraw after the unbonding period with `stake withdraw`",
    )
    .argument("<amount>", "amount of NOOS")
    .option("--role <role>", "provider | validator", "provider")
    .action(async (amount: string, opts: { role: string }) => {
      const { parseAmount, walletClient } = await load();
      const options = globals();
      const wei = parseAmount("amount", amount);
      const { client, connection } = await walletClient(options);
      // The market keeps a provider's lease stake locked after its leases end (a returning
      // provider's next lease locks nothing): free what no open lease needs before unbonding.
      const released =
        opts.role === "provider"
          ? await (await import("./market.js")).releaseStakeOf(client, connection.contracts.market)
          : undefined;
      const { event, hash } = await client.requestUnstakeAndWait({
        role: await role(opts.role),
        amount: wei,
      });
      if (options.json)
        printJson({
          account: client.account.address,
          role: opts.role,
          amount: wei,
          releaseAt: event.releaseAt,
          tx: hash,
          ...(released ? { stakeReleased: released.released, releaseTx: released.tx } : {}),
        });
      else
        process.stdout.write(
          `${released?.released ? `released ${noos(released.released)} of lease stake from the market; ` : ""}unbonding ${noos(wei)}; withdrawable from ${time(event.releaseAt)} (tx ${hash})\n`,
        );
    });

  stake
    .command("withdraw")
    .description("withdraw every matured unbonding")
    .option("--role <role>", "provider | validator", "provider")
    .action(async (opts: { role: string }) => {
      const { walletClient } = await load();
      const options = globals();
      const { client } = await walletClient(options);
      const { event, hash } = await client.withdrawStakeAndWait({ role: await role(opts.role) });
      if (options.json)
        printJson({
          account: client.account.address,
          role: opts.role,
          amount: event.amount,
          tx: hash,
        });
      else process.stdout.write(`withdrew ${noos(event.amount)} (tx ${hash})\n`);
    });

  stake
    .command("show")
    .description("stake and unbondings of an address (default: the selected account)")
    .argument("[address]", "account to look up")
    .option("--role <role>", "provider | validator", "provider")
    .action(async (address: string | undefined, opts: { role: string }) => {
      const { addressOrSelf, getStake, readClient } = await load();
      const options = globals();
      const account = await addressOrSelf(options, address);
      const { client, connection } = await readClient(options);
      const result = await getStake(client, {
        address: connection.contracts.staking,
        account,
        role: await role(opts.role),
      });
      if (options.json) {
        printJson({ address: account, role: opts.role, ...result });
        return;
      }
      printFields({
        address: account,
        role: opts.role,
        staked: noos(result.staked),
        unbonding: noos(result.unbonding),
      });
      if (result.unbondings.length) {
        printTable(
          result.unbondings.map((u) => ({ amount: noos(u.amount), releaseAt: time(u.releaseAt) })),
        );
      }
    });
}
