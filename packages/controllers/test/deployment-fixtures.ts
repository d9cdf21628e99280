// Deployments and ReplicaSets shaped like the helpers of Kubernetes' own deployment
// tests (newDeployment, rs, newRSWithStatus), for the table-driven unit tests.
import { desiredReplicasAnnotation, maxReplicasAnnotation, type AppsCondition, type IntOrString, type ReplicaSet } from "@bosun/api";
import { withDeploymentDefaults, type DefaultedDeployment } from "../src/deployment/defaults.js";

export interface DeploymentOptions {
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  strategy?: "RollingUpdate" | "Recreate";
  selector?: Record<string, string>;
  status?: { replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; conditions?: AppsCondition[] };
  generation?: number;
}

/** newDeployment: RollingUpdate with maxSurge and maxUnavailable 0 unless given. */
export function newDeployment(name: string, replicas: number, opts: DeploymentOptions = {}): DefaultedDeployment {
  const selector = opts.selector ?? { foo: "bar" };
  return withDeploymentDefaults({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      annotations: {},
      ...(opts.generation !== undefined ? { generation: opts.generation } : {}),
    },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: { metadata: { labels: selector }, spec: { containers: [{ name: "c", image: "foo/bar" }] } },
      strategy:
        opts.strategy === "Recreate"
          ? { type: "Recreate" }
          : { type: "RollingUpdate", rollingUpdate: { maxSurge: opts.maxSurge ?? 0, maxUnavailable: opts.maxUnavailable ?? 0 } },
      ...(opts.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: opts.revisionHistoryLimit } : {}),
      ...(opts.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: opts.progressDeadlineSeconds } : {}),
    },
    ...(opts.status ? { status: opts.status } : {}),
  });
}

export interface RSOptions {
  created?: string;
  available?: number;
  statusReplicas?: number;
  annotations?: Record<string, string>;
  deleting?: boolean;
}

/** rs(): a ReplicaSet with spec.replicas and, when given, status counts. */
export function rs(name: string, replicas: number, opts: RSOptions = {}): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? "2016-05-20T00:00:00Z",
      ...(opts.annotations ? { annotations: { ...opts.annotations } } : {}),
      ...(opts.deleting ? { deletionTimestamp: "2016-05-21T00:00:00Z" } : {}),
    },
    spec: { replicas, selector: { matchLabels: { foo: "bar" } } },
    status: { replicas: opts.statusReplicas ?? 0, availableReplicas: opts.available ?? 0 },
  };
}

/** SetReplicasAnnotations as a ReplicaSet last sized for `desired` replicas plus `surge`. */
export function sizedFor(r: ReplicaSet, desired: number, surge: number): ReplicaSet {
  r.metadata.annotations = { ...(r.metadata.annotations ?? {}), [desiredReplicasAnnotation]: String(desired), [maxReplicasAnnotation]: String(desired + surge) };
  return r;
}
