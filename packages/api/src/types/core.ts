// core/v1 kinds Bosun supports: Namespace, Node, Pod, Binding, Event, Secret,
// ConfigMap, and the policy/v1 Eviction body of pods/{name}/eviction (the
// persistent volume kinds are in persistent-volumes.ts, a pod's volumes in
// volumes.ts).
// Fields follow k8s.io/api/core/v1 exactly (names, nesting, JSON types); a field
// that is not here is not supported and is refused by the apiserver, by path.
import { Type, type Static } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";
import { Affinity, PodSchedulingGate, TopologySpreadConstraint } from "./affinity.js";
import { EnvFromSource, EnvVar } from "./env.js";
import { ExecAction, HTTPGetAction, Lifecycle } from "./lifecycle.js";
import { DeleteOptions, IntOrString, kindSchema, ObjectMeta, Quantity, StringMap, Time, strict } from "./meta.js";
import { ContainerResizePolicy, HostAlias, PodOS, PodReadinessGate, PodResourceClaim, ResourceClaim, VolumeDevice } from "./pod-fields.js";
import { PodSecurityContext, SecurityContext } from "./security-context.js";
import { PreemptionPolicy } from "./scheduling.js";
import { LocalObjectReference, Volume, VolumeMount } from "./volumes.js";

export const ResourceList = Type.Record(Type.String(), Quantity);
export type ResourceList = Static<typeof ResourceList>;

// ---- Namespace ----

export const NamespaceSpec = Type.Object({ finalizers: Type.Optional(Type.Array(Type.String())) }, strict);
export const NamespaceStatus = Type.Object(
  { phase: Type.Optional(Type.Union([Type.Literal("Active"), Type.Literal("Terminating")])) },
  strict,
);
export const Namespace = kindSchema("v1", "Namespace", {
  spec: Type.Optional(NamespaceSpec),
  status: Type.Optional(NamespaceStatus),
});
export type Namespace = Static<typeof Namespace>;

// ---- Node ----

export const Taint = Type.Object(
  {
    key: Type.String(),
    value: Type.Optional(Type.String()),
    effect: Type.Union([Type.Literal("NoSchedule"), Type.Literal("PreferNoSchedule"), Type.Literal("NoExecute")]),
    timeAdded: Type.Optional(Time),
  },
  strict,
);
export type Taint = Static<typeof Taint>;

export const NodeSpec = Type.Object(
  {
    podCIDR: Type.Optional(Type.String()),
    podCIDRs: Type.Optional(Type.Array(Type.String())),
    providerID: Type.Optional(Type.String()),
    unschedulable: Type.Optional(Type.Boolean()),
    taints: Type.Optional(Type.Array(Taint)),
  },
  strict,
);
export type NodeSpec = Static<typeof NodeSpec>;

export const ConditionStatus = Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]);
export type ConditionStatus = Static<typeof ConditionStatus>;

export const NodeCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    lastHeartbeatTime: Type.Optional(Time),
    lastTransitionTime: Type.Optional(Time),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  strict,
);
export type NodeCondition = Static<typeof NodeCondition>;

export const NodeAddress = Type.Object({ type: Type.String(), address: Type.String() }, strict);
export type NodeAddress = Static<typeof NodeAddress>;

export const NodeSystemInfo = Type.Object(
  {
    machineID: Type.Optional(Type.String()),
    systemUUID: Type.Optional(Type.String()),
    bootID: Type.Optional(Type.String()),
    kernelVersion: Type.Optional(Type.String()),
    osImage: Type.Optional(Type.String()),
    containerRuntimeVersion: Type.Optional(Type.String()),
    kubeletVersion: Type.Optional(Type.String()),
    kubeProxyVersion: Type.Optional(Type.String()),
    operatingSystem: Type.Optional(Type.String()),
    architecture: Type.Optional(Type.String()),
  },
  strict,
);

export const NodeStatus = Type.Object(
  {
    capacity: Type.Optional(ResourceList),
    allocatable: Type.Optional(ResourceList),
    phase: Type.Optional(Type.String()),
    conditions: Type.Optional(Type.Array(NodeCondition)),
    addresses: Type.Optional(Type.Array(NodeAddress)),
    daemonEndpoints: Type.Optional(
      Type.Object(
        { kubeletEndpoint: Type.Optional(Type.Object({ Port: Int32() }, strict)) },
        strict,
      ),
    ),
    nodeInfo: Type.Optional(NodeSystemInfo),
  },
  strict,
);
export type NodeStatus = Static<typeof NodeStatus>;

export const Node = kindSchema("v1", "Node", {
  spec: Type.Optional(NodeSpec),
  status: Type.Optional(NodeStatus),
});
export type Node = Static<typeof Node>;

// ---- Node selectors (a PersistentVolume's nodeAffinity; they live with the pod's affinity) ----

export { NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm } from "./affinity.js";

// ---- Pod ----

export const ContainerPort = Type.Object(
  {
    name: Type.Optional(Type.String()),
    containerPort: Int32(),
    hostPort: Type.Optional(Int32()),
    hostIP: Type.Optional(Type.String()),
    protocol: Type.Optional(Type.Union([Type.Literal("TCP"), Type.Literal("UDP"), Type.Literal("SCTP")])),
  },
  strict,
);
export type ContainerPort = Static<typeof ContainerPort>;

export const ResourceRequirements = Type.Object(
  {
    requests: Type.Optional(ResourceList),
    limits: Type.Optional(ResourceList),
    /** Refused by name (validation-pod-fields.ts): Bosun has no dynamic resource allocation. */
    claims: Type.Optional(Type.Array(ResourceClaim)),
  },
  strict,
);
export type ResourceRequirements = Static<typeof ResourceRequirements>;

// ---- Probes (k8s.io/api/core/v1 Probe) ----

// ExecAction and HTTPGetAction are shared with lifecycle hooks (lifecycle.ts).
export { ExecAction, HTTPGetAction, HTTPHeader } from "./lifecycle.js";
export const TCPSocketAction = Type.Object({ port: IntOrString, host: Type.Optional(Type.String()) }, strict);
export type TCPSocketAction = Static<typeof TCPSocketAction>;

export const Probe = Type.Object(
  {
    exec: Type.Optional(ExecAction),
    httpGet: Type.Optional(HTTPGetAction),
    tcpSocket: Type.Optional(TCPSocketAction),
    initialDelaySeconds: Type.Optional(Int32()),
    timeoutSeconds: Type.Optional(Int32()),
    periodSeconds: Type.Optional(Int32()),
    successThreshold: Type.Optional(Int32()),
    failureThreshold: Type.Optional(Int32()),
    terminationGracePeriodSeconds: Type.Optional(Int64()),
  },
  strict,
);
export type Probe = Static<typeof Probe>;

export const PullPolicy = Type.Union([Type.Literal("Always"), Type.Literal("IfNotPresent"), Type.Literal("Never")]);
export type PullPolicy = Static<typeof PullPolicy>;

export const Container = Type.Object(
  {
    name: Type.String(),
    image: Type.String(),
    command: Type.Optional(Type.Array(Type.String())),
    args: Type.Optional(Type.Array(Type.String())),
    workingDir: Type.Optional(Type.String()),
    ports: Type.Optional(Type.Array(ContainerPort)),
    envFrom: Type.Optional(Type.Array(EnvFromSource)),
    env: Type.Optional(Type.Array(EnvVar)),
    resources: Type.Optional(ResourceRequirements),
    volumeMounts: Type.Optional(Type.Array(VolumeMount)),
    imagePullPolicy: Type.Optional(PullPolicy),
    livenessProbe: Type.Optional(Probe),
    readinessProbe: Type.Optional(Probe),
    startupProbe: Type.Optional(Probe),
    terminationMessagePath: Type.Optional(Type.String()),
    terminationMessagePolicy: Type.Optional(Type.String()),
    lifecycle: Type.Optional(Lifecycle),
    /** Only "Always", only on init containers: the init container is a sidecar (validation-init-containers.ts). */
    restartPolicy: Type.Optional(Type.String()),
    securityContext: Type.Optional(SecurityContext),
    /** Refused by name (validation-pod-fields.ts), as are resizePolicy and resources.claims. */
    volumeDevices: Type.Optional(Type.Array(VolumeDevice)),
    resizePolicy: Type.Optional(Type.Array(ContainerResizePolicy)),
    /** Docker's OpenStdin, StdinOnce and Tty: for `kubectl run -it` and `attach`. */
    stdin: Type.Optional(Type.Boolean()),
    stdinOnce: Type.Optional(Type.Boolean()),
    tty: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type Container = Static<typeof Container>;

/**
 * A container added to a running pod through pods/{name}/ephemeralcontainers
 * (`kubectl debug`): a Container's fields, those it may not set refused by
 * validation-ephemeral-containers.ts, and the container whose PID namespace it joins.
 */
export const EphemeralContainer = Type.Object(
  {
    ...Container.properties,
    targetContainerName: Type.Optional(Type.String()),
  },
  strict,
);
export type EphemeralContainer = Static<typeof EphemeralContainer>;

export const RestartPolicy = Type.Union([Type.Literal("Always"), Type.Literal("OnFailure"), Type.Literal("Never")]);
export type RestartPolicy = Static<typeof RestartPolicy>;

export const Toleration = Type.Object(
  {
    key: Type.Optional(Type.String()),
    operator: Type.Optional(Type.Union([Type.Literal("Exists"), Type.Literal("Equal")])),
    value: Type.Optional(Type.String()),
    effect: Type.Optional(
      Type.Union([Type.Literal("NoSchedule"), Type.Literal("PreferNoSchedule"), Type.Literal("NoExecute"), Type.Literal("")]),
    ),
    tolerationSeconds: Type.Optional(Int64()),
  },
  strict,
);
export type Toleration = Static<typeof Toleration>;

export const PodDNSConfigOption = Type.Object({ name: Type.Optional(Type.String()), value: Type.Optional(Type.String()) }, strict);
export type PodDNSConfigOption = Static<typeof PodDNSConfigOption>;

/** Merged into the resolv.conf dnsPolicy gives the pod (the whole of it with dnsPolicy None). */
export const PodDNSConfig = Type.Object(
  {
    nameservers: Type.Optional(Type.Array(Type.String())),
    searches: Type.Optional(Type.Array(Type.String())),
    options: Type.Optional(Type.Array(PodDNSConfigOption)),
  },
  strict,
);
export type PodDNSConfig = Static<typeof PodDNSConfig>;

export const PodSpec = Type.Object(
  {
    volumes: Type.Optional(Type.Array(Volume)),
    initContainers: Type.Optional(Type.Array(Container)),
    containers: Type.Array(Container),
    restartPolicy: Type.Optional(RestartPolicy),
    nodeSelector: Type.Optional(StringMap),
    nodeName: Type.Optional(Type.String()),
    terminationGracePeriodSeconds: Type.Optional(Int64()),
    activeDeadlineSeconds: Type.Optional(Int64()),
    schedulerName: Type.Optional(Type.String()),
    dnsPolicy: Type.Optional(Type.String()),
    dnsConfig: Type.Optional(PodDNSConfig),
    hostNetwork: Type.Optional(Type.Boolean()),
    tolerations: Type.Optional(Type.Array(Toleration)),
    hostname: Type.Optional(Type.String()),
    subdomain: Type.Optional(Type.String()),
    /** dockerconfigjson or dockercfg Secrets whose credentials the agent gives Docker's pulls. */
    imagePullSecrets: Type.Optional(Type.Array(LocalObjectReference)),
    /** The ServiceAccount the pod runs as (admission sets "default"); serviceAccount is its deprecated alias, kept equal. */
    serviceAccountName: Type.Optional(Type.String()),
    serviceAccount: Type.Optional(Type.String()),
    /** Whether admission mounts an API token; unset: the ServiceAccount's choice, else yes. */
    automountServiceAccountToken: Type.Optional(Type.Boolean()),
    affinity: Type.Optional(Affinity),
    topologySpreadConstraints: Type.Optional(Type.Array(TopologySpreadConstraint)),
    schedulingGates: Type.Optional(Type.Array(PodSchedulingGate)),
    securityContext: Type.Optional(PodSecurityContext),
    /** The node's PID and IPC namespaces; shareProcessNamespace: one PID namespace for the pod's containers. */
    hostPID: Type.Optional(Type.Boolean()),
    hostIPC: Type.Optional(Type.Boolean()),
    shareProcessNamespace: Type.Optional(Type.Boolean()),
    /** Added only through pods/{name}/ephemeralcontainers, never on create nor in templates. */
    ephemeralContainers: Type.Optional(Type.Array(EphemeralContainer)),
    /** Lines of the pod's /etc/hosts; enableServiceLinks (default true): the Services' variables; setHostnameAsFQDN: the hostname is the FQDN. */
    hostAliases: Type.Optional(Type.Array(HostAlias)),
    enableServiceLinks: Type.Optional(Type.Boolean()),
    setHostnameAsFQDN: Type.Optional(Type.Boolean()),
    /** name linux only; hostUsers true only (validation-pod-fields.ts). */
    os: Type.Optional(PodOS),
    hostUsers: Type.Optional(Type.Boolean()),
    /** Refused by name (validation-pod-fields.ts). */
    runtimeClassName: Type.Optional(Type.String()),
    overhead: Type.Optional(ResourceList),
    readinessGates: Type.Optional(Type.Array(PodReadinessGate)),
    resourceClaims: Type.Optional(Type.Array(PodResourceClaim)),
    resources: Type.Optional(ResourceRequirements),
    /** The PriorityClass whose value the Priority admission writes into priority (and its preemptionPolicy). */
    priorityClassName: Type.Optional(Type.String()),
    priority: Type.Optional(Int32()),
    preemptionPolicy: Type.Optional(PreemptionPolicy),
  },
  strict,
);
export type PodSpec = Static<typeof PodSpec>;

/** A pod's metadata and spec as controllers stamp it out (template.metadata, template.spec). */
export const PodTemplateSpec = Type.Object(
  { metadata: Type.Optional(ObjectMeta), spec: PodSpec },
  strict,
);
export type PodTemplateSpec = Static<typeof PodTemplateSpec>;

export const PodCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    lastProbeTime: Type.Optional(Type.Union([Time, Type.Null()])),
    lastTransitionTime: Type.Optional(Time),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  strict,
);
export type PodCondition = Static<typeof PodCondition>;

export const ContainerState = Type.Object(
  {
    waiting: Type.Optional(
      Type.Object({ reason: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }, strict),
    ),
    running: Type.Optional(Type.Object({ startedAt: Type.Optional(Time) }, strict)),
    terminated: Type.Optional(
      Type.Object(
        {
          exitCode: Int32(),
          signal: Type.Optional(Int32()),
          reason: Type.Optional(Type.String()),
          message: Type.Optional(Type.String()),
          startedAt: Type.Optional(Time),
          finishedAt: Type.Optional(Time),
          containerID: Type.Optional(Type.String()),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type ContainerState = Static<typeof ContainerState>;

export const ContainerStatus = Type.Object(
  {
    name: Type.String(),
    state: Type.Optional(ContainerState),
    lastState: Type.Optional(ContainerState),
    ready: Type.Boolean(),
    restartCount: Int32(),
    image: Type.String(),
    imageID: Type.Optional(Type.String()),
    containerID: Type.Optional(Type.String()),
    started: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ContainerStatus = Static<typeof ContainerStatus>;

export const PodPhase = Type.Union([
  Type.Literal("Pending"),
  Type.Literal("Running"),
  Type.Literal("Succeeded"),
  Type.Literal("Failed"),
  Type.Literal("Unknown"),
]);
export type PodPhase = Static<typeof PodPhase>;

export const PodIP = Type.Object({ ip: Type.String() }, strict);

export const PodStatus = Type.Object(
  {
    phase: Type.Optional(PodPhase),
    conditions: Type.Optional(Type.Array(PodCondition)),
    message: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    hostIP: Type.Optional(Type.String()),
    hostIPs: Type.Optional(Type.Array(PodIP)),
    podIP: Type.Optional(Type.String()),
    podIPs: Type.Optional(Type.Array(PodIP)),
    startTime: Type.Optional(Time),
    initContainerStatuses: Type.Optional(Type.Array(ContainerStatus)),
    containerStatuses: Type.Optional(Type.Array(ContainerStatus)),
    ephemeralContainerStatuses: Type.Optional(Type.Array(ContainerStatus)),
    qosClass: Type.Optional(Type.String()),
    /** The node the scheduler preempted pods on for this pod, which it will try first. */
    nominatedNodeName: Type.Optional(Type.String()),
  },
  strict,
);
export type PodStatus = Static<typeof PodStatus>;

export const Pod = kindSchema("v1", "Pod", {
  spec: PodSpec,
  status: Type.Optional(PodStatus),
});
export type Pod = Static<typeof Pod>;

// ---- Binding (pods/{name}/binding) ----

export const ObjectReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    fieldPath: Type.Optional(Type.String()),
  },
  strict,
);
export type ObjectReference = Static<typeof ObjectReference>;

export const Binding = kindSchema("v1", "Binding", { target: ObjectReference });
export type Binding = Static<typeof Binding>;

// ---- Event (minimal core/v1 Event) ----

export const EventSource = Type.Object(
  { component: Type.Optional(Type.String()), host: Type.Optional(Type.String()) },
  strict,
);

export const Event = Type.Object(
  {
    apiVersion: Type.Literal("v1"),
    kind: Type.Literal("Event"),
    metadata: ObjectMeta,
    involvedObject: ObjectReference,
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    source: Type.Optional(EventSource),
    firstTimestamp: Type.Optional(Type.Union([Time, Type.Null()])),
    lastTimestamp: Type.Optional(Type.Union([Time, Type.Null()])),
    count: Type.Optional(Int32()),
    type: Type.Optional(Type.Union([Type.Literal("Normal"), Type.Literal("Warning")])),
    eventTime: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    reportingComponent: Type.Optional(Type.String()),
    reportingInstance: Type.Optional(Type.String()),
  },
  strict,
);
export type Event = Static<typeof Event>;

// ---- Secret ----

/** The `type` a Secret gets when it names none. */
export const secretTypeOpaque = "Opaque";

export const Secret = kindSchema("v1", "Secret", {
  /** Values are base64 (Go's []byte in JSON), decoded they are the secret's bytes. */
  data: Type.Optional(Type.Record(Type.String(), Type.String({ format: "byte" }))),
  /**
   * Write-only: merged into data (overwriting its keys) when the apiserver
   * receives the object, never stored and never returned.
   */
  stringData: Type.Optional(StringMap),
  type: Type.Optional(Type.String()),
  immutable: Type.Optional(Type.Boolean()),
});
export type Secret = Static<typeof Secret>;

// ---- ConfigMap ----

export const ConfigMap = kindSchema("v1", "ConfigMap", {
  data: Type.Optional(StringMap),
  /** Values are base64 (Go's []byte in JSON), for bytes that are not UTF-8 text. */
  binaryData: Type.Optional(Type.Record(Type.String(), Type.String({ format: "byte" }))),
  immutable: Type.Optional(Type.Boolean()),
});
export type ConfigMap = Static<typeof ConfigMap>;

// ---- Eviction (policy/v1, the body of pods/{name}/eviction) ----

export const Eviction = Type.Object(
  {
    apiVersion: Type.Union([Type.Literal("policy/v1"), Type.Literal("policy/v1beta1")]),
    kind: Type.Literal("Eviction"),
    metadata: ObjectMeta,
    deleteOptions: Type.Optional(DeleteOptions),
  },
  strict,
);
export type Eviction = Static<typeof Eviction>;

export { ObjectMeta, Quantity };
