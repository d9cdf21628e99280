// The parts of the client library the dispatcher uses. Naming them lets unit tests
// pass fakes while production passes the real ApiClient (which talks to the master's
// own apiserver over HTTP like every other client) and a pod Informer.
import type { ApiClient } from "@bosun/client";
import type { Pod } from "@bosun/api";

export type DispatcherApi = Pick<ApiClient, "get" | "create" | "patch" | "delete">;

/** The dispatcher's one cache of all pods, shared by assignments, status and events. */
export interface PodCache {
  list(): Pod[];
  /** By "namespace/name". */
  get(key: string): Pod | undefined;
  onAdd(handler: (pod: Pod) => void): unknown;
  onUpdate(handler: (oldPod: Pod, pod: Pod) => void): unknown;
  onDelete(handler: (pod: Pod) => void): unknown;
}
