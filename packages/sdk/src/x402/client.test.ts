// The paying client against misbehaving servers (a test double of the server over a real socket;
// the chain is a real anvil): a corrective 402 not backed by the payer's own voucher is refused,
// and a 2xx without a valid PAYMENT-RESPONSE is counted at the whole signed voucher.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { type Address, type Hex, type LocalAccount, pad, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createX402Client, X402PaymentError } from "./client.js";
import { computeChannelId, signVoucher } from "./voucher.js";
import { encodeX402Header, type PaymentRequired, type PaymentRequirements } from "./wire.js";

let net: TestDeployment;
let server: Server;
let url: string;
let respond: (paymentSignature: string | undefined) => {
  status: number;
  headers: Record<string, string>;
};
const PRICE = parseEther("0.001");

beforeAll(async () => {
  net = await startTestDeployment();
  server = createServer((req, res) => {
    const { status, headers } = respond(req.headers["payment-signature"] as string | undefined);
    res.writeHead(status, headers);
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/models/m/infer`;
}, 120_000);
afterAll(async () => {
  server?.close();
  await net?.stop();
});

function requirements(extra: Partial<PaymentRequirements["extra"]> = {}): PaymentRequirements {
  const receiver = net.accounts[4]?.address as Address;
  return {
    scheme: "batch-settlement",
    network: `eip155:${net.anvil.chainId}`,
    amount: PRICE.toString(),
    asset: net.deployment.contracts.token,
    payTo: receiver,
    maxTimeoutSeconds: 60,
    extra: {
      receiverAuthorizer: receiver,
      withdrawDelay: 900,
      name: "Noosphere",
      version: "1",
      channelContract: net.deployment.contracts.paymentChannels as Address,
      ...extra,
    },
  };
}
const required = (accept: PaymentRequirements): Record<string, string> => {
  const body: PaymentRequired = {
    x402Version: 2,
    error: "payment_required",
    resource: { url },
    accepts: [accept],
  };
  return { "PAYMENT-REQUIRED": encodeX402Header(body) };
};

describe("x402 client", () => {
  it("test_client_forgedCorrective402_refusedWithoutPaying", async () => {
    const wallet = net.client(5);
    const config = {
      payer: wallet.account.address,
      payerAuthorizer: "0x0000000000000000000000000000000000000000" as Address,
      receiver: net.accounts[4]?.address as Address,
      receiverAuthorizer: net.accounts[4]?.address as Address,
      token: net.deployment.contracts.token,
      withdrawDelay: 900,
      salt: pad(toHex(0), { size: 32 }) as Hex,
    };
    const domain = {
      chainId: net.anvil.chainId,
      verifyingContract: net.deployment.contracts.paymentChannels as Address,
    };
    const channelId = computeChannelId(config, domain);
    // The server says 5 NOOS were charged and shows a "voucher" signed by someone else.
    const forged = await signVoucher(net.accounts[6]?.account as LocalAccount, {
      channelId,
      maxClaimableAmount: parseEther("5"),
      domain,
    });
    let paid = 0;
    respond = (sig) => {
      if (sig) paid++;
      return {
        status: 402,
        headers: required(
          requirements({
            channelState: {
              channelId,
              balance: "0",
              totalClaimed: "0",
              withdrawRequestedAt: 0,
              refundNonce: "0",
              chargedCumulativeAmount: parseEther("5").toString(),
            },
            voucherState: {
              signedMaxClaimable: parseEther("5").toString(),
              signature: forged.signature,
            },
          }),
        ),
      };
    };
    const client = createX402Client({
      wallet,
      maxPerCall: PRICE,
      maxTotal: parseEther("1"),
      deposit: parseEther("0.1"),
    });
    await expect(client.fetch(url, { method: "POST", body: "{}" })).rejects.toSatisfy(
      (e) =>
        e instanceof X402PaymentError && /not backed by a voucher we signed/.test(e.shortMessage),
    );
    expect(paid).toBe(0);
    expect(client.spent()).toBe(0n);
  });

  it("test_client_2xxWithoutReceipt_countsTheWholeVoucher", async () => {
    const wallet = net.client(7);
    respond = (sig) =>
      sig ? { status: 200, headers: {} } : { status: 402, headers: required(requirements()) };
    const client = createX402Client({
      wallet,
      maxPerCall: PRICE,
      maxTotal: PRICE * 10n,
      deposit: parseEther("0.1"),
    });
    await expect(client.fetch(url, { method: "POST", body: "{}" })).rejects.toBeInstanceOf(
      X402PaymentError,
    );
    expect(client.spent()).toBe(PRICE);
    expect(client.channels()[0]?.cumulative).toBe(PRICE);
  });
});
