// The Service `bosun expose` makes for a Deployment, ReplicaSet, Pod or Service, as
// kubectl's expose computes it (k8s.io/kubectl/pkg/cmd/expose and the
// polymorphichelpers it uses): the selector from the object's selector (a pod's
// labels), the ports from its containers' ports (a Service's ports) when none is
// given, one protocol per port from the same place, the object's labels, and its name.
import type { Container, Deployment, IntOrString, KubeObject, Pod, Protocol, ReplicaSet, Service, ServicePort, ServiceSpec } from "@bosun/api";
import { CliError } from "../context.js";

/** The types a Service made by expose may have in Bosun. */
export const exposeTypes = ["ClusterIP", "NodePort"] as const;
export type ExposeType = (typeof exposeTypes)[number];
export const exposeProtocols = ["TCP", "UDP"] as const;
export const sessionAffinities = ["None", "ClientIP"] as const;

/** What the command line says about the new Service; unset fields come from the exposed object. */
export interface ExposeFlags {
  /** --port: the Service's port. */
  port?: number;
  /** --target-port: a number or a container port's name. */
  targetPort?: IntOrString;
  name?: string;
  type?: ExposeType;
  protocol?: Protocol;
  /** --selector, already parsed. */
  selector?: Record<string, string>;
  /** --labels, already parsed. */
  labels?: Record<string, string>;
  clusterIP?: string;
  sessionAffinity?: (typeof sessionAffinities)[number];
}

/** A Service's name is a DNS-1035 label: kubectl cuts the object's name to its 63 characters. */
const serviceNameMaxLength = 63;

/**
 * The pod selector a Service for `obj` takes, as mapBasedSelectorForObject finds
 * it; the error names the object by `label` ("deployment.apps/web"), says what is
 * missing and how to give a selector instead.
 */
export function selectorOf(obj: KubeObject, label: string): Record<string, string> {
  const instead = "give the Service's selector with --selector key=value[,key=value]";
  switch (obj.kind) {
    case "Pod": {
      const labels = obj.metadata.labels ?? {};
      if (Object.keys(labels).length === 0) throw new CliError(`${label} has no labels, so a Service cannot select it: label the pod, or ${instead}`);
      return { ...labels };
    }
    case "Service": {
      const selector = (obj as Service).spec?.selector;
      if (!selector || Object.keys(selector).length === 0) {
        throw new CliError(`${label} has no pod selector (its endpoints are not kept from pods), so there is nothing to copy: ${instead}`);
      }
      return { ...selector };
    }
    case "Deployment":
    case "ReplicaSet": {
      const selector = (obj as Partial<Deployment | ReplicaSet>).spec?.selector;
      if ((selector?.matchExpressions ?? []).length > 0) {
        throw new CliError(`${label} selects its pods with matchExpressions, which a Service's selector (key=value pairs) cannot express: ${instead}`);
      }
      const matchLabels = selector?.matchLabels ?? {};
      if (Object.keys(matchLabels).length === 0) throw new CliError(`${label} has no spec.selector.matchLabels to select its pods by: ${instead}`);
      return { ...matchLabels };
    }
    default:
      throw new CliError(`cannot expose a ${obj.kind}: bosun expose works on deployments, replicasets, pods and services`);
  }
}

/**
 * The containers whose ports a Service for `obj` may serve (none for a Service).
 * Objects from -f files have not been validated, hence the care with missing parts.
 */
function containersOf(obj: KubeObject): readonly Container[] {
  switch (obj.kind) {
    case "Pod":
      return (obj as Partial<Pod>).spec?.containers ?? [];
    case "Deployment":
    case "ReplicaSet":
      return (obj as Partial<Deployment | ReplicaSet>).spec?.template?.spec?.containers ?? [];
    default:
      return [];
  }
}

/**
 * Every port `obj` declares, in order, with the protocols declared for it (TCP
 * when unset): container ports, or a Service's own ports. As kubectl's
 * portsForObject and multiProtocolsForObject.
 */
export function declaredPorts(obj: KubeObject): Map<number, Protocol[]> {
  const ports = new Map<number, Protocol[]>();
  const add = (port: number, protocol: Protocol | undefined) => {
    const list = ports.get(port) ?? [];
    list.push(protocol ?? "TCP");
    ports.set(port, list);
  };
  if (obj.kind === "Service") {
    for (const p of (obj as Service).spec?.ports ?? []) add(p.port, p.protocol);
  } else {
    for (const c of containersOf(obj)) for (const p of c.ports ?? []) add(p.containerPort, p.protocol);
  }
  return ports;
}

/**
 * The Service's ports: the --port, else every declared port (named port-1, port-2,
 * ... when there are several). A port declared with several protocols and no
 * --protocol becomes one Service port per protocol (port-1-tcp, port-1-udp).
 */
function servicePorts(obj: KubeObject, label: string, flags: ExposeFlags): ServicePort[] {
  const declared = declaredPorts(obj);
  const numbers = flags.port !== undefined ? [flags.port] : [...declared.keys()];
  if (numbers.length === 0) {
    // A headless Service may have no ports: its clients reach the pods' own ports.
    if (flags.clusterIP === "None") return [];
    const what = obj.kind === "Service" ? "ports" : "container ports";
    throw new CliError(`couldn't find a port for the Service: ${label} declares no ${what}; give one with --port`);
  }
  const ports: ServicePort[] = [];
  numbers.forEach((port, i) => {
    const name = numbers.length > 1 ? `port-${i + 1}` : "";
    const protocols = flags.protocol ? [flags.protocol] : (declared.get(port) ?? ["TCP"]);
    if (protocols.length === 1) {
      ports.push({ ...(name ? { name } : {}), port, protocol: protocols[0]! });
      return;
    }
    for (const protocol of protocols) ports.push({ name: `port-${i + 1}-${protocol.toLowerCase()}`, port, protocol });
  });
  // Without --target-port the Service sends to the port it serves, as kubectl's does.
  return ports.map((p) => ({ ...p, targetPort: flags.targetPort ?? p.port }));
}

/** The Service `bosun expose` makes for `obj`, before anything is sent to the server. */
export function exposedService(obj: KubeObject, label: string, flags: ExposeFlags): Service {
  const selector = flags.selector ?? selectorOf(obj, label);
  const name = flags.name ?? (obj.metadata.name ?? "").slice(0, serviceNameMaxLength);
  if (!name) throw new CliError(`${label} has no name to give the Service; give one with --name`);
  const labels = flags.labels ?? obj.metadata.labels;
  const spec: ServiceSpec = { ports: servicePorts(obj, label, flags), selector };
  if (flags.type) spec.type = flags.type;
  if (flags.sessionAffinity) spec.sessionAffinity = flags.sessionAffinity;
  if (flags.clusterIP) spec.clusterIP = flags.clusterIP;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    },
    spec,
  };
}
