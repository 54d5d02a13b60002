// "Verify this proof in my browser": the proof and its public signals come from the transaction
// that recorded it (ProofRegistry.verifyAndRecord / verifyAndRecordCommitted), the verification
// key from the content store (the model's artifact manifest, ipfs://<cid> in ModelRegistry), and
// snarkjs checks the Groth16 pairing here, trusting neither the indexer nor the chain's verifier.
import { groth16 } from "snarkjs";
import { decodeFunctionData, type Hex } from "viem";
import { modelRegistryAbi, proofRegistryAbi } from "../../../packages/sdk/src/generated/abis";
import { type ConsoleConfig, contract } from "./config";
import { getPublicClient } from "./wallet";

export type BrowserVerification = {
  verified: boolean;
  modelId: string;
  publicSignals: string[];
  vkCid: string;
  ms: number;
};

async function storeGet(cid: string): Promise<Uint8Array> {
  const res = await fetch(`/api/store/${encodeURIComponent(cid)}`);
  if (!res.ok) throw new Error(`content store: ${cid} answered ${res.status}: ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** snarkjs' proof object from the flattened calldata [a0,a1,b00,b01,b10,b11,c0,c1] (pB swapped). */
export function proofFromCalldata(p: readonly bigint[]) {
  const s = p.map((x) => x.toString());
  if (s.length !== 8) throw new Error(`proof: expected 8 field elements, got ${s.length}`);
  return {
    protocol: "groth16",
    curve: "bn128",
    pi_a: [s[0], s[1], "1"],
    pi_b: [
      [s[3], s[2]],
      [s[5], s[4]],
      ["1", "0"],
    ],
    pi_c: [s[6], s[7], "1"],
  };
}

export async function verifyProofInBrowser(
  cfg: ConsoleConfig,
  txHash: Hex,
  options: { tamper?: boolean } = {},
): Promise<BrowserVerification> {
  const client = getPublicClient(cfg);
  const tx = await client.getTransaction({ hash: txHash });
  const call = decodeFunctionData({ abi: proofRegistryAbi, data: tx.input });
  if (call.functionName !== "verifyAndRecord" && call.functionName !== "verifyAndRecordCommitted")
    throw new Error(`tx ${txHash} calls ${call.functionName}, not verifyAndRecord`);
  const [modelId, proof, signals] = call.args as unknown as [
    bigint,
    readonly bigint[],
    readonly bigint[],
  ];
  const model = (await client.readContract({
    address: contract("modelRegistry"),
    abi: modelRegistryAbi,
    functionName: "getModel",
    args: [modelId],
  })) as { metadataURI: string };
  const uri = model.metadataURI;
  if (!uri.startsWith("ipfs://"))
    throw new Error(`model ${modelId} has no artifact manifest (metadataURI "${uri}")`);
  const manifest = JSON.parse(new TextDecoder().decode(await storeGet(uri.slice(7)))) as {
    artifacts?: { vk?: { cid: string } };
  };
  const vkCid = manifest.artifacts?.vk?.cid;
  if (!vkCid) throw new Error(`model ${modelId}'s artifact manifest names no vk`);
  const vk = JSON.parse(new TextDecoder().decode(await storeGet(vkCid)));
  const publicSignals = signals.map((x) => x.toString());
  if (options.tamper && publicSignals.length > 0) {
    const last = publicSignals.length - 1;
    publicSignals[last] = (BigInt(publicSignals[last] as string) + 1n).toString();
  }
  const started = performance.now();
  const verified = await groth16.verify(vk, publicSignals, proofFromCalldata(proof));
  return {
    verified,
    modelId: modelId.toString(),
    publicSignals,
    vkCid,
    ms: Math.round(performance.now() - started),
  };
}
