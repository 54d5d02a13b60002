// Proves once in a fresh process and reports its peak RSS: the memory a prover needs, measured
// the way GNU time's max-RSS measures it for EZKL and snarkjs in specs/zkml-anchors.md.
//   tsx bench/lib/zk-prove-child.ts <pk.key> <witness.json> [--baseline]
// --baseline loads the same files and snarkjs' curve but does not prove: the floor to subtract.
import { readFileSync } from "node:fs";
// Only the prover module: the package index would also load onnxruntime, viem and the compiler.
import { prove, terminateSnarkjs, warmUpProver } from "@noosphere/zk/prover";

const [pkPath, witnessPath, flag] = process.argv.slice(2);
if (!pkPath || !witnessPath)
  throw new Error("usage: zk-prove-child <pk> <witness.json> [--baseline]");
const witness = Buffer.from(JSON.parse(readFileSync(witnessPath, "utf8")).witness, "base64");
const started = performance.now();
if (flag === "--baseline") {
  readFileSync(pkPath);
  await warmUpProver();
} else {
  await prove(pkPath, witness);
}
const seconds = (performance.now() - started) / 1000;
await terminateSnarkjs();
process.stdout.write(
  `${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds })}\n`,
);
