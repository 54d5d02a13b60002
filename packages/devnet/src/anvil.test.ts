import { createServer, type Server } from "node:net";
import { createPublicClient, createWalletClient, http, parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { DEFAULT_MNEMONIC, devAccounts, getFreePort, PortInUseError, startAnvil } from "./anvil.js";
import { isProcessAlive } from "./devnet.js";

describe("devAccounts", () => {
  test("derives anvil's default accounts from the mnemonic", () => {
    const accounts = devAccounts();
    expect(accounts).toHaveLength(10);
    // Anvil's well-known account 0, as printed in its banner.
    expect(accounts[0]?.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(accounts[9]?.address).toBe("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
    for (const a of accounts) {
      expect(a.privateKey).toMatch(/^0x[0-9a-f]{64}$/);
      expect(a.account.address).toBe(a.address);
    }
    expect(devAccounts(DEFAULT_MNEMONIC, 3).map((a) => a.address)).toEqual(
      accounts.slice(0, 3).map((a) => a.address),
    );
  });
});

describe("startAnvil", () => {
  test("starts on a free port, serves the chain and funded accounts, stops without a trace", async () => {
    const anvil = await startAnvil({ chainId: 4242 });
    try {
      expect(anvil.port).toBeGreaterThan(0);
      expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`);
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      expect(await client.getChainId()).toBe(4242);
      const [first] = devAccounts();
      if (!first) throw new Error("no dev account");
      expect(await client.getBalance({ address: first.address })).toBe(parseEther("10000"));
      expect(isProcessAlive(anvil.pid)).toBe(true);
    } finally {
      await anvil.stop();
    }
    expect(anvil.process.exitCode !== null || anvil.process.signalCode !== null).toBe(true);
    expect(isProcessAlive(anvil.pid)).toBe(false);
    // stop() is idempotent.
    await anvil.stop();
  });

  test("honours balance and account count", async () => {
    const anvil = await startAnvil({ balance: 5, accounts: 2 });
    try {
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      const [, second] = devAccounts();
      if (!second) throw new Error("no dev account");
      expect(await client.getBalance({ address: second.address })).toBe(parseEther("5"));
      const wallet = createWalletClient({ transport: http(anvil.rpcUrl) });
      expect(await wallet.getAddresses()).toHaveLength(2);
    } finally {
      await anvil.stop();
    }
  });

  test("fails with a clear error naming a busy port", async () => {
    const port = await getFreePort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const error = await startAnvil({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as PortInUseError).shortMessage).toBe(
        `Port ${port} on 127.0.0.1 is already in use.`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("reports anvil's stderr when it dies during startup", async () => {
    const error = await startAnvil({ args: ["--no-such-flag"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AnvilStartError" });
    expect((error as Error).message).toMatch(/no-such-flag/);
  });

  test("an aborted signal stops it", async () => {
    const controller = new AbortController();
    const anvil = await startAnvil({ signal: controller.signal });
    const exited = new Promise((resolve) => anvil.process.once("exit", resolve));
    controller.abort();
    await exited;
    expect(isProcessAlive(anvil.pid)).toBe(false);
  });
});
