// Shared pieces: the freshness sign every page shows, query states shown as errors (never an
// endless spinner), sortable tables, Observable Plot charts.
import * as Plot from "@observablehq/plot";
import { type UseQueryResult, useQueryClient } from "@tanstack/react-query";
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  type SortingState,
  useReactTable,
} from "@tanstack/react-table";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { oldestAnswer, useFreshness } from "./api";
import { short } from "./format";

function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/**
 * The oldest block among the page's data (its active GraphQL queries' `_meta`), and when that
 * answer came; undefined on a page with no indexed data yet. Read on each render (the sign
 * re-renders every second).
 */
function usePageDataBlock() {
  const cache = useQueryClient().getQueryCache();
  return oldestAnswer(
    cache
      .findAll({ queryKey: ["gql"], type: "active" })
      .map((q) => ({ answer: q.state.data, updatedAt: q.state.dataUpdatedAt })),
  );
}

/**
 * "data as of block N, mined Xs ago": the block of the page's own data (its queries' `_meta`),
 * or on a page without indexed data the indexer's newest block (/freshness). Red when the indexer
 * does not answer, when the answer is older than 10 s, or when it is more than 2 blocks behind
 * the chain's head.
 */
export function FreshnessSign() {
  const q = useFreshness();
  const page = usePageDataBlock();
  const now = useNow();
  if (q.error && (!q.data || now - q.errorUpdatedAt < 10_000))
    return (
      <div className="freshness stale" role="alert" data-testid="freshness">
        indexer: {q.error.message}
        {q.data ? ` (last data: block ${q.data.block})` : ""}
      </div>
    );
  if (!q.data)
    return (
      <div className="freshness" data-testid="freshness">
        asking the indexer…
      </div>
    );
  const f = q.data;
  const asOf = page ?? { block: f.block, timestamp: f.timestamp, updatedAt: q.dataUpdatedAt };
  const checked = Math.max(0, Math.round((now - asOf.updatedAt) / 1000));
  const mined = Math.max(0, Math.round(now / 1000 - asOf.timestamp));
  const behind = f.head !== undefined ? f.head - asOf.block : 0;
  const stale = checked > 10 || behind > 2 || f.headError !== undefined;
  return (
    <div
      className={`freshness ${stale ? "stale" : "fresh"}`}
      data-testid="freshness"
      data-block={asOf.block}
      data-source={page ? "page" : "indexer"}
      data-stale={stale}
      title={`checked ${checked} s ago; block ${asOf.block} has timestamp ${new Date(asOf.timestamp * 1000).toISOString()}; ${page ? "the block of this page's data" : "the indexer's newest block"}`}
    >
      data as of block <b>{asOf.block}</b> (mined {mined} s ago)
      {f.head !== undefined
        ? behind > 0
          ? `, ${behind} blocks behind the chain`
          : ", in sync with the chain"
        : ""}
      {f.headError ? `, chain unreachable: ${f.headError}` : ""}
      {checked > 10 ? `, no answer for ${checked} s` : ""}
    </div>
  );
}

export function ErrorBox({ error, what }: { error: Error; what?: string }) {
  return (
    <div className="error" role="alert">
      <b>{what ? `Could not load ${what}` : "Error"}:</b> {error.message}
    </div>
  );
}

/** Renders the data, or the error, or "loading" that turns into a warning after 10 s. */
export function Loaded<T>({
  q,
  what,
  children,
}: {
  q: UseQueryResult<T, Error>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (q.data !== undefined || q.error) return;
    const t = setTimeout(() => setSlow(true), 10_000);
    return () => clearTimeout(t);
  }, [q.data, q.error]);
  if (q.error && q.data === undefined) return <ErrorBox error={q.error} what={what} />;
  if (q.data === undefined)
    return slow ? (
      <div className="error" role="alert">
        {what}: no answer from the indexer after 10 s (still trying)
      </div>
    ) : (
      <div className="loading">loading {what}…</div>
    );
  return (
    <>
      {q.error ? (
        <ErrorBox error={q.error} what={`fresh ${what} (showing the last answer)`} />
      ) : null}
      {children(q.data)}
    </>
  );
}

export function DataTable<T>({
  data,
  columns,
  empty = "none",
  testId,
  rowId,
}: {
  data: T[];
  // biome-ignore lint/suspicious/noExplicitAny: column value types differ per column
  columns: ColumnDef<T, any>[];
  empty?: string;
  testId?: string;
  rowId?: (row: T) => string;
}) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  if (data.length === 0) return <p className="empty">{empty}</p>;
  return (
    <table data-testid={testId}>
      <thead>
        {table.getHeaderGroups().map((hg) => (
          <tr key={hg.id}>
            {hg.headers.map((h) => (
              <th key={h.id} onClick={h.column.getToggleSortingHandler()}>
                {flexRender(h.column.columnDef.header, h.getContext())}
                {{ asc: " ▲", desc: " ▼" }[h.column.getIsSorted() as string] ?? ""}
              </th>
            ))}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((row) => (
          <tr key={row.id} data-row-id={rowId ? rowId(row.original) : undefined}>
            {row.getVisibleCells().map((cell) => (
              <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An Observable Plot chart; `testId` lets tests find its SVG. */
export function PlotView({ options, testId }: { options: Plot.PlotOptions; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = Plot.plot({ width: 560, height: 240, ...options });
    ref.current?.replaceChildren(chart);
    return () => chart.remove();
  }, [options]);
  return <div className="chart" ref={ref} data-testid={testId} />;
}

export function Addr({ a, to }: { a: string | null | undefined; to?: string }) {
  if (!a) return <span>-</span>;
  return (
    <Link to={to ?? `/search?q=${a}`} title={a} className="mono">
      {short(a)}
    </Link>
  );
}

export function Card({
  label,
  value,
  testId,
}: {
  label: string;
  value: ReactNode;
  testId?: string;
}) {
  return (
    <div className="card" data-testid={testId}>
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <FreshnessSign />
      {children}
    </header>
  );
}
