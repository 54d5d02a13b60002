import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { bidPrice, quote, type ScalePricing } from "./pricing.js";

const pricing: ScalePricing = {
  cpuPerCore: parseEther("0.001"),
  memoryPerGiB: parseEther("0.0005"),
  gpuPerUnit: parseEther("0.01"),
  base: parseEther("0.0001"),
  marginBps: 1000,
  minPricePerSecond: parseEther("0.0002"),
};

describe("scale pricing", () => {
  it("prices each resource, adds the base and the margin", () => {
    const price = quote(pricing, { cpuMillis: 500, memoryBytes: 2n * 1024n ** 3n, gpus: 1 });
    // (0.0001 + 0.0005 + 0.001 + 0.01) x 1.1
    expect(price).toBe(parseEther("0.01276"));
  });

  it("never goes below the minimum price", () => {
    expect(quote({ ...pricing, base: 0n }, { cpuMillis: 0, memoryBytes: 0n, gpus: 0 })).toBe(
      pricing.minPricePerSecond,
    );
  });

  it("does not bid above the order's max price", () => {
    const resources = { cpuMillis: 1000, memoryBytes: 0n, gpus: 0 };
    expect(bidPrice(pricing, resources, parseEther("0.01"))).toBe(parseEther("0.00121"));
    expect(bidPrice(pricing, resources, parseEther("0.001"))).toBeNull();
  });
});
