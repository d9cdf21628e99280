// `bosun describe` for the workload kinds, line for line as kubectl's describers
// (k8s.io/kubectl/pkg/describe): replicas, strategy, pod template, conditions,
// the ReplicaSets of a Deployment, a StatefulSet's claim templates, and the recent events.
import {
  capIndexesListOrNone,
  humanDuration,
  persistentVolumeClaimClass,
  selectorText,
  type AppsCondition,
  type CronJob,
  type DaemonSet,
  type Deployment,
  type Event,
  type Job,
  type PersistentVolumeClaim,
  type Pod,
  type ReplicaSet,
  type StatefulSet,
} from "@bosun/api";
import { commonMeta, controlledBy, describeEvents } from "./describe.js";
import { describePodTemplate } from "./describe-containers.js";
import { describeTime, DescribeWriter, none } from "./describe-writer.js";
import { goList } from "./describe-storage.js";
import type { DeploymentReplicaSets } from "../workloads/replicasets.js";

/** "3 Running / 0 Waiting / 0 Succeeded / 0 Failed" over the pods a controller owns. */
export function podsStatus(pods: readonly Pod[]): string {
  const count = (phase: string) => pods.filter((p) => (p.status?.phase ?? "Pending") === phase).length;
  return `${count("Running")} Running / ${count("Pending")} Waiting / ${count("Succeeded")} Succeeded / ${count("Failed")} Failed`;
}

function conditions(w: DescribeWriter, list: readonly AppsCondition[] | undefined): void {
  if (!list?.length) return;
  w.line(0, "Conditions:");
  w.line(1, "Type", "Status", "Reason");
  w.line(1, "----", "------", "------");
  for (const c of list) w.line(1, c.type, c.status, c.reason ?? "");
}

/** "web-5d78c9b6f (3/3 replicas created), ...", or <none>. */
function replicaSetList(replicaSets: readonly ReplicaSet[]): string {
  return replicaSets.map((rs) => `${rs.metadata.name ?? ""} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`).join(", ") || none;
}

export function describeDeployment(d: Deployment, replicaSets: DeploymentReplicaSets, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const s = d.status;
  commonMeta(w, d);
  w.line(0, "CreationTimestamp:", describeTime(d.metadata.creationTimestamp));
  w.map(0, "Labels", d.metadata.labels);
  w.map(0, "Annotations", d.metadata.annotations, ": ");
  w.line(0, "Selector:", selectorText(d.spec.selector));
  w.line(
    0,
    "Replicas:",
    `${d.spec.replicas ?? 1} desired | ${s?.updatedReplicas ?? 0} updated | ${s?.replicas ?? 0} total | ${s?.availableReplicas ?? 0} available | ${s?.unavailableReplicas ?? 0} unavailable`,
  );
  // Unset fields read as the API's defaults, which is what the server stores.
  const strategy = d.spec.strategy?.type ?? "RollingUpdate";
  w.line(0, "StrategyType:", strategy);
  w.line(0, "MinReadySeconds:", String(d.spec.minReadySeconds ?? 0));
  if (strategy === "RollingUpdate") {
    const ru = d.spec.strategy?.rollingUpdate;
    w.line(0, "RollingUpdateStrategy:", `${ru?.maxUnavailable ?? "25%"} max unavailable, ${ru?.maxSurge ?? "25%"} max surge`);
  }
  if (d.spec.paused) w.line(0, "Paused:", "true");
  describePodTemplate(w, d.spec.template);
  conditions(w, s?.conditions);
  // As kubectl: old ReplicaSets still scaled up, and the new one.
  w.line(0, "OldReplicaSets:", replicaSetList(replicaSets.oldRSs.filter((rs) => (rs.spec.replicas ?? 1) !== 0)));
  w.line(0, "NewReplicaSet:", replicaSetList(replicaSets.newRS ? [replicaSets.newRS] : []));
  return w.toString() + describeEvents(events, now);
}

export function describeReplicaSet(rs: ReplicaSet, pods: readonly Pod[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, rs);
  w.line(0, "Selector:", selectorText(rs.spec.selector));
  w.map(0, "Labels", rs.metadata.labels);
  w.map(0, "Annotations", rs.metadata.annotations, ": ");
  controlledBy(w, rs);
  w.line(0, "Replicas:", `${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired`);
  w.line(0, "Pods Status:", podsStatus(pods));
  describePodTemplate(w, rs.spec.template);
  conditions(w, rs.status?.conditions);
  return w.toString() + describeEvents(events, now);
}

export function describeDaemonSet(ds: DaemonSet, pods: readonly Pod[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const s = ds.status;
  commonMeta(w, ds);
  w.line(0, "Selector:", selectorText(ds.spec.selector));
  const nodeSelector = Object.entries(ds.spec.template.spec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(",");
  w.line(0, "Node-Selector:", nodeSelector || none);
  w.map(0, "Labels", ds.metadata.labels);
  w.map(0, "Annotations", ds.metadata.annotations, ": ");
  // kubectl prints these five without a tab, so they are not aligned.
  w.line(0, `Desired Number of Nodes Scheduled: ${s?.desiredNumberScheduled ?? 0}`);
  w.line(0, `Current Number of Nodes Scheduled: ${s?.currentNumberScheduled ?? 0}`);
  w.line(0, `Number of Nodes Scheduled with Up-to-date Pods: ${s?.updatedNumberScheduled ?? 0}`);
  w.line(0, `Number of Nodes Scheduled with Available Pods: ${s?.numberAvailable ?? 0}`);
  w.line(0, `Number of Nodes Misscheduled: ${s?.numberMisscheduled ?? 0}`);
  w.line(0, "Pods Status:", podsStatus(pods));
  describePodTemplate(w, ds.spec.template);
  return w.toString() + describeEvents(events, now);
}

export function describeStatefulSet(sts: StatefulSet, pods: readonly Pod[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, sts);
  w.line(0, "CreationTimestamp:", describeTime(sts.metadata.creationTimestamp));
  w.line(0, "Selector:", selectorText(sts.spec.selector));
  w.map(0, "Labels", sts.metadata.labels);
  w.map(0, "Annotations", sts.metadata.annotations, ": ");
  w.line(0, "Replicas:", `${sts.spec.replicas ?? 1} desired | ${sts.status?.replicas ?? 0} total`);
  const strategy = sts.spec.updateStrategy;
  w.line(0, "Update Strategy:", strategy?.type ?? "RollingUpdate");
  const partition = strategy?.rollingUpdate?.partition;
  if (partition !== undefined) {
    w.line(1, "Partition:", String(partition));
    const maxUnavailable = strategy?.rollingUpdate?.maxUnavailable;
    if (maxUnavailable !== undefined) w.line(1, "MaxUnavailable:", String(maxUnavailable));
  }
  w.line(0, "Pods Status:", podsStatus(pods));
  describePodTemplate(w, sts.spec.template);
  volumeClaimTemplates(w, sts.spec.volumeClaimTemplates);
  return w.toString() + describeEvents(events, now);
}

/** describeVolumeClaimTemplates: each template's class, labels, annotations, request and access modes. */
function volumeClaimTemplates(w: DescribeWriter, templates: readonly PersistentVolumeClaim[] | undefined): void {
  if (!templates?.length) return w.line(0, "Volume Claims:", none);
  w.line(0, "Volume Claims:");
  for (const claim of templates) {
    w.line(1, "Name:", claim.metadata.name ?? "");
    w.line(1, "StorageClass:", persistentVolumeClaimClass(claim));
    w.map(1, "Labels", claim.metadata.labels);
    w.map(1, "Annotations", claim.metadata.annotations);
    const request = claim.spec?.resources?.requests?.storage;
    w.line(1, "Capacity:", request !== undefined ? String(request) : "<default>");
    w.line(1, "Access Modes:", goList(claim.spec?.accessModes));
  }
}

export function describeJob(job: Job, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const { spec, status } = job;
  commonMeta(w, job);
  w.line(0, "Selector:", selectorText(spec.selector));
  w.map(0, "Labels", job.metadata.labels);
  w.map(0, "Annotations", job.metadata.annotations, ": ");
  controlledBy(w, job);
  if (spec.parallelism !== undefined) w.line(0, "Parallelism:", String(spec.parallelism));
  w.line(0, "Completions:", spec.completions !== undefined ? String(spec.completions) : "<unset>");
  if (spec.completionMode !== undefined) w.line(0, "Completion Mode:", spec.completionMode);
  if (spec.suspend !== undefined) w.line(0, "Suspend:", String(spec.suspend));
  if (spec.backoffLimit !== undefined) w.line(0, "Backoff Limit:", String(spec.backoffLimit));
  if (spec.ttlSecondsAfterFinished !== undefined) w.line(0, "TTL Seconds After Finished:", String(spec.ttlSecondsAfterFinished));
  if (status?.startTime) w.line(0, "Start Time:", describeTime(status.startTime));
  if (status?.completionTime) w.line(0, "Completed At:", describeTime(status.completionTime));
  if (status?.startTime && status.completionTime) {
    w.line(0, "Duration:", humanDuration(Date.parse(status.completionTime) - Date.parse(status.startTime)));
  }
  if (spec.activeDeadlineSeconds !== undefined) w.line(0, "Active Deadline Seconds:", `${spec.activeDeadlineSeconds}s`);
  const ready = status?.ready !== undefined ? ` (${status.ready} Ready)` : "";
  w.line(0, "Pods Statuses:", `${status?.active ?? 0} Active${ready} / ${status?.succeeded ?? 0} Succeeded / ${status?.failed ?? 0} Failed`);
  if (spec.completionMode === "Indexed") w.line(0, "Completed Indexes:", capIndexesListOrNone(status?.completedIndexes));
  describePodTemplate(w, spec.template);
  return w.toString() + describeEvents(events, now);
}

export function describeCronJob(cj: CronJob, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const { spec, status } = cj;
  const unset = "<unset>";
  commonMeta(w, cj);
  w.map(0, "Labels", cj.metadata.labels);
  w.map(0, "Annotations", cj.metadata.annotations, ": ");
  w.line(0, "Schedule:", spec.schedule);
  if (spec.timeZone) w.line(0, "Time Zone:", spec.timeZone);
  w.line(0, "Concurrency Policy:", spec.concurrencyPolicy ?? "Allow");
  w.line(0, "Suspend:", spec.suspend === undefined ? unset : spec.suspend ? "True" : "False");
  w.line(0, "Successful Job History Limit:", spec.successfulJobsHistoryLimit !== undefined ? String(spec.successfulJobsHistoryLimit) : unset);
  w.line(0, "Failed Job History Limit:", spec.failedJobsHistoryLimit !== undefined ? String(spec.failedJobsHistoryLimit) : unset);
  w.line(0, "Starting Deadline Seconds:", spec.startingDeadlineSeconds !== undefined ? `${spec.startingDeadlineSeconds}s` : unset);
  const job = spec.jobTemplate.spec;
  w.line(0, "Selector:", job.selector ? selectorText(job.selector) : unset);
  w.line(0, "Parallelism:", job.parallelism !== undefined ? String(job.parallelism) : unset);
  w.line(0, "Completions:", job.completions !== undefined ? String(job.completions) : unset);
  if (job.activeDeadlineSeconds !== undefined) w.line(0, "Active Deadline Seconds:", `${job.activeDeadlineSeconds}s`);
  describePodTemplate(w, job.template);
  w.line(0, "Last Schedule Time:", status?.lastScheduleTime ? describeTime(status.lastScheduleTime) : unset);
  w.line(0, "Active Jobs:", (status?.active ?? []).map((r) => r.name ?? "").join(", ") || none);
  return w.toString() + describeEvents(events, now);
}
