// networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy, with
// k8s.io/api/networking/v1 field names and nesting.
import { Type, type Static } from "@sinclair/typebox";
import { Int32 } from "./integers.js";
import { IntOrString, kindSchema, LabelSelectorSchema, strict } from "./meta.js";
import { Protocol } from "./services.js";

// ---- Ingress ----

/** The annotation that makes an IngressClass the one Ingresses without a class get. */
export const defaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

/** A port of the backend Service, by name or by number (exactly one). */
export const ServiceBackendPort = Type.Object(
  { name: Type.Optional(Type.String()), number: Type.Optional(Int32()) },
  strict,
);
export type ServiceBackendPort = Static<typeof ServiceBackendPort>;

export const IngressServiceBackend = Type.Object(
  { name: Type.String(), port: Type.Optional(ServiceBackendPort) },
  strict,
);
export type IngressServiceBackend = Static<typeof IngressServiceBackend>;

/** core/v1 TypedLocalObjectReference: an object in the Ingress's namespace, of any kind. */
export const TypedLocalObjectReference = Type.Object(
  { apiGroup: Type.Optional(Type.String()), kind: Type.String(), name: Type.String() },
  strict,
);
export type TypedLocalObjectReference = Static<typeof TypedLocalObjectReference>;

/** Where matching traffic goes: a Service or a resource (exactly one). */
export const IngressBackend = Type.Object(
  { service: Type.Optional(IngressServiceBackend), resource: Type.Optional(TypedLocalObjectReference) },
  strict,
);
export type IngressBackend = Static<typeof IngressBackend>;

export const PathType = Type.Union([Type.Literal("Exact"), Type.Literal("ImplementationSpecific"), Type.Literal("Prefix")]);
export type PathType = Static<typeof PathType>;

export const HTTPIngressPath = Type.Object(
  // pathType is required, but refused by validation with Kubernetes' own words ("pathType must be specified").
  { path: Type.Optional(Type.String()), pathType: Type.Optional(PathType), backend: IngressBackend },
  strict,
);
export type HTTPIngressPath = Static<typeof HTTPIngressPath>;

export const HTTPIngressRuleValue = Type.Object({ paths: Type.Array(HTTPIngressPath) }, strict);
export type HTTPIngressRuleValue = Static<typeof HTTPIngressRuleValue>;

export const IngressRule = Type.Object(
  { host: Type.Optional(Type.String()), http: Type.Optional(HTTPIngressRuleValue) },
  strict,
);
export type IngressRule = Static<typeof IngressRule>;

export const IngressTLS = Type.Object(
  { hosts: Type.Optional(Type.Array(Type.String())), secretName: Type.Optional(Type.String()) },
  strict,
);
export type IngressTLS = Static<typeof IngressTLS>;

export const IngressSpec = Type.Object(
  {
    ingressClassName: Type.Optional(Type.String()),
    defaultBackend: Type.Optional(IngressBackend),
    tls: Type.Optional(Type.Array(IngressTLS)),
    rules: Type.Optional(Type.Array(IngressRule)),
  },
  strict,
);
export type IngressSpec = Static<typeof IngressSpec>;

export const IngressPortStatus = Type.Object(
  { port: Int32(), protocol: Protocol, error: Type.Optional(Type.String()) },
  strict,
);
export type IngressPortStatus = Static<typeof IngressPortStatus>;

export const IngressLoadBalancerIngress = Type.Object(
  {
    ip: Type.Optional(Type.String()),
    hostname: Type.Optional(Type.String()),
    ports: Type.Optional(Type.Array(IngressPortStatus)),
  },
  strict,
);
export type IngressLoadBalancerIngress = Static<typeof IngressLoadBalancerIngress>;

export const IngressLoadBalancerStatus = Type.Object(
  { ingress: Type.Optional(Type.Array(IngressLoadBalancerIngress)) },
  strict,
);
export type IngressLoadBalancerStatus = Static<typeof IngressLoadBalancerStatus>;

export const IngressStatus = Type.Object({ loadBalancer: Type.Optional(IngressLoadBalancerStatus) }, strict);
export type IngressStatus = Static<typeof IngressStatus>;

export const Ingress = kindSchema("networking.k8s.io/v1", "Ingress", {
  spec: Type.Optional(IngressSpec),
  status: Type.Optional(IngressStatus),
});
export type Ingress = Static<typeof Ingress>;

// ---- IngressClass ----

export const IngressClassParametersReference = Type.Object(
  {
    apiGroup: Type.Optional(Type.String()),
    kind: Type.String(),
    name: Type.String(),
    /** "Cluster" (the default) or "Namespace", which then needs namespace. */
    scope: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
  },
  strict,
);
export type IngressClassParametersReference = Static<typeof IngressClassParametersReference>;

export const IngressClassSpec = Type.Object(
  { controller: Type.Optional(Type.String()), parameters: Type.Optional(IngressClassParametersReference) },
  strict,
);
export type IngressClassSpec = Static<typeof IngressClassSpec>;

export const IngressClass = kindSchema("networking.k8s.io/v1", "IngressClass", {
  spec: Type.Optional(IngressClassSpec),
});
export type IngressClass = Static<typeof IngressClass>;

// ---- NetworkPolicy ----

export const PolicyType = Type.Union([Type.Literal("Ingress"), Type.Literal("Egress")]);
export type PolicyType = Static<typeof PolicyType>;

export const IPBlock = Type.Object({ cidr: Type.String(), except: Type.Optional(Type.Array(Type.String())) }, strict);
export type IPBlock = Static<typeof IPBlock>;

/** Who may talk to (or be talked to by) the selected pods: pods, namespaces, or an IP range. */
export const NetworkPolicyPeer = Type.Object(
  {
    podSelector: Type.Optional(LabelSelectorSchema),
    namespaceSelector: Type.Optional(LabelSelectorSchema),
    ipBlock: Type.Optional(IPBlock),
  },
  strict,
);
export type NetworkPolicyPeer = Static<typeof NetworkPolicyPeer>;

export const NetworkPolicyPort = Type.Object(
  {
    protocol: Type.Optional(Protocol),
    /** A number or a named container port; absent means every port. */
    port: Type.Optional(IntOrString),
    /** With a numeric port, the end of the range port..endPort. */
    endPort: Type.Optional(Int32()),
  },
  strict,
);
export type NetworkPolicyPort = Static<typeof NetworkPolicyPort>;

export const NetworkPolicyIngressRule = Type.Object(
  { ports: Type.Optional(Type.Array(NetworkPolicyPort)), from: Type.Optional(Type.Array(NetworkPolicyPeer)) },
  strict,
);
export type NetworkPolicyIngressRule = Static<typeof NetworkPolicyIngressRule>;

export const NetworkPolicyEgressRule = Type.Object(
  { ports: Type.Optional(Type.Array(NetworkPolicyPort)), to: Type.Optional(Type.Array(NetworkPolicyPeer)) },
  strict,
);
export type NetworkPolicyEgressRule = Static<typeof NetworkPolicyEgressRule>;

export const NetworkPolicySpec = Type.Object(
  {
    /** The pods the policy applies to; empty selects every pod of the namespace. */
    podSelector: Type.Optional(LabelSelectorSchema),
    ingress: Type.Optional(Type.Array(NetworkPolicyIngressRule)),
    egress: Type.Optional(Type.Array(NetworkPolicyEgressRule)),
    policyTypes: Type.Optional(Type.Array(PolicyType)),
  },
  strict,
);
export type NetworkPolicySpec = Static<typeof NetworkPolicySpec>;

export const NetworkPolicy = kindSchema("networking.k8s.io/v1", "NetworkPolicy", {
  spec: Type.Optional(NetworkPolicySpec),
});
export type NetworkPolicy = Static<typeof NetworkPolicy>;
