// A real etcd and apiserver, shared informers, a recording event recorder and the
// waits the controllers' integration tests share. No agent runs: the tests create
// Node objects as agents registering would, and write pod status themselves where a
// pod must be Running and Ready.
import { mustResource, rfc3339, type KubeObject, type Pod, type ResourceInfo } from "@bosun/api";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, isConflict, isNotFound, SharedInformers, type EventRecorder, type EventType } from "@bosun/client";
import type { Controller, ControllerContext } from "../src/index.js";

const pods = mustResource("pods");
const namespaces = mustResource("namespaces");

export interface RecordedEvent {
  object: KubeObject;
  type: EventType;
  reason: string;
  message: string;
}

export class RecordingRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object, type, reason, message });
  }
  /** The `reason` events about the object named `name` in `namespace`. */
  about(namespace: string, name: string, reason: string): RecordedEvent[] {
    return this.events.filter((e) => e.object.metadata.namespace === namespace && e.object.metadata.name === name && e.reason === reason);
  }
  /** Their messages. */
  messages(namespace: string, name: string, reason: string): string[] {
    return this.about(namespace, name, reason).map((e) => e.message);
  }
}

export interface Harness {
  server: TestApiServer;
  client: ApiClient;
  recorder: RecordingRecorder;
  stop(): Promise<void>;
}

/**
 * Starts etcd, the apiserver, informers and the controllers `make` builds (one, or
 * several that work together as in the controller manager), and runs them.
 */
export async function startHarness(make: (ctx: ControllerContext) => Controller | Controller[]): Promise<Harness> {
  const server = await startTestApiServer();
  const client = new ApiClient({ server: server.url });
  const informers = new SharedInformers(client);
  const recorder = new RecordingRecorder();
  const made = make({ client, informers, recorder });
  const controllers = Array.isArray(made) ? made : [made];
  await informers.start();
  for (const controller of controllers) await controller.run();
  return {
    server,
    client,
    recorder,
    async stop() {
      for (const controller of controllers) await controller.stop();
      await informers.stop();
      await server.stop();
    },
  };
}

export async function createNamespace(client: ApiClient, name: string): Promise<string> {
  await client.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves after `ms`, for checks that something does not happen. */
export function settle(ms = 700): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Read-modify-write that retries when a controller's write got in between. */
export async function modify<T extends KubeObject>(
  client: ApiClient,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  change: (obj: T) => void,
  subresource?: "status",
): Promise<T> {
  for (;;) {
    const obj = await client.get<T>(res, name, namespace);
    change(obj);
    try {
      return await client.update<T>(res, obj, subresource ? { subresource } : {});
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

export async function listPods(client: ApiClient, namespace: string): Promise<Pod[]> {
  return (await client.list<Pod>(pods, { namespace })).items;
}

/** What an agent reports for a pod whose containers run: phase Running, Ready (or not). */
export async function setPodRunning(client: ApiClient, pod: Pod, ready = true): Promise<Pod> {
  return modify<Pod>(
    client,
    pods,
    pod.metadata.namespace,
    pod.metadata.name ?? "",
    (p) => {
      const now = rfc3339();
      p.status = {
        ...(p.status ?? {}),
        phase: "Running",
        conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now }],
      };
    },
    "status",
  );
}

export async function setPodPhase(client: ApiClient, pod: Pod, phase: "Failed" | "Succeeded"): Promise<Pod> {
  return modify<Pod>(
    client,
    pods,
    pod.metadata.namespace,
    pod.metadata.name ?? "",
    (p) => {
      p.status = { ...(p.status ?? {}), phase, conditions: [{ type: "Ready", status: "False", lastTransitionTime: rfc3339() }] };
    },
    "status",
  );
}

/** What an agent does once a deleted pod's containers have stopped: remove it for good. */
export async function finishDeletion(client: ApiClient, pod: Pod): Promise<void> {
  try {
    await client.delete(pods, pod.metadata.name ?? "", { namespace: pod.metadata.namespace, gracePeriodSeconds: 0 });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
