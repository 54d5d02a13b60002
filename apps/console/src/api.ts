// Reads from the indexer (Ponder's GraphQL, each page query with its `_meta` block, and /freshness). Every failure is an Error with what
// was asked and what came back, so pages can show it instead of spinning.
import { type UseQueryResult, useQuery } from "@tanstack/react-query";
import { config } from "./config.js";

export class IndexerError extends Error {
  override name = "IndexerError";
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const url = `${config().indexerUrl}/graphql`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new IndexerError(`The indexer at ${url} did not answer: ${String(err)}`);
  }
  const text = await res.text();
  let body: { data?: T; errors?: { message: string }[]; error?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new IndexerError(`The indexer answered ${res.status} with: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length)
    throw new IndexerError(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  if (!res.ok || !body.data)
    throw new IndexerError(
      `The indexer answered ${res.status}: ${body.error ?? text.slice(0, 300)}`,
    );
  return body.data;
}

/** The indexed block a page's data is as of. */
export type DataBlock = { block: number; timestamp: number };

/** A page query's answer as cached: its data and the block it is as of (Ponder's `_meta`). */
export type GqlAnswer<T> = { data: T; asOf?: DataBlock };

/**
 * `query` with `_meta { status }` added to its top-level selection, so the answer says which block
 * its own data is as of (the same request, not a separate /freshness poll that may be newer).
 */
export function withMeta(query: string): string {
  const end = query.lastIndexOf("}");
  return end < 0 ? query : `${query.slice(0, end)} _meta { status } ${query.slice(end)}`;
}

/**
 * The block of a Ponder `_meta.status` ({[chain]: {id, block: {number, timestamp}}}); with several
 * chains, the oldest. Undefined when it names none.
 */
export function metaBlock(status: unknown): DataBlock | undefined {
  let oldest: DataBlock | undefined;
  for (const chain of Object.values((status ?? {}) as Record<string, unknown>)) {
    const b = (chain as { block?: { number?: unknown; timestamp?: unknown } } | null)?.block;
    if (b?.number === undefined || b.number === null) continue;
    const at = { block: Number(b.number), timestamp: Number(b.timestamp ?? 0) };
    if (!oldest || at.block < oldest.block) oldest = at;
  }
  return oldest;
}

/** `query` asked with its `_meta`: the data without `_meta`, and the block it is as of. */
export async function gqlWithMeta<T>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlAnswer<T>> {
  const { _meta, ...data } = await gql<T & { _meta?: { status?: unknown } }>(
    withMeta(query),
    variables,
  );
  const asOf = metaBlock(_meta?.status);
  return asOf ? { data: data as T, asOf } : { data: data as T };
}

/**
 * Of the page's answers (its active queries' cached answers and when each came), the one with the
 * oldest data: what the page shows is at least that fresh.
 */
export function oldestAnswer(
  answers: { answer: unknown; updatedAt: number }[],
): (DataBlock & { updatedAt: number }) | undefined {
  let oldest: (DataBlock & { updatedAt: number }) | undefined;
  for (const { answer, updatedAt } of answers) {
    const asOf = (answer as GqlAnswer<unknown> | undefined)?.asOf;
    if (asOf && (!oldest || asOf.block < oldest.block)) oldest = { ...asOf, updatedAt };
  }
  return oldest;
}

/**
 * Polled every 2 s; one retry, so a broken indexer shows as an error within seconds. Each answer
 * carries its `_meta` block (the freshness sign reads it from the query cache).
 */
export function useGql<T>(
  key: readonly unknown[],
  query: string,
  variables: Record<string, unknown> = {},
  options: { enabled?: boolean; refetchMs?: number } = {},
): UseQueryResult<T, Error> {
  return useQuery<GqlAnswer<T>, Error, T>({
    queryKey: ["gql", ...key, variables],
    queryFn: () => gqlWithMeta<T>(query, variables),
    select: (answer) => answer.data,
    refetchInterval: options.refetchMs ?? 2000,
    retry: 1,
    retryDelay: 500,
    enabled: options.enabled ?? true,
  });
}

export type Freshness = {
  /** Last indexed block. */
  block: number;
  /** Its timestamp (seconds). */
  timestamp: number;
  /** When the indexer wrote it (ms since epoch), if it says. */
  indexedAt?: number;
  /** The chain's head, if the indexer says. */
  head?: number;
  ready?: boolean;
  /** Why the indexer could not read the chain's head, if it could not. */
  headError?: string;
};

export function useFreshness() {
  return useQuery<Freshness, Error>({
    queryKey: ["freshness"],
    queryFn: async () => {
      const url = `${config().indexerUrl}/freshness`;
      const res = await fetch(url).catch((err: unknown) => {
        throw new IndexerError(`The indexer at ${url} did not answer: ${String(err)}`);
      });
      if (!res.ok) throw new IndexerError(`GET ${url} answered ${res.status}: ${await res.text()}`);
      const raw = (await res.json()) as Record<string, unknown>;
      const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
      const out: Freshness = {
        block: num(raw.block) ?? 0,
        timestamp: num(raw.timestamp) ?? 0,
      };
      const indexedAt = num(raw.indexedAt);
      if (indexedAt !== undefined) out.indexedAt = indexedAt < 1e12 ? indexedAt * 1000 : indexedAt;
      const head = num(raw.head ?? raw.headBlock);
      if (head !== undefined) out.head = head;
      if (typeof raw.ready === "boolean") out.ready = raw.ready;
      if (typeof raw.headError === "string") out.headError = raw.headError;
      if (raw.block === null) throw new IndexerError("the indexer has not indexed any block yet");
      return out;
    },
    refetchInterval: 1000,
    retry: 0,
  });
}

/** The rows of a Ponder plural field. */
export type Page<T> = { items: T[]; totalCount?: number };
