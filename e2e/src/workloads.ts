// Workload manifests and observers shared by the controller suites: Deployments of
// the local busybox image, pod lists by selector, and a watcher that sees every
// change of a set of pods (to check invariants that polling could miss).
import {
  isPodReady,
  mustResource,
  type Container,
  type Deployment,
  type DeploymentStrategy,
  type Pod,
  type WatchEvent,
} from "@bosun/api";
import type { Cluster } from "./cluster.js";
import { expectSuccess } from "./exec.js";
import { idleScript, shContainer } from "./pods.js";

export const deployments = mustResource("deployments");
export const replicasets = mustResource("replicasets");
export const daemonsets = mustResource("daemonsets");
export const statefulsets = mustResource("statefulsets");
export const jobs = mustResource("jobs");
export const cronjobs = mustResource("cronjobs");

export interface DeploymentOptions {
  replicas: number;
  container?: Container;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
}

export function deploymentManifest(name: string, opts: DeploymentOptions): Deployment {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: labels },
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      ...(opts.minReadySeconds !== undefined ? { minReadySeconds: opts.minReadySeconds } : {}),
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 5, containers: [opts.container ?? shContainer("app", idleScript(name))] },
      },
    },
  };
}

export async function podsWithLabels(cluster: Cluster, selector: string): Promise<Pod[]> {
  return (await cluster.client.list<Pod>(mustResource("pods"), { namespace: "default", labelSelector: selector })).items;
}

/** Running, Ready and not being deleted: a pod that serves. */
export function isServing(pod: Pod): boolean {
  return pod.status?.phase === "Running" && isPodReady(pod) && !pod.metadata.deletionTimestamp;
}

/** Waits until exactly `count` pods of the selector are serving and no other pod of it is left. */
export async function waitForServingPods(cluster: Cluster, selector: string, count: number, timeoutMs = 120_000): Promise<Pod[]> {
  return cluster.waitFor(
    async (note) => {
      const pods = await podsWithLabels(cluster, selector);
      note(pods.map((p) => `${p.metadata.name} ${p.spec.nodeName ?? "-"} ${p.status?.phase} ready=${isPodReady(p)}${p.metadata.deletionTimestamp ? " terminating" : ""}`));
      return pods.length === count && pods.every(isServing) ? pods : undefined;
    },
    { timeoutMs, what: `${count} serving pods with labels ${selector} and no others`, intervalMs: 500 },
  );
}

/** `bosun rollout status` until it reports success. */
export async function rolloutStatus(cluster: Cluster, name: string, timeout = "180s"): Promise<string> {
  const r = expectSuccess(
    `bosun rollout status deployment/${name}`,
    await cluster.bosun(["rollout", "status", `deployment/${name}`, `--timeout=${timeout}`], { timeoutMs: 240_000 }),
  );
  return r.stdout;
}

/**
 * Follows one watch of the pods matching a selector and calls `onChange` with the
 * whole current set after every event, so an invariant is checked at every step.
 */
export class PodWatcher {
  readonly pods = new Map<string, Pod>();
  /** Pod names in the order they were first seen (ADDED). */
  readonly addedOrder: string[] = [];
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  error: unknown;

  constructor(
    private readonly cluster: Cluster,
    private readonly selector: string,
    private readonly onChange: (pods: Pod[], event: WatchEvent<Pod>) => void = () => undefined,
  ) {}

  /** Lists, then follows; resolves after the first list. After a broken watch it lists again. */
  async start(): Promise<void> {
    let resourceVersion = await this.relist();
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          for await (const event of this.cluster.client.watch<Pod>(mustResource("pods"), {
            namespace: "default",
            labelSelector: this.selector,
            resourceVersion,
            signal: this.abort.signal,
          })) {
            if (event.type === "ERROR") throw new Error(`watch error: ${JSON.stringify(event.object)}`);
            resourceVersion = event.object.metadata.resourceVersion;
            const name = event.object.metadata.name!;
            if (event.type === "DELETED") this.pods.delete(name);
            else this.see(event.object);
            this.onChange([...this.pods.values()], event);
          }
        } catch (err) {
          if (this.abort.signal.aborted) return;
          // The master may be restarting, or the version expired: list again and follow.
          this.error = err;
          await new Promise((r) => setTimeout(r, 300));
          resourceVersion = await this.relist().catch(() => resourceVersion);
        }
      }
    })();
  }

  private see(pod: Pod): void {
    const name = pod.metadata.name!;
    if (!this.addedOrder.includes(name)) this.addedOrder.push(name);
    this.pods.set(name, pod);
  }

  private async relist(): Promise<string | undefined> {
    const list = await this.cluster.client.list<Pod>(mustResource("pods"), { namespace: "default", labelSelector: this.selector });
    this.pods.clear();
    for (const p of list.items) this.see(p);
    return list.metadata.resourceVersion;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}
