// CronJob schedules and time zones. Kubernetes accepts five cron fields or one of
// the descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight and
// @hourly. Bosun also accepts six fields whose first is the second (a Bosun
// extension, so tests can run a CronJob faster than once a minute). Validation and
// the CronJob controller both parse through here, so they agree on what a schedule
// means.
import { CronExpressionParser, type CronExpression } from "cron-parser";

const descriptors: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

// One list item of a field: "*", "?", a number or a three-letter month or day
// name, an optional range end, an optional step. Kubernetes' parser knows nothing
// of cron-parser's L, # and H, so neither does Bosun.
const valueToken = "(\\d+|[A-Za-z]{3})";
const itemPattern = new RegExp(`^(\\*|\\?|${valueToken}(-${valueToken})?)(/\\d+)?$`);

function expand(schedule: string): { fields: string[] } | { problem: string } {
  const trimmed = schedule.trim();
  if (trimmed.startsWith("@")) {
    const cron = descriptors[trimmed.toLowerCase()];
    if (cron !== undefined) return { fields: cron.split(" ") };
    return {
      problem: `unrecognized descriptor: ${trimmed} (use one of ${Object.keys(descriptors).join(", ")} or a cron expression such as "*/5 * * * *")`,
    };
  }
  const fields = trimmed.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      problem: `expected exactly 5 fields (or 6 with seconds first, a Bosun extension), found ${fields.length}: [${fields.join(" ")}]`,
    };
  }
  for (const field of fields) {
    for (const item of field.split(",")) {
      if (!itemPattern.test(item)) return { problem: `unsupported cron field syntax "${field}": use numbers, names, "*", "?", ",", "-" and "/"` };
    }
  }
  return { fields };
}

/** Why a schedule cannot be used, or undefined when it can. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const expanded = expand(schedule);
  if ("problem" in expanded) return expanded.problem;
  try {
    CronExpressionParser.parse(expanded.fields.join(" "));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The schedule as an iterator of run times, in timeZone (an IANA name; UTC when
 * unset, as the CronJob controller of a UTC host computes it). Throws an Error
 * naming the problem for a schedule that cronScheduleProblem refuses.
 */
export function parseCronSchedule(schedule: string, opts: { timeZone?: string; currentDate?: Date | number } = {}): CronExpression {
  const expanded = expand(schedule);
  if ("problem" in expanded) throw new Error(`invalid schedule "${schedule}": ${expanded.problem}`);
  return CronExpressionParser.parse(expanded.fields.join(" "), {
    tz: opts.timeZone ?? "UTC",
    ...(opts.currentDate !== undefined ? { currentDate: opts.currentDate } : {}),
  });
}

// As Kubernetes' validTimeZoneCharacters: each "/"-separated part of a zone name.
const timeZonePart = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Why timeZone is not an IANA time zone name this host knows, or undefined when it is. */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (timeZone === "") return "timeZone must be nil or non-empty string";
  for (const part of timeZone.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !timeZonePart.test(part)) return `unknown time zone ${timeZone}`;
  }
  if (timeZone.toLowerCase() === "local") {
    return "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones";
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return undefined;
  } catch {
    return `unknown time zone ${timeZone}`;
  }
}
