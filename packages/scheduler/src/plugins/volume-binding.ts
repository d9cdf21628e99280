// The pod's PersistentVolumeClaims, as kube-scheduler's VolumeBinding plugin sees
// them. Before any node: every claim must exist and not be going away, and a claim
// whose class binds at once must already be bound. Per node: a bound claim's volume
// must allow the node (its node affinity); a claim waiting for its first consumer
// needs, on that node, a matching Available volume or a class that provisions. Before
// binding: such claims are annotated with the chosen node, for the binder and the
// provisioner, and the pod waits until they are bound; their volumes' node affinity
// then keeps it on that node.
import {
  noProvisioner,
  podReferencedNames,
  findMatchingVolume,
  persistentVolumeClaimClass,
  selectedNodeAnnotation,
  volumeFitsNode,
  mustResource,
  type PersistentVolumeClaim,
  type Pod,
} from "@bosun/api";
import type { Handle } from "../framework/handle.js";
import { success, unschedulable, unschedulableAndUnresolvable, type PreBindResult, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const volumeBindingName = "VolumeBinding";
export const errReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const errReasonNodeConflict = "node(s) had volume node affinity conflict";
export const errReasonPVNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
export const errReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";

const claimsRes = mustResource("persistentvolumeclaims");

/** The claim names of the pod's persistentVolumeClaim volumes, each once. */
function podClaimNames(pod: Pod): string[] {
  return [...podReferencedNames(pod, "PersistentVolumeClaim")];
}

export class VolumeBinding {
  readonly name = volumeBindingName;

  constructor(private readonly handle: Handle) {}

  preFilter(pod: Pod): Status {
    const namespace = pod.metadata.namespace ?? "default";
    for (const name of podClaimNames(pod)) {
      const claim = this.handle.listers.claim(namespace, name);
      if (!claim) return unschedulable(`persistentvolumeclaim "${name}" not found`);
      if (claim.metadata.deletionTimestamp) return unschedulable(`persistentvolumeclaim "${name}" is being deleted`);
      if (!claim.spec?.volumeName && !this.delaysBinding(claim)) return unschedulable(errReasonUnboundImmediate);
    }
    return success;
  }

  filter(pod: Pod, nodeInfo: NodeInfo): Status {
    const reasons = new Set<string>();
    for (const claim of this.claimsOf(pod)) {
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const volume = this.handle.listers.volume(volumeName);
        if (!volume) reasons.add(errReasonPVNotExist);
        else if (!volumeFitsNode(volume, nodeInfo.node)) reasons.add(errReasonNodeConflict);
      } else if (!this.canBindOn(claim, nodeInfo)) {
        reasons.add(errReasonBindConflict);
      }
    }
    return reasons.size > 0 ? unschedulableAndUnresolvable(...reasons) : success;
  }

  async preBind(pod: Pod, node: string): Promise<PreBindResult> {
    const unbound = this.claimsOf(pod).filter((c) => !c.spec?.volumeName);
    for (const claim of unbound) {
      if (claim.metadata.annotations?.[selectedNodeAnnotation] === node) continue;
      await this.handle.client.patch(claimsRes, claim.metadata.name ?? "", { metadata: { annotations: { [selectedNodeAnnotation]: node } } }, {
        namespace: claim.metadata.namespace ?? "default",
        type: "merge",
      });
    }
    if (unbound.length === 0) return { code: "Success" };
    return { code: "Wait", reason: `waiting for PersistentVolumeClaims ${unbound.map((c) => c.metadata.name).join(", ")} to be bound` };
  }

  private claimsOf(pod: Pod): PersistentVolumeClaim[] {
    const namespace = pod.metadata.namespace ?? "default";
    return podClaimNames(pod).flatMap((name) => this.handle.listers.claim(namespace, name) ?? []);
  }

  private delaysBinding(claim: PersistentVolumeClaim): boolean {
    const className = persistentVolumeClaimClass(claim);
    return !!className && this.handle.listers.storageClass(className)?.volumeBindingMode === "WaitForFirstConsumer";
  }

  /** An unbound claim waiting for its consumer: a volume on the node matches, or its class can make one there. */
  private canBindOn(claim: PersistentVolumeClaim, nodeInfo: NodeInfo): boolean {
    const selected = claim.metadata.annotations?.[selectedNodeAnnotation];
    // Provisioning for another node has begun; the volume will live there.
    if (selected && selected !== nodeInfo.name) return false;
    if (findMatchingVolume(claim, this.handle.listers.volumes(), { node: nodeInfo.node, delayBinding: true })) return true;
    const storageClass = this.handle.listers.storageClass(persistentVolumeClaimClass(claim));
    return !!storageClass && storageClass.provisioner !== noProvisioner;
  }
}
