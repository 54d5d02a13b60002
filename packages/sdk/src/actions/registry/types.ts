/** A provider attribute: key/value, e.g. `{ key: "region", value: "eu" }`. */
export type Attribute = { key: string; value: string };

/** `{ region: "eu" }` or `[{ key: "region", value: "eu" }]`, as the contracts take it. */
export function toAttributes(input: readonly Attribute[] | Record<string, string>): Attribute[] {
  if (Array.isArray(input)) return [...input];
  return Object.entries(input).map(([key, value]) => ({ key, value }));
}
