// Which scheduled time a CronJob should start now, and when to look again, after
// pkg/controller/cronjob/utils.go (mostRecentScheduleTime, nextScheduleTime,
// nextScheduleTimeDuration). Only the most recent missed time is started; the
// others are counted, to warn when far too many were missed.
import { ScheduleError, type Schedule } from "./schedule.js";

/** Beyond this many missed start times the controller warns (clock skew, or a long outage). */
export const tooManyMissedThreshold = 100;

/** Looking again this long after a schedule time, so the clock has surely passed it. */
export const nextScheduleDeltaMs = 100;

export interface ScheduleState {
  /** metadata.creationTimestamp, ms since epoch. */
  createdMs: number;
  /** status.lastScheduleTime, ms since epoch. */
  lastScheduleMs?: number;
  startingDeadlineSeconds?: number;
}

export type MissedSchedules = "none" | "few" | "many";

export interface RecentScheduleTime {
  /** The time after which schedule times count as not yet started. */
  earliestMs: number;
  /** The latest schedule time in (earliestMs, now], if any. */
  mostRecentMs?: number;
  missed: MissedSchedules;
  /** The rough number of schedule times in (earliestMs, now]. */
  missedCount: number;
}

export function mostRecentScheduleTime(state: ScheduleState, nowMs: number, schedule: Schedule, withStartingDeadline: boolean): RecentScheduleTime {
  let earliestMs = state.lastScheduleMs ?? state.createdMs;
  if (withStartingDeadline && state.startingDeadlineSeconds !== undefined) {
    // Nothing earlier than the deadline allows will be started anyway.
    earliestMs = Math.max(earliestMs, nowMs - state.startingDeadlineSeconds * 1000);
  }
  // Walk the schedule exactly while few times were missed; past that, estimate as
  // Kubernetes does, so a clock off by years cannot make the walk endless.
  let missedCount = 0;
  let mostRecentMs: number | undefined;
  let t = schedule.next(earliestMs);
  const t1 = t;
  while (t <= nowMs && missedCount <= tooManyMissedThreshold) {
    mostRecentMs = t;
    missedCount++;
    t = schedule.next(t);
  }
  if (t > nowMs) {
    const missed: MissedSchedules = missedCount <= 1 ? "none" : "few";
    return mostRecentMs === undefined ? { earliestMs, missed, missedCount } : { earliestMs, mostRecentMs, missed, missedCount };
  }
  const intervalSeconds = Math.round((schedule.next(t1) - t1) / 1000);
  if (intervalSeconds < 1) throw new ScheduleError("the schedule's start times are less than a second apart; check the schedule");
  missedCount = Math.floor((nowMs - t1) / 1000 / intervalSeconds) + 1;
  let estimated: number | undefined;
  for (let u = schedule.next(t1 + (missedCount - 2) * intervalSeconds * 1000); u <= nowMs; u = schedule.next(u)) estimated = u;
  // An irregular schedule can make the estimate overshoot; the walked time is still a real one.
  return { earliestMs, mostRecentMs: estimated ?? t, missed: "many", missedCount };
}

/** The schedule time to start now, if any, honouring startingDeadlineSeconds. */
export function nextScheduleTime(state: ScheduleState, nowMs: number, schedule: Schedule): RecentScheduleTime {
  return mostRecentScheduleTime(state, nowMs, schedule, true);
}

/** When to sync again: just after the next schedule time still to come. */
export function nextSyncAt(state: ScheduleState, nowMs: number, schedule: Schedule): number {
  let fromMs: number;
  try {
    const recent = mostRecentScheduleTime(state, nowMs, schedule, false);
    fromMs = recent.mostRecentMs ?? (recent.missed === "none" ? recent.earliestMs : nowMs);
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    fromMs = nowMs;
  }
  return schedule.next(fromMs) + nextScheduleDeltaMs;
}
