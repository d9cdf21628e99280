// Tables of the batch/v1 kinds: a Job's STATUS, COMPLETIONS and DURATION as
// kubectl 1.28+ shows them, and a CronJob's schedule, time zone and last run.
import type { CronJob, Job, JobCondition } from "../types/batch.js";
import { age, humanDuration } from "./age.js";
import { ageColumn, column, containerCells, nameColumn, none, selectorColumn, selectorText, templateColumns, type Printer } from "./columns.js";

function hasCondition(conditions: readonly JobCondition[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === "True");
}

/** The STATUS column of kubectl 1.28+. */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, "Complete")) return "Complete";
  if (hasCondition(conditions, "Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (hasCondition(conditions, "Suspended")) return "Suspended";
  if (hasCondition(conditions, "FailureTarget")) return "FailureTarget";
  if (hasCondition(conditions, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

/** "2/3"; without completions "1/1", or "0/1 of 3" when several pods work on the one completion. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** From start to completion, or to now while the Job runs; empty before it starts. */
export function jobDuration(job: Job, now: number): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return "";
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now;
  return humanDuration(end - start);
}

const jobSelectorDescription = "A label query over pods that should match the pod count. Normally, the system sets this field for you.";

export const jobPrinter: Printer<Job> = {
  columns: [
    nameColumn,
    column("Status", "string", "Status of the job."),
    column("Completions", "string", "The number of pods which reached phase Succeeded."),
    column("Duration", "string", "Time required to complete the job."),
    ageColumn,
    ...templateColumns,
    selectorColumn(jobSelectorDescription),
  ],
  cells(job, now) {
    return [
      job.metadata.name ?? "",
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      age(job.metadata.creationTimestamp, now),
      ...containerCells(job.spec.template.spec.containers),
      selectorText(job.spec.selector),
    ];
  },
};

export const cronJobPrinter: Printer<CronJob> = {
  columns: [
    nameColumn,
    column("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    column("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false."),
    column("Active", "integer", "A list of pointers to currently running jobs."),
    column("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
    ageColumn,
    ...templateColumns,
    selectorColumn(jobSelectorDescription),
  ],
  cells(cj, now) {
    const jobSpec = cj.spec.jobTemplate.spec;
    return [
      cj.metadata.name ?? "",
      cj.spec.schedule,
      cj.spec.timeZone ?? none,
      // printBoolPtr: the text, not a JSON boolean, even though the column says boolean.
      cj.spec.suspend === undefined ? "<unset>" : cj.spec.suspend ? "True" : "False",
      cj.status?.active?.length ?? 0,
      cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : none,
      age(cj.metadata.creationTimestamp, now),
      ...containerCells(jobSpec.template.spec.containers),
      selectorText(jobSpec.selector),
    ];
  },
};
