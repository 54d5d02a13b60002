// The AI coprocessor through the SDK, against a real anvil with the real contracts: a zk request
// answered with a real Groth16 proof (fixture verifier compiled by forge), failures decoded by
// name, refunds, subscriptions, escrow and node earnings.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { type Abi, getAddress, type Hex, parseEther, sha256, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ContractRevertError, InvalidParameterError } from "../../errors.js";
import { groth16ProofToCalldata, type SnarkjsGroth16Proof } from "../zk/calldata.js";
import { modelLayout } from "../zk/types.js";
import { coprocessorOutputHash, encodeCoprocessorProof, hashFieldValues } from "./types.js";

type Fixture = { proof: SnarkjsGroth16Proof; publicSignals: string[] };
const root = new URL("../../../../../", import.meta.url);
const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL("contracts/test/zk/fixtures/proofs.json", root)), "utf8"),
) as Record<string, Fixture>;
const hashedInput = fixtures.hashedInput as Fixture;
const signals = hashedInput.publicSignals.map(BigInt);
const proofBytes = encodeCoprocessorProof(groth16ProofToCalldata(hashedInput.proof), signals);
const inputHash = toHex(signals[0] as bigint, { size: 32 });
const FEE = parseEther("1");
const FEE_CAP = parseEther("2");

/** Creation bytecode of a fixture verifier, from the forge artifacts (`npm run build:contracts`). */
function verifierArtifact(name: string): { abi: Abi; bytecode: Hex } {
  const out = process.env.NOOS_FORGE_OUT ?? fileURLToPath(new URL("contracts/out", root));
  const artifact = JSON.parse(readFileSync(`${out}/${name}.sol/${name}.json`, "utf8")) as {
    abi: Abi;
    bytecode: { object: Hex };
  };
  return { abi: artifact.abi, bytecode: artifact.bytecode.object };
}

let net: TestDeployment;
let modelId: bigint;
beforeAll(async () => {
  net = await startTestDeployment();
  const { abi, bytecode } = verifierArtifact("Groth16VerifierHashedInput");
  const hash = await net.walletClient.deployContract({ abi, bytecode });
  const receipt = await net.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("verifier: no address");
  ({ modelId } = await net.client(1).registerModelAndWait({
    onnxHash: sha256(toHex("onnx bytes")),
    settingsHash: sha256(toHex("settings.json")),
    verifier: getAddress(receipt.contractAddress),
    layout: modelLayout({
      inputVisibility: "hashed",
      outputVisibility: "public",
      paramVisibility: "fixed",
      inputElements: 4,
      outputElements: 2,
    }),
    metadataURI: "ipfs://model-card",
  }));
  // Node: account 2, staked and serving the model; requester: account 3, with 100 NOOS escrowed.
  const { token } = net.deployment.contracts;
  await net.client(2).registerCoprocessorNode({ models: [{ modelId, token, fee: FEE }] });
  const requester = net.client(3);
  await requester.approveAndWait({
    spender: net.deployment.contracts.coprocessor,
    amount: parseEther("100"),
  });
  await requester.depositCoprocessorEscrowAndWait({
    account: requester.account.address,
    token,
    amount: parseEther("100"),
  });
});
afterAll(async () => {
  await net?.stop();
});
withSnapshot(() => net.testClient, { beforeEach, afterEach });

function zkRequest() {
  return net.client(3).requestInferenceAndWait({
    modelId,
    input: { values: [1n, 2n, 3n, 4n], hash: inputHash },
    verification: "zk",
    token: net.deployment.contracts.token,
    feeCap: FEE_CAP,
  });
}

describe("coprocessor", () => {
  it("zk request -> node delivers a real proof -> verified result, node paid, gas within targets", async () => {
    const requester = net.client(3);
    const node = net.client(2);
    const { token } = net.deployment.contracts;
    const created = await zkRequest();
    expect(created.requestId).toBe(1n);
    expect(created.event.request.inputHash).toBe(inputHash);
    const pending = await requester.getInferenceRequest({ requestId: created.requestId });
    expect(pending).toMatchObject({ status: "pending", verification: "zk", locked: FEE_CAP });
    expect(pending.input.values).toEqual([1n, 2n, 3n, 4n]);

    const delivered = await node.deliverInferenceAndWait({
      request: pending.request,
      output: { values: [17n, 7n] },
      proof: proofBytes,
    });
    const result = await requester.waitForInferenceResult({ requestId: created.requestId });
    expect(result.status).toBe("delivered");
    expect(result.output?.values).toEqual([17n, 7n]);
    expect(result.outputHash).toBe(coprocessorOutputHash({ values: [17n, 7n] }));
    expect(result.nodes).toEqual([node.account.address]);

    const escrow = await requester.getCoprocessorEscrow({
      account: requester.account.address,
      token,
    });
    const protocolFee = (FEE * 200n) / 10_000n;
    expect(escrow).toMatchObject({ locked: 0n, available: parseEther("100") - FEE - protocolFee });
    expect(
      (await node.getCoprocessorEscrow({ account: node.account.address, token })).earnings,
    ).toBe(FEE);
    // A second request and delivery: the node holds earnings and fees have accrued (steady state).
    const again = await zkRequest();
    const second = await node.deliverInferenceAndWait({
      request: again.event.request,
      output: { values: [17n, 7n] },
      proof: proofBytes,
    });
    await node.withdrawCoprocessorEarningsAndWait({ token });

    // Whole transactions (intrinsic gas and cold accesses included).
    console.log(
      `coprocessor gas on anvil: request ${created.receipt.gasUsed} (then ${again.receipt.gasUsed}), zk delivery ${delivered.receipt.gasUsed} (the node's first: its earnings and the fee slots were initialized by setNodeFee), then ${second.receipt.gasUsed}`,
    );
    expect(created.receipt.gasUsed).toBeLessThanOrEqual(150_000n);
    expect(again.receipt.gasUsed).toBeLessThanOrEqual(150_000n);
    expect(delivered.receipt.gasUsed).toBeLessThanOrEqual(350_000n);
    expect(second.receipt.gasUsed).toBeLessThanOrEqual(350_000n);
  });

  it("rejects an output other than the proven one, by name, and pays nothing", async () => {
    const { requestId } = await zkRequest();
    const node = net.client(2);
    const { request } = await node.getInferenceRequest({ requestId });
    const err = await node
      .deliverInference({ request, output: { values: [17n, 8n] }, proof: proofBytes })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractRevertError);
    expect((err as ContractRevertError).errorName).toBe("CoprocessorOutputMismatch");
    const { token } = net.deployment.contracts;
    expect(
      (await node.getCoprocessorEscrow({ account: node.account.address, token })).earnings,
    ).toBe(0n);
  });

  it("refunds an undelivered request after its deadline", async () => {
    const requester = net.client(3);
    const { token } = net.deployment.contracts;
    const { requestId } = await requester.requestInferenceAndWait({
      modelId,
      input: { values: [5n, -6n] },
      token,
      feeCap: FEE_CAP,
      timeout: 60,
    });
    const { request } = await requester.getInferenceRequest({ requestId });
    expect(request.inputHash).toBe(hashFieldValues([5n, -6n]));
    const early = await requester.refundInferenceRequest({ request }).catch((e: unknown) => e);
    expect((early as ContractRevertError).errorName).toBe("CoprocessorDeadlineNotPassed");
    await net.testClient.increaseTime({ seconds: 120 });
    await net.testClient.mine({ blocks: 1 });
    const refunded = await requester.refundInferenceRequestAndWait({ request });
    expect(refunded.event.amount).toBe(FEE_CAP);
    expect((await requester.getInferenceRequest({ requestId })).status).toBe("refunded");
    const escrow = await requester.getCoprocessorEscrow({
      account: requester.account.address,
      token,
    });
    expect(escrow).toMatchObject({ available: parseEther("100"), locked: 0n });
    await requester.withdrawCoprocessorEscrowAndWait({ token, amount: parseEther("100") });
  });

  it("creates and cancels a subscription; intervals after the current one close", async () => {
    const requester = net.client(3);
    const node = net.client(2);
    const { subscriptionId, event } = await requester.createSubscriptionAndWait({
      modelId,
      input: { values: [1n] },
      token: net.deployment.contracts.token,
      feeCap: FEE_CAP,
      period: 3600,
      frequency: 5,
      timeout: 600,
    });
    await node.deliverInferenceAndWait({
      request: event.request,
      interval: 1,
      output: { values: [9n] },
    });
    expect((await requester.getInferenceRequest({ requestId: subscriptionId })).status).toBe(
      "delivered",
    );
    await requester.cancelSubscriptionAndWait({ request: event.request });
    await net.testClient.increaseTime({ seconds: 3600 });
    await net.testClient.mine({ blocks: 1 });
    const err = await node
      .deliverInference({ request: event.request, interval: 2, output: { values: [9n] } })
      .catch((e: unknown) => e);
    expect((err as ContractRevertError).errorName).toBe("CoprocessorIntervalNotActive");
  });

  it("validates parameters before sending", async () => {
    const requester = net.client(3);
    await expect(
      requester.requestInference({
        modelId,
        input: {},
        token: net.deployment.contracts.token,
        feeCap: FEE_CAP,
      }),
    ).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(
      requester.createSubscription({
        modelId,
        input: { values: [1n] },
        token: net.deployment.contracts.token,
        feeCap: FEE_CAP,
        period: 0,
        frequency: 1,
        timeout: 1,
      }),
    ).rejects.toBeInstanceOf(InvalidParameterError);
  });
});
