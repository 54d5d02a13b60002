// "Held-out inference": the built-in demo subnet. Miners serve digit classifiers; each validator
// keeps its own private labelled digits that no miner trained on (the held-out split of the
// vendored data set, a disjoint part per validator), asks a miner to label a batch of them, and
// scores accuracy with a latency term (SN18's: up to 20 % off at the timeout).
//
// miner.yaml `task:`   { model: epochs-20.onnx }  (a file in ./models, or a path)
//                      { random: 7 }               (no model: a pseudo-random label per image)
// validator.yaml `task:` { part: 0, of: 3 }        (its share of the held-out split)
//                        { samples: private.csv }  (or its own CSV: p0..p63,label)
//                        { batch: 16 }             (digits per challenge, default 16)
import path from "node:path";
import { createSession, loadTable, type MlSession, runInference } from "@noosphere/ml";
import { defineSynapse, defineTask } from "@noosphere/subnet";
import { z } from "zod";
import { randomLabel, type Sample, validatorSamples } from "./data.js";

const pixels = z.array(z.number().min(0).max(16)).length(64);

export const classify = defineSynapse({
  name: "classify",
  request: z.object({ images: z.array(pixels).min(1).max(256) }),
  response: z.object({ labels: z.array(z.number().int().min(0).max(9)) }),
  maxBodyBytes: 256 * 1024,
});

type Request = z.infer<typeof classify.request>;
type Response = z.infer<typeof classify.response>;

const minerConfig = z.union([
  z.object({ model: z.string().min(1) }).strict(),
  z.object({ random: z.number().int() }).strict(),
]);
const validatorConfig = z
  .object({
    part: z.number().int().min(0).optional(),
    of: z.number().int().min(1).optional(),
    samples: z.string().optional(),
    batch: z.number().int().min(1).max(256).default(16),
  })
  .strict()
  .refine((c) => c.samples !== undefined || (c.part !== undefined && c.of !== undefined), {
    message: "task.samples (a CSV) or task.part and task.of (a share of the held-out split)",
  });

function parseTaskConfig<T>(schema: z.ZodType<T>, config: unknown, side: string): T {
  const result = schema.safeParse(config);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `task.${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid ${side} task config: ${problems.join("; ")}`);
  }
  return result.data;
}

/** The answer of a configured miner to a batch of images (the demo measures quality with it). */
export type Classifier = (images: number[][]) => Promise<number[]>;

export async function loadClassifier(config: unknown, dir: string): Promise<Classifier> {
  const c = parseTaskConfig(minerConfig, config, "miner");
  if ("random" in c) return async (images) => images.map((img) => randomLabel(img, c.random));
  const file = path.isAbsolute(c.model) ? c.model : path.join(dir, "models", c.model);
  const session: MlSession = await createSession(file);
  return async (images) => {
    const { output_data } = await runInference(session, images);
    return output_data.map((scores) => scores.indexOf(Math.max(...scores)));
  };
}

async function loadSamples(config: z.infer<typeof validatorConfig>): Promise<Sample[]> {
  if (config.samples === undefined) return validatorSamples(config.part ?? 0, config.of ?? 1);
  const table = await loadTable(config.samples);
  const labelAt = table.columns.indexOf("label");
  if (labelAt < 0) throw new Error(`task.samples: ${config.samples} has no "label" column`);
  return table.rows.map((row) => ({
    pixels: row.filter((_, i) => i !== labelAt),
    label: row[labelAt] as number,
  }));
}

// Per config, so that several neurons can share one process (the tests do).
const classifiers = new Map<string, Classifier>();
const sampleSets = new Map<string, Promise<Sample[]>>();

export default defineTask<Request, Response, number[]>({
  synapse: classify,

  async setup(ctx) {
    classifiers.set(JSON.stringify(ctx.config), await loadClassifier(ctx.config, ctx.dir));
  },

  async forward(req, ctx) {
    const classifier = classifiers.get(JSON.stringify(ctx.config));
    if (!classifier) throw new Error("setup() did not run");
    return { labels: await classifier(req.images) };
  },

  async challenge(ctx) {
    const config = parseTaskConfig(validatorConfig, ctx.config, "validator");
    const key = JSON.stringify(config);
    if (!sampleSets.has(key)) sampleSets.set(key, loadSamples(config));
    const samples = await sampleSets.get(key);
    const picked = Array.from(
      { length: config.batch },
      () => samples?.[Math.floor(ctx.random() * (samples?.length ?? 0))] as Sample,
    );
    return { request: { images: picked.map((s) => s.pixels) }, truth: picked.map((s) => s.label) };
  },

  reward({ truth, response, latencyMs, timeoutMs }) {
    if (!response || response.labels.length !== truth.length) return 0;
    const accuracy = response.labels.filter((l, i) => l === truth[i]).length / truth.length;
    return accuracy * (1 - 0.2 * Math.min(1, latencyMs / timeoutMs));
  },
});
