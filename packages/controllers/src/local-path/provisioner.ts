// The built-in local-path provisioner, after Rancher's local-path-provisioner that
// k3s ships. For a claim of its class that the binder hands to it
// (volume.kubernetes.io/storage-provisioner) once the scheduler has chosen a node
// (volume.kubernetes.io/selected-node), it makes a directory on that node with a
// helper pod and a hostPath PersistentVolume pre-bound to the claim, with node
// affinity to the node, so the binder binds it and the scheduler keeps every pod of
// the claim there. A Released volume of its own with reclaim policy Delete has its
// directory removed on its node, then is deleted; Retain keeps both.
import { join } from "node:path";
import {
  claimReference,
  mustResource,
  objectKey,
  persistentVolumeClaimClass,
  provisionedByAnnotation,
  selectedNodeAnnotation,
  storageProvisionerAnnotation,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from "@bosun/api";
import { createLogger, isAlreadyExists, isNotFound, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { claimKey, parseQueueKey, volumeKey } from "../persistentvolume/queue-keys.js";
import { HelperPods } from "./helper-pod.js";
import { ensureLocalPathStorageClass, localPathProvisionerName } from "./storage-class.js";

const log = createLogger("controllers/local-path");

const volumesRes = mustResource("persistentvolumes");
const claimsRes = mustResource("persistentvolumeclaims");

/** The access modes a directory of one node can honour. */
const supportedAccessModes = new Set(["ReadWriteOnce", "ReadWriteOncePod"]);

export interface LocalPathOptions {
  /** The directory on every node under which volumes are made (k3s: --default-local-storage-path). */
  storagePath: string;
  /** The image of the helper pods; it needs sh, mkdir and rm. */
  helperImage: string;
  /** How long a helper pod may take. */
  helperTimeoutMs?: number;
}


/** The volume a claim gets, named as Kubernetes' provisioners name them. */
export function provisionedVolumeName(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata.uid ?? ""}`;
}

export class LocalPathProvisioner extends QueueController {
  readonly name = "local-path-provisioner";
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly nodes: Informer<Node>;
  private readonly helpers: HelperPods;
  /** The last ProvisioningFailed message per claim, so retries do not repeat the event. */
  private readonly reportedFailures = new Map<string, string>();

  constructor(
    ctx: ControllerContext,
    private readonly opts: LocalPathOptions,
  ) {
    // Helper pods take a second or so; two workers keep one slow node from holding up the rest.
    super(ctx, 2);
    this.claims = ctx.informers.for<PersistentVolumeClaim>(claimsRes);
    this.volumes = ctx.informers.for<PersistentVolume>(volumesRes);
    this.classes = ctx.informers.for<StorageClass>(mustResource("storageclasses"));
    this.nodes = ctx.informers.for<Node>(mustResource("nodes"));
    this.helpers = new HelperPods({
      client: ctx.client,
      pods: ctx.informers.for<Pod>(mustResource("pods")),
      image: opts.helperImage,
      timeoutMs: opts.helperTimeoutMs ?? 120_000,
    });
    const onClaim = (c: PersistentVolumeClaim) => this.queue.add(claimKey(objectKey(c)));
    this.claims.onAdd(onClaim).onUpdate((_o, c) => onClaim(c)).onDelete((c) => this.reportedFailures.delete(objectKey(c)));
    const onVolume = (v: PersistentVolume) => this.queue.add(volumeKey(v.metadata.name ?? ""));
    this.volumes.onAdd(onVolume).onUpdate((_o, v) => onVolume(v));
  }

  override async run(): Promise<void> {
    if (await ensureLocalPathStorageClass(this.ctx.client)) log.info("created the default StorageClass local-path");
    await super.run();
  }

  protected async sync(key: string): Promise<void> {
    const { kind, name: rest } = parseQueueKey(key);
    if (kind === "claim") {
      const claim = this.claims.get(rest);
      if (claim) await this.syncClaim(claim);
    } else {
      const volume = this.volumes.get(rest);
      if (volume) await this.syncVolume(volume);
    }
  }

  private isOurs(claim: PersistentVolumeClaim): StorageClass | undefined {
    if (claim.metadata.annotations?.[storageProvisionerAnnotation] !== localPathProvisionerName) return undefined;
    const storageClass = this.classes.get(persistentVolumeClaimClass(claim));
    return storageClass?.provisioner === localPathProvisionerName ? storageClass : undefined;
  }

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    if (claim.spec?.volumeName || claim.metadata.deletionTimestamp) return;
    const storageClass = this.isOurs(claim);
    if (!storageClass) return;
    const volumeName = provisionedVolumeName(claim);
    if (this.volumes.get(volumeName)) return; // made already; the binder binds it
    const problem = this.unsupported(claim);
    if (problem) return this.failed(claim, problem);
    const node = claim.metadata.annotations?.[selectedNodeAnnotation];
    if (!node) {
      // Waiting for the scheduler (again, when the node it chose went away).
      if (storageClass.volumeBindingMode === "WaitForFirstConsumer") return;
      return this.failed(claim, `configuration error, no node was specified: StorageClass "${storageClass.metadata.name}" must use volumeBindingMode WaitForFirstConsumer, so that the scheduler chooses the node`);
    }
    if (!this.nodes.get(node)) return this.forgetNode(claim, node);
    const namespace = claim.metadata.namespace ?? "";
    const name = claim.metadata.name ?? "";
    const dir = join(this.opts.storagePath, `${volumeName}_${namespace}_${name}`);
    this.ctx.recorder.event(claim, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${namespace}/${name}"`);
    try {
      await this.helpers.run("create", node, volumeName, dir);
    } catch (err) {
      this.failed(claim, `failed to provision volume with StorageClass "${storageClass.metadata.name}": ${(err as Error).message}`);
      throw err;
    }
    try {
      await this.ctx.client.create<PersistentVolume>(volumesRes, this.volumeFor(claim, storageClass, volumeName, node, dir));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    this.reportedFailures.delete(objectKey(claim));
    this.ctx.recorder.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${volumeName}`);
    log.info({ claim: objectKey(claim), volume: volumeName, node, path: dir }, "provisioned a local-path volume");
  }

  /**
   * The node the scheduler chose is gone: the annotation is removed, as sig-storage's
   * provisioner library does, so that the scheduler places the claim's pod again.
   */
  private async forgetNode(claim: PersistentVolumeClaim, node: string): Promise<void> {
    this.failed(claim, `node "${node}" chosen for the claim no longer exists; the claim's pod will be scheduled again`);
    await this.ctx.client.patch(claimsRes, claim.metadata.name ?? "", { metadata: { annotations: { [selectedNodeAnnotation]: null } } }, {
      namespace: claim.metadata.namespace ?? "",
      type: "merge",
    });
  }

  /** What the provisioner cannot make for the claim, in Rancher's words; undefined when it can. */
  private unsupported(claim: PersistentVolumeClaim): string | undefined {
    if (claim.spec?.selector) return "claim.Spec.Selector is not supported";
    if ((claim.spec?.volumeMode ?? "Filesystem") !== "Filesystem") return `volumeMode ${claim.spec?.volumeMode} is not supported: local-path makes Filesystem volumes only`;
    const modes = claim.spec?.accessModes ?? [];
    const bad = modes.filter((m) => !supportedAccessModes.has(m));
    if (bad.length > 0) return `access mode ${bad.join(", ")} is not supported: a local-path volume is one node's directory (use ReadWriteOnce or ReadWriteOncePod)`;
    return undefined;
  }

  private failed(claim: PersistentVolumeClaim, message: string): void {
    const key = objectKey(claim);
    if (this.reportedFailures.get(key) === message) return;
    this.reportedFailures.set(key, message);
    this.ctx.recorder.event(claim, "Warning", "ProvisioningFailed", message);
  }

  private volumeFor(claim: PersistentVolumeClaim, storageClass: StorageClass, volumeName: string, node: string, dir: string): PersistentVolume {
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: volumeName, annotations: { [provisionedByAnnotation]: localPathProvisionerName } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "0" },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
        storageClassName: storageClass.metadata.name ?? "",
        volumeMode: "Filesystem",
        ...(storageClass.mountOptions ? { mountOptions: storageClass.mountOptions } : {}),
        claimRef: claimReference(claim),
        hostPath: { path: dir, type: "DirectoryOrCreate" },
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] },
        },
      },
    };
  }

  private async syncVolume(volume: PersistentVolume): Promise<void> {
    if (volume.metadata.annotations?.[provisionedByAnnotation] !== localPathProvisionerName) return;
    // Being deleted: its directory went first (here, or by whoever deleted it).
    if (volume.metadata.deletionTimestamp) return;
    if (volume.status?.phase !== "Released" || volume.spec?.persistentVolumeReclaimPolicy !== "Delete") return;
    const dir = volume.spec.hostPath?.path;
    const node = volumeNode(volume);
    const name = volume.metadata.name ?? "";
    if (dir && node) {
      try {
        await this.helpers.run("teardown", node, name, dir);
      } catch (err) {
        this.ctx.recorder.event(volume, "Warning", "VolumeFailedDelete", (err as Error).message);
        throw err;
      }
    }
    try {
      await this.ctx.client.delete(volumesRes, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    log.info({ volume: name, node, path: dir }, "deleted a released local-path volume and its directory");
  }
}

/** The node a local-path volume lives on: the one its node affinity names. */
function volumeNode(volume: PersistentVolume): string | undefined {
  const term = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms[0];
  return term?.matchExpressions?.find((e) => e.key === "kubernetes.io/hostname")?.values?.[0];
}
