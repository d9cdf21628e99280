// Reading and writing an owner's ControllerRevisions through the API, after
// Kubernetes' realHistory (pkg/controller/history): the owner claims the revisions
// its selector matches (adopting orphans, releasing the rest, as it does pods),
// a create that meets a different revision of the same name tries the next
// collision count, and a revision's number moves forward when an old template
// comes back.
import {
  controllerRevisionHashLabel,
  mustResource,
  objectKey,
  semanticEqual,
  type ControllerRevision,
  type KubeObject,
  type LabelSelector,
  type ResourceInfo,
} from "@bosun/api";
import { isAlreadyExists, isNotFound, type ApiClient, type Informer } from "@bosun/client";
import { claimObjects, watchDependents, type OwnerCache } from "../common/index.js";
import { controllerRevisionName, hashControllerRevision } from "./revisions.js";

export const controllerRevisionsRes = mustResource("controllerrevisions");

export type HistoryApi = Pick<ApiClient, "create" | "get" | "update" | "delete" | "patch">;

/** After this many collisions in one create something is wrong with the hash, not unlucky. */
const maxCollisions = 100;

export class ControllerHistory {
  constructor(
    private readonly client: HistoryApi,
    private readonly revisions: Informer<ControllerRevision>,
    private readonly ownerRes: ResourceInfo,
  ) {}

  /**
   * Queues an owner when one of its revisions changes, or when an orphan it would
   * adopt appears (the DaemonSet and StatefulSet controllers' history handlers).
   */
  watch<O extends KubeObject>(owners: OwnerCache<O>, selectorOf: (owner: O) => LabelSelector | undefined, enqueue: (key: string) => void): void {
    watchDependents(this.revisions, { ownerRes: this.ownerRes, owners, selectorOf, enqueue });
  }

  /** The owner's revisions, after claiming (ListControllerRevisions with the ControllerRefManager). */
  async list(owner: KubeObject, selector: LabelSelector): Promise<ControllerRevision[]> {
    const candidates = this.revisions.list().filter((r) => r.metadata.namespace === owner.metadata.namespace);
    return claimObjects<ControllerRevision>(
      { client: this.client, res: controllerRevisionsRes, ownerRes: this.ownerRes, owner, selector },
      candidates,
    );
  }

  /**
   * Creates the revision; when its name is taken by a revision with other data,
   * tries the next collision count (CreateControllerRevision). Answers the revision
   * stored and the collision count that named it.
   */
  async create(owner: KubeObject, revision: ControllerRevision, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    const namespace = owner.metadata.namespace;
    for (let count = collisionCount; count < collisionCount + maxCollisions; count++) {
      const hash = hashControllerRevision(revision, count);
      const candidate: ControllerRevision = {
        ...revision,
        metadata: {
          ...revision.metadata,
          name: controllerRevisionName(owner.metadata.name ?? "", hash),
          labels: { ...revision.metadata.labels, [controllerRevisionHashLabel]: hash },
        },
      };
      try {
        return { revision: await this.client.create<ControllerRevision>(controllerRevisionsRes, candidate, namespace), collisionCount: count };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const existing = await this.client.get<ControllerRevision>(controllerRevisionsRes, candidate.metadata.name ?? "", namespace);
      if (semanticEqual(existing.data, candidate.data)) return { revision: existing, collisionCount: count };
    }
    throw new Error(`ControllerRevision for ${owner.kind} ${objectKey(owner)}: ${maxCollisions} hash collisions in a row; delete the owner's stale ControllerRevisions and retry`);
  }

  /** Gives the revision a new number (UpdateControllerRevision); its data never changes. */
  async renumber(revision: ControllerRevision, number: number): Promise<ControllerRevision> {
    if (revision.revision === number) return revision;
    return this.client.update<ControllerRevision>(controllerRevisionsRes, { ...revision, revision: number });
  }

  /** Adds a label, keeping the rest (the DaemonSet's unique label on revisions that lack it). */
  async label(revision: ControllerRevision, key: string, value: string): Promise<ControllerRevision> {
    const labels = { ...(revision.metadata.labels ?? {}), [key]: value };
    return this.client.update<ControllerRevision>(controllerRevisionsRes, { ...revision, metadata: { ...revision.metadata, labels } });
  }

  /** Deletes the revision; one already gone is fine. */
  async delete(revision: ControllerRevision): Promise<void> {
    try {
      await this.client.delete(controllerRevisionsRes, revision.metadata.name ?? "", {
        namespace: revision.metadata.namespace,
        preconditions: { uid: revision.metadata.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
