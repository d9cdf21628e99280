// The writes a StatefulSet makes to its claims (pkg/controller/statefulset
// stateful_pod_control.go): the claims a pod mounts are created before the pod,
// never overwritten once they exist; their ownerReferences follow the set's
// retention policy. Reads come from the claim informer, as Kubernetes' lister.
import { mustResource, objectKey, type PersistentVolumeClaim, type Pod, type StatefulSet } from "@bosun/api";
import { isAlreadyExists, isNotFound, type ApiClient, type EventRecorder, type Informer } from "@bosun/client";
import { errorMessage, patchMetadata } from "../common/index.js";
import { claimIsStale, claimOwnerRefs, claimOwnersUpToDate, claimsForOrdinal } from "./claims.js";
import { ordinalOf } from "./identity.js";

export const claimsRes = mustResource("persistentvolumeclaims");

export class StatefulClaimControl {
  constructor(
    private readonly client: ApiClient,
    private readonly recorder: EventRecorder,
    private readonly claims: Informer<PersistentVolumeClaim>,
  ) {}

  /** The claims of `pod` as the set would make them, each with the claim of that name if it exists. */
  private claimsOf(set: StatefulSet, pod: Pod): { wanted: PersistentVolumeClaim; existing?: PersistentVolumeClaim }[] {
    const ordinal = ordinalOf(set.metadata.name ?? "", pod);
    if (ordinal < 0) return [];
    return claimsForOrdinal(set, ordinal).map((wanted) => ({ wanted, existing: this.claims.get(objectKey(wanted)) }));
  }

  /** Whether a claim of the pod about to be created still belongs to an earlier pod of its name. */
  hasStaleClaim(set: StatefulSet, pod: Pod): boolean {
    return this.claimsOf(set, pod).some(({ existing }) => claimIsStale(set, pod, existing));
  }

  /**
   * Creates the pod's missing claims (createPersistentVolumeClaims). Throws, after
   * trying each, when one could not be created or is being deleted: the pod must
   * not start on a claim that is going away.
   */
  async createMissing(set: StatefulSet, pod: Pod): Promise<void> {
    const problems: string[] = [];
    for (const { wanted, existing } of this.claimsOf(set, pod)) {
      const name = wanted.metadata.name ?? "";
      if (existing !== undefined) {
        if (existing.metadata.deletionTimestamp) problems.push(`pvc ${name} is being deleted`);
        continue;
      }
      try {
        await this.client.create<PersistentVolumeClaim>(claimsRes, wanted, set.metadata.namespace);
        this.recordClaimEvent(set, pod, name);
      } catch (err) {
        if (!isAlreadyExists(err)) {
          this.recordClaimEvent(set, pod, name, err);
          problems.push(`failed to create PVC ${name}: ${errorMessage(err)}`);
          continue;
        }
        // One the informer has not seen yet (often the set's own, just made): used as it is.
        const problem = await this.liveClaimProblem(wanted);
        if (problem !== undefined) problems.push(problem);
      }
    }
    if (problems.length > 0) throw new Error(problems.join(", "));
  }

  /** What keeps a claim that exists, though the informer has not seen it, from being used; undefined when nothing does. */
  private async liveClaimProblem(wanted: PersistentVolumeClaim): Promise<string | undefined> {
    const name = wanted.metadata.name ?? "";
    try {
      const live = await this.client.get<PersistentVolumeClaim>(claimsRes, name, wanted.metadata.namespace);
      return live.metadata.deletionTimestamp ? `pvc ${name} is being deleted` : undefined;
    } catch (err) {
      if (isNotFound(err)) return `failed to create PVC ${name}: it existed a moment ago and is gone; it will be made again`;
      throw err;
    }
  }

  /** Brings the ownerReferences of the pod's existing claims in line with the set's policy (UpdatePodClaimForRetentionPolicy). */
  async fixOwners(set: StatefulSet, pod: Pod): Promise<void> {
    const owners = { set, pod };
    for (const { existing } of this.claimsOf(set, pod)) {
      if (existing === undefined || claimOwnersUpToDate(existing, owners)) continue;
      try {
        // Decided again on each fresh read: the claim may have moved on.
        await patchMetadata(this.client, claimsRes, existing, (current) =>
          claimOwnersUpToDate(current, owners) ? undefined : { ownerReferences: claimOwnerRefs(current, owners) },
        );
      } catch (err) {
        throw new Error(`could not update claim ${existing.metadata.name ?? ""} for the retention policy's ownerReferences: ${errorMessage(err)}`);
      }
    }
  }

  /** recordClaimEvent, with Kubernetes' reasons and messages. */
  private recordClaimEvent(set: StatefulSet, pod: Pod, claim: string, err?: unknown): void {
    const setName = set.metadata.name ?? "";
    const podName = pod.metadata.name ?? "";
    if (err === undefined) {
      this.recorder.event(set, "Normal", "SuccessfulCreate", `create Claim ${claim} Pod ${podName} in StatefulSet ${setName} success`);
    } else {
      this.recorder.event(set, "Warning", "FailedCreate", `create Claim ${claim} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
    }
  }
}
