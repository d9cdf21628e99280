// Polling, because an end-to-end test observes a system that converges: the
// question is never "did the event arrive" but "is the state there yet".
import { sleep } from "@bosun/client";

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, in words: the failure message starts with it. */
  what: string;
  intervalMs?: number;
}

/** Lets a poll record what it saw without counting it as success. */
export type Note = (seen: unknown) => void;

/**
 * Calls fn until it returns something other than undefined, null or false, and
 * answers that value. A throw counts as "not yet" (the server may be restarting).
 * What fn passed to `note` last (else the last error) goes into the timeout message,
 * so a failure says what the system looked like, not only that it took too long.
 */
export async function waitFor<T>(
  fn: (note: Note) => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let last = "(nothing yet)";
  const note: Note = (seen) => {
    last = summarize(seen);
  };
  for (;;) {
    try {
      const value = await fn(note);
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      last = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}; last seen: ${last}`);
    }
    await sleep(interval);
  }
}

function summarize(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}
