// core/v1 Service and Endpoints, with k8s.io/api/core/v1 field names and nesting.
// Enumerations list every value Kubernetes knows, so a typo is refused with
// Kubernetes' own "supported values"; the values Bosun cannot serve yet
// (type LoadBalancer, protocol SCTP, the load-balancer fields) are refused by
// name in validation-services.ts rather than silently dropped.
import { Type, type Static } from "@sinclair/typebox";
import { Int32 } from "./integers.js";
import { ObjectReference } from "./core.js";
import { IntOrString, kindSchema, StringMap, strict } from "./meta.js";

// Values in Kubernetes' order of its "supported values" lists (sorted), so a refusal reads as Kubernetes'.
export const Protocol = Type.Union([Type.Literal("SCTP"), Type.Literal("TCP"), Type.Literal("UDP")]);
export type Protocol = Static<typeof Protocol>;

export const ServiceType = Type.Union([
  Type.Literal("ClusterIP"),
  Type.Literal("ExternalName"),
  Type.Literal("LoadBalancer"),
  Type.Literal("NodePort"),
]);
export type ServiceType = Static<typeof ServiceType>;

/** "None" as a clusterIP: a headless Service, which gets no virtual IP. */
export const clusterIPNone = "None";

export const IPFamily = Type.Union([Type.Literal("IPv4"), Type.Literal("IPv6")]);
export type IPFamily = Static<typeof IPFamily>;

export const IPFamilyPolicy = Type.Union([
  Type.Literal("PreferDualStack"),
  Type.Literal("RequireDualStack"),
  Type.Literal("SingleStack"),
]);
export type IPFamilyPolicy = Static<typeof IPFamilyPolicy>;

export const TrafficPolicy = Type.Union([Type.Literal("Cluster"), Type.Literal("Local")]);
export type TrafficPolicy = Static<typeof TrafficPolicy>;

export const SessionAffinity = Type.Union([Type.Literal("ClientIP"), Type.Literal("None")]);
export type SessionAffinity = Static<typeof SessionAffinity>;

// ---- Service ----

export const ServicePort = Type.Object(
  {
    /** Required (and unique) when the Service has more than one port; a DNS label. */
    name: Type.Optional(Type.String()),
    protocol: Type.Optional(Protocol),
    /** The IANA or "domain/name" application protocol; informational for the proxy. */
    appProtocol: Type.Optional(Type.String()),
    port: Int32(),
    /** A number, or the name of a container port looked up in each backing pod. Defaults to port. */
    targetPort: Type.Optional(IntOrString),
    /** The port on every node, for type NodePort; allocated from 30000-32767 when not given. */
    nodePort: Type.Optional(Int32()),
  },
  strict,
);
export type ServicePort = Static<typeof ServicePort>;

export const ClientIPConfig = Type.Object({ timeoutSeconds: Type.Optional(Int32()) }, strict);
export const SessionAffinityConfig = Type.Object({ clientIP: Type.Optional(ClientIPConfig) }, strict);
export type SessionAffinityConfig = Static<typeof SessionAffinityConfig>;

export const ServiceSpec = Type.Object(
  {
    type: Type.Optional(ServiceType),
    ports: Type.Optional(Type.Array(ServicePort)),
    selector: Type.Optional(StringMap),
    /** The virtual IP; "None" for a headless Service; assigned by the apiserver when empty. */
    clusterIP: Type.Optional(Type.String()),
    /** clusterIP first, then the address of the other family of a dual-stack Service. */
    clusterIPs: Type.Optional(Type.Array(Type.String())),
    ipFamilies: Type.Optional(Type.Array(IPFamily)),
    ipFamilyPolicy: Type.Optional(IPFamilyPolicy),
    externalIPs: Type.Optional(Type.Array(Type.String())),
    /** The DNS name a Service of type ExternalName is a CNAME for. */
    externalName: Type.Optional(Type.String()),
    sessionAffinity: Type.Optional(SessionAffinity),
    sessionAffinityConfig: Type.Optional(SessionAffinityConfig),
    publishNotReadyAddresses: Type.Optional(Type.Boolean()),
    externalTrafficPolicy: Type.Optional(TrafficPolicy),
    internalTrafficPolicy: Type.Optional(TrafficPolicy),
    // Load-balancer fields: known, so that validation can refuse them by name
    // (Bosun has no load-balancer provider yet) instead of calling them unknown.
    loadBalancerIP: Type.Optional(Type.String()),
    loadBalancerSourceRanges: Type.Optional(Type.Array(Type.String())),
    loadBalancerClass: Type.Optional(Type.String()),
    healthCheckNodePort: Type.Optional(Int32()),
    allocateLoadBalancerNodePorts: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ServiceSpec = Static<typeof ServiceSpec>;

export const PortStatus = Type.Object(
  { port: Int32(), protocol: Protocol, error: Type.Optional(Type.String()) },
  strict,
);
export type PortStatus = Static<typeof PortStatus>;

export const LoadBalancerIngress = Type.Object(
  {
    ip: Type.Optional(Type.String()),
    hostname: Type.Optional(Type.String()),
    ports: Type.Optional(Type.Array(PortStatus)),
  },
  strict,
);
export type LoadBalancerIngress = Static<typeof LoadBalancerIngress>;

export const LoadBalancerStatus = Type.Object({ ingress: Type.Optional(Type.Array(LoadBalancerIngress)) }, strict);
export type LoadBalancerStatus = Static<typeof LoadBalancerStatus>;

export const ServiceStatus = Type.Object({ loadBalancer: Type.Optional(LoadBalancerStatus) }, strict);
export type ServiceStatus = Static<typeof ServiceStatus>;

export const Service = kindSchema("v1", "Service", {
  spec: Type.Optional(ServiceSpec),
  status: Type.Optional(ServiceStatus),
});
export type Service = Static<typeof Service>;

// ---- Endpoints ----

export const EndpointAddress = Type.Object(
  {
    ip: Type.String(),
    hostname: Type.Optional(Type.String()),
    nodeName: Type.Optional(Type.String()),
    /** The pod behind the address. */
    targetRef: Type.Optional(ObjectReference),
  },
  strict,
);
export type EndpointAddress = Static<typeof EndpointAddress>;

export const EndpointPort = Type.Object(
  {
    name: Type.Optional(Type.String()),
    port: Int32(),
    protocol: Type.Optional(Protocol),
    appProtocol: Type.Optional(Type.String()),
  },
  strict,
);
export type EndpointPort = Static<typeof EndpointPort>;

/** A set of addresses that all serve the same ports: the cross product is the endpoints. */
export const EndpointSubset = Type.Object(
  {
    addresses: Type.Optional(Type.Array(EndpointAddress)),
    notReadyAddresses: Type.Optional(Type.Array(EndpointAddress)),
    ports: Type.Optional(Type.Array(EndpointPort)),
  },
  strict,
);
export type EndpointSubset = Static<typeof EndpointSubset>;

export const Endpoints = kindSchema("v1", "Endpoints", {
  subsets: Type.Optional(Type.Array(EndpointSubset)),
});
export type Endpoints = Static<typeof Endpoints>;
