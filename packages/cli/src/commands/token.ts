import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson } from "../output.js";

// The SDK (viem) loads inside the actions: `noos token --help` loads commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
});

export function registerToken(program: Command, globals: () => GlobalOptions) {
  const token = program.command("token").description("NOOS token");

  token
    .command("balance")
    .description("NOOS balance of an address (default: the selected account)")
    .argument("[address]", "account to look up")
    .action(async (address: string | undefined) => {
      const { addressOrSelf, getTokenBalance, readClient } = await load();
      const options = globals();
      const account = await addressOrSelf(options, address);
      const { connection, client } = await readClient(options);
      const balance = await getTokenBalance(client, {
        address: connection.contracts.token,
        account,
      });
      if (options.json) printJson({ address: account, token: connection.contracts.token, balance });
      else printFields({ address: account, balance: noos(balance) });
    });

  token
    .command("transfer")
    .description("send NOOS from the selected account")
    .argument("<to>", "recipient address")
    .argument("<amount>", "amount of NOOS, e.g. 25 or 0.5")
    .action(async (to: string, amount: string) => {
      const { parseAddress, parseAmount, walletClient } = await load();
      const options = globals();
      const recipient = parseAddress("to", to);
      const wei = parseAmount("amount", amount);
      const { client } = await walletClient(options);
      const { hash } = await client.transferAndWait({ to: recipient, amount: wei });
      if (options.json)
        printJson({ from: client.account.address, to: recipient, amount: wei, tx: hash });
      else process.stdout.write(`sent ${noos(wei)} to ${recipient} (tx ${hash})\n`);
    });
}
