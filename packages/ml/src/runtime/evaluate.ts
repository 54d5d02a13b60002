import { InvalidParameterError } from "@noosphere/sdk";
import { detExp, detLog } from "../detmath.js";
import { type MlSession, runInference } from "./session.js";

export type EvaluateOptions = {
  /** What the model's (first) output holds; the loss takes a log-softmax of logits. */
  outputs?: "logits" | "probabilities";
  batchSize?: number;
};

export type EvaluateReturnType = {
  /** Share of rows whose highest-scoring class is the label. */
  accuracy: number;
  /** Mean cross-entropy (natural log) of the labels. */
  loss: number;
  n: number;
};

/**
 * Classification accuracy and cross-entropy of a model on labelled rows, run through
 * onnxruntime. Labels are class indices into the model's output row; ties go to the lower index.
 */
export async function evaluate(
  session: MlSession,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  options: EvaluateOptions = {},
): Promise<EvaluateReturnType> {
  if (rows.length === 0 || rows.length !== labels.length) {
    throw new InvalidParameterError({
      field: "labels",
      expected: `one label per row, i.e. ${rows.length} labels (and at least one row)`,
      received: labels.length,
    });
  }
  const { output_data } = await runInference(
    session,
    rows,
    options.batchSize === undefined ? {} : { batchSize: options.batchSize },
  );
  let correct = 0;
  let lossSum = 0;
  output_data.forEach((scores, i) => {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= scores.length) {
      throw new InvalidParameterError({
        field: `labels[${i}]`,
        expected: `a class index in [0, ${scores.length})`,
        received: label,
      });
    }
    let best = 0;
    for (let k = 1; k < scores.length; k++) {
      if ((scores[k] as number) > (scores[best] as number)) best = k;
    }
    if (best === label) correct++;
    lossSum +=
      options.outputs === "probabilities"
        ? -detLog(Math.max(scores[label] as number, 1e-12))
        : -logSoftmaxAt(scores, label);
  });
  return { accuracy: correct / rows.length, loss: lossSum / rows.length, n: rows.length };
}

/** log(softmax(scores)[k]), computed stably (shifted by the max). */
export function logSoftmaxAt(scores: readonly number[], k: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (const s of scores) sum += detExp(s - max);
  return (scores[k] as number) - max - detLog(sum);
}
