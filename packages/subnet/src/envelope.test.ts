// The wire format's signatures, without a network: what each signature binds and what a
// relayed (copied) answer looks like to the validator.
import { getAddress, type Hex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  checkAnswerProof,
  checkSignedResponse,
  EnvelopeError,
  hashBody,
  hashRequest,
  parseRequestHeaders,
  parseResponseHeaders,
  type RequestEnvelope,
  recoverRequestSigner,
  requestHeaders,
  responseHeaders,
  signRequest,
  signResponse,
} from "./envelope.js";

const validator = privateKeyToAccount(generatePrivateKey());
const minerA = privateKeyToAccount(generatePrivateKey());
const minerB = privateKeyToAccount(generatePrivateKey());
const body = JSON.stringify({ text: "hello" });

function envelope(overrides: Partial<RequestEnvelope> = {}): RequestEnvelope {
  return {
    netuid: 3,
    synapse: "Echo",
    validator: validator.address,
    target: minerA.address,
    nonce: 1_700_000_000_000_000n,
    timestamp: 1_700_000_000_000,
    timeoutMs: 5000,
    bodyHash: hashBody(body),
    ...overrides,
  };
}

describe("envelope", () => {
  it("test_request_headersRoundTripAndRecoverTheValidator", async () => {
    const e = envelope();
    const { signature } = await signRequest(validator, e);
    const parsed = parseRequestHeaders(requestHeaders({ ...e, signature }));
    expect(parsed).toEqual({ ...e, validator: getAddress(e.validator), signature });
    expect(await recoverRequestSigner(parsed)).toBe(validator.address);
  });

  it("test_request_everySignedFieldChangesTheHash", async () => {
    const base = hashRequest(envelope());
    const changes: Partial<RequestEnvelope>[] = [
      { netuid: 4 },
      { synapse: "Echo2" },
      { validator: minerB.address },
      { target: minerB.address },
      { nonce: 1_700_000_000_000_001n },
      { timestamp: 1_700_000_000_001 },
      { timeoutMs: 5001 },
      { bodyHash: hashBody("{}") },
    ];
    for (const change of changes) expect(hashRequest(envelope(change))).not.toBe(base);
    // A signature moved onto another field's value recovers to someone else.
    const { signature } = await signRequest(validator, envelope());
    const moved = { ...envelope({ target: minerB.address }), signature };
    expect(await recoverRequestSigner(moved)).not.toBe(validator.address);
  });

  it("test_parseRequestHeaders_namesTheBadHeader", async () => {
    const { signature } = await signRequest(validator, envelope());
    const good = requestHeaders({ ...envelope(), signature });
    const bad: [string, string | undefined][] = [
      ["x-noos-nonce", "-1"],
      ["x-noos-netuid", "70000"],
      ["x-noos-validator", "0x1234"],
      ["x-noos-body-hash", "0xabc"],
      ["x-noos-signature", undefined],
    ];
    for (const [name, value] of bad) {
      const headers: Record<string, string | undefined> = { ...good, [name]: value };
      let err: unknown;
      try {
        parseRequestHeaders(headers);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EnvelopeError);
      expect((err as EnvelopeError).field).toBe(name);
      expect((err as EnvelopeError).shortMessage).toContain(name);
    }
  });

  it("test_response_bindsMinerRequestAndBody", async () => {
    const requestHash = hashRequest(envelope());
    const answer = JSON.stringify({ text: "hello" });
    const signed = await signResponse(minerA, requestHash, answer);
    const parsed = parseResponseHeaders(responseHeaders(signed));
    expect(parsed).toEqual(signed);
    const expected = { miner: minerA.address, requestHash };
    expect(await checkSignedResponse(parsed, answer, expected)).toBeUndefined();
    // Another body, another request, or a forged miner field each fail.
    expect(await checkSignedResponse(parsed, '{"text":"bye"}', expected)).toMatch(/body/);
    const other = hashRequest(envelope({ nonce: 2n }));
    expect(await checkSignedResponse(parsed, answer, { ...expected, requestHash: other })).toMatch(
      /answers request/,
    );
    // Claiming B's hotkey changes the signed hash: the signature recovers to neither.
    const claimed = { ...parsed, miner: minerB.address };
    expect(
      await checkSignedResponse(claimed, answer, { ...expected, miner: minerB.address }),
    ).toMatch(new RegExp(`^response signed by 0x[0-9a-fA-F]{40}, not ${minerB.address}$`));
  });

  it("test_response_copiedFromAnotherMinerIsDetected", async () => {
    // The validator asks A and B the same question; B hands back A's signed answer verbatim.
    const toA = envelope({ target: minerA.address, nonce: 10n });
    const toB = envelope({ target: minerB.address, nonce: 11n });
    const answer = JSON.stringify({ text: "hello" });
    const fromA = await signResponse(minerA, hashRequest(toA), answer);
    const why = await checkSignedResponse(fromA, answer, {
      miner: minerB.address,
      requestHash: hashRequest(toB),
    });
    expect(why).toBe(
      `response signed by ${minerA.address}, not the queried miner ${minerB.address}`,
    );
    // Re-signing A's answer under B's key still answers A's request, not B's.
    const resigned = await signResponse(minerB, hashRequest(toA), answer);
    expect(
      await checkSignedResponse(resigned, answer, {
        miner: minerB.address,
        requestHash: hashRequest(toB),
      }),
    ).toMatch(/answers request/);
  });

  it("test_answerProof_checksBothSignaturesAndBodies", async () => {
    const e = envelope();
    const { signature, requestHash } = await signRequest(validator, e);
    const responseBody = JSON.stringify({ text: "hello" });
    const proof = {
      request: { ...e, signature },
      requestBody: body,
      response: await signResponse(minerA, requestHash, responseBody),
      responseBody,
    };
    expect(await checkAnswerProof(proof)).toBeUndefined();
    expect(await checkAnswerProof({ ...proof, responseBody: '{"text":"x"}' })).toMatch(/body/);
    expect(await checkAnswerProof({ ...proof, requestBody: "{}" })).toMatch(/request body/);
    const forged = { ...proof, request: { ...proof.request, validator: zeroAddress } };
    expect(await checkAnswerProof(forged)).toMatch(/request signed by/);
    const badSig = `0x${"11".repeat(65)}` as Hex;
    expect(
      await checkAnswerProof({ ...proof, response: { ...proof.response, signature: badSig } }),
    ).toBeDefined();
  });
});
