// intstr.IntOrString resolved against a total, as apimachinery's
// GetScaledValueFromIntOrPercent does for maxSurge and maxUnavailable.
import type { IntOrString } from "./types/meta.js";

/** An integer as is, "N%" of total rounded up or down as the caller says; `field` names it in the error. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean, field: string): number {
  if (typeof value === "number") return value;
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new Error(`${field} is "${value}": use a whole number or a percentage such as "25%"`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
