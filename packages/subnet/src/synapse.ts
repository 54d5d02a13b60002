// A synapse is one typed request/response pair of a subnet (Bittensor's Synapse subclass), as
// zod schemas: the axon parses requests with `request` and checks its own answers against
// `response`; the dendrite parses miners' answers with `response` (a mismatch is "invalid").
import { InvalidParameterError } from "@noosphere/sdk";
import type { z } from "zod";

export type Synapse<Req = unknown, Res = unknown> = {
  /** Route name: the axon serves it at POST /<name>. Letters, digits, '-', '_' (1-64). */
  name: string;
  request: z.ZodType<Req>;
  response: z.ZodType<Res>;
  /** Largest request body the axon accepts for this synapse, bytes (else the axon's policy). */
  maxBodyBytes?: number;
};

const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Checks a synapse's name and size limit; returns it unchanged (typed). */
export function defineSynapse<Req, Res>(s: Synapse<Req, Res>): Synapse<Req, Res> {
  if (typeof s.name !== "string" || !NAME_RE.test(s.name)) {
    throw new InvalidParameterError({
      field: "synapse.name",
      expected: "1-64 letters, digits, '-' or '_', starting with a letter",
      received: s.name,
    });
  }
  if (
    s.maxBodyBytes !== undefined &&
    (!Number.isSafeInteger(s.maxBodyBytes) || s.maxBodyBytes < 1)
  ) {
    throw new InvalidParameterError({
      field: "synapse.maxBodyBytes",
      expected: "a positive integer (bytes)",
      received: s.maxBodyBytes,
    });
  }
  return s;
}
