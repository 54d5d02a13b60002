/** Names of the contract's enums, indexed by their numeric value. */
export const orderStates = ["None", "Open", "Leased", "Closed"] as const;
export const leaseStates = [
  "None",
  "Active",
  "ResultSubmitted",
  "Disputed",
  "Closed",
  "InsufficientFunds",
  "Completed",
  "Failed",
  /** A grouped batch lease whose provider committed to its result (not yet revealed). */
  "Committed",
] as const;
export const closeReasons = [
  "TenantClosed",
  "ProviderClosed",
  "InsufficientFunds",
  "ResultAccepted",
  "DisputeWon",
  "DisputeLost",
  "DeadlineMissed",
  /** A grouped lease committed but did not reveal within the group's reveal window. */
  "RevealMissed",
] as const;

export type OrderStateName = (typeof orderStates)[number];
export type LeaseStateName = (typeof leaseStates)[number];
export type CloseReasonName = (typeof closeReasons)[number];

export const orderStateName = (state: number): OrderStateName => orderStates[state] ?? "None";
export const leaseStateName = (state: number): LeaseStateName => leaseStates[state] ?? "None";
