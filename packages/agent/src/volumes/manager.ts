// The node's pod volumes, after the kubelet's volume manager: each pod's volumes are
// set up before its containers are created (emptyDir, hostPath, configMap, secret,
// downwardAPI, projected, persistentVolumeClaim; one module each), their API data
// refreshed while the pod runs, and everything a pod's volumes made removed with the
// pod. Level-triggered like the pod worker that drives it: set-up is idempotent and
// remembers only what the containers need (where each volume is, or why it is not).
// One operation per pod at a time: the worker's syncs and teardown, and the sweep of
// pods that went while the agent was away, never interleave on one pod.
import { readdir, rm } from "node:fs/promises";
import type { Pod, ResourceList, Volume } from "@bosun/api";
import { createLogger } from "@bosun/client";
import { setUpClaim } from "./persistent-volume-claim.js";
import { setUpConfigMap } from "./config-map.js";
import { setUpDownwardApi } from "./downward-api.js";
import { setUpEmptyDir } from "./empty-dir.js";
import { LinuxMounts, type HostMounts } from "./host-mounts.js";
import { setUpHostPath } from "./host-path.js";
import { PodVolumeDirs } from "./paths.js";
import { setUpProjected } from "./projected.js";
import { setUpSecret } from "./secret.js";
import { ServiceAccountTokenManager } from "./service-account-tokens.js";
import { pinSubPath, type ResolvedSubPath } from "./subpath.js";
import type { VolumeObjectSource } from "./source.js";
import { podUid, type MountableVolume, type VolumeSetUpContext } from "./volume.js";

const log = createLogger("agent/volumes");

/** How often the files of configMap, secret, downwardAPI and projected volumes are read again while a pod runs. */
export const DEFAULT_REFRESH_INTERVAL_MS = 20_000;

export interface VolumeManagerOptions {
  /** <data-dir>/pods: each pod's volumes live under <podsDir>/<uid>. */
  podsDir: string;
  /** The node's mounts; `mount`/`umount` by default. */
  mounts?: HostMounts;
  /** Reads ConfigMaps, Secrets, claims and volumes; without it (no API servers) none can be read. */
  objects?: VolumeObjectSource;
  /** The node's allocatable resources (the size of memory-backed volumes). */
  nodeAllocatable?: () => ResourceList;
  refreshIntervalMs?: number;
  /** Told once for each new failure of a volume, with the kubelet's message. */
  onFailure?: (pod: Pod, message: string) => void;
  now?: () => number;
}

/** A volume as the last set-up left it: where containers find it, or why they cannot. */
export type VolumeState = { ok: true; volume: MountableVolume } | { ok: false; message: string };

interface PodVolumes {
  states: Map<string, VolumeState>;
  /** When the API data was last read (ms). */
  refreshedAt: number;
  /** The labels and annotations the downward API files were written from. */
  metadataKey: string;
  /** The last failure told, by volume, so that a lasting one is told once. */
  told: Map<string, string>;
}

/** Runs one operation per key at a time, in the order asked. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

function within(dir: string, path: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

export class VolumeManager {
  readonly dirs: PodVolumeDirs;
  private readonly mounts: HostMounts;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;
  private readonly pods = new Map<string, PodVolumes>();
  private readonly lock = new KeyedLock();
  private readonly tokens: ServiceAccountTokenManager | undefined;

  constructor(private readonly opts: VolumeManagerOptions) {
    this.dirs = new PodVolumeDirs(opts.podsDir);
    this.tokens = opts.objects ? new ServiceAccountTokenManager(opts.objects, opts.now ? { now: opts.now } : {}) : undefined;
    this.mounts = opts.mounts ?? new LinuxMounts();
    this.refreshIntervalMs = opts.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Sets up the pod's volumes: new ones, failed ones again, and the API data of the
   * others when a refresh is due (or, for the downward API, the pod's labels or
   * annotations changed). A volume's failure is remembered (state) and told
   * (onFailure), never thrown. Answers in how many ms the next refresh is due;
   * undefined when the pod has nothing to refresh.
   */
  setUp(pod: Pod): Promise<number | undefined> {
    const volumes = pod.spec.volumes ?? [];
    if (volumes.length === 0) return Promise.resolve(undefined);
    const uid = podUid(pod);
    return this.lock.run(uid, () => this.setUpLocked(pod, uid, volumes));
  }

  /** The volume as the last set-up of the pod left it; undefined before any. */
  state(uid: string, name: string): VolumeState | undefined {
    return this.pods.get(uid)?.states.get(name);
  }

  /** Pins a resolved subPath of a container's mount (subpath.ts) in the pod's directory; answers where Docker binds it from. */
  pinSubPath(uid: string, volume: string, container: string, mountIndex: number, subPath: string, resolved: ResolvedSubPath): Promise<string> {
    const target = this.dirs.subPathDir(uid, volume, container, mountIndex);
    return this.lock.run(uid, async () => {
      await pinSubPath(this.mounts, subPath, resolved, target);
      return target;
    });
  }

  /** Removes everything the pod's volumes made: its tmpfs and subPath mounts, then its directory. */
  tearDown(uid: string): Promise<void> {
    return this.lock.run(uid, () => this.tearDownLocked(uid));
  }

  /** Tears down the volumes of every pod on disk that `isActive` no longer knows (gone while the agent was away). */
  async sweep(isActive: (uid: string) => boolean): Promise<void> {
    let uids: string[];
    try {
      uids = await readdir(this.dirs.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const uid of uids) {
      if (isActive(uid)) continue;
      await this.lock
        .run(uid, async () => {
          // Asked again under the lock: a pod that arrived meanwhile keeps its volumes.
          if (isActive(uid)) return;
          await this.tearDownLocked(uid);
          log.info({ pod: uid }, "removed the volumes of a pod that is no longer on this node");
        })
        .catch((err: unknown) => log.warn({ pod: uid, err: (err as Error).message }, "could not remove the volumes of a pod that is gone; will retry"));
    }
  }

  private async setUpLocked(pod: Pod, uid: string, volumes: readonly Volume[]): Promise<number | undefined> {
    const now = this.now();
    const prev = this.pods.get(uid);
    const metadataKey = JSON.stringify([pod.metadata.labels ?? {}, pod.metadata.annotations ?? {}]);
    const refreshDue = prev === undefined || now - prev.refreshedAt >= this.refreshIntervalMs || prev.metadataKey !== metadataKey;
    const needed = volumes.filter((v) => {
      const state = prev?.states.get(v.name);
      return state === undefined || !state.ok || (state.volume.refreshable && refreshDue);
    });
    const current: PodVolumes = {
      states: new Map(prev?.states ?? []),
      refreshedAt: refreshDue ? now : (prev?.refreshedAt ?? now),
      metadataKey: refreshDue ? metadataKey : (prev?.metadataKey ?? metadataKey),
      told: prev?.told ?? new Map(),
    };
    if (needed.length > 0) {
      const ctx: VolumeSetUpContext = {
        pod,
        dirs: this.dirs,
        mounts: this.mounts,
        objects: this.opts.objects,
        nodeAllocatable: this.opts.nodeAllocatable?.() ?? {},
        tokens: this.tokens,
      };
      for (const v of needed) await this.setUpOne(ctx, v, current);
    }
    this.pods.set(uid, current);
    const refreshable = [...current.states.values()].some((s) => s.ok && s.volume.refreshable);
    return refreshable ? Math.max(0, current.refreshedAt + this.refreshIntervalMs - now) : undefined;
  }

  private async setUpOne(ctx: VolumeSetUpContext, v: Volume, pod: PodVolumes): Promise<void> {
    const before = pod.states.get(v.name);
    try {
      pod.states.set(v.name, { ok: true, volume: await setUpSource(ctx, v) });
      pod.told.delete(v.name);
    } catch (err) {
      const message = `MountVolume.SetUp failed for volume "${v.name}" : ${(err as Error).message}`;
      // A refresh that fails leaves the containers the files they have, as the kubelet does.
      if (!before?.ok) pod.states.set(v.name, { ok: false, message });
      if (pod.told.get(v.name) !== message) {
        pod.told.set(v.name, message);
        log.warn({ pod: podUid(ctx.pod), volume: v.name }, message);
        this.opts.onFailure?.(ctx.pod, message);
      }
    }
  }

  private async tearDownLocked(uid: string): Promise<void> {
    this.pods.delete(uid);
    this.tokens?.forget(uid);
    const dir = this.dirs.podDir(uid);
    const mounted = async () => [...(await this.mounts.mountPoints())].filter((p) => within(dir, p));
    // The deepest first; a mount left in place would have its contents deleted by the rm below.
    for (const point of (await mounted()).sort((a, b) => b.length - a.length)) await this.mounts.unmount(point);
    const left = await mounted();
    if (left.length > 0) throw new Error(`cannot remove ${dir}: ${left.join(", ")} still mounted`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** One volume's set-up, by its source. */
function setUpSource(ctx: VolumeSetUpContext, v: Volume): Promise<MountableVolume> {
  if (v.emptyDir) return setUpEmptyDir(ctx, v.name, v.emptyDir);
  if (v.hostPath) return setUpHostPath(v.hostPath);
  if (v.configMap) return setUpConfigMap(ctx, v.name, v.configMap);
  if (v.secret) return setUpSecret(ctx, v.name, v.secret);
  if (v.downwardAPI) return setUpDownwardApi(ctx, v.name, v.downwardAPI);
  if (v.projected) return setUpProjected(ctx, v.name, v.projected);
  if (v.persistentVolumeClaim) return setUpClaim(ctx, v.persistentVolumeClaim);
  return Promise.reject(new Error("the volume has no source the agent can mount (emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)"));
}
