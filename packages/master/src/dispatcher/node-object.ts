// What a registering agent's description becomes in the Node object. Pure functions,
// so the mapping is tested without a server.
import type { Node, NodeCondition, NodeStatus } from "@bosun/api";
import type { RegisterRequest } from "@bosun/proto";

/** The apiserver's log source reads this to reach the node's AgentService. */
export const agentEndpointAnnotation = "bosun.io/agent-endpoint";
export const kubeletVersion = "v1.33.0-bosun";

const readyReason = "KubeletReady";
const readyMessage = "agent is posting ready status";

/** Pressure conditions kubectl shows for every node; Bosun does not measure pressure yet. */
const pressureConditions: ReadonlyArray<Pick<NodeCondition, "type" | "reason" | "message">> = [
  { type: "MemoryPressure", reason: "KubeletHasSufficientMemory", message: "agent has sufficient memory available" },
  { type: "DiskPressure", reason: "KubeletHasNoDiskPressure", message: "agent has no disk pressure" },
  { type: "PIDPressure", reason: "KubeletHasSufficientPID", message: "agent has sufficient PID available" },
];

/** The port of "host:port" or "[v6]:port", for status.daemonEndpoints. */
export function endpointPort(endpoint: string): number | undefined {
  const match = /:(\d+)$/.exec(endpoint);
  return match ? Number(match[1]) : undefined;
}

export function nodeMetadataFor(req: RegisterRequest): Pick<Node["metadata"], "labels" | "annotations"> {
  return {
    labels: {
      "kubernetes.io/hostname": req.nodeName,
      ...(req.architecture ? { "kubernetes.io/arch": req.architecture } : {}),
      "kubernetes.io/os": "linux",
      ...req.labels,
    },
    annotations: req.agentEndpoint ? { [agentEndpointAnnotation]: req.agentEndpoint } : {},
  };
}

/** The conditions of a node whose agent just spoke to us, keeping transition times that did not change. */
export function readyConditions(previous: NodeCondition[] | undefined, now: string): NodeCondition[] {
  const wanted: NodeCondition[] = [
    { type: "Ready", status: "True", reason: readyReason, message: readyMessage },
    ...pressureConditions.map((c) => ({ ...c, status: "False" as const })),
  ];
  const result = wanted.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    const transitioned = !old || old.status !== c.status;
    return {
      ...c,
      lastHeartbeatTime: now,
      lastTransitionTime: transitioned ? now : (old.lastTransitionTime ?? now),
    };
  });
  // Conditions someone else owns (a future device plugin, an operator) are kept as they are.
  const others = (previous ?? []).filter((p) => !wanted.some((w) => w.type === p.type));
  return [...result, ...others];
}

export function nodeStatusFor(req: RegisterRequest, previous: NodeStatus | undefined, now: string): NodeStatus {
  const port = endpointPort(req.agentEndpoint);
  return {
    capacity: { ...req.capacity },
    allocatable: { ...(Object.keys(req.allocatable).length > 0 ? req.allocatable : req.capacity) },
    addresses: req.addresses.map((a) => ({ type: a.type, address: a.address })),
    daemonEndpoints: port === undefined ? {} : { kubeletEndpoint: { Port: port } },
    nodeInfo: {
      kernelVersion: req.kernelVersion,
      osImage: req.osImage,
      containerRuntimeVersion: req.runtimeVersion,
      kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: req.architecture,
    },
    conditions: readyConditions(previous?.conditions, now),
  };
}
