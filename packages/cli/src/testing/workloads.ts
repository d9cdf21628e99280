// For the CLI's tests: small builders of the objects controllers would have
// written (Deployments with status, their ReplicaSets, owned pods, nodes), so a
// test states only what it is about.
import type { DaemonSet, Deployment, Node, Pod, PodTemplateSpec, ReplicaSet } from "@bosun/api";

export const created = "2024-05-01T11:00:00Z";

export function template(image: string, labels: Record<string, string> = { app: "web" }): PodTemplateSpec {
  return { metadata: { labels }, spec: { containers: [{ name: "web", image }] } };
}

export function deployment(name: string, opts: { replicas?: number; image?: string; uid?: string; status?: Deployment["status"]; generation?: number; annotations?: Record<string, string>; paused?: boolean } = {}): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: "default",
      uid: opts.uid ?? `uid-${name}`,
      generation: opts.generation ?? 1,
      creationTimestamp: created,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      replicas: opts.replicas ?? 3,
      selector: { matchLabels: { app: "web" } },
      template: template(opts.image ?? "busybox:2"),
      ...(opts.paused !== undefined ? { paused: opts.paused } : {}),
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

/** A ReplicaSet the Deployment controls, at `revision`, with the pod-template-hash the controller adds. */
export function replicaSet(owner: Deployment, hash: string, revision: number, image: string, opts: { replicas?: number; ready?: number; changeCause?: string; createdAt?: string } = {}): ReplicaSet {
  const tpl = template(image, { app: "web", "pod-template-hash": hash });
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${owner.metadata.name}-${hash}`,
      namespace: "default",
      uid: `uid-rs-${hash}`,
      creationTimestamp: opts.createdAt ?? created,
      labels: tpl.metadata!.labels!,
      annotations: {
        "deployment.kubernetes.io/revision": String(revision),
        ...(opts.changeCause ? { "kubernetes.io/change-cause": opts.changeCause } : {}),
      },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }],
    },
    spec: { replicas: opts.replicas ?? 0, selector: { matchLabels: { app: "web", "pod-template-hash": hash } }, template: tpl },
    status: { replicas: opts.replicas ?? 0, readyReplicas: opts.ready ?? opts.replicas ?? 0 },
  };
}

export function daemonSet(name: string): DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "default", uid: `uid-${name}`, creationTimestamp: created },
    spec: { selector: { matchLabels: { app: name } }, template: template("busybox:1", { app: name }) },
    status: { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2 },
  };
}

export function pod(name: string, opts: { node?: string; namespace?: string; owner?: { kind: string; name: string; uid?: string }; phase?: "Pending" | "Running" | "Succeeded" | "Failed"; labels?: Record<string, string> } = {}): Pod {
  const owner = opts.owner;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: opts.namespace ?? "default",
      uid: `uid-pod-${name}`,
      creationTimestamp: created,
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(owner ? { ownerReferences: [{ apiVersion: "v1", kind: owner.kind, name: owner.name, uid: owner.uid ?? `uid-${owner.name}`, controller: true }] } : {}),
    },
    spec: { ...(opts.node ? { nodeName: opts.node } : {}), containers: [{ name: "c", image: "busybox:1" }] },
    status: { phase: opts.phase ?? "Running" },
  };
}

export function node(name: string, unschedulable = false): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, creationTimestamp: created },
    spec: unschedulable ? { unschedulable: true } : {},
    status: { conditions: [{ type: "Ready", status: "True" }] },
  };
}
