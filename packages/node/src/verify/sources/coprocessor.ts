// The coprocessor claim source: a standalone claim (lease 0) about a kind-2 mlp-infer program is a
// coprocessor node's optimistic delivery when some optimistic request's inputHash (the program's spec
// hash, computed on chain) is the claim's spec hash. The request's RequestCreated event carries the
// inline input; the model's Q16.16 weights come by CID from its OptimisticModelSet event (checked
// against the registered roots). The watcher re-executes that program; the claim's ticket
// (resultHash) binds it to one interval, which the coordinator checks at delivery.
import { coprocessorCoordinatorAbi } from "@noosphere/sdk";
import type { Address } from "viem";
import { loadOptimisticModel, optimisticProgramOf } from "../../coprocessor/optimistic.js";
import type { ClaimSource } from "../claimSource.js";
import { UnsupportedClaimError } from "../claimSource.js";
import type { PlayerClient } from "../player.js";

const OPTIMISTIC = 3;

export function coprocessorSource(p: {
  client: Pick<PlayerClient, "readContract" | "getContractEvents">;
  /** The CoprocessorCoordinator (the deployment's `coprocessor`). */
  coordinator: Address;
  fromBlock: bigint;
  fetchContent: (cid: string) => Promise<Uint8Array>;
}): ClaimSource {
  return {
    name: "coprocessor",
    program: async (claim) => {
      if (claim.leaseId !== 0n || claim.spec.kind !== "mlp-infer") return undefined;
      const created = await p.client.getContractEvents({
        address: p.coordinator,
        abi: coprocessorCoordinatorAbi,
        eventName: "RequestCreated",
        fromBlock: p.fromBlock,
      });
      const hit = created.find((e) => {
        const r = e.args.request;
        return (
          r?.verification === OPTIMISTIC &&
          r.inputHash.toLowerCase() === claim.specHash.toLowerCase()
        );
      });
      if (!hit?.args.request || !hit.args.input) return undefined;
      const request = hit.args.request;
      const { weights } = await loadOptimisticModel({
        client: p.client,
        coordinator: p.coordinator,
        modelId: request.modelId,
        fromBlock: p.fromBlock,
        fetchContent: p.fetchContent,
      });
      const program = optimisticProgramOf(weights, hit.args.input.values);
      if (program.specHash.toLowerCase() !== claim.specHash.toLowerCase()) {
        throw new UnsupportedClaimError(
          `coprocessor request ${request.id}: its model's current weights give spec ${program.specHash}, the claim is about ${claim.specHash}`,
        );
      }
      return {
        spec: program.spec,
        data: program.data,
        origin: `coprocessor request ${request.id} (model ${request.modelId})`,
      };
    },
  };
}
