// Why an order got no bids, told honestly: from the registry (is any provider registered and
// eligible?) and from each provider's own GET /status (is it up, has it seen the order, and why
// did it not bid?). Akash's `provider-services` shows the same kind of per-provider answer.
import type { NoosphereClient } from "@noosphere/sdk";
import type { Address } from "viem";

export type ProviderBidReport = {
  provider: Address;
  statusUrl?: string;
  /** One line: why this provider did not bid. */
  reason: string;
};

export type NoBidsDiagnosis = {
  /** Registered and eligible providers. */
  eligible: number;
  providers: ProviderBidReport[];
  /** The first advice to give. */
  advice: string;
};

type ProviderStatus = {
  chainCursor?: string | { $bigint: string };
  orders?: Record<string, { bid: boolean; reason?: string }>;
};

/** Asks the registry and every eligible provider why `orderId` got no bids. Never throws. */
export async function diagnoseNoBids(
  client: NoosphereClient,
  orderId: bigint,
  { timeoutMs = 2000 }: { timeoutMs?: number } = {},
): Promise<NoBidsDiagnosis> {
  let addresses: readonly Address[];
  try {
    addresses = await client.getProviders({});
  } catch {
    addresses = [];
  }
  const records = (
    await Promise.all(
      addresses.map((provider) => client.getProvider({ provider }).catch(() => null)),
    )
  ).filter((r) => r !== null);
  const eligible = records.filter((r) => r.eligible);
  if (eligible.length === 0) {
    return {
      eligible: 0,
      providers: records.map((r) => ({
        provider: r.address,
        reason: "registered but not eligible (stake below the minimum)",
      })),
      advice:
        records.length === 0
          ? "No provider is registered on this chain. Start some: noos devnet --providers 3"
          : "No registered provider holds the minimum stake. Stake more: noos stake add <amount> --account <n>",
    };
  }
  const providers = await Promise.all(
    eligible.map(async (r): Promise<ProviderBidReport> => {
      const statusUrl = `${r.hostUri.replace(/\/$/, "")}/status`;
      let status: ProviderStatus;
      try {
        const res = await fetch(statusUrl, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        status = (await res.json()) as ProviderStatus;
      } catch (err) {
        return {
          provider: r.address,
          statusUrl,
          reason: `not reachable at ${statusUrl} (${(err as Error).message}): is its daemon running?`,
        };
      }
      const decision = status.orders?.[orderId.toString()];
      if (decision && !decision.bid) {
        return { provider: r.address, statusUrl, reason: `did not bid: ${decision.reason}` };
      }
      if (decision?.bid) {
        return {
          provider: r.address,
          statusUrl,
          reason: "decided to bid, but its bid never landed",
        };
      }
      const cursor = status.chainCursor;
      const at = typeof cursor === "object" && cursor ? cursor.$bigint : cursor;
      return {
        provider: r.address,
        statusUrl,
        reason: `running, but has not seen this order${at ? ` (it has followed the chain to block ${at})` : ""}: is it following this chain?`,
      };
    }),
  );
  const reachable = providers.filter((p) => !p.reason.startsWith("not reachable"));
  return {
    eligible: eligible.length,
    providers,
    advice:
      reachable.length === 0
        ? "No eligible provider is running. Start some: noos devnet --providers 3"
        : "See why each provider did not bid below; change the manifest (price, resources, placement) to match one.",
  };
}
