// Solidity verifiers: snarkjs' Groth16 template rendered from a verification key, compiled with
// solc-js (the same pinned 0.8.30 as contracts/), deployed and called with viem.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BaseError, InvalidParameterError } from "@noosphere/sdk";
import ejs from "ejs";
import solc from "solc";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import type { Groth16Proof, VerificationKey } from "./groth16.js";

const require = createRequire(import.meta.url);

/** EVM version the verifiers are compiled for: Paris runs on every EVM chain (no PUSH0). */
export const VERIFIER_EVM_VERSION = "paris";

export type CompiledVerifier = { contractName: string; abi: Abi; bytecode: Hex };

/** The Solidity source of a Groth16 verifier for `vk` (snarkjs' template, GPL-3.0 like snarkjs). */
export function renderVerifier(vk: VerificationKey, contractName = "Groth16Verifier"): string {
  if (vk.protocol !== "groth16") {
    throw new InvalidParameterError({
      field: "vk.protocol",
      expected: "groth16",
      received: vk.protocol,
    });
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(contractName)) {
    throw new InvalidParameterError({
      field: "contractName",
      expected: "a Solidity identifier",
      received: contractName,
    });
  }
  // snarkjs' "exports" hide the templates folder; it sits next to build/main.cjs's parent.
  const snarkjsRoot = path.dirname(path.dirname(require.resolve("snarkjs")));
  const template = readFileSync(
    path.join(snarkjsRoot, "templates", "verifier_groth16.sol.ejs"),
    "utf8",
  );
  return ejs.render(template, vk).replace("contract Groth16Verifier", `contract ${contractName}`);
}

/** Compiles a verifier source with solc-js; returns its ABI and creation bytecode. */
export function compileVerifier(source: string): CompiledVerifier {
  const contractName = /contract\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(source)?.[1];
  if (!contractName) {
    throw new InvalidParameterError({
      field: "--sol-code-path",
      expected: "a Solidity file that defines a contract",
      received: "no contract found",
    });
  }
  const input = {
    language: "Solidity",
    sources: { "Verifier.sol": { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: VERIFIER_EVM_VERSION,
      outputSelection: { "*": { [contractName]: ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new BaseError("The verifier does not compile.", {
      details: errors.map((e) => e.formattedMessage).join("\n"),
    });
  }
  const compiled = output.contracts?.["Verifier.sol"]?.[contractName];
  if (!compiled) throw new BaseError(`solc produced no output for ${contractName}.`);
  return { contractName, abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` };
}

export async function deployVerifier(
  wallet: WalletClient,
  publicClient: PublicClient,
  verifier: CompiledVerifier,
): Promise<{ address: Address; hash: Hex; gasUsed: bigint }> {
  if (!wallet.account) throw new BaseError("The wallet has no account to deploy with.");
  const hash = await wallet.deployContract({
    abi: verifier.abi,
    bytecode: verifier.bytecode,
    account: wallet.account,
    chain: wallet.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new BaseError(`Deploying the verifier failed (tx ${hash}).`);
  }
  return { address: receipt.contractAddress, hash, gasUsed: receipt.gasUsed };
}

/** The `verifyProof` arguments in the order the snarkjs verifier takes them (pi_b pairs swapped). */
export function verifierArguments(
  proof: Groth16Proof,
  publicSignals: readonly (string | bigint)[],
) {
  const p = (v: string | undefined) => BigInt(v ?? "0");
  const a = [p(proof.pi_a[0]), p(proof.pi_a[1])] as const;
  const b = [
    [p(proof.pi_b[0]?.[1]), p(proof.pi_b[0]?.[0])],
    [p(proof.pi_b[1]?.[1]), p(proof.pi_b[1]?.[0])],
  ] as const;
  const c = [p(proof.pi_c[0]), p(proof.pi_c[1])] as const;
  return [a, b, c, publicSignals.map((s) => BigInt(s))] as const;
}

const verifyProofAbi = (n: number) =>
  [
    {
      type: "function",
      name: "verifyProof",
      stateMutability: "view",
      inputs: [
        { name: "_pA", type: "uint256[2]" },
        { name: "_pB", type: "uint256[2][2]" },
        { name: "_pC", type: "uint256[2]" },
        { name: "_pubSignals", type: `uint256[${n}]` },
      ],
      outputs: [{ name: "", type: "bool" }],
    },
  ] as const;

/**
 * Calls `verifyProof` on a deployed verifier (eth_call) and measures the gas a transaction
 * needs. eth_estimateGas cannot be used: starved of gas, the snarkjs verifier returns false
 * instead of reverting, so the estimate would be the gas of a failed check (~33k). Instead the
 * smallest gas limit under which the call still returns true is found by bisection, plus the
 * 21,000 base and the calldata cost of a transaction. A verifier built for another number of
 * public signals has another selector: the call reverts, which counts as "not verified".
 */
export async function verifyOnChain(
  publicClient: PublicClient,
  address: Address,
  proof: Groth16Proof,
  publicSignals: readonly (string | bigint)[],
): Promise<{ verified: boolean; gas: bigint | undefined; reason?: string | undefined }> {
  const code = await publicClient.getCode({ address });
  if (!code || code === "0x") {
    throw new InvalidParameterError({
      field: "--addr",
      expected: "the address of a deployed verifier contract",
      received: `${address} (no code)`,
    });
  }
  const abi = verifyProofAbi(publicSignals.length);
  // viem's types want fixed-length tuples; the ABI is built for this length at run time.
  const data = encodeFunctionData({
    abi,
    functionName: "verifyProof",
    args: verifierArguments(proof, publicSignals),
  } as never);
  const accepts = async (gas?: bigint) => {
    try {
      const { data: out } = await publicClient.call({ to: address, data, ...(gas ? { gas } : {}) });
      return out !== undefined && BigInt(out) === 1n;
    } catch {
      return false;
    }
  };
  let verified: boolean;
  try {
    const { data: out } = await publicClient.call({ to: address, data, gas: MAX_VERIFY_GAS });
    verified = out !== undefined && out !== "0x" && BigInt(out) === 1n;
  } catch (err) {
    return {
      verified: false,
      gas: undefined,
      reason: err instanceof Error ? err.message.split("\n")[0] : String(err),
    };
  }
  if (!verified) return { verified, gas: undefined };
  let lo = 21_000n; // fails (nothing runs for less than the base cost)
  let hi = MAX_VERIFY_GAS; // succeeds
  while (hi - lo > 100n) {
    const mid = (lo + hi) / 2n;
    if (await accepts(mid)) hi = mid;
    else lo = mid;
  }
  return { verified, gas: hi + calldataGas(data) };
}

/** Gas limit of a verification eth_call (a Groth16 check needs ~200-300k). */
const MAX_VERIFY_GAS = 2_000_000n;

/** EIP-2028 calldata cost: 4 per zero byte, 16 per non-zero byte. */
function calldataGas(data: Hex): bigint {
  let gas = 0n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4n : 16n;
  return gas;
}
