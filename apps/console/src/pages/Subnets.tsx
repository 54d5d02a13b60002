// Subnets: hyperparameters, the metagraph per epoch, incentive / dividends / emission over epochs
// (per epoch, as the contract pays them), and a validator x miner weights heatmap.
import * as Plot from "@observablehq/plot";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { type Page, useGql } from "../api";
import { Addr, DataTable, Loaded, PageHeader, PlotView } from "../components";
import { noos, time } from "../format";

type SubnetRow = {
  netuid: number;
  owner: string;
  locked: string;
  dissolved: boolean;
  neurons: number;
  epochs: number;
  lastEpochIndex: string | null;
  totalEmission: string;
  hyperparams: Record<string, unknown> | string | null;
  protocol: Record<string, unknown> | string | null;
  createdAt: string;
};
type EpochRow = {
  netuid: number;
  epochIndex: string;
  uid: number;
  hotkey: string;
  incentive: number;
  dividends: number;
  consensus: number;
  trust: number;
  stakeWeight: number;
  emission: string;
  active: boolean;
  blockNumber: string;
};
type WeightRow = {
  netuid: number;
  epochIndex: string;
  validatorUid: number;
  minerUid: number;
  value: number;
};

/** Epoch emission is in alpha units of 1e9 NOOS wei. */
const ALPHA_UNIT = 10n ** 9n;

const SUBNET_FIELDS =
  "netuid owner locked dissolved neurons epochs lastEpochIndex totalEmission hyperparams protocol createdAt";

const scol = createColumnHelper<SubnetRow>();

export function Subnets() {
  const q = useGql<{ subnets: Page<SubnetRow> }>(
    ["subnets"],
    `{ subnets(limit: 1000) { items { ${SUBNET_FIELDS} } } }`,
  );
  const columns = [
    scol.accessor("netuid", {
      header: "netuid",
      cell: (c) => (
        <Link to={`/subnets/${c.getValue()}`} data-testid={`subnet-${c.getValue()}`}>
          {c.getValue()}
        </Link>
      ),
    }),
    scol.accessor("owner", { header: "owner", cell: (c) => <Addr a={c.getValue()} /> }),
    scol.accessor("neurons", { header: "neurons" }),
    scol.accessor("epochs", { header: "epochs" }),
    scol.accessor("locked", { header: "locked", cell: (c) => noos(c.getValue()) }),
    scol.accessor("totalEmission", { header: "emitted", cell: (c) => noos(c.getValue()) }),
    scol.accessor("dissolved", {
      header: "status",
      cell: (c) => (c.getValue() ? "dissolved" : "live"),
    }),
    scol.accessor("createdAt", { header: "created", cell: (c) => time(c.getValue()) }),
  ];
  return (
    <>
      <PageHeader title="Subnets" />
      <Loaded q={q} what="subnets">
        {(d) => (
          <DataTable data={d.subnets.items} columns={columns} testId="subnets" empty="no subnets" />
        )}
      </Loaded>
    </>
  );
}

function hyperparamEntries(h: SubnetRow["hyperparams"]): [string, string][] {
  if (!h) return [];
  const obj = typeof h === "string" ? (JSON.parse(h) as Record<string, unknown>) : h;
  return Object.entries(obj).map(([k, v]) => [k, String(v)]);
}

/** Yuma values are u16 fixed point (65535 = 1). */
const unit = (v: number | null | undefined) => (v === null || v === undefined ? 0 : v / 65535);

const ecol = createColumnHelper<EpochRow>();

export function SubnetDetail() {
  const { id = "" } = useParams();
  const netuid = Number(id);
  const q = useGql<{ subnet: SubnetRow | null; epochs: Page<EpochRow>; weights: Page<WeightRow> }>(
    ["subnet", id],
    `query($id: Int!) {
      subnet(netuid: $id) { ${SUBNET_FIELDS} }
      epochs(where: { netuid: $id }, orderBy: "epochIndex", limit: 1000) { items { netuid epochIndex uid hotkey incentive dividends consensus trust stakeWeight emission active blockNumber } }
      weights(where: { netuid: $id }, limit: 1000) { items { netuid epochIndex validatorUid minerUid value } }
    }`,
    { id: netuid },
  );
  const [picked, setPicked] = useState<string>();
  return (
    <>
      <PageHeader title={`Subnet ${id}`} />
      <Loaded q={q} what={`subnet ${id}`}>
        {(d) => {
          if (!d.subnet)
            return (
              <div className="error" role="alert">
                The indexer knows no subnet {id}.
              </div>
            );
          const epochs = [...new Set(d.epochs.items.map((e) => e.epochIndex))].sort(
            (a, b) => Number(a) - Number(b),
          );
          const current = picked ?? epochs[epochs.length - 1];
          return (
            <SubnetBody
              subnet={d.subnet}
              epochs={epochs}
              current={current}
              setPicked={setPicked}
              rows={d.epochs.items}
              weights={d.weights.items}
            />
          );
        }}
      </Loaded>
    </>
  );
}

type Point = { epoch: number; uid: string; incentive: number; dividends: number; emission: number };

const chart = (
  series: Point[],
  y: "incentive" | "dividends" | "emission",
  label: string,
): Plot.PlotOptions => ({
  title: label,
  x: { label: "epoch", type: "point" },
  y: { label, grid: true },
  color: { legend: true },
  marks: [
    Plot.lineY(series, { x: "epoch", y, stroke: "uid" }),
    Plot.dot(series, { x: "epoch", y, fill: "uid", r: 3, tip: true }),
  ],
});

function SubnetBody(p: {
  subnet: SubnetRow;
  epochs: string[];
  current: string | undefined;
  setPicked: (e: string) => void;
  rows: EpochRow[];
  weights: WeightRow[];
}) {
  const series = useMemo(
    () =>
      p.rows.map((r) => ({
        epoch: Number(r.epochIndex),
        uid: `uid ${r.uid}`,
        incentive: unit(r.incentive),
        dividends: unit(r.dividends),
        // Alpha units: 1 = 1e9 NOOS wei (ALPHA_UNIT).
        emission: Number(BigInt(r.emission)) / 1e9,
      })),
    [p.rows],
  );
  const charts = useMemo(
    () => ({
      incentive: chart(series, "incentive", "incentive per epoch"),
      dividends: chart(series, "dividends", "dividends per epoch"),
      emission: chart(series, "emission", "emission per epoch (NOOS)"),
    }),
    [series],
  );
  const epochWeights = p.weights.filter((w) => w.epochIndex === p.current);
  const heat = useMemo<Plot.PlotOptions>(
    () => ({
      title: `weights, epoch ${p.current ?? "-"} (validator → miner)`,
      x: { label: "miner uid", type: "band" },
      y: { label: "validator uid", type: "band" },
      color: { scheme: "blues", legend: true, label: "weight" },
      marks: [
        Plot.cell(epochWeights, {
          x: "minerUid",
          y: "validatorUid",
          fill: (w: WeightRow) => unit(w.value),
          tip: true,
        }),
      ],
    }),
    [epochWeights, p.current],
  );
  const metagraph = p.rows.filter((r) => r.epochIndex === p.current);
  const fmt = (v: number | null) => unit(v).toFixed(4);
  const columns = [
    ecol.accessor("uid", { header: "uid" }),
    ecol.accessor("hotkey", { header: "hotkey", cell: (c) => <Addr a={c.getValue()} /> }),
    ecol.accessor("stakeWeight", { header: "stake weight" }),
    ecol.accessor((r) => unit(r.consensus), {
      id: "consensus",
      header: "consensus",
      cell: (c) => fmt(c.row.original.consensus),
    }),
    ecol.accessor((r) => unit(r.incentive), {
      id: "incentive",
      header: "incentive",
      cell: (c) => fmt(c.row.original.incentive),
    }),
    ecol.accessor((r) => unit(r.dividends), {
      id: "dividends",
      header: "dividends",
      cell: (c) => fmt(c.row.original.dividends),
    }),
    ecol.accessor((r) => unit(r.trust), {
      id: "vtrust",
      header: "validator trust",
      cell: (c) => fmt(c.row.original.trust),
    }),
    ecol.accessor("active", { header: "active", cell: (c) => (c.getValue() ? "yes" : "no") }),
    ecol.accessor((r) => Number(BigInt(r.emission) / 10n ** 12n), {
      id: "emission",
      header: "emission / epoch",
      cell: (c) => noos(BigInt(c.row.original.emission) * ALPHA_UNIT, 9),
    }),
  ];
  return (
    <>
      <section>
        <h2>Hyperparameters</h2>
        <dl className="fields" data-testid="hyperparams">
          <dt>owner</dt>
          <dd className="mono">{p.subnet.owner}</dd>
          <dt>locked</dt>
          <dd>{noos(p.subnet.locked)}</dd>
          {[
            ...hyperparamEntries(p.subnet.hyperparams),
            ...hyperparamEntries(p.subnet.protocol),
          ].map(([k, v]) => (
            <span key={k} style={{ display: "contents" }}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </span>
          ))}
        </dl>
      </section>
      <section>
        <h2>
          Metagraph at epoch{" "}
          <select
            aria-label="epoch"
            value={p.current ?? ""}
            onChange={(e) => p.setPicked(e.target.value)}
          >
            {p.epochs.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>{" "}
          <small data-testid="epoch-count">({p.epochs.length} epochs indexed)</small>
        </h2>
        <DataTable
          data={metagraph}
          columns={columns}
          testId="metagraph"
          empty="no epoch has run yet"
        />
      </section>
      <div className="charts">
        <PlotView options={charts.incentive} testId="chart-incentive" />
        <PlotView options={charts.dividends} testId="chart-dividends" />
        <PlotView options={charts.emission} testId="chart-emission" />
        <PlotView options={heat} testId="chart-weights" />
      </div>
    </>
  );
}
