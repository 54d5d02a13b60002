// For tests that run a `noos` command in-process (a spawn costs ~10 s on a loaded machine):
// what the command printed to stdout while `run` ran. Test support, outside src/: the build
// (scripts/build.ts compiles packages/*/src) does not ship it, and it may import vitest.
import { vi } from "vitest";

export async function captureStdout(run: () => Promise<unknown>): Promise<string> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return out;
}
