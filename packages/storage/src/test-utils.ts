// Shared by this package's tests only (not exported from index.ts).
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "./types.js";

/** Deterministic, non-repeating-per-chunk bytes, so every 256 KiB leaf differs. */
export function pattern(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap and reproducible.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export const sha256Hex = (bytes: Uint8Array): Hex =>
  `0x${createHash("sha256").update(bytes).digest("hex")}`;

/** Every block file blockstore-fs wrote under `dir`. */
export async function blockFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".data"))
    .map((e) => join(e.parentPath, e.name));
}

/** The block file whose bytes are exactly `content` (e.g. one chunk of a file = one raw leaf). */
export async function blockFileHolding(dir: string, content: Uint8Array): Promise<string> {
  for (const file of await blockFiles(dir)) {
    if (Buffer.from(await readFile(file)).equals(Buffer.from(content))) return file;
  }
  throw new Error(`no block file under ${dir} holds the given ${content.length} bytes`);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}
