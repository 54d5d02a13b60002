// The paywall's voucher store survives a crash (no close: the log is replayed), skips a torn last
// line, and never mixes deployments.
import { appendFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeploymentKey } from "../state.js";
import { openVoucherStore } from "./voucherLog.js";

const logger = pino({ level: "silent" });
const deployment: DeploymentKey = {
  chainId: 31337,
  genesisHash: `0x${"11".repeat(32)}`,
  contract: "0x00000000000000000000000000000000000000C0",
};
type Rec = { charged: bigint };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-voucherlog-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("voucher store", () => {
  it("test_voucherStore_crashWithoutClose_replaysTheLog", async () => {
    const file = path.join(dir, "a.json");
    const a = await openVoucherStore<Rec>({ file, deployment, logger });
    for (let i = 1n; i <= 50n; i++) {
      a.records.set("0xaa", { charged: i });
      a.records.set("0xbb", { charged: 2n * i });
      await Promise.all([a.save("0xaa"), a.save("0xbb")]);
    }
    a.setCursor(99n);
    await a.save("0xaa");
    // No close(): the process "crashed". A torn line follows the last complete one.
    await appendFile(`${file}.log`, '{"id":"0xaa","rec');
    const b = await openVoucherStore<Rec>({ file, deployment, logger });
    expect(b.records.get("0xaa")).toEqual({ charged: 50n });
    expect(b.records.get("0xbb")).toEqual({ charged: 100n });
    expect(b.cursor()).toBe(99n);
    await b.close();
  });

  it("test_voucherStore_compactsEveryN_andKeepsValues", async () => {
    const file = path.join(dir, "b.json");
    const a = await openVoucherStore<Rec>({ file, deployment, logger, compactEvery: 10 });
    for (let i = 1n; i <= 35n; i++) {
      a.records.set("0xaa", { charged: i });
      await a.save("0xaa");
    }
    const log = (await readFile(`${file}.log`, "utf8")).split("\n").filter(Boolean);
    expect(log.length).toBeLessThanOrEqual(11); // header + fewer than 10 lines since the last fold
    expect(JSON.parse(await readFile(file, "utf8")).state.channels["0xaa"].charged).toEqual({
      $bigint: "30",
    });
    await a.close();
    const b = await openVoucherStore<Rec>({ file, deployment, logger });
    expect(b.records.get("0xaa")).toEqual({ charged: 35n });
    await b.close();
  });

  it("test_voucherStore_otherDeployment_startsFresh", async () => {
    const file = path.join(dir, "c.json");
    const a = await openVoucherStore<Rec>({ file, deployment, logger });
    a.records.set("0xaa", { charged: 7n });
    await a.save("0xaa");
    const other = { ...deployment, genesisHash: `0x${"22".repeat(32)}` as const };
    const b = await openVoucherStore<Rec>({ file, deployment: other, logger });
    expect(b.records.size).toBe(0);
    expect(
      (await readdir(dir)).some(
        (f) => f.startsWith("c.stale-") || f.startsWith("c.json.log.stale-"),
      ),
    ).toBe(true);
    await b.close();
  });
});
