import { describe, expect, test } from "vitest";
import { CoprocessorConfigError, coprocessorSettings, parseCoprocessorFile } from "./config.js";

const base = `
devnet: ../..
devnetAccount: 9
listen: { port: 0 }
stateDir: .
`;

describe("node.yaml", () => {
  test("test_coprocessorConfig_parsesModelsAndServeAll", () => {
    const file = parseCoprocessorFile(
      `${base}models: [{ id: 3, fee: "0.02" }]\nserveAll: { fee: "0.01" }\npollInterval: 100ms\n`,
    );
    const s = coprocessorSettings(file);
    expect(s.models).toEqual([{ modelId: 3n, fee: 20_000_000_000_000_000n }]);
    expect(s.serveAll).toEqual({ fee: 10_000_000_000_000_000n });
    expect(s.pollIntervalMs).toBe(100);
    expect(s.stake).toBe(100n * 10n ** 18n);
  });

  test("test_coprocessorConfig_errorsNameTheField", () => {
    const bad = () =>
      parseCoprocessorFile(
        `${base.replace("port: 0", "port: -1")}models: [{ id: 0, fee: "lots" }]\n`,
      );
    expect(bad).toThrow(CoprocessorConfigError);
    try {
      bad();
    } catch (err) {
      const text = (err as CoprocessorConfigError).message;
      expect(text).toContain("models.0.id");
      expect(text).toContain("models.0.fee");
      expect(text).toContain("listen.port");
    }
    expect(() => parseCoprocessorFile(base)).toThrow(/models or serveAll/);
    expect(() => parseCoprocessorFile(`${base}serveAll: { fee: "1" }\nbogus: 1\n`)).toThrow(
      /bogus/,
    );
  });
});
