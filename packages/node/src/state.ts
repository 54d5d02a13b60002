// A daemon's local state: one JSON document written atomically (temp file + rename), so a crash
// mid-write leaves the previous version intact. The chain is the source of truth; this file
// only remembers what the chain cannot tell us (last processed block, local job progress).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "@noosphere/sdk";

export type StateFile<T> = {
  read: () => Promise<T>;
  write: (value: T) => Promise<void>;
  /** Read, change, write: serialized so concurrent updates never interleave. */
  update: (change: (value: T) => T | undefined) => Promise<T>;
};

export function createStateFile<T>(file: string, initial: () => T): StateFile<T> {
  let queue: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<T> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return initial();
      throw err;
    }
    try {
      return JSON.parse(text, (_k, v) => (isBigIntJson(v) ? BigInt(v.$bigint) : v)) as T;
    } catch (cause) {
      throw new BaseError(`State file ${file} is not valid JSON.`, {
        cause,
        name: "StateFileError",
      });
    }
  };
  const write = async (value: T) => {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const text = JSON.stringify(
      value,
      (_k, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v),
      2,
    );
    await writeFile(tmp, `${text}\n`);
    await rename(tmp, file);
  };
  const update = (change: (value: T) => T | undefined) => {
    const next = queue.then(async () => {
      const current = await read();
      const changed = change(current) ?? current;
      await write(changed);
      return changed;
    });
    queue = next.catch(() => {});
    return next;
  };
  return { read, write, update };
}

function isBigIntJson(v: unknown): v is { $bigint: string } {
  return typeof v === "object" && v !== null && "$bigint" in v && typeof v.$bigint === "string";
}
