// What the Job and CronJob integration tests share: a real apiserver over a real
// etcd, a namespace per test, shared informers, a recorder that keeps events, and
// the test playing the agent by writing pod status.
import { mustResource, type KubeObject, type Namespace, type Pod, type PodStatus } from "@bosun/api";
import { ApiClient, SharedInformers, sleep, type EventRecorder, type EventType } from "@bosun/client";
import type { TestApiServer } from "@bosun/apiserver/testing";
import type { Controller, ControllerContext } from "../src/index.js";

export const jobsResource = mustResource("jobs");
export const cronJobsResource = mustResource("cronjobs");
export const podsResource = mustResource("pods");
const namespacesResource = mustResource("namespaces");

export interface RecordedEvent {
  name: string;
  kind: string;
  type: EventType;
  reason: string;
  message: string;
}

export class RecordingRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ name: object.metadata.name ?? "", kind: object.kind, type, reason, message });
  }

  reasons(name: string): string[] {
    return this.events.filter((e) => e.name === name).map((e) => e.reason);
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** One namespace with controllers running in it, all stopped by stop(). */
export interface Scene {
  client: ApiClient;
  namespace: string;
  recorder: RecordingRecorder;
  stop(): Promise<void>;
}

let sceneSeq = 0;

/** Starts the controllers `make` builds against `server`, in a fresh namespace. */
export async function startScene(server: TestApiServer, make: (ctx: ControllerContext) => Controller[]): Promise<Scene> {
  const client = new ApiClient({ server: server.url });
  const namespace = `t${++sceneSeq}-${process.pid}`;
  await client.create<Namespace>(namespacesResource, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  const informers = new SharedInformers(client);
  const recorder = new RecordingRecorder();
  const controllers = make({ client, informers, recorder });
  await informers.start();
  await Promise.all(controllers.map((c) => c.run()));
  return {
    client,
    namespace,
    recorder,
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await informers.stop();
      // Informers watch every namespace: leave nothing for the next test's controllers.
      await client.delete(namespacesResource, namespace);
    },
  };
}

export async function podsOf(scene: Scene, labelSelector?: string): Promise<Pod[]> {
  const list = await scene.client.list<Pod>(podsResource, { namespace: scene.namespace, ...(labelSelector ? { labelSelector } : {}) });
  return list.items;
}

/** Writes what an agent would report for a pod that finished, is running, or restarted. */
export async function reportPod(
  scene: Scene,
  name: string,
  phase: NonNullable<PodStatus["phase"]>,
  opts: { ready?: boolean; restartCount?: number } = {},
): Promise<Pod> {
  const pod = await scene.client.get<Pod>(podsResource, name, scene.namespace);
  const now = new Date().toISOString();
  const finished = phase === "Succeeded" || phase === "Failed";
  const status: PodStatus = {
    phase,
    conditions: [{ type: "Ready", status: opts.ready ? "True" : "False", lastTransitionTime: now }],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image ?? "",
      ready: opts.ready ?? false,
      restartCount: opts.restartCount ?? 0,
      state: finished
        ? { terminated: { exitCode: phase === "Succeeded" ? 0 : 1, startedAt: now, finishedAt: now } }
        : { running: { startedAt: now } },
    })),
  };
  return scene.client.update<Pod>(podsResource, { ...pod, status }, { subresource: "status" });
}
