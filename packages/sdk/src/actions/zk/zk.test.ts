// zkML on chain through the SDK: real snarkjs verifiers (fixtures compiled by forge) and real
// proofs against ModelRegistry/ProofRegistry on a real anvil.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  sha256,
  toHex,
} from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidParameterError } from "../../errors.js";
import { groth16ProofToCalldata, type SnarkjsGroth16Proof } from "./calldata.js";
import { proofCommitment } from "./proofCommitment.js";
import { inferenceRecordId, modelLayout, proofStatement } from "./types.js";

type Fixture = { proof: SnarkjsGroth16Proof; publicSignals: string[] };
const root = new URL("../../../../../", import.meta.url);
const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL("contracts/test/zk/fixtures/proofs.json", root)), "utf8"),
) as Record<string, Fixture>;
const fixture = (name: string) => {
  const f = fixtures[name];
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
};

/** Creation bytecode of a fixture verifier, from the forge artifacts (`npm run build:contracts`). */
function verifierArtifact(name: string): { abi: Abi; bytecode: Hex } {
  const file = fileURLToPath(new URL(`contracts/out/${name}.sol/${name}.json`, root));
  const artifact = JSON.parse(readFileSync(file, "utf8")) as {
    abi: Abi;
    bytecode: { object: Hex };
  };
  return { abi: artifact.abi, bytecode: artifact.bytecode.object };
}

const hashedInputLayout = modelLayout({
  inputVisibility: "hashed",
  outputVisibility: "public",
  paramVisibility: "fixed",
  inputElements: 4,
  outputElements: 2,
});
const hashedParamsLayout = modelLayout({
  inputVisibility: "hashed",
  outputVisibility: "public",
  paramVisibility: "hashed",
  inputElements: 3,
  outputElements: 1,
});
const onnxHash = sha256(toHex("onnx bytes"));
const settingsHash = sha256(toHex("settings.json"));

let net: TestDeployment;
const verifiers: Record<string, Address> = {};
beforeAll(async () => {
  net = await startTestDeployment();
  for (const name of [
    "Groth16VerifierHashedInput",
    "Groth16VerifierHashedInputAlt",
    "Groth16VerifierHashedParams",
  ]) {
    const { abi, bytecode } = verifierArtifact(name);
    const hash = await net.walletClient.deployContract({ abi, bytecode });
    const receipt = await net.publicClient.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error(`${name}: no address`);
    verifiers[name] = getAddress(receipt.contractAddress);
  }
});
afterAll(async () => {
  await net?.stop();
});
withSnapshot(() => net.testClient, { beforeEach, afterEach });

function verifier(name: string): Address {
  const address = verifiers[`Groth16Verifier${name}`];
  if (!address) throw new Error(`verifier ${name} not deployed`);
  return address;
}

async function registerHashedInput(index = 1, name = "HashedInput") {
  const { modelId } = await net.client(index).registerModelAndWait({
    onnxHash,
    settingsHash,
    verifier: verifier(name),
    layout: hashedInputLayout,
    metadataURI: "ipfs://model-card",
  });
  return modelId;
}

describe("zk model registry and proof registry", () => {
  it("registers a model, verifies a real proof, records and finds the inference", async () => {
    const owner = net.client(1);
    const prover = net.client(2);
    const modelId = await registerHashedInput();
    expect(modelId).toBe(1n);

    const model = await owner.getModel({ modelId });
    expect(model).toMatchObject({
      modelId,
      owner: owner.account.address,
      deprecated: false,
      verifier: verifier("HashedInput"),
      version: 1,
      layout: hashedInputLayout,
      onnxHash,
      settingsHash,
      paramCommitment: 0n,
      baseModelId: modelId,
      latestVersion: modelId,
      metadataURI: "ipfs://model-card",
    });
    const code = await net.publicClient.getCode({ address: verifier("HashedInput") });
    expect(model?.verifierCodeHash).toBe(keccak256(code ?? "0x"));

    const { proof, publicSignals } = fixture("hashedInput");
    expect(await prover.verifyProofView({ modelId, proof, publicSignals })).toBe(true);

    const { event, recordId, receipt } = await prover.verifyAndRecordProofAndWait({
      modelId,
      proof,
      publicSignals,
    });
    const statement = proofStatement(hashedInputLayout, publicSignals.map(BigInt));
    expect(event).toEqual({
      modelId,
      inputHash: statement.inputHash,
      outputHash: statement.outputHash,
      outputs: [17n, 7n],
      submitter: prover.account.address,
    });
    expect(recordId).toBe(inferenceRecordId(modelId, statement.inputHash, statement.outputHash));
    expect(await prover.getProofStatement({ modelId, publicSignals })).toEqual(statement);

    const found = await owner.getVerifiedInference({ modelId, inputHash: statement.inputHash });
    expect(found).toMatchObject({
      recordId,
      outputHash: statement.outputHash,
      submitter: prover.account.address,
      committed: false,
    });
    expect(
      await owner.isInferenceVerified({
        modelId,
        inputHash: statement.inputHash,
        outputHash: statement.outputHash,
      }),
    ).toBe(true);

    // Gas as transactions (21k base and calldata included): the bare verifier vs the registry.
    // (eth_estimateGas is no use for the bare verifier: starved precompiles make it answer
    // false instead of reverting, so the search settles on a tiny, failing amount.)
    const { abi } = verifierArtifact("Groth16VerifierHashedInput");
    const w = groth16ProofToCalldata(proof);
    const bareHash = await net.walletClient.sendTransaction({
      to: verifier("HashedInput"),
      data: encodeFunctionData({
        abi,
        functionName: "verifyProof",
        args: [
          [w[0], w[1]],
          [
            [w[2], w[3]],
            [w[4], w[5]],
          ],
          [w[6], w[7]],
          publicSignals.map(BigInt),
        ],
      }),
      gas: 1_000_000n,
    });
    const bare = (await net.publicClient.waitForTransactionReceipt({ hash: bareHash })).gasUsed;
    console.log(
      `gas (tx): bare verifyProof ${bare}, verifyAndRecord ${receipt.gasUsed} (3 public signals)`,
    );
    expect(receipt.gasUsed).toBeLessThan(320_000n);
    expect(bare).toBeLessThan(250_000n);
  });

  it("rejects a tampered proof, a tampered signal and another model's proof by name", async () => {
    const prover = net.client(2);
    const modelId = await registerHashedInput();
    const altModelId = await registerHashedInput(1, "HashedInputAlt");
    const { proof, publicSignals } = fixture("hashedInput");
    const invalid = (id: bigint, address: Address) => ({
      name: "ProofRegistryInvalidProof",
      args: [id, address],
    });

    const flipped = {
      ...proof,
      pi_a: [(BigInt(proof.pi_a[0] as string) ^ 1n).toString(), ...proof.pi_a.slice(1)],
    };
    await expect(
      prover.verifyAndRecordProof({ modelId, proof: flipped, publicSignals }),
    ).rejects.toMatchObject(invalid(modelId, verifier("HashedInput")));
    expect(await prover.verifyProofView({ modelId, proof: flipped, publicSignals })).toBe(false);

    const tampered = [publicSignals[0] as string, "18", publicSignals[2] as string];
    await expect(
      prover.verifyAndRecordProof({ modelId, proof, publicSignals: tampered }),
    ).rejects.toMatchObject(invalid(modelId, verifier("HashedInput")));
    expect(await prover.verifyProofView({ modelId, proof, publicSignals: tampered })).toBe(false);

    await expect(
      prover.verifyAndRecordProof({ modelId: altModelId, proof, publicSignals }),
    ).rejects.toMatchObject(invalid(altModelId, verifier("HashedInputAlt")));

    await expect(
      prover.verifyAndRecordProof({ modelId, proof, publicSignals: publicSignals.slice(0, 2) }),
    ).rejects.toMatchObject({ name: "ProofRegistrySignalCount", args: [modelId, 2n, 3n] });
    await expect(
      prover.verifyAndRecordProof({ modelId: 99n, proof, publicSignals }),
    ).rejects.toMatchObject({ name: "ProofRegistryUnknownModel" });

    // Nothing was recorded by any of it; the genuine proof still goes through, once.
    const { recordId } = await prover.verifyAndRecordProofAndWait({
      modelId,
      proof,
      publicSignals,
    });
    await expect(
      prover.verifyAndRecordProof({ modelId, proof, publicSignals }),
    ).rejects.toMatchObject({ name: "ProofRegistryAlreadyRecorded", args: [modelId, recordId] });
  });

  it("registers a new weight version on the same verifier and checks the param hash", async () => {
    const owner = net.client(1);
    const v1 = fixture("hashedParamsV1");
    const v2 = fixture("hashedParamsV2");
    const { modelId } = await owner.registerModelAndWait({
      onnxHash,
      settingsHash,
      verifier: verifier("HashedParams"),
      layout: hashedParamsLayout,
      paramCommitment: v1.publicSignals[0],
    });
    const next = await owner.registerModelVersionAndWait({
      modelId,
      onnxHash: sha256(toHex("onnx v2")),
      settingsHash: sha256(toHex("settings v2")),
      paramCommitment: v2.publicSignals[0] as string,
    });
    expect(next.version).toBe(2);
    const model = await owner.getModel({ modelId: next.modelId });
    expect(model).toMatchObject({
      verifier: verifier("HashedParams"),
      baseModelId: modelId,
      paramCommitment: BigInt(v2.publicSignals[0] as string),
    });
    expect((await owner.getModel({ modelId }))?.latestVersion).toBe(next.modelId);

    await expect(owner.verifyAndRecordProof({ modelId, ...v2 })).rejects.toMatchObject({
      name: "ProofRegistryParamHashMismatch",
      args: [modelId, BigInt(v2.publicSignals[0] as string), BigInt(v1.publicSignals[0] as string)],
    });
    await owner.verifyAndRecordProofAndWait({ modelId: next.modelId, ...v2 });
    await owner.verifyAndRecordProofAndWait({ modelId, ...v1 });
  });

  it("lets only the owner update, hand over and deprecate a model", async () => {
    const owner = net.client(1);
    const other = net.client(3);
    const modelId = await registerHashedInput();

    await expect(
      other.updateModelMetadata({ modelId, metadataURI: "ipfs://x" }),
    ).rejects.toMatchObject({ name: "ModelRegistryNotOwner" });
    const { event: updated } = await owner.updateModelMetadataAndWait({
      modelId,
      metadataURI: "ipfs://v2-card",
    });
    expect(updated.metadataURI).toBe("ipfs://v2-card");

    const { event: moved } = await owner.transferModelOwnershipAndWait({
      modelId,
      newOwner: other.account.address,
    });
    expect(moved.newOwner).toBe(other.account.address);
    await expect(owner.deprecateModel({ modelId })).rejects.toMatchObject({
      name: "ModelRegistryNotOwner",
      args: [modelId, owner.account.address, other.account.address],
    });
    await other.deprecateModelAndWait({ modelId });
    expect((await owner.getModel({ modelId }))?.deprecated).toBe(true);

    const { proof, publicSignals } = fixture("hashedInput");
    await expect(
      owner.verifyAndRecordProof({ modelId, proof, publicSignals }),
    ).rejects.toMatchObject({ name: "ProofRegistryModelDeprecated", args: [modelId] });
  });

  it("finding 10: commit, then submit keeps the claim from a copier that sends the proof first", async () => {
    const prover = net.client(2);
    const copier = net.client(3);
    const modelId = await registerHashedInput();
    const { proof, publicSignals } = fixture("hashedInput");
    const salt = toHex(42n, { size: 32 });
    const commitment = proofCommitment({
      submitter: prover.account.address,
      modelId,
      proof,
      publicSignals,
      salt,
    });
    const committed = await prover.commitProofAndWait({ commitment });
    expect(committed.event).toEqual({ committer: prover.account.address, commitment });
    await expect(prover.commitProof({ commitment })).rejects.toMatchObject({
      name: "ProofRegistryCommitmentExists",
      args: [prover.account.address, commitment, committed.receipt.blockNumber],
    });

    // The copier sends the same proof first: it is recorded, as an uncommitted submission.
    const copied = await copier.verifyAndRecordProofAndWait({ modelId, proof, publicSignals });
    const { inputHash } = proofStatement(hashedInputLayout, publicSignals.map(BigInt));
    expect(await copier.getVerifiedInference({ modelId, inputHash })).toMatchObject({
      submitter: copier.account.address,
      committed: false,
    });

    // A wrong salt names no commitment; the right one takes the claim over.
    await expect(
      prover.verifyAndRecordCommittedProof({
        modelId,
        proof,
        publicSignals,
        salt: toHex(43n, { size: 32 }),
      }),
    ).rejects.toMatchObject({ name: "ProofRegistryNoCommitment" });
    const claimed = await prover.verifyAndRecordCommittedProofAndWait({
      modelId,
      proof,
      publicSignals,
      salt,
    });
    expect(claimed.recordId).toBe(copied.recordId);
    expect(claimed.verified).toBeUndefined();
    expect(claimed.claim).toEqual({
      recordId: copied.recordId,
      modelId,
      submitter: prover.account.address,
      previousSubmitter: copier.account.address,
      claimBlock: committed.receipt.blockNumber,
    });
    expect(await copier.getVerifiedInference({ modelId, inputHash })).toMatchObject({
      recordId: copied.recordId,
      submitter: prover.account.address,
      committed: true,
    });

    // The copier's own commitment, made after it saw the proof, is later: it cannot take it back.
    const late = await copier
      .commitAndRecordProof({ modelId, proof, publicSignals })
      .catch((e) => e);
    expect(late).toMatchObject({ name: "ProofRegistryClaimNotEarlier" });
    await expect(async () =>
      prover.verifyAndRecordCommittedProof({ modelId, proof, publicSignals, salt: "0x12" }),
    ).rejects.toMatchObject({ name: "InvalidParameterError", field: "salt" });
  });

  it("commitAndRecordProof records a new statement with a committed claim", async () => {
    const prover = net.client(2);
    const modelId = await registerHashedInput();
    const { proof, publicSignals } = fixture("hashedInput2");
    const result = await prover.commitAndRecordProof({ modelId, proof, publicSignals });
    expect(result.verified?.submitter).toBe(prover.account.address);
    expect(result.claim.previousSubmitter).toBe("0x0000000000000000000000000000000000000000");
    expect(result.claim.claimBlock).toBe(result.committed.receipt.blockNumber);
    expect(result.receipt.blockNumber).toBeGreaterThan(result.committed.receipt.blockNumber);
    const { inputHash } = proofStatement(hashedInputLayout, publicSignals.map(BigInt));
    expect(await prover.getVerifiedInference({ modelId, inputHash })).toMatchObject({
      recordId: result.recordId,
      submitter: prover.account.address,
      committed: true,
    });
    console.log(
      `gas (tx): commitProof ${result.committed.receipt.gasUsed}, verifyAndRecordCommitted ${result.receipt.gasUsed}`,
    );
  });

  it("finding 9: a transferred model's later versions go with it", async () => {
    const owner = net.client(1);
    const buyer = net.client(3);
    const v1 = fixture("hashedParamsV1");
    const v2 = fixture("hashedParamsV2");
    const { modelId } = await owner.registerModelAndWait({
      onnxHash,
      settingsHash,
      verifier: verifier("HashedParams"),
      layout: hashedParamsLayout,
      paramCommitment: v1.publicSignals[0],
    });
    const next = await owner.registerModelVersionAndWait({
      modelId,
      onnxHash: sha256(toHex("onnx v2")),
      settingsHash: sha256(toHex("settings v2")),
      paramCommitment: v2.publicSignals[0] as string,
    });
    const { event } = await owner.transferModelOwnershipAndWait({
      modelId: next.modelId,
      newOwner: buyer.account.address,
    });
    expect(event.modelId).toBe(modelId);
    expect((await owner.getModel({ modelId: next.modelId }))?.owner).toBe(buyer.account.address);
    await expect(
      owner.updateModelMetadata({ modelId: next.modelId, metadataURI: "ipfs://x" }),
    ).rejects.toMatchObject({
      name: "ModelRegistryNotOwner",
      args: [next.modelId, owner.account.address, buyer.account.address],
    });
    await buyer.deprecateModelAndWait({ modelId: next.modelId });
  });

  it("finding 12: a verifier whose code changed takes no proofs", async () => {
    const prover = net.client(2);
    const modelId = await registerHashedInput();
    const registered = (await prover.getModel({ modelId }))?.verifierCodeHash;
    // Code that answers `true` to anything: PUSH1 1 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
    const accepting = "0x600160005260206000f3";
    await net.testClient.setCode({ address: verifier("HashedInput"), bytecode: accepting });
    const { proof, publicSignals } = fixture("hashedInput");
    const forged = [publicSignals[0] as string, "18", publicSignals[2] as string];
    await expect(
      prover.verifyAndRecordProof({ modelId, proof, publicSignals: forged }),
    ).rejects.toMatchObject({
      name: "ProofRegistryVerifierCodeChanged",
      args: [modelId, verifier("HashedInput"), registered, keccak256(accepting)],
    });
    expect(await prover.verifyProofView({ modelId, proof, publicSignals: forged })).toBe(false);
  });

  it("returns null for what does not exist", async () => {
    const client = net.client(1);
    expect(await client.getModel({ modelId: 99n })).toBeNull();
    expect(
      await client.getVerifiedInference({ modelId: 1n, inputHash: toHex(1n, { size: 32 }) }),
    ).toBeNull();
  });

  it("refuses bad parameters before sending, naming the field", async () => {
    const client = net.client(1);
    const base = { onnxHash, settingsHash, verifier: verifier("HashedInput") };
    await expect(async () =>
      client.registerModel({ ...base, layout: { ...hashedInputLayout, inputSignals: 2 } }),
    ).rejects.toMatchObject({ name: "InvalidParameterError", field: "layout.inputSignals" });
    await expect(async () =>
      client.registerModel({ ...base, onnxHash: "0x1234", layout: hashedInputLayout }),
    ).rejects.toMatchObject({ field: "onnxHash" });
    await expect(async () =>
      client.registerModel({ ...base, layout: hashedParamsLayout }),
    ).rejects.toMatchObject({ field: "paramCommitment" });
    await expect(async () =>
      client.registerModel({ ...base, layout: hashedInputLayout, paramCommitment: 5n }),
    ).rejects.toMatchObject({ field: "paramCommitment" });
    const { proof } = fixture("hashedInput");
    await expect(async () =>
      client.verifyAndRecordProof({
        modelId: 1n,
        proof,
        publicSignals: [
          "1",
          "21888242871839275222246405745257275088548364400416034343698204186575808495617",
        ],
      }),
    ).rejects.toThrow(InvalidParameterError);
    await expect(
      client.registerModel({
        ...base,
        verifier: client.account.address,
        layout: hashedInputLayout,
      }),
    ).rejects.toMatchObject({ name: "ModelRegistryVerifierWithoutCode" });
  });
});
