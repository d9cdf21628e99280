// The parts of the client library the dispatcher uses. Naming them lets unit tests
// pass fakes while production passes the real ApiClient (which talks to the master's
// own apiserver over HTTP like every other client) and a pod Informer.
import type { ApiClient } from "@bosun/client";
import type { Node, Pod } from "@bosun/api";

export type DispatcherApi = Pick<ApiClient, "get" | "create" | "patch" | "delete">;

/** A list+watch cache of one kind, as an Informer keeps it. */
export interface ObjectCache<T> {
  list(): T[];
  /** By "namespace/name", or the name of a cluster-scoped object. */
  get(key: string): T | undefined;
  onAdd(handler: (obj: T) => void): unknown;
  onUpdate(handler: (oldObj: T, obj: T) => void): unknown;
  onDelete(handler: (obj: T) => void): unknown;
}

/** The dispatcher's one cache of all pods, shared by assignments, status and events. */
export type PodCache = ObjectCache<Pod>;

/** The dispatcher's cache of all nodes, which the Network streams are drawn from. */
export type NodeCache = ObjectCache<Node>;
