// The PersistentVolume binder, after Kubernetes' pv_controller
// (pkg/controller/volume/persistentvolume): a claim without a volume is bound to the
// best matching Available volume (matching.ts), both sides written as Kubernetes
// writes them (the volume's claimRef first, then the claim's volumeName, then each
// status); a claim that names its volume is bound to it; a new volume becomes
// Available; a volume whose claim is gone is Released, and deleted too when its
// reclaim policy is Delete (unless a provisioner made it: then the provisioner
// deletes it, as external provisioners do). A claim nothing fits stays Pending with
// an event saying why; one whose class has a provisioner is annotated with it, for the
// provisioner to make its volume. A claim whose class waits for its first consumer
// (WaitForFirstConsumer) waits for the scheduler to annotate it with the chosen
// node, and then gets a volume usable there.
import {
  noProvisioner,
  betaStorageProvisionerAnnotation,
  claimReference,
  findMatchingVolume,
  isBoundToClaim,
  mustResource,
  objectKey,
  persistentVolumeClaimClass,
  provisionedByAnnotation,
  selectedNodeAnnotation,
  storageProvisionerAnnotation,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type PersistentVolumeClaimStatus,
  type PersistentVolumeStatus,
  type StorageClass,
} from "@bosun/api";
import { createLogger, isConflict, isNotFound, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { claimKey, parseQueueKey, volumeKey } from "./queue-keys.js";

const log = createLogger("controllers/persistentvolume");

const volumesRes = mustResource("persistentvolumes");
const claimsRes = mustResource("persistentvolumeclaims");
const classesRes = mustResource("storageclasses");
const nodesRes = mustResource("nodes");


export const bindCompletedAnnotation = "pv.kubernetes.io/bind-completed";
export const boundByControllerAnnotation = "pv.kubernetes.io/bound-by-controller";


export class PersistentVolumeBinder extends QueueController {
  readonly name = "persistentvolume-binder";
  private readonly volumes: Informer<PersistentVolume>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly classes: Informer<StorageClass>;
  private readonly nodes: Informer<Node>;
  /** The reason of the last Pending event per claim, so a resync does not repeat it. */
  private readonly pendingReasons = new Map<string, string>();

  constructor(ctx: ControllerContext) {
    super(ctx, 1);
    this.volumes = ctx.informers.for<PersistentVolume>(volumesRes);
    this.claims = ctx.informers.for<PersistentVolumeClaim>(claimsRes);
    this.classes = ctx.informers.for<StorageClass>(classesRes);
    this.nodes = ctx.informers.for<Node>(nodesRes);
    const onClaim = (c: PersistentVolumeClaim) => this.queue.add(claimKey(objectKey(c)));
    const onVolume = (v: PersistentVolume) => {
      this.queue.add(volumeKey(v.metadata.name ?? ""));
      // A volume that came or went may be what a Pending claim waits for.
      for (const c of this.claims.list()) if (!c.spec?.volumeName) onClaim(c);
    };
    this.claims.onAdd(onClaim).onUpdate((_o, c) => onClaim(c)).onDelete((c) => {
      this.pendingReasons.delete(objectKey(c));
      const bound = c.spec?.volumeName;
      if (bound) this.queue.add(volumeKey(bound));
      for (const v of this.volumes.list()) if (isBoundToClaim(v, c)) this.queue.add(volumeKey(v.metadata.name ?? ""));
    });
    this.volumes.onAdd(onVolume).onUpdate((_o, v) => onVolume(v)).onDelete(onVolume);
  }

  protected async sync(key: string): Promise<void> {
    const { kind, name: rest } = parseQueueKey(key);
    if (kind === "claim") {
      const claim = this.claims.get(rest);
      if (claim && !claim.metadata.deletionTimestamp) await this.syncClaim(claim);
      return;
    }
    // A volume being deleted is synced too: its pv-protection finalizer holds it while
    // it is Bound, and only the Released written here once its claim is gone frees it.
    const volume = this.volumes.get(rest);
    if (volume) await this.syncVolume(volume);
  }

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    const wanted = claim.spec?.volumeName;
    if (wanted) {
      const volume = this.volumes.get(wanted);
      if (!volume) {
        // Bound before and the volume is gone: Lost, as Kubernetes says; never bound: it waits for the volume.
        if (claim.metadata.annotations?.[bindCompletedAnnotation]) await this.setClaimStatus(claim, { phase: "Lost" });
        else await this.pending(claim, "FailedBinding", `volume "${wanted}" named by the claim does not exist; create it, or remove spec.volumeName`);
        return;
      }
      if (volume.spec?.claimRef && !isBoundToClaim(volume, claim)) {
        await this.pending(claim, "FailedBinding", `volume "${wanted}" is already bound to claim ${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}`);
        return;
      }
      await this.bind(volume, claim);
      return;
    }
    const className = persistentVolumeClaimClass(claim);
    const storageClass = className ? this.classes.get(className) : undefined;
    const delayBinding = storageClass?.volumeBindingMode === "WaitForFirstConsumer";
    const selectedNodeName = claim.metadata.annotations?.[selectedNodeAnnotation];
    const selectedNode = selectedNodeName ? this.nodes.get(selectedNodeName) : undefined;
    const volume = findMatchingVolume(claim, this.volumes.list(), { delayBinding, ...(selectedNode ? { node: selectedNode } : {}) });
    if (volume) {
      await this.bind(volume, claim);
      return;
    }
    if (className && !storageClass) {
      await this.pending(claim, "ProvisioningFailed", `storageclass.storage.k8s.io "${className}" not found`);
    } else if (delayBinding && !selectedNodeName) {
      await this.pending(claim, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
    } else if (storageClass && storageClass.provisioner !== noProvisioner) {
      await this.askProvisioner(claim, storageClass.provisioner);
    } else if (storageClass) {
      await this.pending(claim, "FailedBinding", `no persistent volumes available for this claim and storage class "${className}" has no provisioner`);
    } else {
      await this.pending(claim, "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
    }
  }

  /** Names the provisioner on the claim, as Kubernetes' PV controller does, so that it makes the volume. */
  private async askProvisioner(claim: PersistentVolumeClaim, provisioner: string): Promise<void> {
    let c = claim;
    const annotations = c.metadata.annotations ?? {};
    if (annotations[storageProvisionerAnnotation] !== provisioner || annotations[betaStorageProvisionerAnnotation] !== provisioner) {
      c = await this.ctx.client.update<PersistentVolumeClaim>(claimsRes, {
        ...c,
        metadata: { ...c.metadata, annotations: { ...annotations, [storageProvisionerAnnotation]: provisioner, [betaStorageProvisionerAnnotation]: provisioner } },
      });
    }
    await this.pending(c, "ExternalProvisioning", `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  }

  /** Both sides, in Kubernetes' order: the volume's claimRef, the claim's volumeName, then their statuses. */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    let v = volume;
    if (!v.spec?.claimRef?.uid) {
      v = await this.ctx.client.update<PersistentVolume>(volumesRes, {
        ...v,
        metadata: { ...v.metadata, annotations: { ...v.metadata.annotations, ...(v.spec?.claimRef ? {} : { [boundByControllerAnnotation]: "yes" }) } },
        spec: {
          ...v.spec,
          claimRef: claimReference(claim),
        },
      });
    }
    if (v.status?.phase !== "Bound") v = await this.setVolumeStatus(v, { phase: "Bound" });
    let c = claim;
    if (c.spec?.volumeName !== v.metadata.name || !c.metadata.annotations?.[bindCompletedAnnotation]) {
      c = await this.ctx.client.update<PersistentVolumeClaim>(claimsRes, {
        ...c,
        metadata: {
          ...c.metadata,
          annotations: { ...c.metadata.annotations, [bindCompletedAnnotation]: "yes", ...(c.spec?.volumeName ? {} : { [boundByControllerAnnotation]: "yes" }) },
        },
        spec: { ...c.spec, volumeName: v.metadata.name ?? "" },
      });
    }
    const capacity = v.spec?.capacity;
    if (c.status?.phase !== "Bound") {
      await this.setClaimStatus(c, { phase: "Bound", accessModes: v.spec?.accessModes ?? [], ...(capacity ? { capacity } : {}) });
      this.pendingReasons.delete(objectKey(c));
      log.info({ claim: objectKey(c), volume: v.metadata.name }, "bound a claim to its volume");
    }
  }

  private async syncVolume(volume: PersistentVolume): Promise<void> {
    const ref = volume.spec?.claimRef;
    if (!ref) {
      if (volume.status?.phase !== "Available") await this.setVolumeStatus(volume, { phase: "Available" });
      return;
    }
    const claim = this.claims.get(`${ref.namespace}/${ref.name}`);
    const claimGone = !claim || (ref.uid !== undefined && ref.uid !== "" && ref.uid !== claim.metadata.uid);
    if (!claimGone) {
      if (!claim.spec?.volumeName) {
        this.queue.add(claimKey(objectKey(claim)));
      } else if (claim.spec.volumeName === volume.metadata.name) {
        if (volume.status?.phase !== "Bound") await this.setVolumeStatus(volume, { phase: "Bound" });
      } else if (volume.metadata.annotations?.[boundByControllerAnnotation]) {
        // The claim went to another volume: this one is free again.
        const { claimRef: _ref, ...spec } = volume.spec ?? {};
        const freed = await this.ctx.client.update<PersistentVolume>(volumesRes, { ...volume, spec });
        await this.setVolumeStatus(freed, { phase: "Available" });
      }
      return;
    }
    // Not yet bound on the claim's side when a user pre-bound the volume: wait for the claim.
    if (!ref.uid) return;
    if (volume.status?.phase !== "Released") {
      volume = await this.setVolumeStatus(volume, { phase: "Released" });
      this.ctx.recorder.event(volume, "Normal", "VolumeReleased", `claim ${ref.namespace}/${ref.name} was deleted`);
    }
    // A provisioner's volume is deleted by its provisioner, which removes the storage first.
    if ((volume.spec?.persistentVolumeReclaimPolicy ?? "Retain") === "Delete" && !volume.metadata.annotations?.[provisionedByAnnotation] && !volume.metadata.deletionTimestamp) {
      try {
        await this.ctx.client.delete(volumesRes, volume.metadata.name ?? "");
        log.info({ volume: volume.metadata.name }, "deleted a released volume (reclaim policy Delete)");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async pending(claim: PersistentVolumeClaim, reason: string, message: string): Promise<void> {
    if (claim.status?.phase !== "Pending") await this.setClaimStatus(claim, { phase: "Pending" });
    const key = objectKey(claim);
    if (this.pendingReasons.get(key) === `${reason}:${message}`) return;
    this.pendingReasons.set(key, `${reason}:${message}`);
    this.ctx.recorder.event(claim, reason === "WaitForFirstConsumer" || reason === "ExternalProvisioning" ? "Normal" : "Warning", reason, message);
  }

  /** The apiserver stamps lastPhaseTransitionTime when the phase changes. */
  private async setVolumeStatus(volume: PersistentVolume, status: PersistentVolumeStatus): Promise<PersistentVolume> {
    return this.writeStatus(volumesRes, { ...volume, status });
  }

  private async setClaimStatus(claim: PersistentVolumeClaim, status: PersistentVolumeClaimStatus): Promise<PersistentVolumeClaim> {
    return this.writeStatus(claimsRes, { ...claim, status });
  }

  private async writeStatus<T extends PersistentVolume | PersistentVolumeClaim>(res: typeof volumesRes, object: T): Promise<T> {
    try {
      return await this.ctx.client.update<T>(res, object, { subresource: "status" });
    } catch (err) {
      // Changed meanwhile: the informer brings the new version, and with it another sync.
      if (isConflict(err)) throw new Error(`${res.kind} ${objectKey(object)} changed while its status was written; syncing again`);
      throw err;
    }
  }
}
