// Minimal types for snarkjs 0.7 (it ships none). Field elements and proof coordinates are
// decimal strings; files are paths (or { type: "mem" } buffers, typed loosely as `unknown`).
declare module "snarkjs" {
  export type Logger = {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  };
  /** A path, file bytes, or an in-memory file ({ type: "mem" } gets `data` filled on write). */
  export type FileRef = string | Uint8Array | { type: string; data?: Uint8Array | undefined };
  export type Groth16Proof = {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  };
  export type PublicSignals = string[];
  export type VerificationKey = Record<string, unknown> & {
    protocol: string;
    curve: string;
    nPublic: number;
  };
  export type CircuitInputs = Record<string, unknown>;

  export const groth16: {
    fullProve(
      input: CircuitInputs,
      wasmFile: FileRef,
      zkeyFile: FileRef,
      logger?: Logger,
      wtnsCalcOptions?: unknown,
      proverOptions?: unknown,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    prove(
      zkeyFile: FileRef,
      witnessFile: FileRef,
      logger?: Logger,
      options?: unknown,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(
      vk: VerificationKey,
      publicSignals: PublicSignals,
      proof: Groth16Proof,
      logger?: Logger,
    ): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: PublicSignals): Promise<string>;
  };

  export const powersOfTau: {
    newAccumulator(
      curve: unknown,
      power: number,
      fileName: FileRef,
      logger?: Logger,
    ): Promise<unknown>;
    contribute(
      oldPtau: FileRef,
      newPtau: FileRef,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<unknown>;
    beacon(
      oldPtau: FileRef,
      newPtau: FileRef,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    preparePhase2(oldPtau: FileRef, newPtau: FileRef, logger?: Logger): Promise<unknown>;
    truncate(ptau: FileRef, template: string, logger?: Logger): Promise<unknown>;
    verify(ptau: FileRef, logger?: Logger): Promise<boolean>;
  };

  export const zKey: {
    newZKey(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<unknown>;
    contribute(
      oldZkey: FileRef,
      newZkey: FileRef,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<string>;
    beacon(
      oldZkey: FileRef,
      newZkey: FileRef,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    exportVerificationKey(zkey: FileRef, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(
      zkey: FileRef,
      templates: { groth16: string },
      logger?: Logger,
    ): Promise<string>;
    verifyFromR1cs(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<boolean>;
  };

  export type Curve = { terminate(): Promise<void>; name: string } & Record<string, unknown>;
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve>;
    getCurveFromR(r: bigint, options?: { singleThread?: boolean }): Promise<Curve>;
  };

  export const wtns: {
    calculate(
      input: CircuitInputs,
      wasmFile: FileRef,
      wtnsFile: FileRef,
      options?: unknown,
    ): Promise<void>;
    /** All witness values (index 0 is the constant 1). */
    exportJson(wtnsFile: FileRef): Promise<bigint[]>;
    /** Throws on a missing logger when a constraint fails: always pass one. */
    check(r1csFile: FileRef, wtnsFile: FileRef, logger: Logger): Promise<boolean>;
    debug(
      input: CircuitInputs,
      wasmFile: FileRef,
      wtnsFile: FileRef,
      symFile: FileRef,
      options: unknown,
      logger?: Logger,
    ): Promise<unknown>;
  };

  export const r1cs: {
    info(
      r1csFile: FileRef,
      logger?: Logger,
    ): Promise<{
      nConstraints: number;
      nVars: number;
      nOutputs: number;
      nPubInputs: number;
      nPrvInputs: number;
      nLabels: number;
    }>;
    exportJson(r1csFile: FileRef, logger?: Logger): Promise<unknown>;
  };
}
