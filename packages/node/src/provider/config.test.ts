import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { parseProviderFile, providerSettings } from "./config.js";

const valid = `
devnet: .noos
devnetAccount: 4
listen: { port: 9101 }
attributes: { region: eu }
capacity: { cpu: 2, memory: 4Gi, maxJobs: 2 }
pricing: { cpuPerCore: "0.0001", margin: 0.1 }
stateDir: .noos/providers/p1
`;

describe("provider.yaml", () => {
  it("parses with defaults and converts units", () => {
    const file = parseProviderFile(valid);
    const settings = providerSettings(file);
    expect(settings.capacity).toEqual({
      cpuMillis: 2000,
      memoryBytes: 4n * 1024n ** 3n,
      gpus: 0,
      maxJobs: 2,
    });
    expect(settings.pricing.cpuPerCore).toBe(parseEther("0.0001"));
    expect(settings.pricing.marginBps).toBe(1000);
    expect(settings.stake).toBe(parseEther("100"));
    expect(settings.pollIntervalMs).toBe(500);
    expect(settings.jobTimeoutMs).toBe(600_000);
  });

  it("names every bad field", () => {
    const bad = valid
      .replace('cpuPerCore: "0.0001"', "cpuPerCore: -1")
      .replace("port: 9101", "port: 99999");
    expect(() => parseProviderFile(`${bad}\nbogus: 1\n`, "p.yaml")).toThrow(
      expect.objectContaining({
        shortMessage: "Invalid provider config p.yaml: 3 problem(s).",
        metaMessages: expect.arrayContaining([
          expect.stringMatching(/^pricing\.cpuPerCore: /),
          expect.stringMatching(/^listen\.port: /),
          expect.stringMatching(/bogus/),
        ]),
      }),
    );
  });

  it("tells an old file that bids take no deposit any more", () => {
    expect(() => parseProviderFile(`${valid}bidDeposit: "0.5"\n`, "p.yaml")).toThrow(
      expect.objectContaining({
        metaMessages: [
          "bidDeposit: bids take no deposit any more (the market checks the provider's free stake instead): remove this field",
        ],
      }),
    );
    expect(providerSettings(parseProviderFile(valid))).not.toHaveProperty("bidDeposit");
  });

  it("needs a chain and a key", () => {
    expect(() =>
      parseProviderFile(
        "listen: { port: 1 }\ncapacity: {}\npricing: { cpuPerCore: '1' }\nstateDir: x\n",
      ),
    ).toThrow(
      expect.objectContaining({
        metaMessages: [
          "devnet or rpcUrl + contracts: one is required",
          "privateKey, keyEnv or devnetAccount: one is required",
        ],
      }),
    );
  });
});
