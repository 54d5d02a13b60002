// The cached-key signature check must agree with recovery on every signature, and must never
// accept one that recovery would attribute to someone else.
import { type Hex, hashMessage, keccak256, recoverMessageAddress, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { createSignerCache } from "./signers.js";

const accounts = Array.from({ length: 8 }, () => privateKeyToAccount(generatePrivateKey()));

describe("signer cache", () => {
  it("test_signerCache_agreesWithRecoveryOnRandomSignatures", async () => {
    const cache = createSignerCache();
    for (let i = 0; i < 80; i++) {
      const account = accounts[i % accounts.length] as (typeof accounts)[0];
      const raw = keccak256(toHex(`message ${i} ${Math.random()}`));
      const signature = await account.signMessage({ message: { raw } });
      // First sight recovers and caches; later ones take the cached path.
      expect(await cache.signerOf(hashMessage({ raw }), signature, account.address)).toBe(
        account.address,
      );
      // Someone else claimed: the real signer comes back, not the claimed one.
      const other = accounts[(i + 1) % accounts.length] as (typeof accounts)[0];
      expect(await cache.signerOf(hashMessage({ raw }), signature, other.address)).toBe(
        account.address,
      );
      // A different message under the same signature: what recovery says, never the account.
      const wrong = keccak256(toHex(`other ${i}`));
      const recovered = await recoverMessageAddress({ message: { raw: wrong }, signature });
      const cached = await cache.signerOf(hashMessage({ raw: wrong }), signature, account.address);
      expect(cached).toBe(recovered);
      expect(cached).not.toBe(account.address);
    }
    expect(cache.size).toBe(accounts.length);
  });

  it("test_signerCache_flippedRecoveryBitIsNotAcceptedFromTheCache", async () => {
    const cache = createSignerCache();
    const [account] = accounts as [(typeof accounts)[0]];
    const raw = keccak256(toHex("flip"));
    const signature = await account.signMessage({ message: { raw } });
    await cache.signerOf(hashMessage({ raw }), signature, account.address); // cached now
    const v = Number.parseInt(signature.slice(130), 16);
    const flipped = `${signature.slice(0, 130)}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    const recovered = await recoverMessageAddress({ message: { raw }, signature: flipped });
    expect(recovered).not.toBe(account.address);
    expect(await cache.signerOf(hashMessage({ raw }), flipped, account.address)).toBe(recovered);
  });

  it("test_signerCache_malformedSignatureThrowsAndCacheIsBounded", async () => {
    const cache = createSignerCache(2);
    const raw = keccak256(toHex("x"));
    for (const account of accounts.slice(0, 3)) {
      await cache.signerOf(
        hashMessage({ raw }),
        await account.signMessage({ message: { raw } }),
        account.address,
      );
    }
    expect(cache.size).toBe(2);
    const [account] = accounts as [(typeof accounts)[0]];
    await expect(
      cache.signerOf(hashMessage({ raw }), `0x${"00".repeat(65)}`, account.address),
    ).rejects.toThrow();
    await expect(cache.signerOf(hashMessage({ raw }), "0x1234", account.address)).rejects.toThrow();
  });
});
