import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDevnetDir } from "./dir.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "noos-find-"));
  await mkdir(path.join(root, "project", ".noos"), { recursive: true });
  await mkdir(path.join(root, "project", "examples", "manifests"), { recursive: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("findDevnetDir", () => {
  it("finds the project's .noos from a subfolder, as git finds .git", () => {
    const cwd = path.join(root, "project", "examples", "manifests");
    const found = findDevnetDir(cwd, {});
    expect(path.resolve(cwd, found)).toBe(path.join(root, "project", ".noos"));
  });

  it("uses the working directory's .noos when it has one", () => {
    expect(findDevnetDir(path.join(root, "project"), {})).toBe(".noos");
  });

  it("lets NOOS_DIR override the search", () => {
    expect(findDevnetDir(path.join(root, "project"), { NOOS_DIR: "/elsewhere/.noos" })).toBe(
      "/elsewhere/.noos",
    );
  });

  it("defaults to ./.noos where no devnet folder exists above", () => {
    expect(findDevnetDir(root, {})).toBe(".noos");
  });
});
