// The PVC protection controller, after Kubernetes' pvcprotection
// (pkg/controller/volume/pvcprotection): a claim being deleted keeps the
// kubernetes.io/pvc-protection finalizer the apiserver gave it for as long as a pod
// that has not finished names it in spec.volumes; then the finalizer goes and the
// apiserver removes the claim. A pod that finishes or goes requeues the claims it
// names. A claim made before the apiserver added the finalizer gets it here.
import {
  isPodTerminal,
  mustResource,
  objectKey,
  podReferencedNames,
  pvcProtectionFinalizer,
  type PersistentVolumeClaim,
  type Pod,
} from "@bosun/api";
import { createLogger, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { addFinalizer, isDeletionCandidate, needsFinalizer, removeFinalizer } from "../common/finalizers.js";

const log = createLogger("controllers/pvc-protection");

const claimsRes = mustResource("persistentvolumeclaims");
const podsRes = mustResource("pods");

/**
 * Force-deleted, or deleted after its agent stopped it (grace period 0), and only
 * waiting for other finalizers. As Kubernetes' podIsShutDown it uses no claim: a
 * finalizer of the pod waiting for the claim to go could otherwise never be met.
 */
function isShutDown(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;
}

/**
 * Whether `pod` may still read or write the claim `name` of `namespace`: it names it,
 * is on a node and has not finished. As Kubernetes' podUsesPVC, a pod not scheduled
 * yet does not count: the scheduler will not place it on a claim being deleted, so
 * counting it would leave both waiting on each other.
 */
export function podUsesClaim(pod: Pod, namespace: string, name: string): boolean {
  if (pod.metadata.namespace !== namespace || !pod.spec.nodeName || isPodTerminal(pod) || isShutDown(pod)) return false;
  return podReferencedNames(pod, "PersistentVolumeClaim").has(name);
}

export class PvcProtectionController extends QueueController {
  readonly name = "pvc-protection";
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly pods: Informer<Pod>;

  constructor(ctx: ControllerContext) {
    super(ctx, 1);
    this.claims = ctx.informers.for<PersistentVolumeClaim>(claimsRes);
    this.pods = ctx.informers.for<Pod>(podsRes);
    const onClaim = (claim: PersistentVolumeClaim) => {
      if (needsFinalizer(claim, pvcProtectionFinalizer) || isDeletionCandidate(claim, pvcProtectionFinalizer)) this.queue.add(objectKey(claim));
    };
    this.claims.onAdd(onClaim).onUpdate((_old, claim) => onClaim(claim));
    // Any change of a pod may be the one that frees a claim (it finished, it went);
    // only claims being deleted are worth a look.
    const onPod = (pod: Pod) => {
      for (const name of podReferencedNames(pod, "PersistentVolumeClaim")) {
        const key = `${pod.metadata.namespace ?? ""}/${name}`;
        const claim = this.claims.get(key);
        if (claim && isDeletionCandidate(claim, pvcProtectionFinalizer)) this.queue.add(key);
      }
    };
    this.pods
      .onAdd(onPod)
      .onUpdate((old, pod) => {
        // A pod replaced by another of the same name between two events: the first may have held other claims.
        if (old.metadata.uid !== pod.metadata.uid) onPod(old);
        onPod(pod);
      })
      .onDelete(onPod);
  }

  protected async sync(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (!claim) return;
    if (isDeletionCandidate(claim, pvcProtectionFinalizer)) {
      const user = await this.podUsing(claim);
      if (user) {
        log.debug({ claim: key, pod: objectKey(user) }, "keeping a claim being deleted: a pod uses it");
        return;
      }
      if (await removeFinalizer(this.ctx.client, claimsRes, claim, pvcProtectionFinalizer)) {
        log.info({ claim: key }, "removed the pvc-protection finalizer: no pod uses the claim");
      }
      return;
    }
    if (needsFinalizer(claim, pvcProtectionFinalizer)) await addFinalizer(this.ctx.client, claimsRes, claim, pvcProtectionFinalizer);
  }

  /**
   * A pod that uses the claim, from the informer first; when it knows none, from a
   * live list, because a pod created a moment ago may not have reached the
   * informer, and letting the claim go under it would lose its data.
   */
  private async podUsing(claim: PersistentVolumeClaim): Promise<Pod | undefined> {
    const namespace = claim.metadata.namespace ?? "";
    const name = claim.metadata.name ?? "";
    const uses = (pod: Pod) => podUsesClaim(pod, namespace, name);
    const cached = this.pods.list().find(uses);
    if (cached) return cached;
    const live = await this.ctx.client.list<Pod>(podsRes, { namespace });
    return live.items.find(uses);
  }
}
