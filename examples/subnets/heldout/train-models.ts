// Trains the held-out subnet's miner models with packages/ml on the miners' split only:
//   npx tsx examples/subnets/heldout/train-models.ts
// Writes models/epochs-{1,3,20}.onnx (same bytes on every run) and prints each model's accuracy
// on the held-out split the validators keep.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSession, evaluate, exportMlpOnnx, trainMlp } from "@noosphere/ml";
import { loadDigitsSplit, SPLIT } from "./data.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const MODEL_EPOCHS = [1, 3, 20] as const;

const { minerTrain, heldOut } = await loadDigitsSplit();
await mkdir(path.join(here, "models"), { recursive: true });
for (const epochs of MODEL_EPOCHS) {
  // A small learning rate so that 1, 3 and 20 epochs give clearly different models.
  const params = {
    layers: [64, 16, 10],
    epochs,
    learningRate: 0.01,
    batchSize: 32,
    momentum: 0.9,
    seed: 3,
    inputScale: 1 / 16,
  };
  const { mlp } = trainMlp(
    params,
    minerTrain.map((s) => s.pixels),
    minerTrain.map((s) => s.label),
  );
  const onnx = exportMlpOnnx(mlp, {
    metadata: {
      "noosphere.train": JSON.stringify(params),
      "noosphere.split": JSON.stringify(SPLIT),
    },
  });
  const session = await createSession(onnx);
  const { accuracy } = await evaluate(
    session,
    heldOut.map((s) => s.pixels),
    heldOut.map((s) => s.label),
  );
  await session.release();
  const file = path.join(here, "models", `epochs-${epochs}.onnx`);
  await writeFile(file, onnx);
  console.log(
    `epochs ${epochs}: held-out accuracy ${accuracy.toFixed(4)} -> ${path.relative(process.cwd(), file)}`,
  );
}
