// Proves once in a fresh process and reports its peak RSS: the memory a prover needs, measured
// the way GNU time's max-RSS measures it for EZKL and snarkjs in specs/zkml-anchors.md.
//   tsx bench/lib/zk-prove-child.ts <pk.key> <witness.json> [--baseline] [--single-thread]
// --baseline loads the same files and snarkjs' curve but does not prove: the floor to subtract.
// --single-thread builds the curve without worker threads (each worker holds its own wasm memory).
import { readFileSync } from "node:fs";
// Only snarkjs' Groth16 wrapper: the package index would also load onnxruntime, viem and the
// compiler ("@noosphere/zk/prover" is now the lean prover, without snarkjs).
import { prove, terminateSnarkjs, warmUpProver } from "../../packages/zk/src/pipeline/groth16.js";

const [pkPath, witnessPath, ...flags] = process.argv.slice(2);
const singleThread = flags.includes("--single-thread");
if (!pkPath || !witnessPath)
  throw new Error("usage: zk-prove-child <pk> <witness.json> [--baseline]");
const witness = Buffer.from(JSON.parse(readFileSync(witnessPath, "utf8")).witness, "base64");
const started = performance.now();
readFileSync(pkPath);
await warmUpProver({ singleThread });
if (!flags.includes("--baseline")) await prove(pkPath, witness);
const seconds = (performance.now() - started) / 1000;
await terminateSnarkjs();
// VmHWM is this process image's own peak RSS. getrusage's maxrss is not: Linux carries the
// parent's high-water mark into a forked child, so a child of a large process reports the parent.
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
const maxRssBytes = hwm ? Number(hwm) * 1024 : process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ maxRssBytes, seconds })}\n`);
