import { InvalidParameterError } from "@noosphere/sdk";
import { detExp, detLog } from "../detmath.js";
import { createGraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/codec.js";
import type { OnnxModel } from "../onnx/types.js";
import { createRng, shuffleInPlace } from "../random.js";

// Deterministic MLP training. Every number comes from float64 +, -, *, /, Math.sqrt (all
// correctly rounded in IEEE-754, never fused into FMAs by JS), fdlibm exp/log ported to JS, and
// the seeded xoshiro128** PRNG, in loops with a fixed order and no threads. So the same
// parameters and data give the same weights, bit for bit, on every machine and Node version.

/** A multilayer perceptron: Linear layers with ReLU between them, logits out. */
export type Mlp = {
  /** Layer widths, input first: [64, 32, 10]. */
  sizes: number[];
  /** weights[l] is [sizes[l+1], sizes[l]] row-major, PyTorch's Linear layout (out, in). */
  weights: Float64Array[];
  biases: Float64Array[];
  /** Multiplies each input feature before the first layer; folded into it on export. */
  inputScale: Float64Array;
};

export type TrainMlpParameters = {
  /** Layer widths, input first: [64, 32, 10]. */
  layers: readonly number[];
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** Seeds weight initialization and the per-epoch shuffles; an integer in [0, 2^32). */
  seed: number;
  /** Heavy-ball momentum, PyTorch style (v = m v + g; w -= lr v). Default 0.9; 0 is plain SGD. */
  momentum?: number;
  /** L2 penalty added to the weight gradients (not biases). Default 0. */
  weightDecay?: number;
  /**
   * Input scaling, one factor or one per feature (digits: 1/16 maps pixels 0..16 to 0..1).
   * Training sees scaled inputs; the exported model takes raw inputs (the scale is folded
   * into the first layer's weights).
   */
  inputScale?: number | readonly number[];
  /** Called after each epoch. */
  onEpoch?: (stats: EpochStats) => void;
};

export type EpochStats = {
  epoch: number;
  /** Mean cross-entropy over the epoch's samples, each measured before its batch's update. */
  loss: number;
  /** Training accuracy measured the same way. */
  accuracy: number;
};

export type TrainMlpReturnType = { mlp: Mlp; history: EpochStats[] };

/**
 * Trains an MLP classifier with minibatch SGD (momentum) on softmax cross-entropy.
 * `labels[i]` is the class index of `rows[i]`, in [0, layers.at(-1)).
 */
export function trainMlp(
  parameters: TrainMlpParameters,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
): TrainMlpReturnType {
  const { layers, epochs, learningRate, batchSize, seed } = parameters;
  const momentum = parameters.momentum ?? 0.9;
  const weightDecay = parameters.weightDecay ?? 0;
  validate(parameters, rows, labels, momentum, weightDecay);

  const sizes = [...layers];
  const L = sizes.length - 1;
  const nIn = sizes[0] as number;
  const nOut = sizes[L] as number;
  const rng = createRng(seed);
  const mlp = initMlp(sizes, rng, parameters.inputScale);

  const velW = mlp.weights.map((w) => new Float64Array(w.length));
  const velB = mlp.biases.map((b) => new Float64Array(b.length));
  const gradW = mlp.weights.map((w) => new Float64Array(w.length));
  const gradB = mlp.biases.map((b) => new Float64Array(b.length));
  // Activations (post-ReLU; index 0 is the scaled input) and deltas for one sample.
  const acts = sizes.map((n) => new Float64Array(n));
  const deltas = sizes.map((n) => new Float64Array(n));

  const order = Array.from({ length: rows.length }, (_, i) => i);
  const history: EpochStats[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInPlace(order, rng);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(start + batchSize, order.length);
      for (let l = 0; l < L; l++) {
        (gradW[l] as Float64Array).fill(0);
        (gradB[l] as Float64Array).fill(0);
      }
      for (let s = start; s < end; s++) {
        const index = order[s] as number;
        const row = rows[index] as readonly number[];
        const label = labels[index] as number;
        const a0 = acts[0] as Float64Array;
        for (let i = 0; i < nIn; i++) a0[i] = (row[i] as number) * (mlp.inputScale[i] as number);
        forward(mlp, acts);

        // Softmax cross-entropy: delta = softmax(z) - onehot(label).
        const z = acts[L] as Float64Array;
        const dOut = deltas[L] as Float64Array;
        let max = z[0] as number;
        let best = 0;
        for (let k = 1; k < nOut; k++) {
          if ((z[k] as number) > max) {
            max = z[k] as number;
            best = k;
          }
        }
        let sum = 0;
        for (let k = 0; k < nOut; k++) {
          const e = detExp((z[k] as number) - max);
          dOut[k] = e;
          sum += e;
        }
        lossSum += -((z[label] as number) - max - detLog(sum));
        if (best === label) correct++;
        for (let k = 0; k < nOut; k++) dOut[k] = (dOut[k] as number) / sum;
        dOut[label] = (dOut[label] as number) - 1;

        // Backward: accumulate gradients, then push the delta through W^T and the ReLU.
        for (let l = L - 1; l >= 0; l--) {
          const nI = sizes[l] as number;
          const nO = sizes[l + 1] as number;
          const W = mlp.weights[l] as Float64Array;
          const gW = gradW[l] as Float64Array;
          const gB = gradB[l] as Float64Array;
          const a = acts[l] as Float64Array;
          const d = deltas[l + 1] as Float64Array;
          for (let o = 0; o < nO; o++) {
            const dv = d[o] as number;
            gB[o] = (gB[o] as number) + dv;
            const rowOffset = o * nI;
            for (let i = 0; i < nI; i++) {
              gW[rowOffset + i] = (gW[rowOffset + i] as number) + dv * (a[i] as number);
            }
          }
          if (l > 0) {
            const dPrev = deltas[l] as Float64Array;
            for (let i = 0; i < nI; i++) {
              // a[i] > 0 exactly when the pre-activation was > 0 (ReLU's derivative).
              if ((a[i] as number) <= 0) {
                dPrev[i] = 0;
                continue;
              }
              let acc = 0;
              for (let o = 0; o < nO; o++) acc += (W[o * nI + i] as number) * (d[o] as number);
              dPrev[i] = acc;
            }
          }
        }
      }

      const inv = 1 / (end - start);
      for (let l = 0; l < L; l++) {
        update(mlp.weights[l] as Float64Array, gradW[l] as Float64Array, velW[l] as Float64Array);
        update(mlp.biases[l] as Float64Array, gradB[l] as Float64Array, velB[l] as Float64Array, 0);
      }
      function update(p: Float64Array, g: Float64Array, v: Float64Array, decay = weightDecay) {
        for (let i = 0; i < p.length; i++) {
          const grad = (g[i] as number) * inv + decay * (p[i] as number);
          const vel = momentum * (v[i] as number) + grad;
          v[i] = vel;
          p[i] = (p[i] as number) - learningRate * vel;
        }
      }
    }
    const stats = { epoch, loss: lossSum / rows.length, accuracy: correct / rows.length };
    history.push(stats);
    parameters.onEpoch?.(stats);
  }
  return { mlp, history };
}

/** An untrained MLP with seeded He-uniform weights and zero biases (what training starts from). */
export function createMlp({
  layers,
  seed,
  inputScale,
}: {
  layers: readonly number[];
  seed: number;
  inputScale?: number | readonly number[];
}): Mlp {
  return initMlp([...layers], createRng(seed), inputScale);
}

function initMlp(
  sizes: number[],
  rng: ReturnType<typeof createRng>,
  scale: number | readonly number[] | undefined,
): Mlp {
  const weights: Float64Array[] = [];
  const biases: Float64Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nI = sizes[l] as number;
    const nO = sizes[l + 1] as number;
    // He-uniform: keeps activation variance steady through ReLU layers.
    const limit = Math.sqrt(6 / nI);
    const w = new Float64Array(nO * nI);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.nextFloat() - 1) * limit;
    weights.push(w);
    biases.push(new Float64Array(nO));
  }
  const nIn = sizes[0] as number;
  const inputScale = new Float64Array(nIn).fill(typeof scale === "number" ? scale : 1);
  if (scale !== undefined && typeof scale !== "number") inputScale.set(scale);
  return { sizes, weights, biases, inputScale };
}

/** acts[0] holds the (scaled) input; fills the later layers; the last holds logits. */
function forward(mlp: Mlp, acts: Float64Array[]): void {
  const L = mlp.sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const nI = mlp.sizes[l] as number;
    const nO = mlp.sizes[l + 1] as number;
    const W = mlp.weights[l] as Float64Array;
    const b = mlp.biases[l] as Float64Array;
    const a = acts[l] as Float64Array;
    const out = acts[l + 1] as Float64Array;
    for (let o = 0; o < nO; o++) {
      let acc = b[o] as number;
      const rowOffset = o * nI;
      for (let i = 0; i < nI; i++) acc += (W[rowOffset + i] as number) * (a[i] as number);
      out[o] = l + 1 < L && acc < 0 ? 0 : acc;
    }
  }
}

/** Float64 logits of the MLP for raw (unscaled) rows. */
export function predictMlp(mlp: Mlp, rows: readonly (readonly number[])[]): number[][] {
  const acts = mlp.sizes.map((n) => new Float64Array(n));
  const nIn = mlp.sizes[0] as number;
  return rows.map((row) => {
    if (row.length !== nIn) {
      throw new InvalidParameterError({
        field: "row",
        expected: `${nIn} features`,
        received: row.length,
      });
    }
    const a0 = acts[0] as Float64Array;
    for (let i = 0; i < nIn; i++) a0[i] = (row[i] as number) * (mlp.inputScale[i] as number);
    forward(mlp, acts);
    return Array.from(acts[acts.length - 1] as Float64Array);
  });
}

export type ExportMlpOnnxOptions = {
  inputName?: string;
  outputName?: string;
  /** Extra metadata_props (training parameters, data hashes, ...). */
  metadata?: Record<string, string>;
};

/**
 * The MLP as an ONNX model (opset 13): input [batch, in] float32 -> Gemm (transB=1, PyTorch's
 * Linear) -> Relu -> ... -> Gemm -> logits [batch, out]. Weights are rounded to float32; the
 * input scale is folded into the first layer, so the model takes raw features.
 */
export function mlpToOnnx(mlp: Mlp, options: ExportMlpOnnxOptions = {}): OnnxModel {
  const L = mlp.sizes.length - 1;
  const g = createGraphBuilder("mlp");
  let x = g.input(options.inputName ?? "input", "float32", ["batch", mlp.sizes[0] as number]);
  for (let l = 0; l < L; l++) {
    const nI = mlp.sizes[l] as number;
    const nO = mlp.sizes[l + 1] as number;
    const W = mlp.weights[l] as Float64Array;
    const weight = l === 0 ? W.map((w, k) => w * (mlp.inputScale[k % nI] as number)) : W;
    const w = g.initializer(`fc${l + 1}.weight`, "float32", [nO, nI], weight);
    const b = g.initializer(`fc${l + 1}.bias`, "float32", [nO], mlp.biases[l] as Float64Array);
    const last = l === L - 1;
    x = g.node(
      "Gemm",
      [x, w, b],
      { alpha: 1, beta: 1, transB: 1 },
      {
        name: `/fc${l + 1}/Gemm`,
        outputs: [last ? (options.outputName ?? "logits") : `/fc${l + 1}/Gemm_output_0`],
      },
    );
    if (!last) {
      x = g.node(
        "Relu",
        [x],
        {},
        { name: `/relu${l + 1}/Relu`, outputs: [`/relu${l + 1}/Relu_output_0`] },
      );
    }
  }
  g.output(x, "float32", ["batch", mlp.sizes[L] as number]);
  return g.build({
    opset: 13,
    docString: "MLP classifier trained by @noosphere/ml (deterministic SGD); outputs logits.",
    metadata: {
      "noosphere.model": "mlp",
      "noosphere.layers": mlp.sizes.join(","),
      "noosphere.input_scale": "folded into fc1.weight",
      ...options.metadata,
    },
  });
}

/** `mlpToOnnx` serialized: the same MLP always gives the same bytes. */
export function exportMlpOnnx(mlp: Mlp, options: ExportMlpOnnxOptions = {}): Uint8Array {
  return encodeModel(mlpToOnnx(mlp, options));
}

function validate(
  p: TrainMlpParameters,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  momentum: number,
  weightDecay: number,
): void {
  const fail = (field: string, expected: string, received: unknown): never => {
    throw new InvalidParameterError({ field, expected, received });
  };
  if (p.layers.length < 2 || !p.layers.every((n) => Number.isInteger(n) && n > 0)) {
    fail("layers", "at least two positive integer widths, e.g. [64, 32, 10]", p.layers);
  }
  if (!Number.isInteger(p.epochs) || p.epochs < 1) fail("epochs", "a positive integer", p.epochs);
  if (!(p.learningRate > 0)) fail("learningRate", "a positive number", p.learningRate);
  if (!Number.isInteger(p.batchSize) || p.batchSize < 1) {
    fail("batchSize", "a positive integer", p.batchSize);
  }
  if (!(momentum >= 0 && momentum < 1)) fail("momentum", "a number in [0, 1)", momentum);
  if (!(weightDecay >= 0)) fail("weightDecay", "a non-negative number", weightDecay);
  const nIn = p.layers[0] as number;
  const nOut = p.layers[p.layers.length - 1] as number;
  if (Array.isArray(p.inputScale) && p.inputScale.length !== nIn) {
    fail("inputScale", `one number or ${nIn} numbers`, p.inputScale);
  }
  if (rows.length === 0) fail("rows", "at least one training row", 0);
  if (labels.length !== rows.length) {
    fail("labels", `one label per row, i.e. ${rows.length} labels`, labels.length);
  }
  rows.forEach((row, i) => {
    if (row.length !== nIn) fail(`rows[${i}]`, `${nIn} features`, row.length);
    if (!row.every(Number.isFinite)) fail(`rows[${i}]`, "finite numbers", row);
  });
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= nOut) {
      fail(`labels[${i}]`, `a class index in [0, ${nOut})`, label);
    }
  });
}
