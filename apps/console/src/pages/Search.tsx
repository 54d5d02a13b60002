// Search: an address (provider, tenant, neuron), an order / lease / model / subnet id, a
// transaction hash or a manifest CID.
import { Link, useSearchParams } from "react-router";
import type { Page } from "../api";
import { useGql } from "../api";
import { Loaded, PageHeader } from "../components";
import { noos, time } from "../format";

type Hit = { label: string; to?: string; detail?: string };

function classify(q: string) {
  if (/^0x[0-9a-fA-F]{40}$/.test(q)) return "address" as const;
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) return "tx" as const;
  if (/^\d+$/.test(q)) return "id" as const;
  if (/^(baf|Qm)[0-9a-zA-Z]+$/.test(q)) return "cid" as const;
  return "unknown" as const;
}

const QUERIES = {
  address: `query($q: String!) {
    provider(address: $q) { address stake completed earned }
    orders(where: { tenant: $q }, limit: 100) { items { id state } }
    neurons(where: { hotkey: $q }, limit: 100) { items { netuid uid } }
    accountActivitys(where: { account: $q }, orderBy: "blockNumber", orderDirection: "desc", limit: 20) { items { id contract event ref blockNumber txHash } }
  }`,
  tx: `query($q: String!) {
    accountActivitys(where: { txHash: $q }, limit: 50) { items { id contract event ref blockNumber account } }
    leaseEvents(where: { txHash: $q }, limit: 50) { items { id orderId kind blockNumber } }
    proofs(where: { txHash: $q }, limit: 10) { items { id modelId blockNumber } }
  }`,
  id: `query($q: BigInt!, $n: Int!) {
    order(id: $q) { id state tenant createdAt }
    lease(id: $q) { id state provider }
    model(id: $q) { id owner metadataURI }
    subnet(netuid: $n) { netuid owner neurons epochs }
  }`,
  cid: `query($q: String!) { orders(where: { manifestCid: $q }, limit: 20) { items { id state } } }`,
} as const;

type AnyResult = Record<string, unknown>;

function hits(kind: ReturnType<typeof classify>, d: AnyResult): Hit[] {
  const out: Hit[] = [];
  const items = <T,>(v: unknown) => ((v as Page<T> | undefined)?.items ?? []) as T[];
  if (kind === "address") {
    const p = d.provider as {
      address: string;
      stake: string;
      completed: number;
      earned: string;
    } | null;
    if (p)
      out.push({
        label: `provider ${p.address}`,
        to: `/providers/${p.address}`,
        detail: `stake ${noos(p.stake)}, ${p.completed} jobs done, earned ${noos(p.earned)}`,
      });
    for (const o of items<{ id: string; state: string }>(d.orders))
      out.push({ label: `order #${o.id} (tenant)`, to: `/jobs/${o.id}`, detail: o.state });
    for (const n of items<{ netuid: number; uid: number }>(d.neurons))
      out.push({ label: `neuron uid ${n.uid} on subnet ${n.netuid}`, to: `/subnets/${n.netuid}` });
    for (const a of items<{
      contract: string;
      event: string;
      ref: string | null;
      blockNumber: string;
      txHash: string;
    }>(d.accountActivitys))
      out.push({
        label: `${a.contract}.${a.event}${a.ref ? ` #${a.ref}` : ""}`,
        to: `/search?q=${a.txHash}`,
        detail: `block ${a.blockNumber}`,
      });
  } else if (kind === "tx") {
    for (const e of items<{ orderId: string; kind: string; blockNumber: string }>(d.leaseEvents))
      out.push({
        label: `order #${e.orderId}: ${e.kind}`,
        to: `/jobs/${e.orderId}`,
        detail: `block ${e.blockNumber}`,
      });
    for (const p of items<{ modelId: string; blockNumber: string }>(d.proofs))
      out.push({
        label: `verified inference of model ${p.modelId}`,
        to: "/models",
        detail: `block ${p.blockNumber}`,
      });
    for (const a of items<{ contract: string; event: string; ref: string | null; account: string }>(
      d.accountActivitys,
    ))
      out.push({
        label: `${a.contract}.${a.event}${a.ref ? ` #${a.ref}` : ""}`,
        to: `/search?q=${a.account}`,
        detail: a.account,
      });
  } else if (kind === "id") {
    const o = d.order as { id: string; state: string; createdAt: string } | null;
    if (o)
      out.push({
        label: `order #${o.id}`,
        to: `/jobs/${o.id}`,
        detail: `${o.state}, created ${time(o.createdAt)}`,
      });
    const l = d.lease as { id: string; state: string; provider: string } | null;
    if (l)
      out.push({
        label: `lease #${l.id}`,
        to: `/jobs/${l.id}`,
        detail: `${l.state}, provider ${l.provider}`,
      });
    const m = d.model as { id: string; owner: string } | null;
    if (m) out.push({ label: `model ${m.id}`, to: "/models", detail: `owner ${m.owner}` });
    const s = d.subnet as { netuid: number; neurons: number; epochs: number } | null;
    if (s)
      out.push({
        label: `subnet ${s.netuid}`,
        to: `/subnets/${s.netuid}`,
        detail: `${s.neurons} neurons, ${s.epochs} epochs`,
      });
  } else if (kind === "cid") {
    for (const o of items<{ id: string; state: string }>(d.orders))
      out.push({ label: `order #${o.id} (manifest)`, to: `/jobs/${o.id}`, detail: o.state });
  }
  return out;
}

export function Search() {
  const [params] = useSearchParams();
  const raw = (params.get("q") ?? "").trim();
  const kind = classify(raw);
  const q = kind === "address" || kind === "tx" ? raw.toLowerCase() : raw;
  const variables: Record<string, unknown> =
    kind === "id" ? { q, n: Math.min(Number(q), 65535) } : { q };
  const query = kind === "unknown" ? "{ __typename }" : QUERIES[kind];
  const res = useGql<AnyResult>(["search", kind, q], query, variables, {
    enabled: kind !== "unknown",
    refetchMs: 5000,
  });
  return (
    <>
      <PageHeader title="Search" />
      {raw === "" ? (
        <p>Type an address, an order / lease / model / subnet id, a transaction hash or a CID.</p>
      ) : kind === "unknown" ? (
        <div className="error" role="alert">
          "{raw}" is not an address (0x + 40 hex), a transaction hash (0x + 64 hex), an id (digits)
          or a CID.
        </div>
      ) : (
        <Loaded q={res} what={`results for ${raw}`}>
          {(d) => {
            const found = hits(kind, d);
            return found.length === 0 ? (
              <p data-testid="search-results">Nothing indexed matches {raw}.</p>
            ) : (
              <ul data-testid="search-results">
                {found.map((h) => (
                  <li key={`${h.label}-${h.detail}`}>
                    {h.to ? <Link to={h.to}>{h.label}</Link> : h.label}
                    {h.detail ? ` · ${h.detail}` : ""}
                  </li>
                ))}
              </ul>
            );
          }}
        </Loaded>
      )}
    </>
  );
}
