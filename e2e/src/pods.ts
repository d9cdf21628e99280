// Pod manifests and pod-state waits shared by the suites.
import { resourceByKind, type Container, type Pod, type PodSpec } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import type { Cluster } from "./cluster.js";
import { BUSYBOX_IMAGE, containersWithLabels, type ContainerInfo } from "./docker.js";

export const pods = resourceByKind("v1", "Pod")!;

/** Long enough for a pull-free start on a busy 2-core machine, short enough to fail a run. */
export const POD_TIMEOUT_MS = 60_000;

/**
 * A shell loop that prints `message` and then idles. It traps TERM so deleting the
 * pod does not wait out the grace period (sh as PID 1 ignores untrapped signals).
 */
export function idleScript(message: string): string {
  return `trap 'exit 0' TERM; echo ${message}; while true; do sleep 1; done`;
}

export function shContainer(name: string, script: string, extra: Partial<Container> = {}): Container {
  return { name, image: BUSYBOX_IMAGE, imagePullPolicy: "Never", command: ["sh", "-c", script], ...extra };
}

export function podManifest(name: string, containers: Container[], spec: Partial<PodSpec> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { "e2e.bosun.io/pod": name } },
    spec: { containers, ...spec },
  };
}

export async function getPod(cluster: Cluster, name: string, namespace = "default"): Promise<Pod | undefined> {
  try {
    return await cluster.client.get<Pod>(pods, name, namespace);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Polls the pod until `ok` holds; the timeout message shows the pod's last status. */
export async function waitForPod(
  cluster: Cluster,
  name: string,
  ok: (pod: Pod) => boolean,
  what: string,
  timeoutMs = POD_TIMEOUT_MS,
  namespace = "default",
): Promise<Pod> {
  return cluster.waitFor(
    async (note) => {
      const pod = await getPod(cluster, name, namespace);
      note(pod ? { nodeName: pod.spec.nodeName, deletionTimestamp: pod.metadata.deletionTimestamp, status: pod.status } : "not found");
      return pod && ok(pod) ? pod : undefined;
    },
    { timeoutMs, what: `pod ${name} ${what}` },
  );
}

export function waitForRunning(cluster: Cluster, name: string, timeoutMs = POD_TIMEOUT_MS, namespace = "default"): Promise<Pod> {
  return waitForPod(
    cluster,
    name,
    (p) => p.status?.phase === "Running" && !!p.status.podIP && (p.status.containerStatuses ?? []).every((c) => c.ready),
    "to be Running with a pod IP and every container ready",
    timeoutMs,
    namespace,
  );
}

export function restartCount(pod: Pod, container: string): number {
  return pod.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? -1;
}

export function containerIdOf(pod: Pod, container: string): string | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === container)?.containerID;
}

/** Every Docker container of the pod (infra included), running or not. */
export function podContainers(uid: string): Promise<ContainerInfo[]> {
  return containersWithLabels({ "bosun.io/pod-uid": uid });
}

/** The running Docker container of one spec container of the pod. */
export async function runningContainer(uid: string, container: string): Promise<ContainerInfo | undefined> {
  const all = await containersWithLabels({ "bosun.io/pod-uid": uid, "bosun.io/container-name": container });
  return all.find((c) => c.running);
}

/** Reads a pod's logs through the CLI until they contain `text`. */
export async function waitForLogs(cluster: Cluster, args: readonly string[], text: string): Promise<string> {
  return cluster.waitFor(
    async (note) => {
      const r = await cluster.bosun(["logs", ...args]);
      note(`exit ${r.code}; stdout: ${r.stdout.slice(-500)}; stderr: ${r.stderr.slice(-500)}`);
      return r.code === 0 && r.stdout.includes(text) ? r.stdout : undefined;
    },
    { timeoutMs: POD_TIMEOUT_MS, what: `'bosun logs ${args.join(" ")}' to show "${text}"`, intervalMs: 1000 },
  );
}
