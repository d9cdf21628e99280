// Claiming objects for a controller, after Kubernetes' ControllerRefManager
// (pkg/controller/controller_ref_manager.go): a controller owns what carries its
// controllerRef and matches its selector; it adopts matching orphans and releases
// what it owns but no longer selects. Objects controlled by someone else are left alone.
import { matchesLabels, type KubeObject, type LabelSelector, type ResourceInfo } from "@bosun/api";
import { controllerRefOf, newControllerRef } from "./controller-ref.js";
import { errorMessage } from "./error-message.js";
import { patchMetadata, type MetadataPatchApi } from "./metadata-patch.js";

export interface ClaimPlan<T extends KubeObject> {
  /** Controlled by the owner and still selected. */
  owned: T[];
  /** Orphans the owner should take. */
  adopt: T[];
  /** Controlled by the owner but no longer selected. */
  release: T[];
}

/** What claiming would do, from the objects as the caller sees them. */
export function planClaim<T extends KubeObject>(owner: KubeObject, selector: LabelSelector, candidates: readonly T[]): ClaimPlan<T> {
  const plan: ClaimPlan<T> = { owned: [], adopt: [], release: [] };
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const selected = matchesLabels(selector, obj.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (selected) plan.owned.push(obj);
      // An owner being deleted keeps what it has, so the garbage collector finds it.
      else if (!ownerDeleting) plan.release.push(obj);
    } else if (selected && !ownerDeleting && !obj.metadata.deletionTimestamp && obj.metadata.namespace === owner.metadata.namespace) {
      plan.adopt.push(obj);
    }
  }
  return plan;
}

export interface ClaimOptions {
  client: MetadataPatchApi;
  /** The resource of the candidates. */
  res: ResourceInfo;
  /** The resource of the owner, read fresh before the first adoption. */
  ownerRes: ResourceInfo;
  owner: KubeObject;
  selector: LabelSelector;
}

/**
 * Adopts and releases as planClaim says, each a compare-and-swap re-decided on a
 * fresh read when it loses a race, and answers what the owner now controls. Throws
 * after trying every object when any adoption or release failed.
 */
export async function claimObjects<T extends KubeObject>(opts: ClaimOptions, candidates: readonly T[]): Promise<T[]> {
  const { client, res, owner, selector } = opts;
  const plan = planClaim(owner, selector, candidates);
  const claimed = [...plan.owned];
  const errors: unknown[] = [];
  if (plan.adopt.length > 0) {
    try {
      await ensureOwnerCanAdopt(opts);
      for (const obj of plan.adopt) {
        try {
          const adopted = await patchMetadata(client, res, obj, (current) => {
            if (controllerRefOf(current) || current.metadata.deletionTimestamp || !matchesLabels(selector, current.metadata.labels)) return undefined;
            return { ownerReferences: [...(current.metadata.ownerReferences ?? []), newControllerRef(owner)] };
          });
          if (adopted && controllerRefOf(adopted)?.uid === owner.metadata.uid) claimed.push(adopted);
        } catch (err) {
          errors.push(err);
        }
      }
    } catch (err) {
      errors.push(err);
    }
  }
  for (const obj of plan.release) {
    try {
      await patchMetadata(client, res, obj, (current) => {
        const refs = current.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === owner.metadata.uid)) return undefined;
        const rest = refs.filter((r) => r.uid !== owner.metadata.uid);
        return { ownerReferences: rest.length > 0 ? rest : null };
      });
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) {
    throw new Error(`claiming ${res.resource} for ${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name} failed ${errors.length} time(s), first: ${errorMessage(errors[0])}`);
  }
  return claimed;
}

/**
 * The cached owner may already be gone or being deleted; adopting for it then would
 * leave orphans behind again (Kubernetes' RecheckDeletionTimestamp).
 */
async function ensureOwnerCanAdopt(opts: ClaimOptions): Promise<void> {
  const { owner } = opts;
  const fresh = await opts.client.get(opts.ownerRes, owner.metadata.name ?? "", owner.metadata.namespace);
  if (fresh.metadata.uid !== owner.metadata.uid) {
    throw new Error(`original ${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`);
  }
  if (fresh.metadata.deletionTimestamp) {
    throw new Error(`${owner.kind} ${owner.metadata.namespace}/${owner.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}; not adopting`);
  }
}
