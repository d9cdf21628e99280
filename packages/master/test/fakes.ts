// In-memory stand-ins for the pod and node informers and the REST client, so the
// dispatcher's logic is tested without etcd or HTTP. Not a test file itself.
import { objectKey, type KubeObject, type Node, type Pod, type ResourceInfo, type Status } from "@bosun/api";
import { ApiError } from "@bosun/client";
import type { DispatcherApi, ObjectCache } from "../src/dispatcher/api-port.js";

export function pod(name: string, nodeName: string | undefined, extra: Partial<Pod["metadata"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "1", ...extra },
    spec: { containers: [{ name: "c", image: "bosun.local/busybox:1" }], ...(nodeName ? { nodeName } : {}) },
  };
}

/** An informer's cache held in a map, telling handlers of changes as the informer does. */
export class FakeCache<T extends KubeObject> implements ObjectCache<T> {
  readonly objects = new Map<string, T>();
  private readonly adds: Array<(o: T) => void> = [];
  private readonly updates: Array<(old: T, o: T) => void> = [];
  private readonly deletes: Array<(o: T) => void> = [];

  list(): T[] {
    return [...this.objects.values()];
  }
  get(key: string): T | undefined {
    return this.objects.get(key);
  }
  onAdd(h: (o: T) => void): void {
    this.adds.push(h);
  }
  onUpdate(h: (old: T, o: T) => void): void {
    this.updates.push(h);
  }
  onDelete(h: (o: T) => void): void {
    this.deletes.push(h);
  }

  /** Adds or updates, telling handlers as the informer does. */
  set(o: T): void {
    const key = objectKey(o);
    const old = this.objects.get(key);
    this.objects.set(key, o);
    if (old) for (const h of this.updates) h(old, o);
    else for (const h of this.adds) h(o);
  }
  remove(o: T): void {
    this.objects.delete(objectKey(o));
    for (const h of this.deletes) h(o);
  }
}

export class FakePodCache extends FakeCache<Pod> {}

/** A node as an agent registered it, with its InternalIP and, once allocated, its pod CIDR. */
export function node(name: string, opts: { podCIDR?: string; internalIp?: string } = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, resourceVersion: "1" },
    spec: opts.podCIDR ? { podCIDR: opts.podCIDR, podCIDRs: [opts.podCIDR] } : {},
    status: { addresses: opts.internalIp ? [{ type: "InternalIP", address: opts.internalIp }] : [] },
  };
}

export function apiError(code: number, reason: string): ApiError {
  const status: Status = { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message: `${reason} (fake)` };
  return new ApiError(status);
}

export interface Call {
  verb: "get" | "create" | "patch" | "delete";
  resource: string;
  name: string;
  namespace?: string;
  body?: unknown;
  opts?: unknown;
}

/**
 * Records calls; objects live in a map keyed by "resource/namespace/name". Merge
 * patches are applied one level deep, which is all the dispatcher's patches need.
 */
export class FakeApi {
  readonly calls: Call[] = [];
  readonly objects = new Map<string, KubeObject>();
  /** Set to make the next calls of a verb fail. */
  failNext: Partial<Record<Call["verb"], ApiError>> = {};
  private rv = 10;
  private uid = 0;

  key(resource: string, name: string, namespace?: string): string {
    return `${resource}/${namespace ?? ""}/${name}`;
  }

  client(): DispatcherApi {
    const self = this;
    const fail = (verb: Call["verb"]) => {
      const err = self.failNext[verb];
      if (err) {
        delete self.failNext[verb];
        throw err;
      }
    };
    return {
      async get<T extends KubeObject>(res: ResourceInfo, name: string, namespace?: string): Promise<T> {
        self.calls.push({ verb: "get", resource: res.resource, name, namespace });
        fail("get");
        const obj = self.objects.get(self.key(res.resource, name, namespace));
        if (!obj) throw apiError(404, "NotFound");
        return structuredClone(obj) as T;
      },
      async create<T extends KubeObject>(res: ResourceInfo, obj: T, namespace?: string): Promise<T> {
        const ns = namespace ?? obj.metadata.namespace;
        self.calls.push({ verb: "create", resource: res.resource, name: obj.metadata.name ?? "", namespace: ns, body: obj });
        fail("create");
        const key = self.key(res.resource, obj.metadata.name ?? "", ns);
        if (self.objects.has(key)) throw apiError(409, "AlreadyExists");
        const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, uid: `uid-${++self.uid}`, resourceVersion: String(++self.rv) } };
        self.objects.set(key, stored);
        return structuredClone(stored);
      },
      async patch<T extends KubeObject>(res: ResourceInfo, name: string, patch: unknown, opts: { namespace?: string } = {}): Promise<T> {
        self.calls.push({ verb: "patch", resource: res.resource, name, namespace: opts.namespace, body: patch, opts });
        fail("patch");
        const key = self.key(res.resource, name, opts.namespace);
        const obj = self.objects.get(key) as Record<string, unknown> | undefined;
        if (!obj) throw apiError(404, "NotFound");
        const merged: Record<string, unknown> = { ...obj };
        for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
          merged[k] = v && typeof v === "object" && !Array.isArray(v) ? { ...(obj[k] as object), ...v } : v;
        }
        (merged.metadata as Record<string, unknown>).resourceVersion = String(++self.rv);
        self.objects.set(key, merged as unknown as KubeObject);
        return structuredClone(merged) as unknown as T;
      },
      async delete(res: ResourceInfo, name: string, opts: { namespace?: string } = {}): Promise<KubeObject | Status> {
        self.calls.push({ verb: "delete", resource: res.resource, name, namespace: opts.namespace, opts });
        fail("delete");
        const key = self.key(res.resource, name, opts.namespace);
        const obj = self.objects.get(key);
        if (!obj) throw apiError(404, "NotFound");
        self.objects.delete(key);
        return obj;
      },
    };
  }
}

/** Lets setImmediate callbacks (the assignment stream's coalescing) run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
