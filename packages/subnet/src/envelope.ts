// Authentication both ways (the wire format of axon <-> dendrite).
//
// Request: the validator signs (EIP-191 personal_sign, its secp256k1 hotkey = the account that
// registered on chain) the keccak256 of the ABI encoding of
//   ("noosphere/subnet-request/v1", netuid, synapse, validator, target, nonce, timestampMs,
//    timeoutMs, keccak256(body))
// and sends each field in an `x-noos-*` header. Unlike Bittensor (whose body hash covers only
// `required_hash_fields`, often none) the hash always covers the whole body, and the target
// miner and netuid are signed, so a request cannot be replayed to another miner or subnet.
//
// Response: the miner signs keccak256(abi.encode("noosphere/subnet-response/v1", requestHash,
// miner, keccak256(responseBody))). Bittensor's axon signs no body and its dendrite never checks;
// here the dendrite refuses an answer not signed by the hotkey it asked, and the pair (signed
// request, signed response) is a portable proof of what a miner answered to what.
import type { SignerCache } from "@noosphere/sdk";
import { BaseError } from "@noosphere/sdk";
import {
  type Address,
  encodeAbiParameters,
  getAddress,
  type Hex,
  hashMessage,
  isAddress,
  isHex,
  keccak256,
  type LocalAccount,
  recoverMessageAddress,
} from "viem";

export const REQUEST_DOMAIN = "noosphere/subnet-request/v1";
export const RESPONSE_DOMAIN = "noosphere/subnet-response/v1";

export const HEADERS = {
  netuid: "x-noos-netuid",
  synapse: "x-noos-synapse",
  validator: "x-noos-validator",
  target: "x-noos-target",
  nonce: "x-noos-nonce",
  timestamp: "x-noos-timestamp",
  timeout: "x-noos-timeout",
  bodyHash: "x-noos-body-hash",
  signature: "x-noos-signature",
  miner: "x-noos-miner",
  requestHash: "x-noos-request-hash",
  responseHash: "x-noos-response-hash",
} as const;

/** The signed fields of a request. */
export type RequestEnvelope = {
  netuid: number;
  synapse: string;
  /** The caller's hotkey. */
  validator: Address;
  /** The miner's hotkey the request is for. */
  target: Address;
  /** Strictly increasing per validator (each axon remembers the last one it accepted). */
  nonce: bigint;
  /** Send time, ms since the Unix epoch. */
  timestamp: number;
  /** How long the caller waits, ms (the axon drops queued work older than this). */
  timeoutMs: number;
  /** keccak256 of the request body bytes. */
  bodyHash: Hex;
};

export type SignedRequest = RequestEnvelope & { signature: Hex };

/** A miner's signature over its answer to one request. */
export type SignedResponse = {
  miner: Address;
  requestHash: Hex;
  /** keccak256 of the response body bytes. */
  responseHash: Hex;
  signature: Hex;
};

/** A malformed or missing `x-noos-*` header. */
export class EnvelopeError extends BaseError {
  readonly field: string;
  constructor(field: string, expected: string, received: unknown) {
    super(`Header ${field}: expected ${expected}, received ${JSON.stringify(received)}.`, {
      name: "EnvelopeError",
    });
    this.field = field;
  }
}

export function hashBody(body: Uint8Array | string): Hex {
  return keccak256(typeof body === "string" ? new TextEncoder().encode(body) : body);
}

export function hashRequest(e: RequestEnvelope): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "string" },
        { type: "uint16" },
        { type: "string" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint64" },
        { type: "uint32" },
        { type: "bytes32" },
      ],
      [
        REQUEST_DOMAIN,
        e.netuid,
        e.synapse,
        e.validator,
        e.target,
        e.nonce,
        BigInt(e.timestamp),
        e.timeoutMs,
        e.bodyHash,
      ],
    ),
  );
}

export async function signRequest(
  account: LocalAccount,
  e: RequestEnvelope,
): Promise<{ requestHash: Hex; signature: Hex }> {
  const requestHash = hashRequest(e);
  return { requestHash, signature: await account.signMessage({ message: { raw: requestHash } }) };
}

/** The address that signed the request (compare with `validator`). */
export async function recoverRequestSigner(
  r: SignedRequest,
  signers?: SignerCache,
): Promise<Address> {
  const raw = hashRequest(r);
  if (signers) return signers.signerOf(hashMessage({ raw }), r.signature, r.validator);
  return recoverMessageAddress({ message: { raw }, signature: r.signature });
}

export function requestHeaders(r: SignedRequest): Record<string, string> {
  return {
    [HEADERS.netuid]: String(r.netuid),
    [HEADERS.synapse]: r.synapse,
    [HEADERS.validator]: r.validator,
    [HEADERS.target]: r.target,
    [HEADERS.nonce]: r.nonce.toString(),
    [HEADERS.timestamp]: String(r.timestamp),
    [HEADERS.timeout]: String(r.timeoutMs),
    [HEADERS.bodyHash]: r.bodyHash,
    [HEADERS.signature]: r.signature,
  };
}

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

function header(h: HeaderBag, name: string): string {
  const v = h instanceof Headers ? h.get(name) : h[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === null || s === "")
    throw new EnvelopeError(name, "a value", s ?? null);
  return s;
}

function uint(h: HeaderBag, name: string, max: bigint): bigint {
  const s = header(h, name);
  if (!/^\d{1,78}$/.test(s) || BigInt(s) > max)
    throw new EnvelopeError(name, `a decimal integer <= ${max}`, s);
  return BigInt(s);
}

function address(h: HeaderBag, name: string): Address {
  const s = header(h, name);
  if (!isAddress(s, { strict: false })) throw new EnvelopeError(name, "a 20-byte hex address", s);
  return getAddress(s);
}

function hex(h: HeaderBag, name: string, bytes: number): Hex {
  const s = header(h, name);
  if (!isHex(s) || s.length !== 2 + 2 * bytes)
    throw new EnvelopeError(name, `0x-prefixed hex of ${bytes} bytes`, s);
  return s;
}

/** Reads a request's envelope from its headers; throws EnvelopeError naming the bad header. */
export function parseRequestHeaders(h: HeaderBag): SignedRequest {
  return {
    netuid: Number(uint(h, HEADERS.netuid, 0xffffn)),
    synapse: header(h, HEADERS.synapse),
    validator: address(h, HEADERS.validator),
    target: address(h, HEADERS.target),
    nonce: uint(h, HEADERS.nonce, 2n ** 256n - 1n),
    timestamp: Number(uint(h, HEADERS.timestamp, BigInt(Number.MAX_SAFE_INTEGER))),
    timeoutMs: Number(uint(h, HEADERS.timeout, 0xffffffffn)),
    bodyHash: hex(h, HEADERS.bodyHash, 32),
    signature: hex(h, HEADERS.signature, 65),
  };
}

export function hashResponse(r: Omit<SignedResponse, "signature">): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
      [RESPONSE_DOMAIN, r.requestHash, r.miner, r.responseHash],
    ),
  );
}

export async function signResponse(
  account: LocalAccount,
  requestHash: Hex,
  body: Uint8Array | string,
): Promise<SignedResponse> {
  const unsigned = {
    miner: getAddress(account.address),
    requestHash,
    responseHash: hashBody(body),
  };
  const signature = await account.signMessage({ message: { raw: hashResponse(unsigned) } });
  return { ...unsigned, signature };
}

export function responseHeaders(r: SignedResponse): Record<string, string> {
  return {
    [HEADERS.miner]: r.miner,
    [HEADERS.requestHash]: r.requestHash,
    [HEADERS.responseHash]: r.responseHash,
    [HEADERS.signature]: r.signature,
  };
}

export function parseResponseHeaders(h: HeaderBag): SignedResponse {
  return {
    miner: address(h, HEADERS.miner),
    requestHash: hex(h, HEADERS.requestHash, 32),
    responseHash: hex(h, HEADERS.responseHash, 32),
    signature: hex(h, HEADERS.signature, 65),
  };
}

/** The address that signed the response (compare with `miner`). */
export async function recoverResponseSigner(
  r: SignedResponse,
  signers?: SignerCache,
): Promise<Address> {
  const raw = hashResponse(r);
  if (signers) return signers.signerOf(hashMessage({ raw }), r.signature, r.miner);
  return recoverMessageAddress({ message: { raw }, signature: r.signature });
}

/**
 * Why a signed answer does not prove that `expected.miner` answered `expected.requestHash` with
 * `body`, or undefined when it does. A miner that relays another miner's signed answer fails
 * here: the signature recovers to the other hotkey and covers the other request's hash.
 */
export async function checkSignedResponse(
  r: SignedResponse,
  body: Uint8Array | string,
  expected: { miner: Address; requestHash: Hex },
  signers?: SignerCache,
): Promise<string | undefined> {
  if (hashBody(body) !== r.responseHash) return "response body does not match its signed hash";
  let signer: Address;
  try {
    signer = await recoverResponseSigner(r, signers);
  } catch {
    return "response signature is malformed";
  }
  if (signer !== getAddress(r.miner)) return `response signed by ${signer}, not ${r.miner}`;
  if (signer !== getAddress(expected.miner))
    return `response signed by ${signer}, not the queried miner ${getAddress(expected.miner)}`;
  if (r.requestHash !== expected.requestHash)
    return `response answers request ${r.requestHash}, not ${expected.requestHash}`;
  return undefined;
}

/** What a validator keeps to show a third party what a miner answered (both sides signed). */
export type AnswerProof = {
  request: SignedRequest;
  requestBody: string;
  response: SignedResponse;
  responseBody: string;
};

/** Why the proof does not hold, or undefined when both signatures and both bodies check out. */
export async function checkAnswerProof(p: AnswerProof): Promise<string | undefined> {
  if (hashBody(p.requestBody) !== p.request.bodyHash)
    return "request body does not match its signed hash";
  let validator: Address;
  try {
    validator = await recoverRequestSigner(p.request);
  } catch {
    return "request signature is malformed";
  }
  if (validator !== getAddress(p.request.validator))
    return `request signed by ${validator}, not ${p.request.validator}`;
  return checkSignedResponse(p.response, p.responseBody, {
    miner: p.request.target,
    requestHash: hashRequest(p.request),
  });
}
