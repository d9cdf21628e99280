// The table of kinds the API serves. The apiserver routes and stores by it, the
// client builds paths from it, and the CLI resolves names like "po" or "pods/web"
// through it: one list, so a new kind is added in one place.
import type { TSchema } from "@sinclair/typebox";
import { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from "./types/apps.js";
import { Scale } from "./types/autoscaling.js";
import { CronJob, Job } from "./types/batch.js";
import { Binding, ConfigMap, Event, Eviction, Namespace, Node, Pod, Secret } from "./types/core.js";
import { EndpointSlice } from "./types/discovery.js";
import { Ingress, IngressClass, NetworkPolicy } from "./types/networking.js";
import { PersistentVolume, PersistentVolumeClaim } from "./types/persistent-volumes.js";
import { PodDisruptionBudget } from "./types/policy.js";
import { TokenRequest } from "./types/authentication.js";
import { ReplicationController } from "./types/replication-controllers.js";
import { PriorityClass } from "./types/scheduling.js";
import { ServiceAccount } from "./types/service-accounts.js";
import { Endpoints, Service } from "./types/services.js";
import { StorageClass } from "./types/storage.js";

export interface ResourceInfo {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Lower-case plural used in paths: "pods". */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  /** Subresources served under {resource}/{name}/{sub}. */
  subresources: string[];
  schema: TSchema;
}

// No "deletecollection": the apiserver does not serve DELETE on a collection yet, and
// discovery must not promise it (kubectl deletes one by one without it).
const allVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

export const resources: readonly ResourceInfo[] = [
  {
    group: "", version: "v1", resource: "namespaces", singular: "namespace", kind: "Namespace",
    listKind: "NamespaceList", namespaced: false, shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: ["status"],
    schema: Namespace,
  },
  {
    group: "", version: "v1", resource: "nodes", singular: "node", kind: "Node",
    listKind: "NodeList", namespaced: false, shortNames: ["no"],
    verbs: allVerbs, subresources: ["status"], schema: Node,
  },
  {
    group: "", version: "v1", resource: "pods", singular: "pod", kind: "Pod",
    listKind: "PodList", namespaced: true, shortNames: ["po"],
    verbs: allVerbs, subresources: ["status", "binding", "log", "eviction", "exec", "attach", "portforward", "ephemeralcontainers"], schema: Pod,
  },
  {
    group: "", version: "v1", resource: "events", singular: "event", kind: "Event",
    listKind: "EventList", namespaced: true, shortNames: ["ev"],
    verbs: allVerbs, subresources: [], schema: Event,
  },
  {
    group: "", version: "v1", resource: "secrets", singular: "secret", kind: "Secret",
    listKind: "SecretList", namespaced: true, shortNames: [],
    verbs: allVerbs, subresources: [], schema: Secret,
  },
  {
    group: "", version: "v1", resource: "configmaps", singular: "configmap", kind: "ConfigMap",
    listKind: "ConfigMapList", namespaced: true, shortNames: ["cm"],
    verbs: allVerbs, subresources: [], schema: ConfigMap,
  },
  {
    group: "", version: "v1", resource: "serviceaccounts", singular: "serviceaccount", kind: "ServiceAccount",
    listKind: "ServiceAccountList", namespaced: true, shortNames: ["sa"],
    verbs: allVerbs, subresources: ["token"], schema: ServiceAccount,
  },
  {
    group: "", version: "v1", resource: "persistentvolumes", singular: "persistentvolume", kind: "PersistentVolume",
    listKind: "PersistentVolumeList", namespaced: false, shortNames: ["pv"],
    verbs: allVerbs, subresources: ["status"], schema: PersistentVolume,
  },
  {
    group: "", version: "v1", resource: "persistentvolumeclaims", singular: "persistentvolumeclaim", kind: "PersistentVolumeClaim",
    listKind: "PersistentVolumeClaimList", namespaced: true, shortNames: ["pvc"],
    verbs: allVerbs, subresources: ["status"], schema: PersistentVolumeClaim,
  },
  {
    group: "", version: "v1", resource: "replicationcontrollers", singular: "replicationcontroller", kind: "ReplicationController",
    listKind: "ReplicationControllerList", namespaced: true, shortNames: ["rc"],
    verbs: allVerbs, subresources: ["status", "scale"], schema: ReplicationController,
  },
  {
    group: "", version: "v1", resource: "services", singular: "service", kind: "Service",
    listKind: "ServiceList", namespaced: true, shortNames: ["svc"],
    verbs: allVerbs, subresources: ["status"], schema: Service,
  },
  {
    group: "", version: "v1", resource: "endpoints", singular: "endpoints", kind: "Endpoints",
    listKind: "EndpointsList", namespaced: true, shortNames: ["ep"],
    verbs: allVerbs, subresources: [], schema: Endpoints,
  },
  {
    group: "apps", version: "v1", resource: "deployments", singular: "deployment", kind: "Deployment",
    listKind: "DeploymentList", namespaced: true, shortNames: ["deploy"],
    verbs: allVerbs, subresources: ["status", "scale"], schema: Deployment,
  },
  {
    group: "apps", version: "v1", resource: "replicasets", singular: "replicaset", kind: "ReplicaSet",
    listKind: "ReplicaSetList", namespaced: true, shortNames: ["rs"],
    verbs: allVerbs, subresources: ["status", "scale"], schema: ReplicaSet,
  },
  {
    group: "apps", version: "v1", resource: "daemonsets", singular: "daemonset", kind: "DaemonSet",
    listKind: "DaemonSetList", namespaced: true, shortNames: ["ds"],
    verbs: allVerbs, subresources: ["status"], schema: DaemonSet,
  },
  {
    group: "apps", version: "v1", resource: "statefulsets", singular: "statefulset", kind: "StatefulSet",
    listKind: "StatefulSetList", namespaced: true, shortNames: ["sts"],
    verbs: allVerbs, subresources: ["status", "scale"], schema: StatefulSet,
  },
  {
    group: "apps", version: "v1", resource: "controllerrevisions", singular: "controllerrevision", kind: "ControllerRevision",
    listKind: "ControllerRevisionList", namespaced: true, shortNames: [],
    verbs: allVerbs, subresources: [], schema: ControllerRevision,
  },
  {
    group: "batch", version: "v1", resource: "jobs", singular: "job", kind: "Job",
    listKind: "JobList", namespaced: true, shortNames: [],
    verbs: allVerbs, subresources: ["status"], schema: Job,
  },
  {
    group: "batch", version: "v1", resource: "cronjobs", singular: "cronjob", kind: "CronJob",
    listKind: "CronJobList", namespaced: true, shortNames: ["cj"],
    verbs: allVerbs, subresources: ["status"], schema: CronJob,
  },
  {
    group: "discovery.k8s.io", version: "v1", resource: "endpointslices", singular: "endpointslice", kind: "EndpointSlice",
    listKind: "EndpointSliceList", namespaced: true, shortNames: [],
    verbs: allVerbs, subresources: [], schema: EndpointSlice,
  },
  {
    group: "networking.k8s.io", version: "v1", resource: "ingresses", singular: "ingress", kind: "Ingress",
    listKind: "IngressList", namespaced: true, shortNames: ["ing"],
    verbs: allVerbs, subresources: ["status"], schema: Ingress,
  },
  {
    group: "networking.k8s.io", version: "v1", resource: "ingressclasses", singular: "ingressclass", kind: "IngressClass",
    listKind: "IngressClassList", namespaced: false, shortNames: [],
    verbs: allVerbs, subresources: [], schema: IngressClass,
  },
  {
    group: "networking.k8s.io", version: "v1", resource: "networkpolicies", singular: "networkpolicy", kind: "NetworkPolicy",
    listKind: "NetworkPolicyList", namespaced: true, shortNames: ["netpol"],
    verbs: allVerbs, subresources: [], schema: NetworkPolicy,
  },
  {
    group: "policy", version: "v1", resource: "poddisruptionbudgets", singular: "poddisruptionbudget", kind: "PodDisruptionBudget",
    listKind: "PodDisruptionBudgetList", namespaced: true, shortNames: ["pdb"],
    verbs: allVerbs, subresources: ["status"], schema: PodDisruptionBudget,
  },
  {
    group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses", singular: "priorityclass", kind: "PriorityClass",
    listKind: "PriorityClassList", namespaced: false, shortNames: ["pc"],
    verbs: allVerbs, subresources: [], schema: PriorityClass,
  },
  {
    group: "storage.k8s.io", version: "v1", resource: "storageclasses", singular: "storageclass", kind: "StorageClass",
    listKind: "StorageClassList", namespaced: false, shortNames: ["sc"],
    verbs: allVerbs, subresources: [], schema: StorageClass,
  },
];

/** Schemas of request bodies that are not stored kinds. */
export const bindingSchema: TSchema = Binding;
export const evictionSchema: TSchema = Eviction;
export const scaleSchema: TSchema = Scale;
export const tokenRequestSchema: TSchema = TokenRequest;

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

export function resourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion);
}

export function resourceByPath(group: string, version: string, resource: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Resolves what a user types ("pods", "pod", "po", "Pod") to a resource. */
export function resourceByName(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  return resources.find(
    (r) => r.resource === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n),
  );
}

/** A resource the code itself names ("pods"); its absence is a programming error. */
export function mustResource(name: string): ResourceInfo {
  const res = resourceByName(name);
  if (!res) throw new Error(`the API resource table has no "${name}"; the @bosun packages are out of step, rebuild with 'npm run build'`);
  return res;
}
