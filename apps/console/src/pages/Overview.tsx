// Overview: the network in numbers (providers, open orders, active leases, proofs verified,
// subnets, NOOS staked) and activity over time.
import * as Plot from "@observablehq/plot";
import { useMemo } from "react";
import { type Page, useGql } from "../api";
import { Card, Loaded, PageHeader, PlotView } from "../components";
import { noos } from "../format";

type Stats = {
  providers: number;
  orders: number;
  openOrders: number;
  leases: number;
  activeLeases: number;
  completedLeases: number;
  proofsVerified: number;
  models: number;
  subnets: number;
  coprocessorRequests: number;
  noosStaked: string;
  events: number;
};
type Count = { totalCount: number };
type Counts = {
  stats: Stats | null;
  providers: Count;
  open: Count;
  active: Count;
  completed: Count;
  proofs: Count;
  models: Count;
  subnets: Count;
  leaseEvents: Page<{ kind: string; timestamp: string }>;
};

const QUERY = `{
  stats(id: "global") { providers orders openOrders leases activeLeases completedLeases proofsVerified models subnets coprocessorRequests noosStaked events }
  providers(where: { registered: true }) { totalCount }
  open: orders(where: { state: "Open" }) { totalCount }
  active: leases(where: { state: "Active" }) { totalCount }
  completed: leases(where: { state: "Completed" }) { totalCount }
  proofs { totalCount }
  models { totalCount }
  subnets(where: { dissolved: false }) { totalCount }
  leaseEvents(orderBy: "timestamp", orderDirection: "desc", limit: 1000) { items { kind timestamp } }
}`;

function Activity({ d }: { d: Counts }) {
  const options = useMemo<Plot.PlotOptions>(() => {
    const events = d.leaseEvents.items.map((e) => ({
      kind: e.kind,
      at: new Date(Number(e.timestamp) * 1000),
    }));
    return {
      title: "market events per minute",
      x: { label: "time", type: "time" },
      y: { label: "events", grid: true },
      color: { legend: true },
      marks: [
        Plot.rectY(
          events,
          Plot.binX({ y: "count" }, {
            x: "at",
            fill: "kind",
            interval: "minute",
            tip: true,
          } as Plot.BinXInputs<Plot.RectYOptions>),
        ),
        Plot.ruleY([0]),
      ],
    };
  }, [d]);
  return <PlotView options={options} testId="activity-chart" />;
}

export function Overview() {
  const q = useGql<Counts>(["overview"], QUERY);
  return (
    <>
      <PageHeader title="Overview" />
      <Loaded q={q} what="the overview">
        {(d) => {
          const s = d.stats;
          return (
            <>
              <div className="cards">
                <Card label="providers" value={s?.providers ?? 0} testId="card-providers" />
                <Card label="open orders" value={s?.openOrders ?? 0} testId="card-open-orders" />
                <Card
                  label="active leases"
                  value={s?.activeLeases ?? 0}
                  testId="card-active-leases"
                />
                <Card label="jobs completed" value={s?.completedLeases ?? 0} />
                <Card label="proofs verified" value={s?.proofsVerified ?? 0} testId="card-proofs" />
                <Card label="models" value={s?.models ?? 0} />
                <Card label="subnets" value={s?.subnets ?? 0} testId="card-subnets" />
                <Card label="coprocessor requests" value={s?.coprocessorRequests ?? 0} />
                <Card
                  label="NOOS staked"
                  value={noos(s?.noosStaked ?? "0", 2)}
                  testId="card-staked"
                />
              </div>
              <div className="charts">
                <Activity d={d} />
              </div>
            </>
          );
        }}
      </Loaded>
    </>
  );
}
