// The one logger every Bosun component uses: structured JSON lines on stderr, so
// that stdout stays free for a command's real output (tables, YAML, logs).
import { pino, type Logger } from "pino";

export type { Logger };

const rootLogger: Logger = pino(
  {
    level: process.env.BOSUN_LOG_LEVEL ?? "info",
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination(2),
);

/** A child logger tagged with the component it speaks for: "apiserver", "agent/session". */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...bindings });
}

/** Sets the level of every logger, from a --log-level flag. */
export function setLogLevel(level: string): void {
  rootLogger.level = level;
}
