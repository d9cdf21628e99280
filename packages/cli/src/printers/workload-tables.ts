// `bosun get` columns of the workload kinds, as kubectl's printers compute them
// (k8s.io/kubernetes pkg/printers/internalversion/printers.go).
import {
  formatLabelSelector,
  labelSelectorFromMatch,
  type Container,
  type CronJob,
  type DaemonSet,
  type Deployment,
  type Job,
  type JobCondition,
  type KubeObject,
  type LabelSelectorSpec,
  type ReplicaSet,
  type StatefulSet,
} from "@bosun/api";
import { age, humanDuration } from "./age.js";

export interface Columns<T extends KubeObject> {
  header(wide: boolean): string[];
  row(obj: T, wide: boolean, now: number): string[];
}

export const none = "<none>";

/** The CONTAINERS and IMAGES cells of -o wide. */
function containerCells(containers: readonly Container[]): [string, string] {
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image).join(",")];
}

/** metav1.FormatLabelSelector: "app=web", "<none>" when it selects everything. */
export function selectorText(selector: LabelSelectorSpec | undefined): string {
  if (!selector) return none;
  try {
    return formatLabelSelector(labelSelectorFromMatch(selector.matchLabels, selector.matchExpressions)) || none;
  } catch {
    return "<error>";
  }
}

const wideColumns = ["CONTAINERS", "IMAGES", "SELECTOR"];

export const deploymentTable: Columns<Deployment> = {
  header: (wide) => ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", ...(wide ? wideColumns : [])],
  row(d, wide, now) {
    const s = d.status;
    const cells = [
      d.metadata.name ?? "",
      `${s?.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
      String(s?.updatedReplicas ?? 0),
      String(s?.availableReplicas ?? 0),
      age(d.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(...containerCells(d.spec.template.spec.containers), selectorText(d.spec.selector));
    return cells;
  },
};

export const replicaSetTable: Columns<ReplicaSet> = {
  header: (wide) => ["NAME", "DESIRED", "CURRENT", "READY", "AGE", ...(wide ? wideColumns : [])],
  row(rs, wide, now) {
    const cells = [
      rs.metadata.name ?? "",
      String(rs.spec.replicas ?? 1),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      age(rs.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(...containerCells(rs.spec.template?.spec.containers ?? []), selectorText(rs.spec.selector));
    return cells;
  },
};

export const daemonSetTable: Columns<DaemonSet> = {
  header: (wide) => ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE", ...(wide ? wideColumns : [])],
  row(ds, wide, now) {
    const s = ds.status;
    const nodeSelector = Object.entries(ds.spec.template.spec.nodeSelector ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const cells = [
      ds.metadata.name ?? "",
      String(s?.desiredNumberScheduled ?? 0),
      String(s?.currentNumberScheduled ?? 0),
      String(s?.numberReady ?? 0),
      String(s?.updatedNumberScheduled ?? 0),
      String(s?.numberAvailable ?? 0),
      nodeSelector || none,
      age(ds.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(...containerCells(ds.spec.template.spec.containers), selectorText(ds.spec.selector));
    return cells;
  },
};

export const statefulSetTable: Columns<StatefulSet> = {
  header: (wide) => ["NAME", "READY", "AGE", ...(wide ? ["CONTAINERS", "IMAGES"] : [])],
  row(sts, wide, now) {
    const cells = [sts.metadata.name ?? "", `${sts.status?.readyReplicas ?? 0}/${sts.spec.replicas ?? 1}`, age(sts.metadata.creationTimestamp, now)];
    if (wide) cells.push(...containerCells(sts.spec.template.spec.containers));
    return cells;
  },
};

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

export const jobTable: Columns<Job> = {
  header: (wide) => ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE", ...(wide ? wideColumns : [])],
  row(job, wide, now) {
    const cells = [job.metadata.name ?? "", jobStatus(job), jobCompletions(job), jobDuration(job, now), age(job.metadata.creationTimestamp, now)];
    if (wide) cells.push(...containerCells(job.spec.template.spec.containers), selectorText(job.spec.selector));
    return cells;
  },
};

export const cronJobTable: Columns<CronJob> = {
  header: (wide) => ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE", ...(wide ? wideColumns : [])],
  row(cj, wide, now) {
    const suspend = cj.spec.suspend === undefined ? "<unset>" : cj.spec.suspend ? "True" : "False";
    const last = cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : none;
    const cells = [
      cj.metadata.name ?? "",
      cj.spec.schedule,
      cj.spec.timeZone ?? none,
      suspend,
      String(cj.status?.active?.length ?? 0),
      last,
      age(cj.metadata.creationTimestamp, now),
    ];
    const jobSpec = cj.spec.jobTemplate.spec;
    if (wide) cells.push(...containerCells(jobSpec.template.spec.containers), selectorText(jobSpec.selector));
    return cells;
  },
};
