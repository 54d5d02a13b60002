// Generates packages/sdk/src/generated/abis.ts (ABIs `as const` plus creation bytecode) from the
// forge artifacts in contracts/out. Usage:
//   tsx packages/sdk/scripts/codegen.ts            write the file (only if it changed)
//   tsx packages/sdk/scripts/codegen.ts --check    exit 1 if the committed file is out of date
//   --artifacts <dir> / --out <file>               other locations (e.g. a throwaway build)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The deployable contracts the SDK knows, in deployment order. */
const CONTRACTS = [
  "NoosToken",
  "ProtocolParams",
  "Staking",
  "ProviderRegistry",
  // Linked library of ComputeMarket (order validation and storage, receipt check).
  "ComputeMarketLib",
  "ComputeMarket",
  "ModelRegistry",
  "ProofRegistry",
  // Linked libraries of SubnetRegistry (deploy them first, then link its bytecode).
  "YumaEpochLib",
  "YumaBondsLib",
  "SubnetRegistryLib",
  "SubnetRegistry",
  // AI coprocessor: requests, subscriptions, escrow, deliveries; and the example consumer
  // (contracts/src/coprocessor/examples) that the README and the e2e test deploy.
  "CoprocessorOptimisticLib",
  "CoprocessorCoordinator",
  "LinregConsumer",
  // AI DAO delegate app (contracts/src/apps/dao): the DAO (token, OZ TimelockController as a project
  // source so its bytecode is the same in every checkout, governor)
  // and the delegate that `noos demo dao-delegate` deploys.
  "DaoToken",
  "DaoTimelock",
  "DaoGovernor",
  "AiDelegate",
  // AI-resolved prediction market app (contracts/src/apps/prediction): the conditional tokens, the
  // factory (deploys the market implementation) and the market's ABI (its clones) for
  // `noos demo prediction-market`.
  "PredictionConditionalTokens",
  "PredictionMarketFactory",
  "PredictionMarket",
  // zk-verified trading agent app (contracts/src/apps/trading): the vault that
  // `noos demo trading-agent` deploys on a Uniswap v2 pair (the pair comes from @uniswap/v2-core),
  // and the plain ERC-20 it pairs with NOOS.
  "TradingVault",
  "TradingDemoToken",
  // x402 batch-settlement payment channels for pay-per-call serving (contracts/src/serving).
  "PaymentChannels",
  // Data assets (contracts/src/data, Ocean v4): the factory clones the two templates; the exchange
  // and dispenser price the datatokens.
  "DataNFT",
  "Datatoken",
  "DataNFTFactory",
  "FixedRateExchange",
  "Dispenser",
  // Optimistic verification (contracts/src/verify): the step referees (MLP kinds, CNN kind), the router
  // in front of them (the verifier's referee), then the dispute-game verifier.
  "MlpStepReferee",
  "CnnStepReferee",
  "RefereeRouter",
  "OptimisticVerifier",
] as const;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const DEFAULT_ARTIFACTS = path.join(repoRoot, "contracts/out");
const DEFAULT_OUT = path.join(repoRoot, "packages/sdk/src/generated/abis.ts");

type AbiParameter = { type: string; name?: string; components?: AbiParameter[] };
type AbiEntry = { type: string; name?: string; inputs?: AbiParameter[] };
type LinkReferences = Record<string, Record<string, Array<{ start: number; length: number }>>>;
type Artifact = { abi: AbiEntry[]; bytecode: { object: string; linkReferences?: LinkReferences } };

class CodegenError extends Error {}

function main(): void {
  let values: { check: boolean; artifacts: string; out: string };
  try {
    ({ values } = parseArgs({
      options: {
        check: { type: "boolean", default: false },
        artifacts: { type: "string", default: DEFAULT_ARTIFACTS },
        out: { type: "string", default: DEFAULT_OUT },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CodegenError(
      `${(err as Error).message}\nUsage: codegen [--check] [--artifacts <dir>] [--out <file>]`,
    );
  }
  const artifactsDir = path.resolve(values.artifacts);
  const outFile = path.resolve(values.out);
  const source = generate(CONTRACTS, readArtifacts(CONTRACTS, artifactsDir));
  const current = existsSync(outFile) ? readFileSync(outFile, "utf8") : undefined;
  const shown = display(outFile);

  if (values.check) {
    if (current === source) {
      console.log(`${shown} is up to date.`);
      return;
    }
    throw new CodegenError(
      `${shown} is ${current === undefined ? "missing" : "out of date"}: run \`npm run codegen\` and commit the result.`,
    );
  }
  if (current === source) {
    console.log(`${shown} is up to date.`);
    return;
  }
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, source);
  console.log(`Wrote ${shown} (${CONTRACTS.length} contracts).`);
}

function readArtifacts(names: readonly string[], dir: string): Artifact[] {
  const files = names.map((name) => path.join(dir, `${name}.sol`, `${name}.json`));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new CodegenError(
      [
        "Missing forge artifacts:",
        ...missing.map((f) => `  ${display(f)}`),
        "Run `npm run build:contracts` first.",
      ].join("\n"),
    );
  }
  return files.map((file) => {
    const artifact = JSON.parse(readFileSync(file, "utf8")) as Partial<Artifact>;
    const bytecode = artifact.bytecode?.object;
    if (!Array.isArray(artifact.abi) || typeof bytecode !== "string") {
      throw new CodegenError(`${file} is not a forge artifact (no abi or bytecode.object).`);
    }
    const linkReferences = artifact.bytecode?.linkReferences ?? {};
    const linked = Object.keys(linkReferences).length > 0;
    // Library placeholders (__$<34 hex>$__) are kept with their link references; deployers link.
    if (
      !(linked ? /^0x([0-9a-fA-F]|__\$[0-9a-fA-F]{34}\$__)*$/ : /^0x[0-9a-fA-F]*$/).test(bytecode)
    ) {
      throw new CodegenError(
        `${file}: bytecode is not hex (or placeholders without link references).`,
      );
    }
    return {
      abi: artifact.abi,
      bytecode: linked ? { object: bytecode, linkReferences } : { object: bytecode },
    };
  });
}

function generate(names: readonly string[], artifacts: readonly Artifact[]): string {
  const parts = [
    "// Generated by packages/sdk/scripts/codegen.ts from the forge artifacts. Do not edit.",
    "// Regenerate with `npm run build:contracts && npm run codegen`.",
    "",
  ];
  const errors = new Map<string, AbiEntry>();
  names.forEach((name, i) => {
    const artifact = artifacts[i];
    if (!artifact) return;
    const id = camelCase(name);
    parts.push(`export const ${id}Abi = ${json(artifact.abi)} as const;`, "");
    parts.push(
      `export const ${id}Bytecode = ${JSON.stringify(artifact.bytecode.object)} as const;`,
    );
    if (artifact.bytecode.linkReferences) {
      parts.push(
        "",
        "/** Where the bytecode above holds library placeholders: `{ source: { library: [{ start, length }] } }` (bytes). */",
        `export const ${id}LinkReferences = ${json(artifact.bytecode.linkReferences)} as const;`,
      );
    }
    parts.push("");
    for (const entry of artifact.abi) {
      if (entry.type === "error") errors.set(signature(entry), entry);
    }
  });
  parts.push(
    "/** Every custom error of every contract above, once each: decode any revert with it. */",
    `export const allErrorsAbi = ${json([...errors.values()])} as const;`,
    "",
    "export const contractNames = [",
    ...names.map((n) => `  ${JSON.stringify(n)},`),
    "] as const;",
    "",
    "export type ContractName = (typeof contractNames)[number];",
    "",
    "export const abis = {",
    ...names.map((n) => `  ${n}: ${camelCase(n)}Abi,`),
    "} as const;",
    "",
    "export const bytecodes = {",
    ...names.map((n) => `  ${n}: ${camelCase(n)}Bytecode,`),
    "} as const;",
    "",
  );
  return parts.join("\n");
}

/** Repo-relative when inside the repo, else absolute. */
function display(file: string): string {
  const relative = path.relative(repoRoot, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** "NoosToken" -> "noosToken", "ERC20Votes" -> "erc20Votes". */
function camelCase(name: string): string {
  const lead = /^[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|^[A-Z]/.exec(name)?.[0] ?? "";
  return lead.toLowerCase() + name.slice(lead.length);
}

/** The canonical signature, e.g. "MarketBidAbovePrice(uint256,uint256,uint256)". */
function signature(entry: AbiEntry): string {
  const type = (p: AbiParameter): string =>
    p.type.startsWith("tuple")
      ? `(${(p.components ?? []).map(type).join(",")})${p.type.slice("tuple".length)}`
      : p.type;
  return `${entry.name ?? ""}(${(entry.inputs ?? []).map(type).join(",")})`;
}

try {
  main();
} catch (err) {
  if (!(err instanceof CodegenError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
