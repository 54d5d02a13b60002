// The synapses of bench/subnet.ts: an empty one (protocol overhead alone) and a small one
// (64 floats in, their sum out: a stand-in for a tiny model's input and answer).
import { defineSynapse } from "@noosphere/subnet";
import { z } from "zod";

export const EMPTY_SYNAPSE = defineSynapse({
  name: "Empty",
  request: z.object({}),
  response: z.object({}),
});

export const BENCH_SYNAPSE = defineSynapse({
  name: "Bench",
  request: z.object({ input: z.array(z.number()).length(64) }),
  response: z.object({ output: z.number() }),
});

export function benchAnswer(req: { input: number[] }): { output: number } {
  return { output: req.input.reduce((a, b) => a + b, 0) };
}
