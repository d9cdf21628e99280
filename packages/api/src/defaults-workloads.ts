// Defaults of the apps/v1 and batch/v1 kinds, as Kubernetes' pkg/apis/apps/v1 and
// pkg/apis/batch/v1 defaults.go set them. Like the pod defaults, they tolerate
// malformed input: validation, not defaulting, reports problems.
import { defaultStorage } from "./defaults-storage.js";
import { jobSpecDefaults } from "./job-defaults.js";
import { isPlainObject, objectField } from "./objects.js";
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "./types/apps.js";
import type { CronJob, Job } from "./types/batch.js";
import type { PodTemplateSpec } from "./types/core.js";
import type { ReplicationController } from "./types/replication-controllers.js";
import type { IntOrString, KubeObject } from "./types/meta.js";

interface RollingParameters {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

/**
 * Fills in the kind's defaults and returns its pod template, whose spec the caller
 * defaults as a pod's; undefined for kinds without one (or a malformed object).
 */
export function defaultWorkload(kind: string, obj: KubeObject): PodTemplateSpec | undefined {
  const spec = (obj as { spec?: unknown }).spec;
  if (!isPlainObject(spec)) return undefined;
  switch (kind) {
    case "ReplicationController":
      return defaultReplicationController(obj as ReplicationController);
    case "ReplicaSet":
      return defaultReplicaSet(spec as ReplicaSet["spec"]);
    case "Deployment":
      return defaultDeployment(spec as Deployment["spec"]);
    case "DaemonSet":
      return defaultDaemonSet(spec as DaemonSet["spec"]);
    case "StatefulSet":
      return defaultStatefulSet(spec as StatefulSet["spec"]);
    case "Job":
      return defaultJob(obj as Job);
    case "CronJob":
      return defaultCronJob(spec as CronJob["spec"]);
    default:
      return undefined;
  }
}

function templateOf(holder: { template?: unknown }): PodTemplateSpec | undefined {
  return isPlainObject(holder.template) ? (holder.template as PodTemplateSpec) : undefined;
}

/** SetDefaults_ReplicationController: the template's labels are the selector, and the RC's labels, when those are empty. */
function defaultReplicationController(rc: ReplicationController): PodTemplateSpec | undefined {
  const spec = rc.spec;
  const template = templateOf(spec);
  const labels = isPlainObject(template?.metadata) && isPlainObject(template.metadata.labels) ? template.metadata.labels : undefined;
  if (labels !== undefined) {
    if (!isPlainObject(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = rc.metadata;
    if (isPlainObject(meta) && (!isPlainObject(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...labels };
  }
  spec.replicas ??= 1;
  return template;
}

function defaultReplicaSet(spec: ReplicaSet["spec"]): PodTemplateSpec | undefined {
  spec.replicas ??= 1;
  return templateOf(spec);
}

function defaultDeployment(spec: Deployment["spec"]): PodTemplateSpec | undefined {
  spec.replicas ??= 1;
  const strategy = objectField<NonNullable<Deployment["spec"]["strategy"]>>(spec, "strategy");
  if (strategy !== undefined) {
    strategy.type ??= "RollingUpdate";
    const rolling = strategy.type === "RollingUpdate" ? objectField<RollingParameters>(strategy, "rollingUpdate") : undefined;
    if (rolling !== undefined) {
      rolling.maxUnavailable ??= "25%";
      rolling.maxSurge ??= "25%";
    }
  }
  spec.minReadySeconds ??= 0;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  return templateOf(spec);
}

function defaultDaemonSet(spec: DaemonSet["spec"]): PodTemplateSpec | undefined {
  const strategy = objectField<NonNullable<DaemonSet["spec"]["updateStrategy"]>>(spec, "updateStrategy");
  if (strategy !== undefined) {
    strategy.type ??= "RollingUpdate";
    const rolling = strategy.type === "RollingUpdate" ? objectField<RollingParameters>(strategy, "rollingUpdate") : undefined;
    if (rolling !== undefined) {
      rolling.maxUnavailable ??= 1;
      rolling.maxSurge ??= 0;
    }
  }
  spec.revisionHistoryLimit ??= 10;
  return templateOf(spec);
}

function defaultStatefulSet(spec: StatefulSet["spec"]): PodTemplateSpec | undefined {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= "OrderedReady";
  const strategy = objectField<NonNullable<StatefulSet["spec"]["updateStrategy"]>>(spec, "updateStrategy");
  // As Kubernetes: an unset type gets RollingUpdate with its defaults; a type set to
  // RollingUpdate without rollingUpdate is left without it.
  if (strategy !== undefined && strategy.type === undefined) {
    strategy.type = "RollingUpdate";
    objectField(strategy, "rollingUpdate");
  }
  if (strategy?.type === "RollingUpdate" && isPlainObject(strategy.rollingUpdate)) strategy.rollingUpdate.partition ??= 0;
  spec.revisionHistoryLimit ??= 10;
  const retention = objectField<NonNullable<StatefulSet["spec"]["persistentVolumeClaimRetentionPolicy"]>>(spec, "persistentVolumeClaimRetentionPolicy");
  if (retention !== undefined) {
    retention.whenDeleted ??= "Retain";
    retention.whenScaled ??= "Retain";
  }
  if (Array.isArray(spec.volumeClaimTemplates)) spec.volumeClaimTemplates.forEach(defaultClaimTemplate);
  return templateOf(spec);
}

/**
 * A claim template is defaulted as a claim is, and says what it is, as Kubernetes
 * answers it: manifests leave out the apiVersion and kind of an embedded claim.
 */
function defaultClaimTemplate(template: unknown): void {
  if (!isPlainObject(template)) return;
  template.apiVersion ??= "v1";
  template.kind ??= "PersistentVolumeClaim";
  objectField(template, "metadata");
  defaultStorage("PersistentVolumeClaim", template as unknown as KubeObject);
}

function defaultJob(job: Job): PodTemplateSpec | undefined {
  const spec = job.spec;
  const defaults = jobSpecDefaults(spec);
  if (defaults.completions !== undefined) spec.completions = defaults.completions;
  spec.parallelism = defaults.parallelism;
  spec.backoffLimit = defaults.backoffLimit;
  spec.completionMode = defaults.completionMode;
  spec.podReplacementPolicy = defaults.podReplacementPolicy;
  spec.suspend ??= false;
  defaultPodFailurePolicy(spec);
  const template = templateOf(spec);
  // A Job without labels of its own carries its pods' labels, as SetDefaults_Job does.
  const templateLabels = isPlainObject(template?.metadata) ? template.metadata.labels : undefined;
  const meta = job.metadata;
  const unlabeled = isPlainObject(meta) && (meta.labels === undefined || (isPlainObject(meta.labels) && Object.keys(meta.labels).length === 0));
  if (isPlainObject(templateLabels) && unlabeled) {
    meta.labels = { ...templateLabels };
  }
  return template;
}

/**
 * SetDefaults_PodFailurePolicyOnPodConditionsPattern: a condition pattern without a
 * status matches True. Kubernetes defaults the type wherever it appears, so also in
 * a CronJob's job template.
 */
function defaultPodFailurePolicy(spec: { podFailurePolicy?: unknown }): void {
  const policy = spec.podFailurePolicy;
  for (const rule of isPlainObject(policy) && Array.isArray(policy.rules) ? policy.rules : []) {
    for (const pattern of isPlainObject(rule) && Array.isArray(rule.onPodConditions) ? rule.onPodConditions : []) {
      if (isPlainObject(pattern) && (pattern.status === undefined || pattern.status === "")) pattern.status = "True";
    }
  }
}

function defaultCronJob(spec: CronJob["spec"]): PodTemplateSpec | undefined {
  spec.concurrencyPolicy ??= "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  // The job template's own fields keep no defaults here (they are the Job's when it
  // is created), but for those of types defaulted wherever they appear: its pod
  // template, as every PodSpec, and its pod failure policy's condition patterns.
  const jobSpec = isPlainObject(spec.jobTemplate) ? spec.jobTemplate.spec : undefined;
  if (!isPlainObject(jobSpec)) return undefined;
  defaultPodFailurePolicy(jobSpec);
  return templateOf(jobSpec);
}
