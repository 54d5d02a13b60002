// Jobs: every order with its best bid, bid history and lease, each one's state timeline, escrow
// remaining and when it runs out; create a job from a manifest with the connected wallet (paid
// from its market balance first); accept the best bid, accept or dispute a result.
import { createColumnHelper } from "@tanstack/react-table";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { type Address, type Hex, parseEventLogs } from "viem";
import { useAccount } from "wagmi";
import { computeMarketAbi, noosTokenAbi } from "../../../../packages/sdk/src/generated/abis";
import { type Page, useGql } from "../api";
import { Addr, DataTable, Loaded, PageHeader } from "../components";
import { config, contract } from "../config";
import { duration, noos, time } from "../format";
import { getPublicClient, SendStatus, useSend } from "../wallet";

export type OrderRow = {
  id: string;
  tenant: string;
  state: string;
  maxPricePerSecond: string;
  deposit: string;
  escrow: string | null;
  bidCount: number | null;
  /** The best (lowest) bid so far, the winning one once leased; null without a bid. */
  bestBidder: string | null;
  bestPricePerSecond: string | null;
  bidDeadline: string;
  jobTimeout: number;
  manifestCid: string;
  createdAt: string;
  txHash: string | null;
};
export type LeaseRow = {
  id: string;
  orderId: string;
  provider: string;
  tenant: string;
  state: string;
  pricePerSecond: string;
  startedAt: string;
  deadline: string;
  escrowLeft: string;
  settledAt: string;
  escrowRunsOutAt: string | null;
  resultCid: string | null;
  disputeEndsAt: string | null;
  closeReason: string | null;
};
/** One BidCreated: each bid is below the one before and replaces it as the best. */
export type BidRow = {
  orderId: string;
  seq: number;
  provider: string;
  pricePerSecond: string;
  /** The provider this bid replaced as the best (null for the first bid). */
  outbid: string | null;
  best: boolean;
  /** Best | Outbid | Won */
  state: string;
  outbidBy: string | null;
  createdAt: string;
  txHash: string;
};
export type LeaseEventRow = {
  id: string;
  orderId: string;
  kind: string;
  actor: string | null;
  amount: string | null;
  detail: string | null;
  blockNumber: string;
  logIndex: number;
  timestamp: string;
  txHash: string;
};

const ORDER_FIELDS =
  "id tenant state maxPricePerSecond deposit escrow bidCount bestBidder bestPricePerSecond bidDeadline jobTimeout manifestCid createdAt txHash";
export const LEASE_FIELDS =
  "id orderId provider tenant state pricePerSecond startedAt deadline escrowLeft settledAt escrowRunsOutAt resultCid disputeEndsAt closeReason";
export const BID_FIELDS =
  "orderId seq provider pricePerSecond outbid best state outbidBy createdAt txHash";
const EVENT_FIELDS = "id orderId kind actor amount detail blockNumber logIndex timestamp txHash";

const JOBS_QUERY = `{
  orders(orderBy: "createdAt", orderDirection: "desc", limit: 1000) { items { ${ORDER_FIELDS} } totalCount }
  leases(limit: 1000) { items { ${LEASE_FIELDS} } }
}`;

/**
 * Escrow left on a lease now, and when it runs out at its price. A batch job's price is held when
 * the lease starts, so its remaining escrow is what the indexer last saw; a service lease pays
 * per second from the escrow until settled.
 */
export function escrowOutlook(order: OrderRow, lease: LeaseRow | undefined, nowSec: number) {
  const escrow = BigInt(lease?.escrowLeft ?? order.escrow ?? order.deposit ?? "0");
  if (lease?.state !== "Active" || order.jobTimeout > 0)
    return { remaining: escrow, runsOutIn: undefined as number | undefined };
  const price = BigInt(lease.pricePerSecond || "0");
  const since = Math.max(0, nowSec - Number(lease.settledAt || lease.startedAt || nowSec));
  const spent = price * BigInt(since);
  const remaining = escrow > spent ? escrow - spent : 0n;
  return { remaining, runsOutIn: price > 0n ? Number(remaining / price) : undefined };
}

function useNowSec() {
  const [now, setNow] = useState(Math.floor(Date.now() / 1000));
  useEffect(() => {
    const t = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const col = createColumnHelper<OrderRow & { lease?: LeaseRow }>();

export function Jobs() {
  const q = useGql<{ orders: Page<OrderRow>; leases: Page<LeaseRow> }>(["jobs"], JOBS_QUERY);
  const now = useNowSec();
  const columns = [
    col.accessor((r) => Number(r.id), {
      id: "id",
      header: "order",
      cell: (c) => (
        <Link to={`/jobs/${c.row.original.id}`} data-testid={`order-${c.row.original.id}`}>
          #{c.row.original.id}
        </Link>
      ),
    }),
    col.accessor("state", {
      header: "state",
      cell: (c) => (
        <span className="state-badge" data-testid={`order-state-${c.row.original.id}`}>
          {c.getValue()}
        </span>
      ),
    }),
    col.accessor((r) => r.lease?.state ?? "", {
      id: "lease",
      header: "lease",
      cell: (c) => (
        <span data-testid={`lease-state-${c.row.original.id}`}>{c.getValue() || "-"}</span>
      ),
    }),
    col.accessor("tenant", { header: "tenant", cell: (c) => <Addr a={c.getValue()} /> }),
    col.accessor((r) => r.lease?.provider ?? "", {
      id: "provider",
      header: "provider",
      cell: (c) =>
        c.getValue() ? <Addr a={c.getValue()} to={`/providers/${c.getValue()}`} /> : "-",
    }),
    col.accessor("maxPricePerSecond", {
      header: "max price /s",
      cell: (c) => noos(c.getValue()),
    }),
    col.accessor((r) => (r.bestPricePerSecond ? Number(BigInt(r.bestPricePerSecond)) : -1), {
      id: "best",
      header: "best bid /s (bids)",
      cell: (c) => {
        const o = c.row.original;
        return (
          <span data-testid={`best-bid-${o.id}`}>
            {o.bestPricePerSecond ? noos(o.bestPricePerSecond, 9) : "-"} ({o.bidCount ?? 0})
          </span>
        );
      },
    }),
    col.display({
      id: "escrow",
      header: "escrow left / runs out",
      cell: (c) => {
        const o = escrowOutlook(c.row.original, c.row.original.lease, now);
        const soon = o.runsOutIn !== undefined && o.runsOutIn < 300;
        return (
          <span className={soon ? "warn" : ""}>
            {noos(o.remaining)}
            {o.runsOutIn !== undefined ? ` · runs out in ${duration(o.runsOutIn)}` : ""}
          </span>
        );
      },
    }),
    col.accessor("createdAt", { header: "created", cell: (c) => time(c.getValue()) }),
  ];
  return (
    <>
      <PageHeader title="Jobs" />
      <CreateJob />
      <section>
        <h2>Orders</h2>
        <Loaded q={q} what="orders">
          {(d) => {
            const leases = new Map(d.leases.items.map((l) => [l.id, l]));
            const rows = d.orders.items.map((o) => {
              const lease = leases.get(o.id);
              return lease ? { ...o, lease } : o;
            });
            return (
              <DataTable
                data={rows}
                columns={columns}
                testId="orders"
                rowId={(r) => r.id}
                empty="no orders yet"
              />
            );
          }}
        </Loaded>
      </section>
    </>
  );
}

export const DEFAULT_MANIFEST = `# Paths are relative to examples/manifests on the console's host; CIDs work too.
version: "1"
kind: inference
model: ../digits/mlp.onnx
input: ../digits/sample.json
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 10m
bidWindow: 20s
`;

type PublishedManifest = {
  manifestCid: string;
  order: {
    manifestCid: string;
    manifestHash: Hex;
    token: Address;
    maxPricePerSecond: string;
    deposit: string;
    bidWindow: number;
    jobTimeout: number;
    resources: { cpuMillis: number; memoryBytes: string; storageBytes: string; gpus: number };
    placement: { attributes: { key: string; value: string }[]; allOf: Address[]; anyOf: Address[] };
  };
};

function CreateJob() {
  const [text, setText] = useState(DEFAULT_MANIFEST);
  const [problem, setProblem] = useState<string>();
  const [created, setCreated] = useState<string>();
  const { isConnected, address } = useAccount();
  const { send, state } = useSend(config());
  const submit = async () => {
    setProblem(undefined);
    setCreated(undefined);
    const res = await fetch("/api/manifest", { method: "POST", body: text });
    const body = (await res.json()) as PublishedManifest & { error?: string };
    if (!res.ok) {
      setProblem(body.error ?? `publishing the manifest answered ${res.status}`);
      return;
    }
    const o = body.order;
    const deposit = BigInt(o.deposit);
    const params = {
      manifestCid: o.manifestCid,
      manifestHash: o.manifestHash,
      resources: {
        cpuMillis: o.resources.cpuMillis,
        memoryBytes: BigInt(o.resources.memoryBytes),
        storageBytes: BigInt(o.resources.storageBytes),
        gpus: o.resources.gpus,
      },
      placement: o.placement,
      token: o.token,
      maxPricePerSecond: BigInt(o.maxPricePerSecond),
      deposit,
      bidWindow: o.bidWindow,
      jobTimeout: o.jobTimeout,
    };
    const market = contract("market");
    // The market takes the deposit from the tenant's market balance first (refunds land there),
    // the rest from its allowance: approve only what the balance does not cover.
    const balance = address
      ? await getPublicClient(config()).readContract({
          address: market,
          abi: computeMarketAbi,
          functionName: "balanceOf",
          args: [address, o.token],
        })
      : 0n;
    const create = {
      address: market,
      abi: computeMarketAbi,
      functionName: "createOrder",
      args: [params],
    } as const;
    const result =
      balance >= deposit
        ? await send("create order (from your market balance)", create)
        : await send(
            "create order",
            {
              address: o.token,
              abi: noosTokenAbi,
              functionName: "approve",
              args: [market, deposit - balance],
            },
            create,
          );
    if (result) {
      const [event] = parseEventLogs({
        abi: computeMarketAbi,
        eventName: "OrderCreated",
        logs: result.logs as Parameters<typeof parseEventLogs>[0]["logs"],
      });
      if (event) setCreated(event.args.orderId.toString());
    }
  };
  return (
    <section className="create-job">
      <h2>Create a job</h2>
      <p>
        The manifest is published to the content store, then your wallet opens the order: the
        deposit comes from your market balance first, an approve covers the rest.
      </p>
      <textarea
        aria-label="manifest"
        data-testid="manifest"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <div>
        <button
          type="button"
          data-testid="create-order"
          disabled={!isConnected || state.status === "sending"}
          onClick={submit}
        >
          Publish manifest and create order
        </button>{" "}
        {!isConnected ? <span className="warn">connect a wallet to create a job</span> : null}
      </div>
      {problem ? (
        <div className="error" role="alert">
          manifest: {problem}
        </div>
      ) : null}
      <SendStatus state={state} />
      {created ? (
        <p data-testid="created-order">
          Order <Link to={`/jobs/${created}`}>#{created}</Link> created.
        </p>
      ) : null}
    </section>
  );
}

const bidCol = createColumnHelper<BidRow>();

export function JobDetail() {
  const { id = "" } = useParams();
  const q = useGql<{
    order: OrderRow | null;
    leases: Page<LeaseRow>;
    bids: Page<BidRow>;
    leaseEvents: Page<LeaseEventRow>;
  }>(
    ["job", id],
    `query($id: BigInt!) {
      order(id: $id) { ${ORDER_FIELDS} }
      leases(where: { id: $id }) { items { ${LEASE_FIELDS} } }
      bids(where: { orderId: $id }, orderBy: "seq", limit: 1000) { items { ${BID_FIELDS} } }
      leaseEvents(where: { orderId: $id }, orderBy: "blockNumber", limit: 1000) { items { ${EVENT_FIELDS} } }
    }`,
    { id },
  );
  const { address } = useAccount();
  const { send, state } = useSend(config());
  const now = useNowSec();
  const market = contract("market");
  return (
    <>
      <PageHeader title={`Order #${id}`} />
      <Loaded q={q} what={`order ${id}`}>
        {(d) => {
          if (!d.order)
            return (
              <div className="error" role="alert">
                The indexer has no order {id} (yet): it may be newer than the indexed block.
              </div>
            );
          const order = d.order;
          const lease = d.leases.items[0];
          const outlook = escrowOutlook(order, lease, now);
          const isTenant = address?.toLowerCase() === order.tenant.toLowerCase();
          const bidColumns = [
            bidCol.accessor("seq", { header: "#" }),
            bidCol.accessor("provider", {
              header: "provider",
              cell: (c) => <Addr a={c.getValue()} to={`/providers/${c.getValue()}`} />,
            }),
            bidCol.accessor((b) => Number(BigInt(b.pricePerSecond) / 1_000_000_000n), {
              id: "price",
              header: "price /s",
              cell: (c) => noos(c.row.original.pricePerSecond, 9),
            }),
            bidCol.accessor("state", {
              header: "state",
              cell: (c) => (
                <span
                  className={c.row.original.best ? "state-badge" : ""}
                  data-testid={`bid-state-${c.row.original.seq}`}
                >
                  {c.getValue()}
                  {c.row.original.outbidBy ? (
                    <>
                      {" "}
                      by <Addr a={c.row.original.outbidBy} />
                    </>
                  ) : null}
                </span>
              ),
            }),
            bidCol.accessor("createdAt", { header: "placed", cell: (c) => time(c.getValue()) }),
          ];
          // The market keeps only the best bid; accepting leases the order to it.
          const best = d.bids.items.find((b) => b.best);
          return (
            <div className="grid2">
              <div>
                <dl className="fields">
                  <dt>state</dt>
                  <dd data-testid="order-state">{order.state}</dd>
                  <dt>lease</dt>
                  <dd data-testid="lease-state">{lease?.state ?? "-"}</dd>
                  <dt>tenant</dt>
                  <dd className="mono">{order.tenant}</dd>
                  <dt>provider</dt>
                  <dd className="mono">{lease?.provider ?? "-"}</dd>
                  <dt>manifest</dt>
                  <dd className="mono">{order.manifestCid}</dd>
                  <dt>max price</dt>
                  <dd>{noos(order.maxPricePerSecond, 9)} /s</dd>
                  <dt>escrow left</dt>
                  <dd data-testid="escrow">
                    {noos(outlook.remaining)}
                    {outlook.runsOutIn !== undefined
                      ? ` · runs out in ${duration(outlook.runsOutIn)}`
                      : ""}
                  </dd>
                  <dt>kind</dt>
                  <dd>
                    {order.jobTimeout > 0
                      ? `batch job, deadline ${duration(order.jobTimeout)} after the lease starts`
                      : "service lease"}
                  </dd>
                  <dt>bid deadline</dt>
                  <dd>{time(order.bidDeadline)}</dd>
                  {lease?.resultCid ? (
                    <>
                      <dt>result</dt>
                      <dd className="mono" data-testid="result-cid">
                        {lease.resultCid}
                      </dd>
                      <dt>dispute window ends</dt>
                      <dd>{time(lease.disputeEndsAt)}</dd>
                    </>
                  ) : null}
                </dl>
                <h2>Bids</h2>
                <p data-testid="best-bid">
                  best bid:{" "}
                  {order.bestBidder && order.bestPricePerSecond ? (
                    <>
                      {noos(order.bestPricePerSecond, 9)} /s by <Addr a={order.bestBidder} />
                    </>
                  ) : (
                    "none yet"
                  )}
                  {" · "}each new bid must be lower than the best; the tenant may accept it at any
                  time, anyone may close the auction on it after the bid deadline.
                </p>
                {order.state === "Open" && best && isTenant ? (
                  <button
                    type="button"
                    data-testid="accept-best"
                    disabled={state.status === "sending"}
                    onClick={() =>
                      send("accept the best bid", {
                        address: market,
                        abi: computeMarketAbi,
                        functionName: "acceptBid",
                        args: [BigInt(order.id)],
                      })
                    }
                  >
                    Accept the best bid ({noos(best.pricePerSecond, 9)} /s)
                  </button>
                ) : null}
                <DataTable
                  data={d.bids.items}
                  columns={bidColumns}
                  testId="bids"
                  empty="no bids yet"
                />
                {lease?.state === "ResultSubmitted" && isTenant ? (
                  <p>
                    <button
                      type="button"
                      data-testid="accept-result"
                      disabled={state.status === "sending"}
                      onClick={() =>
                        send("accept result", {
                          address: market,
                          abi: computeMarketAbi,
                          functionName: "acceptResult",
                          args: [BigInt(lease.id)],
                        })
                      }
                    >
                      Accept the result (pays the provider)
                    </button>{" "}
                    <button
                      type="button"
                      disabled={state.status === "sending"}
                      onClick={() =>
                        send("dispute result", {
                          address: market,
                          abi: computeMarketAbi,
                          functionName: "disputeResult",
                          args: [BigInt(lease.id)],
                        })
                      }
                    >
                      Dispute
                    </button>
                  </p>
                ) : null}
                <SendStatus state={state} />
              </div>
              <div>
                <h2>Timeline</h2>
                <ol className="timeline" data-testid="timeline">
                  {[...d.leaseEvents.items]
                    .sort(
                      (a, b) =>
                        Number(a.blockNumber) - Number(b.blockNumber) || a.logIndex - b.logIndex,
                    )
                    .map((e) => (
                      <li key={e.id} data-kind={e.kind}>
                        <span className="state">{e.kind}</span> block {e.blockNumber} ·{" "}
                        {time(e.timestamp)}
                        {e.actor ? (
                          <>
                            {" "}
                            · <Addr a={e.actor} />
                          </>
                        ) : null}
                        {e.detail ? ` · ${e.detail}` : ""}
                        {e.amount ? ` · ${noos(e.amount)}` : ""} ·{" "}
                        <Link to={`/search?q=${e.txHash}`} className="mono">
                          {e.txHash.slice(0, 10)}…
                        </Link>
                      </li>
                    ))}
                </ol>
              </div>
            </div>
          );
        }}
      </Loaded>
    </>
  );
}
