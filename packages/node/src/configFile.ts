// The daemons' YAML config files (provider.yaml, node.yaml): one parser. The text is parsed as
// YAML, validated with the file's zod schema, then checked for what the schema cannot say (one of
// two fields required); every problem names its field, and all of them are reported at once.
import { parse as parseYaml } from "yaml";
import type { z } from "zod";

/** What every daemon file has: where the chain is and whose key signs. */
type ChainAndKey = {
  devnet?: string | undefined;
  rpcUrl?: string | undefined;
  contracts?: unknown;
  privateKey?: string | undefined;
  keyEnv?: string | undefined;
  devnetAccount?: number | undefined;
};

/**
 * Parses `text` (from `source`, named in errors) against `schema`. `fail(problems)` makes the
 * file's error; `check` lists the problems of a schema-valid file beyond the chain and key ones
 * (a devnet or rpcUrl + contracts, and a privateKey, keyEnv or devnetAccount), which every file
 * gets.
 */
export function parseConfigFile<S extends z.ZodType<ChainAndKey>>(
  text: string,
  schema: S,
  fail: (problems: string[]) => Error,
  check: (file: z.output<S>) => string[] = () => [],
): z.output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw fail([`not valid YAML: ${String(cause)}`]);
  }
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    throw fail(result.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`));
  }
  const file = result.data;
  const problems: string[] = [];
  if (!file.devnet && !(file.rpcUrl && file.contracts))
    problems.push("devnet or rpcUrl + contracts: one is required");
  if (!file.privateKey && !file.keyEnv && file.devnetAccount === undefined)
    problems.push("privateKey, keyEnv or devnetAccount: one is required");
  problems.push(...check(file));
  if (problems.length) throw fail(problems);
  return file;
}
