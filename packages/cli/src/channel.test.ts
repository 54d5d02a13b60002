// `noos channel open | status | claim | close` through the real binary against a detached devnet:
// a payer opens a channel, a provider claims the voucher its paywall stored, the payer closes the
// channel in two steps (withdrawal, then after the delay the unclaimed rest), bad input is named.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort, readDevnet } from "@noosphere/devnet";
import { createStateFile, deploymentKeyOf } from "@noosphere/node";
import {
  type ChannelConfig,
  computeChannelId,
  createNoosClient,
  createNoosReadClient,
  InvalidParameterError,
  signVoucher,
} from "@noosphere/sdk";
import { Command } from "commander";
import { type Address, type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureStdout } from "../test-support/captureStdout.js";
import { registerChannel } from "./commands/channel.js";
import type { GlobalOptions } from "./context.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
let dir: string;

type Out = Record<string, unknown>;
async function noos(...args: string[]): Promise<{ code: number; out: Out; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [noosBin, "--dir", dir, ...args, "--json"],
      {
        cwd: dir,
        timeout: 120_000,
      },
    );
    return { code: 0, out: JSON.parse(stdout), stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, out: e.stdout ? JSON.parse(e.stdout) : {}, stderr: e.stderr ?? "" };
  }
}
const ok = async (...args: string[]) => {
  const r = await noos(...args);
  if (r.code !== 0) throw new Error(`noos ${args.join(" ")}: ${JSON.stringify(r.out)} ${r.stderr}`);
  return r.out;
};

/** `noos channel ...` in-process (a spawn costs ~10 s on a loaded machine): same code, same output. */
async function inProcess(...args: string[]): Promise<Out> {
  const program = new Command("noos")
    .option("--json")
    .option("--dir <dir>")
    .option("--account <n>")
    .exitOverride();
  registerChannel(program, () => program.opts<GlobalOptions>());
  const out = await captureStdout(() =>
    program.parseAsync(["node", "noos", "--dir", dir, "--json", ...args]),
  );
  return JSON.parse(out);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-channel-"));
  await ok("devnet", "--detach", "--port", String(await getFreePort()));
}, 180_000);
afterAll(async () => {
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const provider1 = () => "0x0000000000000000000000000000000000000001";

describe("noos channel", () => {
  it("test_channel_openClaimClose_throughTheBinary", async () => {
    const devnet = await readDevnet(dir);
    const payerKey = devnet.accounts[3]?.privateKey as Hex;
    const provider = devnet.accounts[4]?.address as Address;
    const contract = devnet.contracts.paymentChannels as Address;
    const opened = await ok(
      "channel",
      "open",
      provider,
      "--amount",
      "2",
      "--withdraw-delay",
      "900",
      "--account",
      "3",
    );
    expect(opened).toMatchObject({
      deposited: parseEther("2").toString(),
      balance: parseEther("2").toString(),
    });
    const channelId = opened.channelId as Hex;
    const config = opened.config as ChannelConfig;
    const domain = { chainId: devnet.chainId, verifyingContract: contract };
    expect(computeChannelId(config, domain)).toBe(channelId);

    // The provider's paywall stored a voucher for 0.25 NOOS of calls: `claim` lands it and pays.
    const voucher = await signVoucher(privateKeyToAccount(payerKey), {
      channelId,
      maxClaimableAmount: parseEther("0.25"),
      domain,
    });
    const stateFile = path.join(dir, "x402.json");
    const reader = createNoosReadClient({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId });
    await createStateFile(stateFile, () => ({})).write({
      deployment: await deploymentKeyOf(reader, contract),
      state: {
        channels: {
          [channelId.toLowerCase()]: {
            config,
            charged: parseEther("0.25"),
            voucherMax: voucher.maxClaimableAmount,
            signature: voucher.signature,
            claimed: 0n,
          },
        },
      },
    });
    const claimed = await inProcess("--account", "4", "channel", "claim", "--state", stateFile);
    expect(claimed).toMatchObject({ channels: 1, amount: parseEther("0.25").toString() });
    expect(Number(claimed.gasUsed)).toBeLessThan(100_000);
    expect(
      await inProcess("--account", "4", "channel", "claim", "--state", stateFile),
    ).toMatchObject({
      channels: 0,
    });

    const status = await inProcess(
      "--account",
      "3",
      "channel",
      "status",
      provider,
      "--withdraw-delay",
      "900",
    );
    expect(status).toMatchObject({
      balance: parseEther("1.75").toString(),
      totalClaimed: parseEther("0.25").toString(),
    });

    // Close: start the withdrawal, wait out the delay on the devnet's clock, take the rest.
    const started = await inProcess(
      "--account",
      "3",
      "channel",
      "close",
      provider,
      "--withdraw-delay",
      "900",
    );
    expect(started).toMatchObject({ step: "initiated", amount: parseEther("1.75").toString() });
    expect(
      await inProcess("--account", "3", "channel", "close", provider, "--withdraw-delay", "900"),
    ).toMatchObject({
      step: "waiting",
    });
    const chain = createNoosClient({
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      privateKey: payerKey,
    });
    await chain.request({ method: "evm_increaseTime" as never, params: [900] as never });
    await chain.request({ method: "evm_mine" as never, params: [] as never });
    const done = await inProcess(
      "--account",
      "3",
      "channel",
      "close",
      provider,
      "--withdraw-delay",
      "900",
    );
    expect(done).toMatchObject({ step: "finalized", amount: parseEther("1.75").toString() });
  }, 120_000);

  it("test_channel_badInput_namesTheField", async () => {
    const fails = (...args: string[]) =>
      inProcess("--account", "3", "channel", ...args).then(
        () => null,
        (e: unknown) => e,
      );
    const bad = await fails("open", "0x1234", "--amount", "1");
    expect(bad).toBeInstanceOf(InvalidParameterError);
    expect((bad as InvalidParameterError).field).toBe("receiver");
    const delay = await fails("open", provider1(), "--amount", "1", "--withdraw-delay", "10");
    expect((delay as InvalidParameterError).field).toBe("--withdraw-delay");
    const amount = await fails("open", provider1(), "--amount", "-1");
    expect((amount as InvalidParameterError).field).toBe("--amount");
  });
});
