// What an identity may do. Authorization stays "authenticated may do anything"
// (RBAC is a later issue) except for two kinds of identity:
// - nodes (system:nodes, CN system:node:NAME), held to what Kubernetes' Node
//   authorizer and NodeRestriction admission allow a kubelet: read nodes, write its
//   own Node, read and report only the pods bound to it, write events; read the
//   Secrets, ConfigMaps and PersistentVolumeClaims its pods use and the
//   PersistentVolumes bound to those claims (the Node authorizer's graph: pod ->
//   node, pvc -> pod, pv -> pvc);
//   request tokens of its pods' service accounts, bound to those pods;
//   and read what the node's service proxy, DNS and ingress proxy serve from
//   (Services and their endpoints, namespaces, network policies, ingresses, and the
//   Secrets an Ingress names for TLS), and write ingresses' status;
// - bootstrap tokens (system:bootstrappers), which may only ask for a node
//   certificate (see node-certificates.ts).
import { forbidden, isPlainObject, parseFieldSelector, type Pod, type PodReferenceKind, type ResourceInfo } from "@bosun/api";
import { bootstrappersGroup, nodeNameOf, type Identity } from "@bosun/pki";
import { StatusError } from "../errors.js";
import type { ResourceRoute } from "../http/paths.js";

export interface RequestAttributes {
  /** Kubernetes' verb: get, list, watch, create, update, patch, delete. */
  verb: string;
  route: ResourceRoute;
  fieldSelector?: string;
  /** For a create: metadata.name of the object in the body. A function, so the body is read only for the rules that need it. */
  createdName?: () => string | undefined;
  /** For a create: the JSON body, parsed (undefined when it is not JSON), for the rules that read more than its name. */
  createdBody?: () => unknown;
}

/** What the node rules read of the cluster. */
export interface NodeRuleLookups {
  /** A pod, to learn where it is bound; undefined when it does not exist. */
  pod(namespace: string, name: string): Promise<Pod | undefined>;
  /** Whether an Ingress of the namespace names the Secret in spec.tls: the node's ingress proxy may read it. */
  ingressUsesSecret(namespace: string, name: string): Promise<boolean>;
  /** Whether a pod bound to `node` uses the Secret, ConfigMap or claim (pod-references.ts in @bosun/api). */
  nodePodsUse(node: string, kind: PodReferenceKind, namespace: string, name: string): Promise<boolean>;
  /** Whether a claim a pod bound to `node` uses is bound to the PersistentVolume. */
  nodePodsUseVolume(node: string, name: string): Promise<boolean>;
}

const readVerbs = ["get", "list", "watch"];

/** What every node may read, by "group/resource". */
const nodeReadable = new Set([
  "/services",
  "/endpoints",
  "discovery.k8s.io/endpointslices",
  "/namespaces",
  "networking.k8s.io/networkpolicies",
  "networking.k8s.io/ingresses",
  "networking.k8s.io/ingressclasses",
]);

export const bootstrapOnly = "a join token may only be used to ask for a node certificate";

function deny(identity: Identity, attrs: RequestAttributes, reason: string): never {
  const { info, name, namespace, subresource } = attrs.route;
  const resource = subresource ? `${info.resource}/${subresource}` : info.resource;
  throw new StatusError(forbidden({ user: identity.user, verb: attrs.verb, info: { ...info, resource } as ResourceInfo, name, namespace, reason }));
}

/** The value a field selector pins `field` to (`field=value`), if it does; a selector that does not parse pins nothing. */
export function selectedField(fieldSelector: string | undefined, field: string): string | undefined {
  try {
    return parseFieldSelector(fieldSelector ?? "").requirements.find((r) => r.field === field && r.operator !== "!=")?.value;
  } catch {
    return undefined;
  }
}

const referenceKinds: Record<string, PodReferenceKind> = {
  "/secrets": "Secret",
  "/configmaps": "ConfigMap",
  "/persistentvolumeclaims": "PersistentVolumeClaim",
};

/**
 * The Node authorizer's rule for Secrets, ConfigMaps and claims: read one object at a time
 * (get, or list and watch with metadata.name=NAME, as the kubelet's single-object
 * watches do), and only one that a pod bound to the node uses; a Secret an Ingress
 * names for TLS too, for the node's ingress proxy.
 */
async function authorizeReferencedObject(
  identity: Identity,
  node: string,
  kind: PodReferenceKind,
  attrs: RequestAttributes,
  lookups: NodeRuleLookups,
): Promise<void> {
  const { info, namespace, subresource } = attrs.route;
  if (!readVerbs.includes(attrs.verb) || subresource !== undefined) deny(identity, attrs, `a node may only read ${info.resource}`);
  const name = attrs.verb === "get" ? attrs.route.name : selectedField(attrs.fieldSelector, "metadata.name");
  if (namespace === undefined || name === undefined) {
    deny(identity, attrs, `a node may only read ${info.resource} one at a time: get one by name, or list or watch with the field selector metadata.name=NAME in its namespace`);
  }
  if (await lookups.nodePodsUse(node, kind, namespace, name)) return;
  if (kind === "Secret" && attrs.verb === "get" && (await lookups.ingressUsesSecret(namespace, name))) return;
  deny(identity, attrs, `no relationship found between node '${node}' and this object: a node may only read the ${info.resource} its pods use${kind === "Secret" ? " (or an Ingress names for TLS)" : ""}`);
}

/**
 * The Node authorizer's and NodeRestriction's rule for serviceaccounts/token: a
 * node may ask only for a token of the account one of its pods runs as, bound to
 * that pod (so the token dies with it), as a kubelet asks for projected tokens.
 */
async function authorizeTokenRequest(identity: Identity, node: string, attrs: RequestAttributes, lookups: NodeRuleLookups): Promise<void> {
  const { name, namespace, subresource } = attrs.route;
  if (attrs.verb !== "create" || subresource !== "token" || name === undefined || namespace === undefined) {
    deny(identity, attrs, "a node may only request tokens (create serviceaccounts/token) for its pods' service accounts");
  }
  const body = attrs.createdBody?.();
  const ref = isPlainObject(body) && isPlainObject(body.spec) && isPlainObject(body.spec.boundObjectRef) ? body.spec.boundObjectRef : undefined;
  if (ref === undefined || ref.kind !== "Pod" || typeof ref.name !== "string") deny(identity, attrs, "node requested token not bound to a pod");
  const pod = await lookups.pod(namespace, ref.name);
  if (pod === undefined || pod.spec?.nodeName !== node) deny(identity, attrs, "node requested token bound to a pod scheduled on a different node");
  if (typeof ref.uid === "string" && ref.uid !== "" && ref.uid !== pod.metadata.uid) {
    deny(identity, attrs, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (pod.spec.serviceAccountName !== name) {
    deny(identity, attrs, `no relationship found between node '${node}' and this object: pod "${pod.metadata.name ?? ""}" runs as service account "${pod.spec.serviceAccountName ?? ""}"`);
  }
}

/** Throws a 403 StatusError unless `identity` may do what `attrs` describe. */
export async function authorize(identity: Identity, attrs: RequestAttributes, lookups: NodeRuleLookups): Promise<void> {
  if (identity.groups.includes(bootstrappersGroup)) {
    deny(identity, attrs, bootstrapOnly);
  }
  const node = nodeNameOf(identity);
  if (node === undefined) return;
  const { info, name, namespace, subresource } = attrs.route;
  const kind = `${info.group}/${info.resource}`;
  if (kind === "/nodes") {
    if (readVerbs.includes(attrs.verb)) return;
    if (name === node) return;
    if (attrs.verb === "create" && name === undefined && attrs.createdName?.() === node) return;
    deny(identity, attrs, `a node may only change its own Node object ("${node}")`);
  }
  if (nodeReadable.has(kind)) {
    if (readVerbs.includes(attrs.verb) && subresource === undefined) return;
    // The node's ingress proxy publishes where it serves an Ingress.
    if (kind === "networking.k8s.io/ingresses" && subresource === "status" && ["get", "update", "patch"].includes(attrs.verb)) return;
    deny(identity, attrs, `a node may only read ${info.resource}`);
  }
  const referenced = referenceKinds[kind];
  if (referenced !== undefined) return authorizeReferencedObject(identity, node, referenced, attrs, lookups);
  if (kind === "/persistentvolumes") {
    if (attrs.verb !== "get" || subresource !== undefined || name === undefined) deny(identity, attrs, "a node may only get persistentvolumes, one at a time by name");
    if (await lookups.nodePodsUseVolume(node, name)) return;
    deny(identity, attrs, `no relationship found between node '${node}' and this object: a node may only read the persistentvolumes bound to the claims its pods use`);
  }
  if (kind === "/events") {
    if (["create", "update", "patch", "get", "list", "watch"].includes(attrs.verb)) return;
    deny(identity, attrs, "a node may only write events");
  }
  if (kind === "/serviceaccounts") return authorizeTokenRequest(identity, node, attrs, lookups);
  if (kind === "/pods") {
    if (attrs.verb === "list" || attrs.verb === "watch") {
      if (selectedField(attrs.fieldSelector, "spec.nodeName") === node) return;
      deny(identity, attrs, `a node may only list and watch its own pods: add the field selector spec.nodeName=${node}`);
    }
    if (name === undefined || namespace === undefined) deny(identity, attrs, "a node may not create pods");
    const allowed =
      (attrs.verb === "get" && subresource === undefined) ||
      ((attrs.verb === "update" || attrs.verb === "patch") && subresource === "status") ||
      (attrs.verb === "delete" && subresource === undefined);
    if (!allowed) deny(identity, attrs, "a node may only read its pods, report their status and delete them");
    const pod = await lookups.pod(namespace, name);
    if (pod && pod.spec?.nodeName === node) return;
    deny(identity, attrs, `the pod is not bound to node "${node}"`);
  }
  deny(identity, attrs, "nodes may only use nodes, their own pods and events, read the Secrets, ConfigMaps, claims and volumes their pods use, request tokens for their pods' service accounts, and read Services, endpoints, namespaces, network policies and ingresses");
}
