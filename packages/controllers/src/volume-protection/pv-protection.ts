// The PV protection controller, after Kubernetes' pvprotection
// (pkg/controller/volume/pvprotection): a volume being deleted keeps the
// kubernetes.io/pv-protection finalizer the apiserver gave it while its phase is
// Bound; once the binder has marked it Released (its claim is gone) or it was
// never bound, the finalizer goes and the apiserver removes the volume. A volume
// made before the apiserver added the finalizer gets it here.
import { mustResource, pvProtectionFinalizer, type PersistentVolume } from "@bosun/api";
import { createLogger, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { addFinalizer, isDeletionCandidate, needsFinalizer, removeFinalizer } from "../common/finalizers.js";

const log = createLogger("controllers/pv-protection");

const volumesRes = mustResource("persistentvolumes");

/** A Bound volume serves a claim; the binder's status is the word on that, as in Kubernetes. */
export function volumeInUse(volume: PersistentVolume): boolean {
  return volume.status?.phase === "Bound";
}

export class PvProtectionController extends QueueController {
  readonly name = "pv-protection";
  private readonly volumes: Informer<PersistentVolume>;

  constructor(ctx: ControllerContext) {
    super(ctx, 1);
    this.volumes = ctx.informers.for<PersistentVolume>(volumesRes);
    const onVolume = (volume: PersistentVolume) => {
      if (needsFinalizer(volume, pvProtectionFinalizer) || isDeletionCandidate(volume, pvProtectionFinalizer)) this.queue.add(volume.metadata.name ?? "");
    };
    this.volumes.onAdd(onVolume).onUpdate((_old, volume) => onVolume(volume));
  }

  protected async sync(name: string): Promise<void> {
    const volume = this.volumes.get(name);
    if (!volume) return;
    if (isDeletionCandidate(volume, pvProtectionFinalizer)) {
      // Bound now: the binder's next status write (Released) brings the volume back here.
      if (volumeInUse(volume)) return;
      // Asked again of the version the patch is computed from: a volume bound meanwhile stays.
      if (await removeFinalizer(this.ctx.client, volumesRes, volume, pvProtectionFinalizer, (current) => !volumeInUse(current))) {
        log.info({ volume: name, phase: volume.status?.phase }, "removed the pv-protection finalizer: the volume is not bound");
      }
      return;
    }
    if (needsFinalizer(volume, pvProtectionFinalizer)) await addFinalizer(this.ctx.client, volumesRes, volume, pvProtectionFinalizer);
  }
}
