// Creating and deleting a controller's pods, after Kubernetes' RealPodControl
// (pkg/controller/controller_utils.go) together with the ControllerExpectations
// bookkeeping its callers do: pods are stamped out of the template with the
// controller's reference, each request is told on the controller as a
// SuccessfulCreate, FailedCreate, SuccessfulDelete or FailedDelete event, and what
// will change is expected before the first request, since the informer may report
// a pod before its request returns; what fails or is never tried is taken back,
// since the informer will never show it. Used by the ReplicaSet, Job and DaemonSet
// controllers; the StatefulSet controller has its own (StatefulPodControl), as in
// Kubernetes: fixed names, claims first, its own event wording.
import { mustResource, type KubeObject, type Pod, type PodTemplateSpec } from "@bosun/api";
import { isConflict, isNotFound, type ApiClient, type EventRecorder } from "@bosun/client";
import { errorMessage } from "./error-message.js";
import type { Expectations } from "./expectations.js";
import { podFromTemplate, type PodNaming } from "./pod-template.js";
import { slowStartBatch, slowStartInitialBatchSize } from "./slow-start.js";

const podsRes = mustResource("pods");

export type PodControlApi = Pick<ApiClient, "create" | "delete">;

export interface PodsToCreate {
  template: PodTemplateSpec;
  count: number;
  /** generateName "<owner>-" unless said otherwise. */
  naming?: PodNaming;
  /** Adjusts the index-th pod before it is created: a DaemonSet pod gets the node affinity of its node. */
  customize?: (pod: Pod, index: number) => void;
  /** A template and name of its own for the index-th pod: an Indexed Job's pods, one per completion index. */
  each?: (index: number) => { template: PodTemplateSpec; naming?: PodNaming };
}

export interface PodToDelete {
  pod: Pod;
  /** No agent will confirm a graceful deletion (the pod's node is gone): remove it at once. */
  force?: boolean;
}

export interface PodChanges {
  create?: PodsToCreate;
  delete?: readonly PodToDelete[];
}

export interface PodChangesResult {
  /** Pods created. */
  created: number;
  /** Pods deleted, or found already gone. */
  gone: Pod[];
  /** The create that stopped the slow start, if one failed, then each delete that failed. */
  errors: unknown[];
}

export class PodControl {
  constructor(
    private readonly client: PodControlApi,
    private readonly recorder: EventRecorder,
    private readonly expectations: Expectations,
  ) {}

  /**
   * Creates and deletes pods for the owner of `key`, with expectations set for both
   * first (SetExpectations). Creates go in slow-start batches and stop at the first
   * batch with a failure; deletes all go at once. Never throws for a failed
   * request: the caller decides what the errors mean.
   */
  async apply(key: string, owner: KubeObject, changes: PodChanges): Promise<PodChangesResult> {
    const create = changes.create;
    const count = create?.count ?? 0;
    const deletes = changes.delete ?? [];
    const result: PodChangesResult = { created: 0, gone: [], errors: [] };
    if (count <= 0 && deletes.length === 0) return result;
    this.expectations.expect(key, Math.max(count, 0), deletes.length);

    if (create && count > 0) {
      let index = 0;
      const { successes, error } = await slowStartBatch(count, slowStartInitialBatchSize, () => this.createPod(owner, create, index++));
      result.created = successes;
      // Neither the failed creates nor those of batches never started will be observed.
      if (successes < count) this.expectations.lowerExpectations(key, count - successes, 0);
      if (error !== undefined) result.errors.push(error);
    }

    const deleted = await Promise.allSettled(deletes.map((d) => this.deletePod(key, owner, d)));
    deleted.forEach((r, i) => {
      if (r.status === "rejected") result.errors.push(r.reason);
      else result.gone.push(deletes[i]!.pod);
    });
    return result;
  }

  private async createPod(owner: KubeObject, create: PodsToCreate, index: number): Promise<void> {
    const own = create.each?.(index);
    const pod = own ? podFromTemplate(own.template, owner, own.naming) : podFromTemplate(create.template, owner, create.naming);
    create.customize?.(pod, index);
    try {
      const created = await this.client.create<Pod>(podsRes, pod, owner.metadata.namespace);
      this.recorder.event(owner, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name ?? ""}`);
    } catch (err) {
      this.recorder.event(owner, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Deletes the very pod given (a uid precondition); resolves when it is gone, deleted here or before. */
  private async deletePod(key: string, owner: KubeObject, { pod, force }: PodToDelete): Promise<void> {
    const name = pod.metadata.name ?? "";
    try {
      await this.client.delete(podsRes, name, {
        namespace: pod.metadata.namespace,
        preconditions: { uid: pod.metadata.uid },
        ...(force ? { gracePeriodSeconds: 0 } : {}),
      });
      this.recorder.event(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
    } catch (err) {
      // A deletion that did not happen here will not be observed.
      this.expectations.lowerExpectations(key, 0, 1);
      // Gone already, or replaced by another pod of the same name (the uid precondition failed).
      if (isNotFound(err) || isConflict(err)) return;
      this.recorder.event(owner, "Warning", "FailedDelete", `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
  }
}
