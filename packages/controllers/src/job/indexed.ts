// Indexed Jobs, after Kubernetes' pkg/controller/job/indexed_job_utils.go: each
// pod runs one completion index, carried in an annotation and a label, in the
// JOB_COMPLETION_INDEX variable and in its hostname <job>-<index>. Pure, so the
// rules are tested without an API server.
import {
  intervalsOf,
  jobCompletionIndexAnnotation,
  jobIndexFailureCountAnnotation,
  jobIndexIgnoredFailureCountAnnotation,
  type Container,
  type IndexIntervals,
  type Job,
  type Pod,
  type PodTemplateSpec,
} from "@bosun/api";
import type { PodNaming } from "../common/index.js";

export const completionIndexEnvName = "JOB_COMPLETION_INDEX";
/** A generated name's prefix leaves room for the 5 random characters within 63 (names.MaxGeneratedNameLength). */
const maxGeneratedNameLength = 58;

export function isIndexedJob(job: Job): boolean {
  return job.spec.completionMode === "Indexed";
}

/** The pod's completion index, or undefined when it has none or not a valid one. */
export function completionIndexOf(pod: Pod): number | undefined {
  const value = pod.metadata.annotations?.[jobCompletionIndexAnnotation];
  if (value === undefined || !/^[0-9]+$/.test(value)) return undefined;
  const ix = Number(value);
  return Number.isSafeInteger(ix) ? ix : undefined;
}

/** The pod's index when it is one of the Job's (below completions). */
export function validIndexOf(pod: Pod, completions: number): number | undefined {
  const ix = completionIndexOf(pod);
  return ix !== undefined && ix < completions ? ix : undefined;
}

/** "<job>-<index>-", the job name cut so that the whole stays a valid generated name. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > maxGeneratedNameLength ? jobName.slice(0, maxGeneratedNameLength - suffix.length) + suffix : prefix;
}

export interface IndexFailureCounts {
  /** Earlier failures of the index that counted toward backoffLimitPerIndex. */
  failed: number;
  /** Earlier failures an Ignore rule left uncounted. */
  ignored: number;
}

/**
 * The template of the pod for `index`, with its name: the index in an annotation and
 * a label, JOB_COMPLETION_INDEX in every container and init container (read
 * through the downward API from that label, as Kubernetes 1.33 does), and the
 * hostname <job>-<index>, which a headless Service named in spec.subdomain makes
 * resolvable. With backoffLimitPerIndex, the index's failures so far.
 */
export function indexedPodTemplate(
  job: Job,
  template: PodTemplateSpec,
  index: number,
  failures?: IndexFailureCounts,
): { template: PodTemplateSpec; naming: PodNaming } {
  const t = structuredClone(template);
  const ix = String(index);
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}), [jobCompletionIndexAnnotation]: ix };
  if (failures) {
    annotations[jobIndexFailureCountAnnotation] = String(failures.failed);
    if (failures.ignored > 0) annotations[jobIndexIgnoredFailureCountAnnotation] = String(failures.ignored);
  }
  t.metadata = { ...(t.metadata ?? {}), annotations, labels: { ...(t.metadata?.labels ?? {}), [jobCompletionIndexAnnotation]: ix } };
  for (const c of t.spec.initContainers ?? []) addIndexEnv(c);
  for (const c of t.spec.containers) addIndexEnv(c);
  const name = job.metadata.name ?? "";
  t.spec.hostname = `${name}-${index}`;
  return { template: t, naming: { generateName: podGenerateNameWithIndex(name, index) } };
}

function addIndexEnv(container: Container): void {
  if ((container.env ?? []).some((e) => e.name === completionIndexEnvName)) return;
  container.env = [
    ...(container.env ?? []),
    { name: completionIndexEnvName, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${jobCompletionIndexAnnotation}']` } } },
  ];
}

/**
 * Up to `count` indexes below `completions`, lowest first, that are not in
 * `taken` (succeeded, failed, running or, when only failed pods are replaced, still
 * terminating).
 */
export function firstPendingIndexes(taken: IndexIntervals, count: number, completions: number): number[] {
  const out: number[] = [];
  let candidate = 0;
  for (const iv of taken) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    candidate = Math.max(candidate, iv.last + 1);
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}

/** The intervals of the indexes `pods` run. */
export function indexesOf(pods: readonly Pod[], completions: number): IndexIntervals {
  const ixs = pods.map((p) => validIndexOf(p, completions)).filter((ix): ix is number => ix !== undefined);
  return intervalsOf(ixs);
}

/**
 * The active pods to delete whatever the parallelism: those without a valid index,
 * and all but one of each index that runs twice (`order` puts first the pods to
 * delete first, as controller.ActivePods does).
 */
export function surplusIndexPods(active: readonly Pod[], completions: number, order: (pods: readonly Pod[]) => Pod[]): { remove: Pod[]; keep: Pod[] } {
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const pod of active) {
    const ix = validIndexOf(pod, completions);
    if (ix === undefined) remove.push(pod);
    else byIndex.set(ix, [...(byIndex.get(ix) ?? []), pod]);
  }
  const keep: Pod[] = [];
  for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
    const ordered = order(byIndex.get(ix)!);
    remove.push(...ordered.slice(0, -1));
    keep.push(ordered[ordered.length - 1]!);
  }
  return { remove, keep };
}

