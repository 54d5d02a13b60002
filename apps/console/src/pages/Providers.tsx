// Providers: prices (from their bids), attributes, stake, jobs done / failed / slashed, earnings.
import { createColumnHelper } from "@tanstack/react-table";
import { Link, useParams } from "react-router";
import { type Page, useGql } from "../api";
import { Addr, Card, DataTable, Loaded, PageHeader } from "../components";
import { noos, time } from "../format";
import { BID_FIELDS, type BidRow, LEASE_FIELDS, type LeaseRow } from "./Jobs";

export type ProviderRow = {
  address: string;
  hostUri: string;
  registered: boolean;
  registeredAt: string;
  stake: string;
  locked: string;
  bids: number;
  lastPricePerSecond: string | null;
  leases: number;
  completed: number;
  failed: number;
  slashed: number;
  slashedAmount: string;
  earned: string;
  withdrawn: string;
};
type AttributeRow = { provider: string; key: string; value: string; auditor: string };

const PROVIDER_FIELDS =
  "address hostUri registered registeredAt stake locked bids lastPricePerSecond leases completed failed slashed slashedAmount earned withdrawn";
const ZERO = "0x0000000000000000000000000000000000000000";

/** Lowest and latest bid price per provider. */
function prices(bids: BidRow[]) {
  const out = new Map<string, { min: bigint; last: bigint; count: number }>();
  for (const b of bids) {
    const key = b.provider.toLowerCase();
    const p = BigInt(b.pricePerSecond);
    const cur = out.get(key);
    out.set(key, {
      min: cur && cur.min < p ? cur.min : p,
      last: p,
      count: (cur?.count ?? 0) + 1,
    });
  }
  return out;
}

const col = createColumnHelper<
  ProviderRow & { attrs: AttributeRow[]; price?: { min: bigint; last: bigint; count: number } }
>();

export function Providers() {
  const q = useGql<{
    providers: Page<ProviderRow>;
    providerAttributes: Page<AttributeRow>;
    bids: Page<BidRow>;
  }>(
    ["providers"],
    `{
      providers(limit: 1000) { items { ${PROVIDER_FIELDS} } }
      providerAttributes(limit: 1000) { items { provider key value auditor } }
      bids(limit: 1000) { items { ${BID_FIELDS} } }
    }`,
  );
  const columns = [
    col.accessor("address", {
      header: "provider",
      cell: (c) => (
        <Link
          to={`/providers/${c.getValue()}`}
          className="mono"
          data-testid={`provider-${c.getValue().toLowerCase()}`}
        >
          {c.getValue()}
        </Link>
      ),
    }),
    col.accessor("hostUri", { header: "host" }),
    col.accessor((r) => r.attrs.map((a) => `${a.key}=${a.value}`).join(", "), {
      id: "attributes",
      header: "attributes",
    }),
    col.accessor((r) => Number(BigInt(r.lastPricePerSecond ?? "0") / 1_000_000n), {
      id: "price",
      header: "price /s (last bid)",
      cell: (c) =>
        c.row.original.lastPricePerSecond ? noos(c.row.original.lastPricePerSecond, 9) : "-",
    }),
    col.accessor((r) => Number(r.price?.min ?? 0n), {
      id: "minPrice",
      header: "lowest bid /s",
      cell: (c) => (c.row.original.price ? noos(c.row.original.price.min, 9) : "-"),
    }),
    col.accessor((r) => Number(BigInt(r.stake ?? "0") / 10n ** 15n), {
      id: "stake",
      header: "stake",
      cell: (c) => noos(c.row.original.stake),
    }),
    col.accessor("leases", { header: "leases" }),
    col.accessor("completed", { header: "jobs done" }),
    col.accessor("failed", { header: "failed" }),
    col.accessor("slashed", {
      header: "slashed",
      cell: (c) => (c.getValue() ? `${c.getValue()} (${noos(c.row.original.slashedAmount)})` : "0"),
    }),
    col.accessor((r) => Number(BigInt(r.earned) / 10n ** 12n), {
      id: "earnings",
      header: "earned",
      cell: (c) => noos(c.row.original.earned),
    }),
    col.accessor((r) => r.registered, {
      id: "active",
      header: "status",
      cell: (c) => (c.getValue() ? "registered" : "unregistered"),
    }),
  ];
  return (
    <>
      <PageHeader title="Providers" />
      <Loaded q={q} what="providers">
        {(d) => {
          const attrs = new Map<string, AttributeRow[]>();
          for (const a of d.providerAttributes.items) {
            const k = a.provider.toLowerCase();
            if (a.auditor !== ZERO) a.value = `${a.value} (signed)`;
            attrs.set(k, [...(attrs.get(k) ?? []), a]);
          }
          const p = prices(d.bids.items);
          const rows = d.providers.items.map((r) => {
            const price = p.get(r.address.toLowerCase());
            return {
              ...r,
              attrs: attrs.get(r.address.toLowerCase()) ?? [],
              ...(price ? { price } : {}),
            };
          });
          return (
            <DataTable
              data={rows}
              columns={columns}
              testId="providers"
              empty="no providers registered"
            />
          );
        }}
      </Loaded>
    </>
  );
}

export function ProviderDetail() {
  const { address = "" } = useParams();
  const id = address.toLowerCase();
  const q = useGql<{
    provider: ProviderRow | null;
    providerAttributes: Page<AttributeRow>;
    leases: Page<LeaseRow>;
    bids: Page<BidRow>;
  }>(
    ["provider", id],
    `query($id: String!) {
      provider(address: $id) { ${PROVIDER_FIELDS} }
      providerAttributes(where: { provider: $id }) { items { provider key value auditor } }
      leases(where: { provider: $id }, limit: 1000) { items { ${LEASE_FIELDS} } }
      bids(where: { provider: $id }, limit: 1000) { items { ${BID_FIELDS} } }
    }`,
    { id },
  );
  const leaseCol = createColumnHelper<LeaseRow>();
  return (
    <>
      <PageHeader title={`Provider ${address}`} />
      <Loaded q={q} what={`provider ${address}`}>
        {(d) =>
          !d.provider ? (
            <div className="error" role="alert">
              The indexer knows no provider {address}.
            </div>
          ) : (
            <>
              <div className="cards">
                <Card label="stake" value={noos(d.provider.stake)} />
                <Card label="locked by leases" value={noos(d.provider.locked)} />
                <Card label="jobs done" value={d.provider.completed} />
                <Card label="failed" value={d.provider.failed} />
                <Card
                  label="slashed"
                  value={`${d.provider.slashed} (${noos(d.provider.slashedAmount)})`}
                />
                <Card label="earned" value={noos(d.provider.earned)} />
                <Card label="withdrawn" value={noos(d.provider.withdrawn)} />
                <Card label="bids" value={d.bids.items.length} />
              </div>
              <p>
                host: <span className="mono">{d.provider.hostUri || "-"}</span> · registered{" "}
                {time(d.provider.registeredAt)}
              </p>
              <h2>Attributes</h2>
              <ul>
                {d.providerAttributes.items.map((a) => (
                  <li key={`${a.auditor}-${a.key}`}>
                    {a.key} = {a.value}
                    {a.auditor !== ZERO ? (
                      <>
                        {" "}
                        (signed by <Addr a={a.auditor} />)
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
              <h2>Leases</h2>
              <DataTable
                data={d.leases.items}
                empty="no leases"
                columns={[
                  leaseCol.accessor("orderId", {
                    header: "order",
                    cell: (c) => <Link to={`/jobs/${c.getValue()}`}>#{c.getValue()}</Link>,
                  }),
                  leaseCol.accessor("state", { header: "state" }),
                  leaseCol.accessor("pricePerSecond", {
                    header: "price /s",
                    cell: (c) => noos(c.getValue(), 9),
                  }),
                  leaseCol.accessor("startedAt", {
                    header: "started",
                    cell: (c) => time(c.getValue()),
                  }),
                ]}
              />
            </>
          )
        }
      </Loaded>
    </>
  );
}
