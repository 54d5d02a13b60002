// Akash's "scale" bid strategy: a price per unit of each resource, plus a margin, capped by the
// order's max price. Prices are wei per second.

export type ScalePricing = {
  /** Wei per second for one full CPU core. */
  cpuPerCore: bigint;
  /** Wei per second for one GiB of memory. */
  memoryPerGiB: bigint;
  /** Wei per second for one GPU. */
  gpuPerUnit: bigint;
  /** Flat wei per second on every job. */
  base: bigint;
  /** Margin on top of the cost, in basis points (1000 = 10%). */
  marginBps: number;
  /** Never bid below this, wei per second. */
  minPricePerSecond: bigint;
};

export type OrderResources = { cpuMillis: number; memoryBytes: bigint; gpus: number };

const GiB = 1024n ** 3n;

/** The price this provider asks for `resources`, before comparing it with the order's max. */
export function quote(pricing: ScalePricing, resources: OrderResources): bigint {
  const cpu = (pricing.cpuPerCore * BigInt(resources.cpuMillis)) / 1000n;
  const memory = (pricing.memoryPerGiB * resources.memoryBytes) / GiB;
  const gpu = pricing.gpuPerUnit * BigInt(resources.gpus);
  const cost = pricing.base + cpu + memory + gpu;
  const priced = (cost * BigInt(10_000 + pricing.marginBps)) / 10_000n;
  return priced > pricing.minPricePerSecond ? priced : pricing.minPricePerSecond;
}

/** The bid for an order, or null when this provider's price is above the order's max. */
export function bidPrice(
  pricing: ScalePricing,
  resources: OrderResources,
  maxPricePerSecond: bigint,
): bigint | null {
  const price = quote(pricing, resources);
  return price <= maxPricePerSecond ? price : null;
}
