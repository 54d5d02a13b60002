// A buyer's signed data request (EIP-191 personal_sign), as Ocean's provider asks for a signature
// over did + nonce: the provider serves only the account that signed, once per nonce, and only
// within a few minutes of the signed timestamp.
import { BaseError } from "@noosphere/sdk";
import {
  type Address,
  getAddress,
  type Hex,
  isAddress,
  type LocalAccount,
  verifyMessage,
} from "viem";

export const REQUEST_MAX_AGE_S = 300;

export type SignedDataRequest = {
  did: string;
  consumer: Address;
  nonce: string;
  /** Unix seconds. */
  timestamp: number;
  signature: Hex;
};

export function dataRequestMessage(r: Omit<SignedDataRequest, "signature">): string {
  return `noos data download\n${r.did}\nconsumer: ${getAddress(r.consumer)}\nnonce: ${r.nonce}\ntimestamp: ${r.timestamp}`;
}

export async function signDataRequest(
  account: LocalAccount,
  did: string,
  now = Math.floor(Date.now() / 1000),
): Promise<SignedDataRequest> {
  const unsigned = {
    did,
    consumer: account.address,
    nonce: crypto.randomUUID(),
    timestamp: now,
  };
  return {
    ...unsigned,
    signature: await account.signMessage({ message: dataRequestMessage(unsigned) }),
  };
}

export function requestHeaders(r: SignedDataRequest): Record<string, string> {
  return {
    "x-noos-consumer": r.consumer,
    "x-noos-nonce": r.nonce,
    "x-noos-timestamp": String(r.timestamp),
    "x-noos-signature": r.signature,
  };
}

export class InvalidDataRequestError extends BaseError {
  constructor(message: string) {
    super(message, { name: "InvalidDataRequestError" });
  }
}

/** Reads the headers back; InvalidDataRequestError names the missing or bad header. */
export function parseRequestHeaders(
  did: string,
  headers: Record<string, string | string[] | undefined>,
): SignedDataRequest {
  const h = (name: string) => {
    const v = headers[name];
    if (typeof v !== "string" || v === "") {
      throw new InvalidDataRequestError(
        `Missing header ${name}: sign the request (noos data download does).`,
      );
    }
    return v;
  };
  const consumer = h("x-noos-consumer");
  if (!isAddress(consumer, { strict: false })) {
    throw new InvalidDataRequestError(`Header x-noos-consumer "${consumer}": expected an address.`);
  }
  const timestamp = Number(h("x-noos-timestamp"));
  if (!Number.isSafeInteger(timestamp)) {
    throw new InvalidDataRequestError("Header x-noos-timestamp: expected unix seconds.");
  }
  const signature = h("x-noos-signature");
  if (!/^0x[0-9a-fA-F]+$/.test(signature)) {
    throw new InvalidDataRequestError("Header x-noos-signature: expected 0x-prefixed hex.");
  }
  return {
    did,
    consumer: getAddress(consumer),
    nonce: h("x-noos-nonce"),
    timestamp,
    signature: signature as Hex,
  };
}

/** Remembers nonces for the window in which a request is accepted, so a request is used once. */
export function createNonceGuard(maxAgeS = REQUEST_MAX_AGE_S) {
  const seen = new Map<string, number>();
  return async (r: SignedDataRequest, now = Math.floor(Date.now() / 1000)): Promise<void> => {
    if (Math.abs(now - r.timestamp) > maxAgeS) {
      throw new InvalidDataRequestError(
        `Request timestamp ${r.timestamp} is more than ${maxAgeS} s from the provider's clock (${now}).`,
      );
    }
    const ok = await verifyMessage({
      address: r.consumer,
      message: dataRequestMessage(r),
      signature: r.signature,
    }).catch(() => false);
    if (!ok) throw new InvalidDataRequestError(`The request is not signed by ${r.consumer}.`);
    for (const [k, t] of seen) if (now - t > maxAgeS) seen.delete(k);
    const key = `${r.consumer}:${r.nonce}`;
    if (seen.has(key)) throw new InvalidDataRequestError(`Nonce ${r.nonce} was already used.`);
    seen.set(key, r.timestamp);
  };
}
