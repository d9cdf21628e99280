// A CronJob's schedule as the controller uses it: the next activation after a given
// moment. Parsing is @bosun/api's (parseCronSchedule), the same the apiserver
// validates with, so the two agree on what a schedule means: five fields or a
// descriptor as Kubernetes accepts, or six with seconds first (a Bosun extension),
// evaluated in spec.timeZone, UTC when unset.
import { parseCronSchedule, timeZoneProblem } from "@bosun/api";
import { errorMessage } from "../common/error-message.js";

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

export interface Schedule {
  /** The first activation strictly after `afterMs` (ms since epoch). */
  next(afterMs: number): number;
  /** Written with a seconds field, so it may fire more than once a minute. */
  readonly withSeconds: boolean;
}

export function validateTimeZone(timeZone: string): void {
  const problem = timeZoneProblem(timeZone);
  if (problem !== undefined) throw new ScheduleError(`spec.timeZone "${timeZone}": ${problem}`);
}

/** Throws a ScheduleError naming what is wrong with the schedule or time zone. */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  if (timeZone !== undefined) validateTimeZone(timeZone);
  const zone = timeZone === undefined ? {} : { timeZone };
  try {
    parseCronSchedule(schedule, { ...zone, currentDate: 0 });
  } catch (err) {
    throw new ScheduleError(errorMessage(err));
  }
  const text = schedule.trim();
  return {
    next: (afterMs) => parseCronSchedule(schedule, { ...zone, currentDate: afterMs }).next().getTime(),
    withSeconds: !text.startsWith("@") && text.split(/\s+/).length === 6,
  };
}
