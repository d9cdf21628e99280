// What `rollout status` says about an object, word for word as kubectl's status
// viewers (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go): a message,
// and whether the rollout is done. A rollout that cannot finish is an error.
import { revisionAnnotation, revisionOf, type DaemonSet, type Deployment, type KubeObject, type StatefulSet } from "@bosun/api";
import { CliError } from "../context.js";

export interface RolloutStatus {
  message: string;
  done: boolean;
}

export type StatusViewer = (obj: KubeObject, revision: number) => RolloutStatus;

export function deploymentStatus(d: Deployment, revision = 0): RolloutStatus {
  const name = d.metadata.name ?? "";
  if (revision > 0) {
    const current = revisionOf(d);
    if (current === undefined) throw new CliError(`cannot get the revision of deployment "${name}": its ${revisionAnnotation} annotation is not a number`);
    if (current !== revision) throw new CliError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const status = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { message: "Waiting for deployment spec update to be observed...", done: false };
  }
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  }
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const wait = (what: string) => ({ message: `Waiting for deployment "${name}" rollout to finish: ${what}...`, done: false });
  if (d.spec.replicas !== undefined && updated < d.spec.replicas) {
    return wait(`${updated} out of ${d.spec.replicas} new replicas have been updated`);
  }
  if (replicas > updated) return wait(`${replicas - updated} old replicas are pending termination`);
  if (available < updated) return wait(`${available} of ${updated} updated replicas are available`);
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

export function daemonSetStatus(ds: DaemonSet): RolloutStatus {
  // An unset strategy is RollingUpdate, the API's default.
  if ((ds.spec.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") {
    throw new CliError("rollout status is only available for RollingUpdate strategy type");
  }
  const name = ds.metadata.name ?? "";
  const status = ds.status;
  if ((ds.metadata.generation ?? 0) > (status?.observedGeneration ?? 0) || !status) {
    return { message: "Waiting for daemon set spec update to be observed...", done: false };
  }
  const desired = status.desiredNumberScheduled;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  const wait = (what: string) => ({ message: `Waiting for daemon set "${name}" rollout to finish: ${what}...`, done: false });
  if (updated < desired) return wait(`${updated} out of ${desired} new pods have been updated`);
  if (available < desired) return wait(`${available} of ${desired} updated pods are available`);
  return { message: `daemon set "${name}" successfully rolled out`, done: true };
}

export function statefulSetStatus(sts: StatefulSet): RolloutStatus {
  const strategy = sts.spec.updateStrategy;
  if ((strategy?.type ?? "RollingUpdate") !== "RollingUpdate") {
    throw new CliError("rollout status is only available for RollingUpdate strategy type");
  }
  const status = sts.status;
  const observed = status?.observedGeneration ?? 0;
  if (!status || observed === 0 || (sts.metadata.generation ?? 0) > observed) {
    return { message: "Waiting for statefulset spec update to be observed...", done: false };
  }
  const replicas = sts.spec.replicas;
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) {
    return { message: `Waiting for ${replicas - ready} pods to be ready...`, done: false };
  }
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`, done: false };
    }
    return { message: `partitioned roll out complete: ${updated} new pods have been updated...`, done: true };
  }
  if (status.updateRevision !== status.currentRevision) {
    return { message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision ?? ""}...`, done: false };
  }
  return { message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision ?? ""}...`, done: true };
}

/** The viewer for a kind, or undefined for kinds that have no rollout. */
export function statusViewerFor(kind: string): StatusViewer | undefined {
  switch (kind) {
    case "Deployment":
      return (obj, revision) => deploymentStatus(obj as Deployment, revision);
    case "DaemonSet":
      return (obj) => daemonSetStatus(obj as DaemonSet);
    case "StatefulSet":
      return (obj) => statefulSetStatus(obj as StatefulSet);
    default:
      return undefined;
  }
}
