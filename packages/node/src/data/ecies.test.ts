import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalStore } from "@noosphere/storage";
import { sha256, stringToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import {
  addressOfPublicKey,
  checkProviderKey,
  DecryptionFailedError,
  decryptWithKey,
  encryptForProvider,
  InvalidPublicKeyError,
  ProviderKeyMismatchError,
  publicKeyOf,
  readDecrypted,
  storeEncrypted,
} from "./ecies.js";

const providerKey = generatePrivateKey();
const provider = {
  address: privateKeyToAccount(providerKey).address,
  publicKey: publicKeyOf(providerKey),
};
const otherKey = generatePrivateKey();
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("ecies", () => {
  it("test_publicKeyOf_hashesToTheAccountAddress", () => {
    expect(publicKeyOf(providerKey)).toBe(privateKeyToAccount(providerKey).publicKey);
    expect(addressOfPublicKey(provider.publicKey)).toBe(provider.address);
  });

  it("test_encrypt_roundTripsOnlyWithTheProviderKey", () => {
    const plain = stringToBytes("a,b\n1,2\n");
    const cipher = encryptForProvider(provider, plain);
    expect(Buffer.from(cipher).includes(Buffer.from(plain))).toBe(false);
    expect(decryptWithKey(providerKey, cipher)).toEqual(plain);
    expect(() => decryptWithKey(otherKey, cipher)).toThrow(DecryptionFailedError);
  });

  it("test_checkProviderKey_whenKeyIsAnotherProviders_refuses", () => {
    const wrong = { address: provider.address, publicKey: publicKeyOf(otherKey) };
    expect(() => checkProviderKey(wrong)).toThrow(ProviderKeyMismatchError);
    expect(() => encryptForProvider(wrong, new Uint8Array([1]))).toThrow(
      /not to the data's provider/,
    );
    expect(() => checkProviderKey({ ...provider, publicKey: "0x04abcd" })).toThrow(
      InvalidPublicKeyError,
    );
    // 0x04 + 128 hex that is not a curve point.
    expect(() => addressOfPublicKey(`0x04${"11".repeat(64)}`)).toThrow(InvalidPublicKeyError);
  });

  it("test_storeEncrypted_storesCiphertextAndReadsBackPlaintext", async () => {
    const dir = await mkdtemp(join(tmpdir(), "noos-ecies-"));
    dirs.push(dir);
    const store = createLocalStore({ dir });
    const plain = stringToBytes("x,y,label\n0.1,0.2,3\n".repeat(1000));
    const file = await storeEncrypted(store, provider, plain, "digits.csv");
    expect(file).toMatchObject({ name: "digits.csv", size: plain.length, sha256: sha256(plain) });
    const stored = await store.get(file.cid);
    expect(Buffer.from(stored).includes(Buffer.from("0.1,0.2,3"))).toBe(false);
    expect(await readDecrypted(store, providerKey, file)).toEqual(plain);
    await expect(readDecrypted(store, otherKey, file)).rejects.toThrow(DecryptionFailedError);
    await expect(
      readDecrypted(store, providerKey, { ...file, sha256: sha256(stringToBytes("other")) }),
    ).rejects.toThrow(/sha256 differs/);
  });
});
