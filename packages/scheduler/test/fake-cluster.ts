// An in-memory stand-in for the API server, with just what the scheduler uses:
// list and watch (with resourceVersions, so the real Informer runs against it),
// bind and merge-patching pod status; and an EventRecorder that keeps what it is told.
import type { KubeList, KubeObject, Node, Pod, ResourceInfo, Status, WatchEvent } from "@bosun/api";
import { ApiError, objectKey, type ApiClient, type EventRecorder, type EventType } from "@bosun/client";

type Stored =
  | "pods"
  | "nodes"
  | "persistentvolumeclaims"
  | "persistentvolumes"
  | "storageclasses"
  | "namespaces"
  | "services"
  | "replicasets"
  | "statefulsets"
  | "poddisruptionbudgets"
  | "replicationcontrollers";

interface Logged {
  rv: number;
  resource: Stored;
  event: WatchEvent<KubeObject>;
}

export function apiError(code: number, reason: string, message: string): ApiError {
  const status: Status = { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message };
  return new ApiError(status);
}

export interface RecordedEvent {
  object: KubeObject;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeCluster {
  private rv = 0;
  private readonly store = {
    pods: new Map<string, Pod>(),
    nodes: new Map<string, Node>(),
    persistentvolumeclaims: new Map<string, KubeObject>(),
    persistentvolumes: new Map<string, KubeObject>(),
    storageclasses: new Map<string, KubeObject>(),
    namespaces: new Map<string, KubeObject>(),
    services: new Map<string, KubeObject>(),
    replicasets: new Map<string, KubeObject>(),
    statefulsets: new Map<string, KubeObject>(),
    poddisruptionbudgets: new Map<string, KubeObject>(),
    replicationcontrollers: new Map<string, KubeObject>(),
  };
  private readonly log: Logged[] = [];
  private readonly wakers = new Set<() => void>();
  readonly binds: { namespace: string; name: string; node: string }[] = [];
  readonly statusPatches: { name: string; patch: unknown }[] = [];
  readonly claimPatches: { name: string; patch: unknown }[] = [];
  /** Pods deleted through the client (preemption's victims), as "namespace/name". */
  readonly deletes: string[] = [];
  /** While true, a bound pod deleted through the client only gets a deletionTimestamp, as its agent would still be stopping it. */
  gracefulDeletes = false;
  readonly events: RecordedEvent[] = [];
  readonly recorder: EventRecorder = {
    event: (object, type, reason, message) => {
      this.events.push({ object, type, reason, message });
    },
  };
  /** When set, decides the answer to a bind before the fake applies it. */
  bindHook: ((namespace: string, name: string, node: string) => ApiError | undefined) | undefined;
  /** While true, bindings are stored but their watch events are held back. */
  holdBindEvents = false;
  private held: Logged[] = [];

  readonly client = {
    list: async (res: ResourceInfo) => this.list(res),
    watch: (res: ResourceInfo, opts: { resourceVersion?: string; signal?: AbortSignal }) => this.watch(res, opts),
    bind: async (namespace: string, name: string, node: string) => this.bind(namespace, name, node),
    patch: async (res: ResourceInfo, name: string, patch: unknown, opts: { namespace?: string; subresource?: string }) =>
      this.patch(res, name, patch, opts),
    delete: async (res: ResourceInfo, name: string, opts: { namespace?: string }) => this.deleteThroughClient(res, name, opts.namespace),
  } as unknown as ApiClient;

  pod(key: string): Pod | undefined {
    return this.store.pods.get(key);
  }

  putNode(node: Node): void {
    this.put("nodes", node);
  }

  putPod(pod: Pod): void {
    this.put("pods", pod);
  }

  /** Adds or replaces any other object the scheduler reads (a claim, a namespace, a ReplicaSet...). */
  putObject(resource: Exclude<Stored, "pods" | "nodes">, obj: KubeObject): void {
    this.put(resource, obj);
  }

  object<T extends KubeObject>(resource: Stored, key: string): T | undefined {
    return this.store[resource].get(key) as T | undefined;
  }

  deletePod(key: string): void {
    const pod = this.store.pods.get(key);
    if (!pod) throw new Error(`fake cluster has no pod ${key}`);
    this.store.pods.delete(key);
    this.emit({ rv: ++this.rv, resource: "pods", event: { type: "DELETED", object: pod } });
  }

  /** What a delete through the API does here: the pod goes at once, as an unbound or grace-0 pod does. */
  private deleteThroughClient(res: ResourceInfo, name: string, namespace: string | undefined): Status {
    if (res.resource !== "pods") throw new Error("the fake only deletes pods");
    const key = `${namespace}/${name}`;
    if (!this.store.pods.has(key)) throw apiError(404, "NotFound", `pods "${name}" not found`);
    this.deletes.push(key);
    const pod = this.store.pods.get(key)!;
    if (this.gracefulDeletes && pod.spec.nodeName) this.put("pods", { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() } });
    else this.deletePod(key);
    return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Success", code: 200 };
  }

  releaseBindEvents(): void {
    this.holdBindEvents = false;
    for (const l of this.held.splice(0)) this.emit(l);
  }

  private put(resource: Stored, obj: KubeObject): void {
    const key = objectKey(obj);
    const map = this.store[resource] as Map<string, KubeObject>;
    const type = map.has(key) ? "MODIFIED" : "ADDED";
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    map.set(key, stored);
    this.emit({ rv: this.rv, resource, event: { type, object: stored } });
  }

  private emit(l: Logged): void {
    this.log.push(l);
    for (const wake of this.wakers) wake();
  }

  private list(res: ResourceInfo): KubeList<KubeObject> {
    const map = this.store[res.resource as Stored] as Map<string, KubeObject>;
    return { apiVersion: "v1", kind: res.listKind, metadata: { resourceVersion: String(this.rv) }, items: [...map.values()] };
  }

  private async *watch(res: ResourceInfo, opts: { resourceVersion?: string; signal?: AbortSignal }) {
    let seen = Number(opts.resourceVersion ?? 0);
    const signal = opts.signal;
    while (!signal?.aborted) {
      const next = this.log.find((l) => l.rv > seen && l.resource === res.resource);
      if (next) {
        seen = next.rv;
        yield next.event;
        continue;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.wakers.delete(wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.wakers.add(wake);
        signal?.addEventListener("abort", wake);
      });
    }
  }

  private bind(namespace: string, name: string, node: string): void {
    const key = `${namespace}/${name}`;
    this.binds.push({ namespace, name, node });
    const refused = this.bindHook?.(namespace, name, node);
    if (refused) throw refused;
    const pod = this.store.pods.get(key);
    if (!pod) throw apiError(404, "NotFound", `pods "${name}" not found`);
    if (pod.spec.nodeName) throw apiError(409, "Conflict", `pod ${key} is already assigned to node "${pod.spec.nodeName}"`);
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName: node } };
    if (!this.holdBindEvents) return this.put("pods", bound);
    bound.metadata = { ...bound.metadata, resourceVersion: String(++this.rv) };
    this.store.pods.set(key, bound);
    this.held.push({ rv: this.rv, resource: "pods", event: { type: "MODIFIED", object: bound } });
  }

  private patch(res: ResourceInfo, name: string, patch: unknown, opts: { namespace?: string; subresource?: string }): KubeObject {
    if (res.resource === "persistentvolumeclaims") return this.patchClaimAnnotations(name, patch, opts.namespace);
    if (res.resource !== "pods" || opts.subresource !== "status") throw new Error("the fake only patches pod status and claim annotations");
    const key = `${opts.namespace}/${name}`;
    const pod = this.store.pods.get(key);
    if (!pod) throw apiError(404, "NotFound", `pods "${name}" not found`);
    this.statusPatches.push({ name, patch });
    const status = (patch as { status: Pod["status"] }).status;
    const patched: Pod = { ...pod, status: { ...pod.status, ...status } };
    this.put("pods", patched);
    return this.store.pods.get(key)!;
  }

  private patchClaimAnnotations(name: string, patch: unknown, namespace: string | undefined): KubeObject {
    const key = `${namespace}/${name}`;
    const claim = this.store.persistentvolumeclaims.get(key);
    if (!claim) throw apiError(404, "NotFound", `persistentvolumeclaims "${name}" not found`);
    this.claimPatches.push({ name, patch });
    this.put("persistentvolumeclaims", mergeAnnotations(claim, patch));
    return this.store.persistentvolumeclaims.get(key)!;
  }
}

/** What a merge patch of a claim's annotations does; the only claim write the scheduler makes. */
function mergeAnnotations(obj: KubeObject, patch: unknown): KubeObject {
  const annotations = (patch as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {};
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, ...annotations } } };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
