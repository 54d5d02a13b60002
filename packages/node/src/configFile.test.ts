import { describe, expect, test } from "vitest";
import { z } from "zod";
import { parseConfigFile } from "./configFile.js";

class FileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}
const schema = z
  .object({
    devnet: z.string().optional(),
    rpcUrl: z.string().optional(),
    contracts: z.object({ token: z.string() }).optional(),
    privateKey: z.string().optional(),
    keyEnv: z.string().optional(),
    devnetAccount: z.number().optional(),
    port: z.number().int(),
  })
  .strict();
const parse = (text: string, check?: (f: z.output<typeof schema>) => string[]) =>
  parseConfigFile(text, schema, (p) => new FileError(p), check);
const problemsOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as FileError).problems;
  }
  throw new Error("expected a FileError");
};

describe("parseConfigFile", () => {
  test("returns the validated file", () => {
    expect(parse("devnet: .noos\ndevnetAccount: 2\nport: 9\n")).toEqual({
      devnet: ".noos",
      devnetAccount: 2,
      port: 9,
    });
    expect(parse("rpcUrl: http://x\ncontracts: { token: t }\nkeyEnv: K\nport: 1\n").keyEnv).toBe(
      "K",
    );
  });

  test("bad YAML, schema problems with their field, then chain, key and the file's own checks", () => {
    expect(problemsOf(() => parse("port: [1\n"))[0]).toMatch(/^not valid YAML: /);
    expect(problemsOf(() => parse("port: x\nbogus: 1\n"))).toEqual([
      expect.stringMatching(/^port: /),
      expect.stringMatching(/^\(document\): .*bogus/),
    ]);
    expect(problemsOf(() => parse("", () => ["own: check"]))).toEqual([
      expect.stringMatching(/^port: /),
    ]);
    expect(problemsOf(() => parse("rpcUrl: http://x\nport: 1\n", () => ["own: check"]))).toEqual([
      "devnet or rpcUrl + contracts: one is required",
      "privateKey, keyEnv or devnetAccount: one is required",
      "own: check",
    ]);
  });
});
