// Reads from the indexer (Ponder's GraphQL and /freshness). Every failure is an Error with what
// was asked and what came back, so pages can show it instead of spinning.
import { type UseQueryResult, useQuery } from "@tanstack/react-query";
import { config } from "./config";

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

/** Polled every 2 s; one retry, so a broken indexer shows as an error within seconds. */
export function useGql<T>(
  key: readonly unknown[],
  query: string,
  variables: Record<string, unknown> = {},
  options: { enabled?: boolean; refetchMs?: number } = {},
): UseQueryResult<T, Error> {
  return useQuery<T, Error>({
    queryKey: ["gql", ...key, variables],
    queryFn: () => gql<T>(query, variables),
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
