// Data assets: the gas of publish, buy and order (bench/lib/data-gas.ts) on a real anvil, against a
// plain NOOS transfer in the same run. Writes bench/results/data.json; sections written by other
// parts of this benchmark (e.g. the C2D timing) are kept.
//
//   npx tsx bench/data.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment } from "@noosphere/devnet";
import { measureDataGas } from "./lib/data-gas.js";
import { describeMachine } from "./lib/machine.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", "data.json");

const net = await startTestDeployment();
try {
  const gas = await measureDataGas(net);
  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, "utf8")) as object)
    : {};
  const result = {
    ...previous,
    name: "data",
    date: new Date().toISOString(),
    machine: describeMachine(),
    gas,
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  console.table(
    Object.entries(gas.gas).map(([step, g]) => ({
      step,
      gasUsed: g,
      xTransfer: gas.ratioToErc20Transfer[step],
    })),
  );
} finally {
  await net.stop();
}
