import { formatEther } from "viem";

/** "1.5 NOOS" from wei (a bigint or its decimal string, as GraphQL sends it). */
export function noos(wei: string | bigint | number | null | undefined, digits = 6): string {
  if (wei === null || wei === undefined || wei === "") return "-";
  const value = typeof wei === "bigint" ? wei : BigInt(String(wei).split(".")[0] ?? "0");
  const [int, frac = ""] = formatEther(value).split(".");
  const f = frac.slice(0, digits).replace(/0+$/, "");
  return `${int}${f ? `.${f}` : ""} NOOS`;
}

export function short(address: string | null | undefined): string {
  if (!address) return "-";
  return address.length > 14 ? `${address.slice(0, 8)}…${address.slice(-4)}` : address;
}

/** Seconds since epoch (number or string) as local date-time. */
export function time(seconds: string | number | bigint | null | undefined): string {
  if (seconds === null || seconds === undefined || seconds === "") return "-";
  const n = Number(seconds);
  if (!Number.isFinite(n) || n === 0) return "-";
  return new Date(n * 1000).toISOString().replace("T", " ").slice(0, 19);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** A fixed-point ratio stored as an integer over `scale` (e.g. 65535 for u16 Yuma values). */
export function ratio(value: string | number | null | undefined, scale: number): number {
  if (value === null || value === undefined) return 0;
  return Number(value) / scale;
}
