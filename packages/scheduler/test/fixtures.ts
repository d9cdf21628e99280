// Builders for the nodes and pods the scheduler tests feed to plugins and the loop,
// and a plugin handle over lists of the objects plugins read.
import type {
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  PreemptionPolicy,
  Quantity,
  ReplicaSet,
  ReplicationController,
  Service,
  StatefulSet,
  StorageClass,
  Taint,
  Toleration,
} from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import type { Handle } from "../src/framework/handle.js";

export interface HandleObjects {
  claims?: PersistentVolumeClaim[];
  volumes?: PersistentVolume[];
  classes?: StorageClass[];
  namespaces?: Namespace[];
  services?: Service[];
  replicationControllers?: ReplicationController[];
  replicaSets?: ReplicaSet[];
  statefulSets?: StatefulSet[];
  pods?: Pod[];
  budgets?: PodDisruptionBudget[];
  /** Records the patches a pre-bind step makes. */
  patches?: { name: string; namespace: string | undefined; patch: unknown }[];
  /** Records the pods deleted ("namespace/name") and the events recorded. */
  deletes?: string[];
  events?: { reason: string; message: string; object: string }[];
}

/** A handle whose listers read the given lists (live: changes to them show) and whose client only records patches. */
export function makeHandle(objects: HandleObjects = {}): Handle {
  const client = {
    patch: async (_res: unknown, name: string, patch: unknown, opts: { namespace?: string }) => {
      objects.patches?.push({ name, namespace: opts.namespace, patch });
      return {};
    },
    delete: async (_res: unknown, name: string, opts: { namespace?: string }) => {
      objects.deletes?.push(`${opts.namespace}/${name}`);
      return {};
    },
  } as unknown as ApiClient;
  return {
    client,
    recorder: {
      event: (object, _type, reason, message) => {
        objects.events?.push({ reason, message, object: `${object.metadata.namespace}/${object.metadata.name}` });
      },
    },
    listers: {
      pods: () => objects.pods ?? [],
      podDisruptionBudgets: () => objects.budgets ?? [],
      claim: (namespace, name) => objects.claims?.find((c) => c.metadata.namespace === namespace && c.metadata.name === name),
      volume: (name) => objects.volumes?.find((v) => v.metadata.name === name),
      volumes: () => objects.volumes ?? [],
      storageClass: (name) => objects.classes?.find((c) => c.metadata.name === name),
      namespace: (name) => objects.namespaces?.find((n) => n.metadata.name === name),
      namespaces: () => objects.namespaces ?? [],
      services: (namespace) => (objects.services ?? []).filter((s) => s.metadata.namespace === namespace),
      replicationController: (namespace, name) =>
        objects.replicationControllers?.find((r) => r.metadata.namespace === namespace && r.metadata.name === name),
      replicaSet: (namespace, name) => objects.replicaSets?.find((r) => r.metadata.namespace === namespace && r.metadata.name === name),
      statefulSet: (namespace, name) => objects.statefulSets?.find((r) => r.metadata.namespace === namespace && r.metadata.name === name),
    },
  };
}

export interface NodeSpecOpts {
  cpu?: Quantity;
  memory?: Quantity;
  pods?: Quantity;
  labels?: Record<string, string>;
  ready?: "True" | "False" | "Unknown" | "absent";
  unschedulable?: boolean;
  taints?: Taint[];
}

export function makeNode(name: string, opts: NodeSpecOpts = {}): Node {
  const allocatable: Record<string, Quantity> = { cpu: opts.cpu ?? "4", memory: opts.memory ?? "8Gi" };
  if (opts.pods !== undefined) allocatable.pods = opts.pods;
  const ready = opts.ready ?? "True";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, labels: opts.labels ?? {} },
    spec: {
      ...(opts.unschedulable ? { unschedulable: true } : {}),
      ...(opts.taints ? { taints: opts.taints } : {}),
    },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: ready === "absent" ? [] : [{ type: "Ready", status: ready }],
    },
  };
}

export interface PodSpecOpts {
  namespace?: string;
  cpu?: Quantity;
  memory?: Quantity;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  labels?: Record<string, string>;
  schedulerName?: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  tolerations?: Toleration[];
  priority?: number;
  preemptionPolicy?: PreemptionPolicy;
  /** status.startTime, for victim ordering. */
  startTime?: string;
}

export function makePod(name: string, opts: PodSpecOpts = {}): Pod {
  const requests: Record<string, Quantity> = {};
  if (opts.cpu !== undefined) requests.cpu = opts.cpu;
  if (opts.memory !== undefined) requests.memory = opts.memory;
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: opts.namespace ?? "default", uid: `uid-${name}`, labels: opts.labels ?? {} },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1", resources: { requests } }] },
    status: { phase: opts.phase ?? "Pending" },
  };
  if (opts.nodeName) pod.spec.nodeName = opts.nodeName;
  if (opts.nodeSelector) pod.spec.nodeSelector = opts.nodeSelector;
  if (opts.schedulerName) pod.spec.schedulerName = opts.schedulerName;
  if (opts.tolerations) pod.spec.tolerations = opts.tolerations;
  if (opts.priority !== undefined) pod.spec.priority = opts.priority;
  if (opts.preemptionPolicy) pod.spec.preemptionPolicy = opts.preemptionPolicy;
  if (opts.startTime) pod.status!.startTime = opts.startTime;
  return pod;
}
