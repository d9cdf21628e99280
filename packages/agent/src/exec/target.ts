// Which container a stream request (logs, exec, attach) means: an instance of a
// named container of the pod on this node.
import { status as grpcStatus } from "@grpc/grpc-js";
import type { ContainerRuntime, ContainerSummary } from "../runtime/runtime.js";
import {
  INFRA_CONTAINER_NAME,
  LABEL_CONTAINER_NAME,
  LABEL_NODE_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  restartCountOf,
} from "../labels.js";

/** A failure with the gRPC code the apiserver maps to an HTTP status. */
export class StreamError extends Error {
  constructor(
    readonly code: grpcStatus,
    message: string,
  ) {
    super(message);
  }
}

export interface PodRef {
  podUid: string;
  namespace: string;
  podName: string;
}

/** Every container of the pod on this node, the infra container included. */
export function podContainers(runtime: ContainerRuntime, nodeName: string, ref: PodRef): Promise<ContainerSummary[]> {
  const labels: Record<string, string> = { [LABEL_NODE_NAME]: nodeName };
  if (ref.podUid) labels[LABEL_POD_UID] = ref.podUid;
  else {
    labels[LABEL_POD_NAMESPACE] = ref.namespace;
    labels[LABEL_POD_NAME] = ref.podName;
  }
  return runtime.listContainers(labels);
}

/**
 * The instances of the container a request names, newest first (by restart count,
 * then creation). An empty name means the pod's only container.
 */
export function containerInstances(ref: PodRef, container: string, containers: ContainerSummary[]): { name: string; instances: ContainerSummary[] } {
  const pod = `${ref.namespace}/${ref.podName}`;
  const names = [...new Set(containers.map((c) => c.labels[LABEL_CONTAINER_NAME] ?? ""))].filter((n) => n && n !== INFRA_CONTAINER_NAME).sort();
  let name = container;
  if (!name) {
    if (names.length !== 1) {
      throw new StreamError(
        grpcStatus.INVALID_ARGUMENT,
        names.length === 0
          ? `pod ${pod} has no containers on this node yet; retry once it is running`
          : `a container name must be specified for pod ${pod}, choose one of: [${names.join(" ")}]`,
      );
    }
    name = names[0] ?? "";
  }
  const instances = containers
    .filter((c) => c.labels[LABEL_CONTAINER_NAME] === name)
    .sort((a, b) => restartCountOf(b.labels) - restartCountOf(a.labels) || b.created - a.created);
  if (instances.length === 0) {
    throw new StreamError(grpcStatus.NOT_FOUND, `container "${name}" of pod ${pod} is not on this node (or not created yet); wait until the pod runs`);
  }
  return { name, instances };
}

/** The newest instance of the named container, which must be running. */
export function pickRunningContainer(ref: PodRef, container: string, containers: ContainerSummary[]): ContainerSummary {
  const { name, instances } = containerInstances(ref, container, containers);
  const newest = instances[0] as ContainerSummary;
  if (newest.state !== "running") {
    throw new StreamError(
      grpcStatus.FAILED_PRECONDITION,
      `container "${name}" of pod ${ref.namespace}/${ref.podName} is not running (it is ${newest.state}); wait until it runs again`,
    );
  }
  return newest;
}
