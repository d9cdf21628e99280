// Durations as Go writes them (time.Duration): "300ms", "1.5s", "1h30m", parsed from
// flags and printed in messages that quote Kubernetes' own ("back-off 20s", "1m0s").
// In milliseconds; one parser and one printer for every package.

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export interface DurationOptions {
  /**
   * What a bare number counts: "ms" for the master's flags (--heartbeat-period-ms=5000),
   * "s" for kubectl's (--timeout=30, as kubectl reads it).
   */
  bareNumber: "ms" | "s";
  /** Accept 0, for flags where it means off or no limit. */
  allowZero?: boolean;
  /** The flag, named at the head of an error; leave it out where the caller names it (as commander does). */
  flag?: string;
}

/**
 * Milliseconds of a Go duration ("500ms", "5s", "1h30m", "1.5h") or of a bare
 * number counted in `opts.bareNumber`. Throws on anything else, on a negative value,
 * and on zero unless `opts.allowZero`.
 */
export function parseDuration(value: string, opts: DurationOptions): number {
  const ms = durationMs(value.trim(), opts.bareNumber);
  const head = opts.flag ? `${opts.flag}: ` : "";
  if (ms === undefined) {
    const unit = opts.bareNumber === "ms" ? "milliseconds" : "seconds";
    throw new Error(`${head}"${value}" is not a duration; use a number with a unit, e.g. 30s, 5m or 1h30m (a bare number counts ${unit})`);
  }
  if (ms === 0 && !opts.allowZero) throw new Error(`${head}"${value}" is not longer than 0; use a duration such as 30s`);
  return ms;
}

function durationMs(text: string, bareNumber: "ms" | "s"): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * unitMs[bareNumber]!);
  if (!/^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Math.round(Number(amount) * unitMs[unit!]!);
  return total;
}

/** Milliseconds as Go prints a time.Duration: "0s", "500ms", "1.5s", "1m0s", "1h2m3s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
