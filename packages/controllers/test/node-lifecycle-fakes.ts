// In-memory stand-ins for the node lifecycle controller's tests: an API with nodes
// and pods whose writes are compare-and-swap on resourceVersion and whose deletes
// are graceful, as the real apiserver's; and an EventRecorder that keeps what it hears.
import type { KubeList, KubeObject, Node, NodeCondition, Pod, ResourceInfo, Status } from "@bosun/api";
import { ApiError, type EventRecorder, type EventType } from "@bosun/client";
import type { NodeLifecycleApi } from "../src/index.js";

export function apiError(code: number, reason: string, message: string): ApiError {
  const status: Status = { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message };
  return new ApiError(status);
}

export function readyCondition(status: NodeCondition["status"], heartbeat: string): NodeCondition {
  return { type: "Ready", status, reason: "KubeletReady", lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat };
}

export function makeNode(name: string, heartbeat: string, ready: NodeCondition["status"] = "True"): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}` },
    spec: {},
    status: {
      conditions: [
        readyCondition(ready, heartbeat),
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", lastHeartbeatTime: heartbeat },
      ],
    },
  };
}

export function makePod(name: string, nodeName: string, extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], nodeName, ...extra },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }],
    },
  };
}

export interface Recorded {
  object: KubeObject;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeRecorder implements EventRecorder {
  readonly events: Recorded[] = [];

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object, type, reason, message });
  }

  reasons(name: string): string[] {
    return this.events.filter((e) => e.object.metadata.name === name).map((e) => e.reason);
  }
}

type Kind = "nodes" | "pods";

export class FakeApi {
  readonly nodes = new Map<string, Node>();
  readonly pods = new Map<string, Pod>();
  /** Every successful write, as "<resource>[/status] <name>" or "delete <name>". */
  readonly writes: string[] = [];
  /** Answers the next writes with a 409 before applying them, to simulate lost races. */
  conflictsToInject = 0;
  /** Runs before each write is decided, e.g. to land a heartbeat first. */
  beforeWrite: (() => void) | undefined;
  private rv = 100;

  putNode(node: Node): Node {
    return this.store("nodes", node) as Node;
  }

  putPod(pod: Pod): Pod {
    return this.store("pods", pod) as Pod;
  }

  node(name: string): Node {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`fake has no node ${name}`);
    return n;
  }

  pod(name: string): Pod {
    const p = this.pods.get(name);
    if (!p) throw new Error(`fake has no pod ${name}`);
    return p;
  }

  api(): NodeLifecycleApi {
    return {
      list: async <T extends KubeObject>(res: ResourceInfo, opts?: { fieldSelector?: string }): Promise<KubeList<T>> => {
        const items: KubeObject[] = [...this.map(res).values()];
        const onNode = opts?.fieldSelector?.match(/^spec\.nodeName=(.*)$/)?.[1];
        const selected = onNode === undefined ? items : (items as Pod[]).filter((p) => p.spec.nodeName === onNode);
        return { apiVersion: "v1", kind: res.listKind, metadata: { resourceVersion: String(this.rv) }, items: structuredClone(selected) as T[] };
      },
      get: async <T extends KubeObject>(res: ResourceInfo, name: string): Promise<T> => {
        const obj = this.map(res).get(name);
        if (!obj) throw apiError(404, "NotFound", `${res.resource} "${name}" not found`);
        return structuredClone(obj) as T;
      },
      update: async <T extends KubeObject>(res: ResourceInfo, obj: T, opts?: { subresource?: "status" }): Promise<T> => {
        this.beforeWrite?.();
        const name = obj.metadata.name ?? "";
        const current = this.map(res).get(name);
        if (!current) throw apiError(404, "NotFound", `${res.resource} "${name}" not found`);
        if (this.conflictsToInject > 0 || current.metadata.resourceVersion !== obj.metadata.resourceVersion) {
          this.conflictsToInject = Math.max(0, this.conflictsToInject - 1);
          throw apiError(409, "Conflict", "the object has been modified");
        }
        // As the apiserver: the main resource ignores status, /status ignores the rest.
        const incoming = structuredClone(obj) as KubeObject & { status?: unknown };
        const next =
          opts?.subresource === "status"
            ? { ...structuredClone(current), status: incoming.status }
            : { ...incoming, status: structuredClone((current as { status?: unknown }).status) };
        this.writes.push(`${res.resource}${opts?.subresource ? "/status" : ""} ${name}`);
        return structuredClone(this.store(res.resource as Kind, next as Node | Pod)) as unknown as T;
      },
      delete: async (res: ResourceInfo, name: string, opts?: { preconditions?: { uid?: string } }): Promise<KubeObject> => {
        this.beforeWrite?.();
        const current = this.map(res).get(name);
        if (!current) throw apiError(404, "NotFound", `${res.resource} "${name}" not found`);
        if (opts?.preconditions?.uid && opts.preconditions.uid !== current.metadata.uid) {
          throw apiError(409, "Conflict", "Precondition failed: UID");
        }
        this.writes.push(`delete ${name}`);
        // A bound pod is only marked; its agent would remove it.
        const marked = { ...current, metadata: { ...current.metadata, deletionTimestamp: "2025-01-01T00:00:00Z", deletionGracePeriodSeconds: 30 } };
        return this.store(res.resource as Kind, marked as Node | Pod);
      },
    };
  }

  private map(res: ResourceInfo): Map<string, KubeObject> {
    if (res.resource === "nodes") return this.nodes as Map<string, KubeObject>;
    if (res.resource === "pods") return this.pods as Map<string, KubeObject>;
    throw new Error(`the fake serves nodes and pods, not ${res.resource}`);
  }

  private store(kind: Kind, obj: Node | Pod): Node | Pod {
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    (this[kind] as Map<string, KubeObject>).set(stored.metadata.name ?? "", stored);
    return stored;
  }
}
