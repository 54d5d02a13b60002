// Dynamic batching over one warm onnxruntime session, with Triton's two knobs: `maxBatchSize`
// (rows per onnxruntime call) and `maxQueueDelayMicroseconds` (how long the oldest request may
// wait for others to fill the batch; 0 = take what is queued, Triton's default). One call runs at
// a time; requests that arrive meanwhile queue and go together in the next call, so concurrent
// clients share calls without any delay at all when the model is busy.
import { createSession, type MlSession } from "@noosphere/ml";
import * as ort from "onnxruntime-node";
import {
  allocate,
  badRequest,
  datatypeOfOrt,
  type ModelMetadata,
  type OipDatatype,
  OipError,
  oipDatatypes,
  type Tensor,
  type TensorMetadata,
  type TypedData,
} from "./oip.js";

export type BatcherConfig = {
  /** OIP model name. */
  name: string;
  /** ONNX file path or bytes. */
  model: string | Uint8Array;
  /** Rows per onnxruntime call (Triton's max_batch_size). Default 64. */
  maxBatchSize?: number | undefined;
  /** Triton's max_queue_delay_microseconds. Default 0. */
  maxQueueDelayMicroseconds?: number | undefined;
  /** onnxruntime intra-op threads. Default 1. */
  threads?: number | undefined;
};

/**
 * How requests of this model merge: `stack` when every input's first dimension is variable
 * (rows concatenate), `split` for a batch-1 export (a fixed leading 1: each row runs alone), `none`
 * for a model without a batch dimension (each request runs alone, as sent).
 */
export type BatchMode = "stack" | "split" | "none";

export type Batcher = {
  readonly metadata: ModelMetadata;
  readonly mode: BatchMode;
  readonly maxBatchSize: number;
  /** Rows in a request (its first input's first dimension; 1 for `none`). */
  rows(inputs: readonly Tensor[]): number;
  /** Runs the request (inputs in the model's input order); outputs in the model's output order. */
  infer(inputs: Tensor[]): Promise<Tensor[]>;
  /** onnxruntime calls made and rows run, for tests and /status. */
  stats(): { calls: number; rows: number; requests: number };
  release(): Promise<void>;
};

type Pending = {
  inputs: Tensor[];
  rows: number;
  enqueuedAt: number;
  resolve: (outputs: Tensor[]) => void;
  reject: (err: unknown) => void;
};

export const DEFAULT_MAX_BATCH_SIZE = 64;

function describe(meta: MlSession["inputs"], what: string): TensorMetadata[] {
  return meta.map((m) => {
    const datatype = datatypeOfOrt(m.type);
    if (!datatype)
      throw new OipError(
        500,
        `${what} ${m.name} has type ${m.type}, which this server does not serve`,
      );
    return {
      name: m.name,
      datatype,
      shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)),
    };
  });
}

export async function createBatcher(config: BatcherConfig): Promise<Batcher> {
  const session = await createSession(config.model, { threads: config.threads ?? 1 });
  const inputs = describe(session.inputs, "input");
  const outputs = describe(session.outputs, "output");
  const metadata: ModelMetadata = {
    name: config.name,
    versions: ["1"],
    platform: "onnxruntime_onnx",
    inputs,
    outputs,
  };
  const mode: BatchMode = inputs.every((i) => i.shape.length > 0 && i.shape[0] === -1)
    ? "stack"
    : inputs.every((i) => i.shape.length > 1 && i.shape[0] === 1)
      ? "split"
      : "none";
  const maxBatchSize = config.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const delayMs = (config.maxQueueDelayMicroseconds ?? 0) / 1000;
  const queue: Pending[] = [];
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  const counters = { calls: 0, rows: 0, requests: 0 };

  const rows = (tensors: readonly Tensor[]) => (mode === "none" ? 1 : (tensors[0]?.shape[0] ?? 1));

  async function run(feedsOf: Tensor[], batchRows: number): Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of feedsOf) {
      feeds[t.name] = new ort.Tensor(
        oipDatatypes[t.datatype].ort,
        t.data as Float32Array,
        mode === "none" ? t.shape : [batchRows, ...t.shape.slice(1)],
      );
    }
    const results = await session.ort.run(feeds);
    counters.calls++;
    counters.rows += batchRows;
    return outputs.map((o) => {
      const r = results[o.name];
      if (!r) throw new OipError(500, `the model returned no output ${o.name}`);
      return { name: o.name, datatype: o.datatype, shape: [...r.dims], data: r.data as TypedData };
    });
  }

  /** Concatenates the requests' rows per input, runs once, and hands each request its rows back. */
  async function runStacked(batch: Pending[]) {
    const total = batch.reduce((n, p) => n + p.rows, 0);
    const feeds = inputs.map((meta, i) => {
      if (batch.length === 1) return (batch[0] as Pending).inputs[i] as Tensor;
      const rowLength = (batch[0] as Pending).inputs[i]?.data.length ?? 0;
      const data = allocate(meta.datatype, (rowLength / (batch[0] as Pending).rows) * total);
      let at = 0;
      for (const p of batch) {
        const part = p.inputs[i] as Tensor;
        (data as Float32Array).set(part.data as Float32Array, at);
        at += part.data.length;
      }
      return { ...(batch[0] as Pending).inputs[i], data } as Tensor;
    });
    const out = await run(feeds, total);
    let row = 0;
    for (const p of batch) {
      p.resolve(
        out.map((o) => {
          const per = o.data.length / total;
          return {
            ...o,
            shape: [p.rows, ...o.shape.slice(1)],
            data: o.data.slice(row * per, (row + p.rows) * per) as TypedData,
          };
        }),
      );
      row += p.rows;
    }
  }

  /** A batch-1 model: one onnxruntime call per row, outputs concatenated back. */
  async function runSplit(p: Pending) {
    const parts: Tensor[][] = [];
    for (let r = 0; r < p.rows; r++) {
      const feeds = p.inputs.map((t) => {
        const per = t.data.length / p.rows;
        return { ...t, data: t.data.subarray(r * per, (r + 1) * per) as TypedData };
      });
      parts.push(await run(feeds, 1));
    }
    p.resolve(
      outputs.map((o, k) => {
        const first = (parts[0] as Tensor[])[k] as Tensor;
        const data = allocate(o.datatype, first.data.length * p.rows);
        parts.forEach((part, r) => {
          (data as Float32Array).set(
            (part[k] as Tensor).data as Float32Array,
            r * first.data.length,
          );
        });
        return { ...first, shape: [p.rows, ...first.shape.slice(1)], data };
      }),
    );
  }

  function schedule() {
    if (running || queue.length === 0) return;
    if (mode === "stack" && delayMs > 0) {
      const queued = queue.reduce((n, p) => n + p.rows, 0);
      const waited = performance.now() - (queue[0] as Pending).enqueuedAt;
      if (queued < maxBatchSize && waited < delayMs) {
        if (!timer) {
          timer = setTimeout(() => {
            timer = undefined;
            schedule();
          }, delayMs - waited);
        }
        return;
      }
    }
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    const batch: Pending[] = [queue.shift() as Pending];
    if (mode === "stack") {
      let total = (batch[0] as Pending).rows;
      while (queue.length > 0 && total + (queue[0] as Pending).rows <= maxBatchSize) {
        const next = queue.shift() as Pending;
        total += next.rows;
        batch.push(next);
      }
    }
    running = true;
    const work =
      mode === "stack"
        ? runStacked(batch)
        : mode === "split"
          ? runSplit(batch[0] as Pending)
          : run((batch[0] as Pending).inputs, 1).then((o) => (batch[0] as Pending).resolve(o));
    work
      .catch((err: unknown) => {
        const failure =
          err instanceof OipError
            ? err
            : new OipError(
                500,
                `inference failed: ${err instanceof Error ? err.message : String(err)}`,
              );
        for (const p of batch) p.reject(failure);
      })
      .finally(() => {
        running = false;
        schedule();
      });
  }

  return {
    metadata,
    mode,
    maxBatchSize,
    rows,
    infer(tensors) {
      const n = rows(tensors);
      if (mode !== "none" && n > maxBatchSize) {
        return Promise.reject(
          badRequest(
            `input ${tensors[0]?.name}: batch size ${n}; expected at most ${maxBatchSize} (the model's max batch size)`,
          ),
        );
      }
      counters.requests++;
      return new Promise<Tensor[]>((resolve, reject) => {
        queue.push({ inputs: tensors, rows: n, enqueuedAt: performance.now(), resolve, reject });
        schedule();
      });
    },
    stats: () => ({ ...counters }),
    release: async () => {
      if (timer) clearTimeout(timer);
      await session.release();
    },
  };
}

export type { OipDatatype };
