// The fast voucher verifier agrees with ecrecover: it accepts exactly the vouchers whose recovered
// signer is the expected key, and refuses edits, other keys, high s, a wrong v and bad lengths.

import { secp256k1 } from "@noble/curves/secp256k1";
import {
  type Address,
  concatHex,
  type Hex,
  hexToBigInt,
  numberToHex,
  recoverAddress,
  size,
  sliceHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { createVoucherVerifier } from "./verifier.js";
import { BATCH_SETTLEMENT_DOMAIN, signVoucher, voucherDigest, voucherTypes } from "./voucher.js";

const domain = {
  chainId: 31337,
  verifyingContract: "0x00000000000000000000000000000000000000C0" as Address,
};
const channelId = `0x${"ab".repeat(32)}` as Hex;
const payer = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());

describe("voucher verifier", () => {
  it("test_verifier_agreesWithEcrecover_onValidAndEditedVouchers", async () => {
    const verifier = createVoucherVerifier(domain);
    for (let i = 1n; i <= 40n; i++) {
      const v = await signVoucher(payer, { channelId, maxClaimableAmount: i * 1000n, domain });
      expect(await verifier.verify(v, payer.address)).toBe(true);
      expect(
        await verifier.verify(
          { ...v, maxClaimableAmount: v.maxClaimableAmount + 1n },
          payer.address,
        ),
      ).toBe(false);
      expect(await verifier.verify(v, other.address)).toBe(false);
      const forged = await signVoucher(other, { channelId, maxClaimableAmount: i, domain });
      expect(await verifier.verify(forged, payer.address)).toBe(false);
      expect(await recoverAddress({ hash: voucherDigest(v, domain), signature: v.signature })).toBe(
        payer.address,
      );
    }
  });

  it("test_signVoucher_rawDigestEqualsTypedDataSignature", async () => {
    const fast = await signVoucher(payer, { channelId, maxClaimableAmount: 77n, domain });
    const typed = await payer.signTypedData({
      domain: { ...BATCH_SETTLEMENT_DOMAIN, ...domain },
      types: voucherTypes,
      primaryType: "Voucher",
      message: { channelId, maxClaimableAmount: 77n },
    });
    expect(fast.signature).toBe(typed);
  });

  it("test_verifier_refusesHighSWrongVAndBadLength", async () => {
    const verifier = createVoucherVerifier(domain);
    const first = await signVoucher(payer, { channelId, maxClaimableAmount: 1n, domain });
    expect(await verifier.verify(first, payer.address)).toBe(true); // key learned
    const v = await signVoucher(payer, { channelId, maxClaimableAmount: 2n, domain });
    const r = sliceHex(v.signature, 0, 32);
    const s = hexToBigInt(sliceHex(v.signature, 32, 64));
    const vByte = Number(hexToBigInt(sliceHex(v.signature, 64, 65)));
    // (r, n - s, flipped v) recovers the same key by ecrecover, but OpenZeppelin refuses high s.
    const highS = concatHex([
      r,
      numberToHex(secp256k1.CURVE.n - s, { size: 32 }),
      numberToHex(vByte === 27 ? 28 : 27, { size: 1 }),
    ]);
    expect(await verifier.verify({ ...v, signature: highS }, payer.address)).toBe(false);
    // The right (r, s) with the wrong v: ecrecover would return another address.
    const wrongV = concatHex([
      r,
      numberToHex(s, { size: 32 }),
      numberToHex(vByte === 27 ? 28 : 27, { size: 1 }),
    ]);
    expect(await verifier.verify({ ...v, signature: wrongV }, payer.address)).toBe(false);
    expect(await recoverAddress({ hash: voucherDigest(v, domain), signature: wrongV })).not.toBe(
      payer.address,
    );
    expect(
      await verifier.verify({ ...v, signature: sliceHex(v.signature, 0, 64) }, payer.address),
    ).toBe(false);
    expect(size(v.signature)).toBe(65);
    expect(await verifier.verify(v, payer.address)).toBe(true);
  });

  it("test_verifier_fasterThanRecovery", async () => {
    const verifier = createVoucherVerifier(domain);
    const vouchers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        signVoucher(payer, { channelId, maxClaimableAmount: BigInt(i + 1), domain }),
      ),
    );
    await verifier.verify(vouchers[0] as never, payer.address);
    let t = performance.now();
    for (const v of vouchers)
      await recoverAddress({ hash: voucherDigest(v, domain), signature: v.signature });
    const recoverMs = (performance.now() - t) / vouchers.length;
    t = performance.now();
    for (const v of vouchers) expect(await verifier.verify(v, payer.address)).toBe(true);
    const verifyMs = (performance.now() - t) / vouchers.length;
    console.log(
      `voucher check: recover ${recoverMs.toFixed(3)} ms, verify with known key ${verifyMs.toFixed(3)} ms`,
    );
  });
});
