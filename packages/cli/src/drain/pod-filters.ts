// Which pods `drain` evicts, as kubectl's drain filters (k8s.io/kubectl/pkg/drain):
// DaemonSet pods are never evicted (their controller ignores cordons) and block the
// drain unless --ignore-daemonsets; pods no controller would replace block it
// unless --force; finished pods always go.
import { controllerRefOf, isPodTerminal, type Pod } from "@bosun/api";
import { isNotFound } from "@bosun/client";

export const daemonSetFatal = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
export const daemonSetWarning = "ignoring DaemonSet-managed Pods";
export const unmanagedFatal = "Pods declare no controller (use --force to override)";
export const unmanagedWarning = "deleting Pods that declare no controller";

export interface PodVerdict {
  pod: Pod;
  /** Evict (or delete) this pod. */
  evict: boolean;
  warning?: string;
  error?: string;
}

export interface FilterOptions {
  force: boolean;
  ignoreDaemonSets: boolean;
  /** Resolves when the DaemonSet exists; throws the API's error otherwise. */
  getDaemonSet(namespace: string, name: string): Promise<unknown>;
}

async function daemonSetFilter(pod: Pod, opts: FilterOptions): Promise<PodVerdict | undefined> {
  const owner = controllerRefOf(pod);
  if (owner?.kind !== "DaemonSet" || isPodTerminal(pod)) return undefined;
  try {
    await opts.getDaemonSet(pod.metadata.namespace ?? "", owner.name);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // An orphan of a deleted DaemonSet goes with --force, as nothing would recreate it.
    if (isNotFound(err) && opts.force) return { pod, evict: true, warning: message };
    return { pod, evict: false, error: message };
  }
  if (!opts.ignoreDaemonSets) return { pod, evict: false, error: daemonSetFatal };
  return { pod, evict: false, warning: daemonSetWarning };
}

function unreplicatedFilter(pod: Pod, opts: FilterOptions): PodVerdict {
  if (isPodTerminal(pod) || controllerRefOf(pod)) return { pod, evict: true };
  if (opts.force) return { pod, evict: true, warning: unmanagedWarning };
  return { pod, evict: false, error: unmanagedFatal };
}

export async function classifyPods(pods: readonly Pod[], opts: FilterOptions): Promise<PodVerdict[]> {
  const verdicts: PodVerdict[] = [];
  for (const pod of pods) {
    const ds = await daemonSetFilter(pod, opts);
    // A verdict that keeps the pod ends the filtering, as kubectl's filter chain does.
    verdicts.push(ds && !ds.evict ? ds : mergeWarning(unreplicatedFilter(pod, opts), ds?.warning));
  }
  return verdicts;
}

function mergeWarning(verdict: PodVerdict, warning: string | undefined): PodVerdict {
  return warning && !verdict.warning && !verdict.error ? { ...verdict, warning } : verdict;
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}

function grouped(verdicts: readonly PodVerdict[], pick: (v: PodVerdict) => string | undefined): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const v of verdicts) {
    const message = pick(v);
    if (message) groups.set(message, [...(groups.get(message) ?? []), podKey(v.pod)]);
  }
  return groups;
}

/** kubectl's error list: "cannot delete <reason>: ns/a, ns/b", one per reason. */
export function drainErrors(verdicts: readonly PodVerdict[]): string[] {
  return [...grouped(verdicts, (v) => v.error)].map(([message, pods]) => `cannot delete ${message}: ${pods.join(", ")}`);
}

/** kubectl's warning line: "<reason>: ns/a, ns/b; <reason>: ns/c", or "" when nothing to say. */
export function drainWarnings(verdicts: readonly PodVerdict[]): string {
  return [...grouped(verdicts, (v) => v.warning)].map(([message, pods]) => `${message}: ${pods.join(", ")}`).join("; ");
}
