import { BaseError, InvalidParameterError } from "@noosphere/sdk";

export type InvalidCidErrorType = InvalidCidError & { name: "InvalidCidError" };

/** A string that does not parse as a CID; `field` says which parameter carried it. */
export class InvalidCidError extends InvalidParameterError {
  readonly value: unknown;

  constructor({
    value,
    field = "cid",
    cause,
  }: { value: unknown; field?: string; cause?: unknown }) {
    super({
      field,
      expected: "a CID (CIDv1 such as bafkrei…/bafybei…, or CIDv0 Qm…)",
      received: value,
      cause,
    });
    this.name = "InvalidCidError";
    this.value = value;
  }
}

export type ContentNotFoundErrorType = ContentNotFoundError & { name: "ContentNotFoundError" };

/**
 * The store does not hold the content. `block` is set when the root is there but a block under
 * it is missing (an incomplete DAG), so callers can tell "never added" from "partly lost".
 */
export class ContentNotFoundError extends BaseError {
  readonly cid: string;
  readonly block: string | undefined;

  constructor({ cid, block, cause }: { cid: string; block?: string | undefined; cause?: unknown }) {
    super(
      block === undefined || block === cid
        ? `Content ${cid} was not found in the store.`
        : `Content ${cid} is incomplete: block ${block} was not found in the store.`,
      { name: "ContentNotFoundError", cause },
    );
    this.cid = cid;
    this.block = block === cid ? undefined : block;
  }
}

export type ContentCorruptedErrorType = ContentCorruptedError & { name: "ContentCorruptedError" };

/** Bytes read back do not hash to the CID that names them (a damaged disk or a lying node). */
export class ContentCorruptedError extends BaseError {
  readonly cid: string;
  readonly block: string;

  constructor({
    cid,
    block,
    reason,
    cause,
  }: {
    cid: string;
    block: string;
    reason: string;
    cause?: unknown;
  }) {
    super(
      block === cid
        ? `Content ${cid} failed verification: ${reason}.`
        : `Content ${cid} failed verification: block ${block} ${reason}.`,
      { name: "ContentCorruptedError", cause, details: reason },
    );
    this.cid = cid;
    this.block = block;
  }
}

export type UnsupportedContentErrorType = UnsupportedContentError & {
  name: "UnsupportedContentError";
};

/** The CID is valid but names something this store does not read (a directory, dag-cbor, …). */
export class UnsupportedContentError extends BaseError {
  readonly cid: string;

  constructor({ cid, reason, cause }: { cid: string; reason: string; cause?: unknown }) {
    super(`Content ${cid} is not a file this store can read: ${reason}.`, {
      name: "UnsupportedContentError",
      cause,
    });
    this.cid = cid;
  }
}

export type StoreUnavailableErrorType = StoreUnavailableError & { name: "StoreUnavailableError" };

/** The store could not be reached, after retrying; worth retrying later (not a content error). */
export class StoreUnavailableError extends BaseError {
  readonly url: string;
  readonly attempts: number;

  constructor({ url, attempts, cause }: { url: string; attempts: number; cause?: unknown }) {
    super(
      `Store at ${url} is unavailable (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}).`,
      { name: "StoreUnavailableError", cause },
    );
    this.url = url;
    this.attempts = attempts;
  }
}

export type KuboApiErrorType = KuboApiError & { name: "KuboApiError" };

/** The Kubo node answered, but with an error that retrying will not fix. */
export class KuboApiError extends BaseError {
  readonly endpoint: string;
  readonly status: number;

  constructor({
    endpoint,
    status,
    message,
    cause,
  }: {
    endpoint: string;
    status: number;
    message: string;
    cause?: unknown;
  }) {
    super(`Kubo ${endpoint} failed (HTTP ${status}): ${message}`, {
      name: "KuboApiError",
      cause,
    });
    this.endpoint = endpoint;
    this.status = status;
  }
}
