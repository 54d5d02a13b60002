// The market-lease claim source: a claim with a lease id re-executes the lease's job. The order's
// manifest (by CID, checked against its hash) says what ran: an optimistic training job's input
// is the data set; an inference or evaluation job's model and input are the program's tensors
// (fixedJob.ts builds them the way the provider did: an MLP as mlp-infer / mlp-eval, a CNN, a model
// with a Conv node, as cnn-infer).
import { getOrder, type NoosReadClient, verifyJobManifest } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Address } from "viem";
import { type ClaimSource, UnsupportedClaimError } from "../claimSource.js";
import { fixedDataOfManifest } from "../fixedJob.js";
import type { PlayerClient } from "../player.js";

export function marketLeaseSource(p: {
  client: PlayerClient;
  market: Address;
  store: ContentStore;
}): ClaimSource {
  return {
    name: "market",
    program: async (claim) => {
      if (claim.leaseId === 0n) return undefined;
      const order = await getOrder(p.client as unknown as NoosReadClient, {
        address: p.market,
        orderId: claim.leaseId,
      });
      const manifest = verifyJobManifest(await p.store.get(order.manifestCid), {
        manifestHash: order.manifestHash,
        source: order.manifestCid,
      });
      if (manifest.verification.mode !== "optimistic") {
        throw new UnsupportedClaimError(
          `lease ${claim.leaseId}'s manifest asks for ${manifest.verification.mode} verification, not optimistic`,
        );
      }
      const data = await fixedDataOfManifest(manifest, claim.spec, (cid) => p.store.get(cid));
      return {
        spec: claim.spec,
        data,
        origin: `lease ${claim.leaseId} (${manifest.kind}, ${claim.spec.kind})`,
      };
    },
  };
}
