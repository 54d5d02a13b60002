// A subnet is this one module. Copy the folder, rename the synapse, and replace the three parts:
//   1. the synapse: what a validator asks and what a miner answers (zod schemas);
//   2. the miner: `setup` (load what you serve, once) and `forward` (answer one request);
//   3. the validator: `challenge` (a fresh question and the answer only it knows) and `reward`
//      (a score in [0, 1] for one miner's answer).
// The runners do everything else: registration, the signed HTTP envelope both ways, sampling,
// moving averages, weights (commit-reveal included), epochs and emissions.
//
// This example: "add these numbers". The miner's `task.delayMs` (miner.yaml) makes it slower,
// `task.wrong: true` makes it answer wrong, to watch how the scores follow.
import { defineSynapse, defineTask } from "@noosphere/subnet";
import { z } from "zod";

// 1. The synapse. The axon refuses requests that do not parse; the validator scores answers
//    that do not parse as "no answer" (0).
export const sum = defineSynapse({
  name: "sum",
  request: z.object({ numbers: z.array(z.number().int()).min(1).max(100) }),
  response: z.object({ sum: z.number().int() }),
});

type Request = z.infer<typeof sum.request>;
type Response = z.infer<typeof sum.response>;
/** What the validator keeps to itself: the right answer. */
type Truth = number;

export default defineTask<Request, Response, Truth>({
  synapse: sum,

  // 2. The miner. `ctx.config` is miner.yaml's `task:` block.
  async setup(ctx) {
    ctx.log.info({ config: ctx.config }, "template miner ready");
  },
  async forward(req, ctx) {
    const delayMs = Number(ctx.config.delayMs ?? 0);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const total = req.numbers.reduce((a, b) => a + b, 0);
    return { sum: ctx.config.wrong === true ? total + 1 : total };
  },

  // 3. The validator. `ctx.random` is seeded per validator and round; `ctx.config` is
  //    validator.yaml's `task:` block.
  async challenge(ctx) {
    const count = Number(ctx.config.count ?? 10);
    const numbers = Array.from({ length: count }, () => Math.floor(ctx.random() * 2000) - 1000);
    return { request: { numbers }, truth: numbers.reduce((a, b) => a + b, 0) };
  },
  reward({ truth, response, latencyMs, timeoutMs }) {
    if (response?.sum !== truth) return 0;
    // Right answers score 0.8..1: faster is better (SN18-style latency term).
    return 1 - 0.2 * Math.min(1, latencyMs / timeoutMs);
  },
});
