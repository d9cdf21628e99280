// How Kubernetes merges the fields of the supported kinds: the `+patchStrategy`,
// `+patchMergeKey`, `+listType` and `+listMapKey` markers of k8s.io/api, which the
// OpenAPI documents publish as x-kubernetes-patch-strategy and friends and
// strategic merge patch and server-side apply act on. One table for both, keyed by
// the schema of the object that holds the field. A list that is not here is
// replaced whole by a strategic merge patch, as Kubernetes does for lists without
// a strategy. Beside it, the markers that concern a type wherever it is used
// (+structType=atomic, and defaults of fields that are list map keys).
import type { TSchema } from "@sinclair/typebox";
import { NodeAffinity, PodAffinity, PodAffinityTerm, PodAntiAffinity, TopologySpreadConstraint } from "./types/affinity.js";
import { DaemonSetStatus, DeploymentSpec, DeploymentStatus, ReplicaSetStatus, StatefulSetStatus } from "./types/apps.js";
import { CronJobStatus, JobStatus } from "./types/batch.js";
import {
  Container,
  ContainerPort,
  EphemeralContainer,
  ExecAction,
  HTTPGetAction,
  NamespaceSpec,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  NodeSpec,
  NodeStatus,
  PodSpec,
  PodStatus,
} from "./types/core.js";
import { Endpoint, EndpointHints, EndpointSlice } from "./types/discovery.js";
import { ConfigMapKeySelector, ObjectFieldSelector, ResourceFieldSelector, SecretKeySelector } from "./types/env.js";
import { DeleteOptions, LabelSelectorRequirementSchema, LabelSelectorSchema, ObjectMeta } from "./types/meta.js";
import {
  HTTPIngressRuleValue,
  IngressLoadBalancerIngress,
  IngressLoadBalancerStatus,
  IngressSpec,
  IngressTLS,
  IPBlock,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicySpec,
} from "./types/networking.js";
import { PersistentVolumeClaimSpec, PersistentVolumeClaimStatus, PersistentVolumeSpec } from "./types/persistent-volumes.js";
import { PodDisruptionBudgetStatus } from "./types/policy.js";
import { Endpoints, EndpointSubset, LoadBalancerIngress, LoadBalancerStatus, ServicePort, ServiceSpec } from "./types/services.js";
import { StorageClass } from "./types/storage.js";
import {
  ConfigMapProjection,
  ConfigMapVolumeSource,
  DownwardAPIProjection,
  DownwardAPIVolumeSource,
  ProjectedVolumeSource,
  SecretProjection,
  SecretVolumeSource,
} from "./types/volumes.js";
import { schemaIdentity } from "./openapi-names.js";

export interface FieldPatchMeta {
  /** x-kubernetes-list-type: a list replaced whole, a set of scalars, or a map keyed by listMapKeys. */
  listType?: "atomic" | "set" | "map";
  /** x-kubernetes-list-map-keys: the fields that identify an item of a "map" list. */
  listMapKeys?: string[];
  /** x-kubernetes-patch-strategy for strategic merge patch. */
  patchStrategy?: "merge" | "retainKeys" | "merge,retainKeys";
  /** x-kubernetes-patch-merge-key: the field that matches items of a merged list. */
  patchMergeKey?: string;
  /** x-kubernetes-map-type: a map replaced and owned whole by server-side apply (+mapType=atomic). */
  mapType?: "atomic";
}

export interface TypePatchMeta {
  /** x-kubernetes-map-type on the type: its objects are replaced and owned whole (+structType=atomic). */
  mapType?: "atomic";
  /** Defaults of fields that are list map keys: they identify an item that leaves them out. */
  keyDefaults?: Record<string, string>;
}

const atomic: FieldPatchMeta = { listType: "atomic" };
const mergedSet: FieldPatchMeta = { listType: "set", patchStrategy: "merge" };
const conditions = mergedMap("type");

function mergedMap(key: string, mapKeys: string[] = [key]): FieldPatchMeta {
  return { listType: "map", listMapKeys: mapKeys, patchStrategy: "merge", patchMergeKey: key };
}

const containerFields: Record<string, FieldPatchMeta> = {
  command: atomic,
  args: atomic,
  ports: mergedMap("containerPort", ["containerPort", "protocol"]),
  envFrom: atomic,
  env: mergedMap("name"),
  volumeMounts: mergedMap("mountPath"),
};

const table: [TSchema, Record<string, FieldPatchMeta>][] = [
  [ObjectMeta, { finalizers: mergedSet, ownerReferences: mergedMap("uid"), managedFields: atomic }],
  [LabelSelectorSchema, { matchExpressions: atomic }],
  [LabelSelectorRequirementSchema, { values: atomic }],
  [DeleteOptions, { dryRun: atomic }],
  [NamespaceSpec, { finalizers: atomic }],
  [NodeSpec, { podCIDRs: mergedSet, taints: atomic }],
  // Addresses are merged by type but several may share one (dual-stack), so the list is atomic.
  [NodeStatus, { conditions, addresses: { listType: "atomic", patchStrategy: "merge", patchMergeKey: "type" } }],
  [
    PodSpec,
    {
      // A volume that changes its source drops the old one (retainKeys), so that it keeps exactly one.
      volumes: { ...mergedMap("name"), patchStrategy: "merge,retainKeys" },
      initContainers: mergedMap("name"),
      containers: mergedMap("name"),
      ephemeralContainers: mergedMap("name"),
      tolerations: atomic,
      nodeSelector: { mapType: "atomic" },
      imagePullSecrets: mergedMap("name"),
      topologySpreadConstraints: mergedMap("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
      schedulingGates: mergedMap("name"),
    },
  ],
  [Container, containerFields],
  // An ephemeral container's lists merge as a Container's.
  [EphemeralContainer, containerFields],
  [SecretVolumeSource, { items: atomic }],
  [ConfigMapVolumeSource, { items: atomic }],
  [DownwardAPIVolumeSource, { items: atomic }],
  [ProjectedVolumeSource, { sources: atomic }],
  [SecretProjection, { items: atomic }],
  [ConfigMapProjection, { items: atomic }],
  [DownwardAPIProjection, { items: atomic }],
  [ExecAction, { command: atomic }],
  [HTTPGetAction, { httpHeaders: atomic }],
  [
    PodStatus,
    {
      conditions,
      podIPs: mergedMap("ip"),
      hostIPs: { listType: "atomic", patchStrategy: "merge", patchMergeKey: "ip" },
      containerStatuses: atomic,
      ephemeralContainerStatuses: atomic,
    },
  ],
  // Switching strategy.type drops the other type's parameters (rollingUpdate).
  [DeploymentSpec, { strategy: { patchStrategy: "retainKeys" } }],
  [DeploymentStatus, { conditions }],
  [ReplicaSetStatus, { conditions }],
  [DaemonSetStatus, { conditions }],
  [StatefulSetStatus, { conditions }],
  [PodDisruptionBudgetStatus, { conditions }],
  [JobStatus, { conditions: { listType: "atomic", patchStrategy: "merge", patchMergeKey: "type" } }],
  [CronJobStatus, { active: atomic }],
  [
    ServiceSpec,
    {
      ports: mergedMap("port", ["port", "protocol"]),
      selector: { mapType: "atomic" },
      clusterIPs: atomic,
      externalIPs: atomic,
      ipFamilies: atomic,
      loadBalancerSourceRanges: atomic,
    },
  ],
  [LoadBalancerStatus, { ingress: atomic }],
  [LoadBalancerIngress, { ports: atomic }],
  [Endpoints, { subsets: atomic }],
  [EndpointSubset, { addresses: atomic, notReadyAddresses: atomic, ports: atomic }],
  [EndpointSlice, { endpoints: atomic, ports: atomic }],
  [Endpoint, { addresses: { listType: "set" } }],
  [EndpointHints, { forZones: atomic, forNodes: atomic }],
  [IngressSpec, { tls: atomic, rules: atomic }],
  [IngressTLS, { hosts: atomic }],
  [HTTPIngressRuleValue, { paths: atomic }],
  [IngressLoadBalancerStatus, { ingress: atomic }],
  [IngressLoadBalancerIngress, { ports: atomic }],
  [NetworkPolicySpec, { ingress: atomic, egress: atomic, policyTypes: atomic }],
  [NetworkPolicyIngressRule, { ports: atomic, from: atomic }],
  [NetworkPolicyEgressRule, { ports: atomic, to: atomic }],
  [IPBlock, { except: atomic }],
  [NodeSelector, { nodeSelectorTerms: atomic }],
  [NodeSelectorTerm, { matchExpressions: atomic, matchFields: atomic }],
  [NodeSelectorRequirement, { values: atomic }],
  [NodeAffinity, { preferredDuringSchedulingIgnoredDuringExecution: atomic }],
  [PodAffinity, { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic }],
  [PodAntiAffinity, { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic }],
  [PodAffinityTerm, { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic }],
  [TopologySpreadConstraint, { matchLabelKeys: atomic }],
  [PersistentVolumeSpec, { accessModes: atomic, mountOptions: atomic }],
  [PersistentVolumeClaimSpec, { accessModes: atomic }],
  [PersistentVolumeClaimStatus, { accessModes: atomic, conditions }],
  [StorageClass, { mountOptions: atomic }],
];

const byParent = new Map<object, Record<string, FieldPatchMeta>>(table.map(([schema, fields]) => [schemaIdentity(schema), fields]));

/** How `field` of an object of type `parent` merges; undefined when Kubernetes marks nothing. */
export function patchMetaOf(parent: TSchema, field: string): FieldPatchMeta | undefined {
  return byParent.get(schemaIdentity(parent))?.[field];
}

const typeTable: [TSchema, TypePatchMeta][] = [
  // metav1.LabelSelector is +structType=atomic: an applier owns the whole selector.
  [LabelSelectorSchema, { mapType: "atomic" }],
  // So are the selectors of an environment variable's source: a source is replaced whole.
  [ConfigMapKeySelector, { mapType: "atomic" }],
  [SecretKeySelector, { mapType: "atomic" }],
  [ObjectFieldSelector, { mapType: "atomic" }],
  [ResourceFieldSelector, { mapType: "atomic" }],
  // So are a node selector and its terms: a volume's node affinity is owned whole.
  [NodeSelector, { mapType: "atomic" }],
  [NodeSelectorTerm, { mapType: "atomic" }],
  // A port without a protocol is the TCP port, also as an item of Container.ports.
  [ContainerPort, { keyDefaults: { protocol: "TCP" } }],
  [ServicePort, { keyDefaults: { protocol: "TCP" } }],
];

const byType = new Map<object, TypePatchMeta>(typeTable.map(([schema, meta]) => [schemaIdentity(schema), meta]));

/** How objects of type `schema` merge wherever they appear; undefined when Kubernetes marks nothing. */
export function typePatchMetaOf(schema: TSchema): TypePatchMeta | undefined {
  return byType.get(schemaIdentity(schema));
}
