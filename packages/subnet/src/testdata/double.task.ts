// A tiny subnet task for the loop tests: double a number. The miner's `task.mode` picks its
// behaviour: "good" answers right, "slow" answers right after 2 s, "garbage" answers wrong.
import { z } from "zod";
import { defineSynapse, defineTask } from "../index.js";

export const double = defineSynapse({
  name: "double",
  request: z.object({ x: z.number().int() }),
  response: z.object({ y: z.number().int() }),
});

export default defineTask({
  synapse: double,
  async forward(req, ctx) {
    if (ctx.config.mode === "slow") await new Promise((r) => setTimeout(r, 2000));
    if (ctx.config.mode === "garbage") return { y: -1 };
    return { y: 2 * req.x };
  },
  async challenge(ctx) {
    const x = Math.floor(ctx.random() * 1000);
    return { request: { x }, truth: 2 * x };
  },
  reward({ truth, response }) {
    return response?.y === truth ? 1 : 0;
  },
});
