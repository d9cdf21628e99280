// Option parsers shared by the commands.
import { InvalidArgumentError } from "commander";

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return Number.parseInt(value, 10);
}

/** kubectl-style booleans: --wait, --wait=true, --wait=false. */
export function boolean(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError(`"${value}" is not true or false.`);
}

/** A repeatable option: `-f a.yaml -f b.yaml`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go duration as kubectl's --timeout takes it ("30s", "2m", "1h30m", "500ms"),
 * or a bare number of seconds; answers milliseconds.
 */
export function duration(value: string): number {
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10) * 1000;
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/.test(value) ? value.match(/\d+(?:\.\d+)?(?:ms|h|m|s)/g) : null;
  if (!parts) throw new InvalidArgumentError(`"${value}" is not a duration; use a number with a unit, e.g. 30s, 5m or 1h30m.`);
  return parts.reduce((total, part) => {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|h|m|s)$/.exec(part)!;
    return total + Math.round(Number(amount) * durationUnits[unit!]!);
  }, 0);
}

/** Milliseconds as Go prints a time.Duration ("1m0s", "30s", "500ms"), for kubectl's messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
