// The buyer's and publisher's side of the data endpoint: fetch the provider's key (checked against
// the address on chain before anything is encrypted to it) and download with a signed request.
import { writeFile } from "node:fs/promises";
import { BaseError } from "@noosphere/sdk";
import { type Address, type Hex, type LocalAccount, sha256 } from "viem";
import { checkProviderKey, type ProviderKey } from "./ecies.js";
import { requestHeaders, signDataRequest } from "./request.js";

export class DataDownloadError extends BaseError {
  readonly status: number;
  readonly refusal: string | undefined;
  constructor(status: number, message: string, refusal?: string) {
    super(`Download refused (HTTP ${status}${refusal ? `, ${refusal}` : ""}): ${message}`, {
      name: "DataDownloadError",
    });
    this.status = status;
    this.refusal = refusal;
  }
}

/** GET <provider>/data/key, checked: the key must hash to `expected` (the NFT's decryptorAddress). */
export async function fetchProviderKey(
  providerUrl: string,
  expected: Address,
): Promise<ProviderKey> {
  const res = await fetch(new URL("/data/key", providerUrl));
  if (!res.ok) throw new BaseError(`GET ${providerUrl}/data/key answered HTTP ${res.status}.`);
  const body = (await res.json()) as { publicKey: Hex };
  const key = { address: expected, publicKey: body.publicKey };
  checkProviderKey(key);
  return key;
}

export type DownloadDataParameters = {
  providerUrl: string;
  did: string;
  account: LocalAccount;
  file?: number | undefined;
  /** Write here; without it the bytes are only returned. */
  to?: string | undefined;
};

export type DownloadDataReturnType = { bytes: Uint8Array; sha256: Hex; name: string | undefined };

/** Signs a request (EIP-191) and downloads a file of a bought data asset; checks its sha256. */
export async function downloadData(p: DownloadDataParameters): Promise<DownloadDataReturnType> {
  const request = await signDataRequest(p.account, p.did);
  const url = new URL(`/data/${p.did}`, p.providerUrl);
  if (p.file !== undefined) url.searchParams.set("file", String(p.file));
  const res = await fetch(url, { headers: requestHeaders(request) });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; refusal?: string };
    throw new DataDownloadError(res.status, body.error ?? res.statusText, body.refusal);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const digest = sha256(bytes);
  const claimed = res.headers.get("x-noos-sha256");
  if (claimed && claimed !== digest) {
    throw new BaseError(`Downloaded bytes hash to ${digest}, the provider said ${claimed}.`);
  }
  if (p.to) await writeFile(p.to, bytes);
  const name = /filename="([^"]*)"/.exec(res.headers.get("content-disposition") ?? "")?.[1];
  return { bytes, sha256: digest, name };
}
