// Models and proofs: ModelRegistry entries with their artifacts, verified inferences, and
// "verify this proof in my browser" (snarkjs Groth16 on the proof from the transaction and the
// verification key from the content store).
import { createColumnHelper } from "@tanstack/react-table";
import { useState } from "react";
import type { Hex } from "viem";
import { type Page, useGql } from "../api";
import { Addr, DataTable, Loaded, PageHeader } from "../components";
import { config } from "../config";
import { time } from "../format";
import { type BrowserVerification, verifyProofInBrowser } from "../proofVerify";

type ModelRow = {
  id: string;
  owner: string;
  verifier: string;
  version: number;
  baseModelId: string | null;
  onnxHash: string;
  settingsHash: string;
  metadataURI: string;
  deprecated: boolean;
  proofs: number;
  registeredAt: string;
};
type ProofRow = {
  id: string;
  modelId: string;
  inputHash: string;
  outputHash: string;
  outputs: string[];
  submitter: string;
  committed: boolean;
  txHash: string;
  blockNumber: string;
  timestamp: string;
};

function VerifyButton({ proof }: { proof: ProofRow }) {
  const [state, setState] = useState<
    | { s: "idle" }
    | { s: "running" }
    | { s: "done"; r: BrowserVerification }
    | { s: "error"; message: string }
  >({ s: "idle" });
  const run = async () => {
    setState({ s: "running" });
    try {
      setState({ s: "done", r: await verifyProofInBrowser(config(), proof.txHash as Hex) });
    } catch (err) {
      setState({ s: "error", message: err instanceof Error ? err.message : String(err) });
    }
  };
  return (
    <span>
      <button
        type="button"
        data-testid={`verify-${proof.id}`}
        disabled={state.s === "running"}
        onClick={run}
      >
        verify in my browser
      </button>{" "}
      <span data-testid={`verify-result-${proof.id}`}>
        {state.s === "running" ? "verifying…" : null}
        {state.s === "done" ? (
          state.r.verified ? (
            <span className="state-badge ok-badge">
              valid Groth16 proof ({state.r.publicSignals.length} public signals, {state.r.ms} ms)
            </span>
          ) : (
            <span className="state-badge bad-badge">INVALID proof</span>
          )
        ) : null}
        {state.s === "error" ? (
          <span className="error-inline" role="alert">
            {state.message}
          </span>
        ) : null}
      </span>
    </span>
  );
}

const mcol = createColumnHelper<ModelRow>();
const pcol = createColumnHelper<ProofRow>();

export function Models() {
  const q = useGql<{ models: Page<ModelRow>; proofs: Page<ProofRow> }>(
    ["models"],
    `{
      models(limit: 1000) { items { id owner verifier version baseModelId onnxHash settingsHash metadataURI deprecated proofs registeredAt } }
      proofs(orderBy: "blockNumber", orderDirection: "desc", limit: 1000) { items { id modelId inputHash outputHash outputs submitter committed txHash blockNumber timestamp } }
    }`,
  );
  const modelColumns = [
    mcol.accessor((m) => Number(m.id), { id: "id", header: "model" }),
    mcol.accessor("version", { header: "version" }),
    mcol.accessor("proofs", { header: "proofs" }),
    mcol.accessor("owner", { header: "owner", cell: (c) => <Addr a={c.getValue()} /> }),
    mcol.accessor("verifier", { header: "verifier", cell: (c) => <Addr a={c.getValue()} /> }),
    mcol.accessor("onnxHash", {
      header: "onnx sha256",
      cell: (c) => <span className="mono">{c.getValue().slice(0, 18)}…</span>,
    }),
    mcol.accessor("metadataURI", {
      header: "artifacts",
      cell: (c) => {
        const uri = c.getValue();
        return uri?.startsWith("ipfs://") ? (
          <a href={`/api/store/${uri.slice(7)}`} className="mono" target="_blank" rel="noreferrer">
            {uri.slice(0, 24)}…
          </a>
        ) : (
          uri || "-"
        );
      },
    }),
    mcol.accessor("deprecated", {
      header: "status",
      cell: (c) => (c.getValue() ? "deprecated" : "active"),
    }),
    mcol.accessor("registeredAt", { header: "registered", cell: (c) => time(c.getValue()) }),
  ];
  const proofColumns = [
    pcol.accessor("modelId", { header: "model" }),
    pcol.accessor("outputs", {
      header: "outputs (fixed point)",
      cell: (c) => <span className="mono">{c.getValue().join(", ").slice(0, 40)}</span>,
    }),
    pcol.accessor("inputHash", {
      header: "input hash",
      cell: (c) => <span className="mono">{c.getValue().slice(0, 12)}…</span>,
    }),
    pcol.accessor("submitter", { header: "submitter", cell: (c) => <Addr a={c.getValue()} /> }),
    pcol.accessor("blockNumber", { header: "block" }),
    pcol.display({
      id: "verify",
      header: "check it yourself",
      cell: (c) => <VerifyButton proof={c.row.original} />,
    }),
  ];
  return (
    <>
      <PageHeader title="Models & proofs" />
      <Loaded q={q} what="models and proofs">
        {(d) => (
          <>
            <h2>Models</h2>
            <DataTable
              data={d.models.items}
              columns={modelColumns}
              testId="models"
              empty="no models registered"
            />
            <h2>Verified inferences</h2>
            <DataTable
              data={d.proofs.items}
              columns={proofColumns}
              testId="proofs"
              empty="no proofs recorded"
            />
          </>
        )}
      </Loaded>
    </>
  );
}
