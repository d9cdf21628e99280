// Kubernetes resource quantities ("500m", "1.5", "64Mi", "1e3"), after
// k8s.io/apimachinery/pkg/api/resource/quantity.go. Values are kept as an exact
// fraction of BigInts so that "0.29" CPUs is 290 millicores, not 291, and are
// rounded up only when converted to whole units, as Quantity.MilliValue() and
// Value() do.
import type { Quantity } from "./types/core.js";

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuantityError";
  }
}

/** The message Kubernetes gives for a malformed quantity. */
export const quantityFormatMessage =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

interface Fraction {
  num: bigint;
  den: bigint;
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
// Far beyond any real resource, but keeps "1e999999999" from pinning the CPU.
const maxExponent = 400;

const quantityPattern = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*[+-]?[0-9]*)$/;

function parseFraction(q: string | number): Fraction {
  let text: string;
  if (typeof q === "number") {
    if (!Number.isFinite(q)) throw new QuantityError(`invalid quantity ${q}: must be a finite number`);
    text = String(q);
  } else if (typeof q === "string") {
    text = q.trim();
  } else {
    throw new QuantityError(`invalid quantity ${JSON.stringify(q)}: must be a string or a number`);
  }
  const m = quantityPattern.exec(text);
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) {
    throw new QuantityError(`invalid quantity ${JSON.stringify(text)}: ${quantityFormatMessage}`);
  }
  const [, sign, whole, frac = "", suffix = ""] = m as unknown as [string, string, string, string | undefined, string | undefined];
  let num = BigInt(`${whole}${frac}` || "0");
  let den = 10n ** BigInt(frac.length);
  if (sign === "-") num = -num;

  if (suffix in decimalSuffixes) {
    const exp = decimalSuffixes[suffix]!;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  } else if (suffix in binarySuffixes) {
    num *= 2n ** BigInt(binarySuffixes[suffix]!);
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    const exp = Number(suffix.slice(1));
    if (Math.abs(exp) > maxExponent) {
      throw new QuantityError(`invalid quantity ${JSON.stringify(text)}: exponent ${exp} is out of range`);
    }
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  } else {
    throw new QuantityError(
      `invalid quantity ${JSON.stringify(text)}: unable to parse quantity's suffix ${JSON.stringify(suffix)} ` +
        "(use one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or an exponent like e3)",
    );
  }
  return { num, den };
}

/** Ceiling of num/den, for either sign, as Kubernetes rounds up to whole units. */
function ceilDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den !== 0n && num > 0n ? q + 1n : q;
}

/** Bytes as Kubernetes prints a binary-SI Quantity: the largest power of 1024 that divides the amount, whole ("4Mi", "1536"). */
export function formatBinaryQuantity(bytes: number): string {
  let value = bytes;
  let suffix = "";
  for (const [next] of Object.entries(binarySuffixes)) {
    if (value === 0 || value % 1024 !== 0) break;
    value /= 1024;
    suffix = next;
  }
  return `${value}${suffix}`;
}

/** The quantity as a plain number ("500m" is 0.5, "1Ki" is 1024). Throws QuantityError. */
export function parseQuantity(q: string | number): number {
  const { num, den } = parseFraction(q);
  const whole = num / den;
  const rest = num % den;
  return Number(whole) + Number(rest) / Number(den);
}

export function isValidQuantity(q: unknown): boolean {
  if (typeof q !== "string" && typeof q !== "number") return false;
  try {
    parseFraction(q);
    return true;
  } catch {
    return false;
  }
}

/** CPU in millicores, rounded up: "500m" is 500, "1" is 1000, "0.1" is 100. */
export function cpuToMillis(q: Quantity): number {
  const { num, den } = parseFraction(q);
  return Number(ceilDiv(num * 1000n, den));
}

/** Memory in bytes, rounded up: "64Mi" is 67108864, "1G" is 1e9. */
export function memoryToBytes(q: Quantity): number {
  const { num, den } = parseFraction(q);
  return Number(ceilDiv(num, den));
}

/** Compares two quantities exactly: negative, zero or positive like a sort function. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const x = parseFraction(a);
  const y = parseFraction(b);
  const d = x.num * y.den - y.num * x.den;
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

