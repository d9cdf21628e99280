// The sizeLimit of disk emptyDirs, enforced as the kubelet's eviction manager does
// (localStorageEviction, emptyDirLimitEviction): every interval, the disk use of each
// active pod's emptyDir that has a sizeLimit is measured (usage.ts), and a pod one of
// whose volumes uses more than its limit is evicted with the kubelet's message. A
// Memory emptyDir needs no check: its tmpfs is made of its sizeLimit (tmpfs.ts), so
// writes beyond it fail with ENOSPC instead. In the same pass, as the kubelet's
// localStorageEviction, a pod whose containers limit their ephemeral-storage has its
// containers' writable layers and logs and its disk emptyDirs measured, and is
// evicted when it uses more than its limits (pod/ephemeral-storage.ts decides).
import { memoryToBytes, type Pod } from "@bosun/api";
import { ephemeralStorageEviction, hasEphemeralStorageLimit } from "../pod/ephemeral-storage.js";
import { createLogger } from "@bosun/client";
import type { PodVolumeDirs } from "./paths.js";
import { diskUsageBytes } from "./usage.js";
import { podUid } from "./volume.js";

const log = createLogger("agent/volumes");

/** How often usage is measured; the kubelet's eviction manager looks every 10 s. */
export const DEFAULT_USAGE_INTERVAL_MS = 10_000;

/**
 * The kubelet's emptyDirMessageFmt, with the limit as the pod spells it; the trailing
 * space is the kubelet's too, which joins eviction messages one after another.
 */
export function emptyDirLimitMessage(volume: string, limit: string): string {
  return `Usage of EmptyDir volume ${JSON.stringify(volume)} exceeds the limit ${JSON.stringify(limit)}. `;
}

/** A disk emptyDir with a positive sizeLimit: what is measured. */
interface LimitedVolume {
  name: string;
  limitBytes: number;
  limit: string;
}

function limitedEmptyDirs(pod: Pod): LimitedVolume[] {
  const out: LimitedVolume[] = [];
  for (const v of pod.spec.volumes ?? []) {
    const source = v.emptyDir;
    if (!source || (source.medium ?? "") !== "" || source.sizeLimit === undefined) continue;
    const limitBytes = memoryToBytes(source.sizeLimit);
    // As the kubelet: a limit of zero is no limit.
    if (limitBytes > 0) out.push({ name: v.name, limitBytes, limit: String(source.sizeLimit) });
  }
  return out;
}

export interface EmptyDirLimitsOptions {
  /** The pods that should be running on the node now. */
  activePods: () => readonly Pod[];
  dirs: PodVolumeDirs;
  /** Evicts the pod for `message` (PodManager.evict). */
  evict: (pod: Pod, message: string) => void;
  /** Default DEFAULT_USAGE_INTERVAL_MS. */
  intervalMs?: number;
  /** Bytes a directory takes on disk, undefined when it is not there; diskUsageBytes by default (tests pass a fake). */
  usage?: (dir: string) => Promise<number | undefined>;
  /**
   * The bytes each running container of the pod uses on the node's disk (writable
   * layer and logs), by container name; without it ephemeral-storage limits are not enforced.
   */
  containerUsage?: (pod: Pod) => Promise<ReadonlyMap<string, number>>;
}

export class EmptyDirLimits {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly usage: (dir: string) => Promise<number | undefined>;

  constructor(private readonly opts: EmptyDirLimitsOptions) {
    this.usage = opts.usage ?? diskUsageBytes;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.opts.intervalMs ?? DEFAULT_USAGE_INTERVAL_MS);
    this.timer.unref();
  }

  /** No check starts after this; resolves when the one under way (if any) is over. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** Measures every limited emptyDir of the active pods once and evicts the pods over a limit. A check still running is not doubled. */
  check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    for (const pod of this.opts.activePods()) {
      const over = await this.overLimit(pod);
      const message = over ? emptyDirLimitMessage(over.name, over.limit) : await this.ephemeralStorageOverLimit(pod);
      if (message === undefined) continue;
      log.warn({ pod: `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`, ...(over ? { volume: over.name } : {}) }, message.trim());
      this.opts.evict(pod, message);
    }
  }

  /** The eviction message of a pod over its ephemeral-storage limits, as the kubelet checks them after the emptyDirs'. */
  private async ephemeralStorageOverLimit(pod: Pod): Promise<string | undefined> {
    const containerUsage = this.opts.containerUsage;
    if (containerUsage === undefined || !hasEphemeralStorageLimit(pod)) return undefined;
    try {
      let volumes = 0;
      for (const v of pod.spec.volumes ?? []) {
        if (!v.emptyDir || (v.emptyDir.medium ?? "") !== "") continue;
        volumes += (await this.usage(this.opts.dirs.volumeDir(podUid(pod), "emptyDir", v.name))) ?? 0;
      }
      return ephemeralStorageEviction(pod, { containers: await containerUsage(pod), volumes });
    } catch (err) {
      log.warn({ pod: podUid(pod), err: (err as Error).message }, "could not measure a pod's ephemeral storage; will try again at the next check");
      return undefined;
    }
  }

  /** The pod's first emptyDir that uses more than its limit, in spec order as the kubelet looks. */
  private async overLimit(pod: Pod): Promise<LimitedVolume | undefined> {
    for (const v of limitedEmptyDirs(pod)) {
      const dir = this.opts.dirs.volumeDir(podUid(pod), "emptyDir", v.name);
      let used: number | undefined;
      try {
        used = await this.usage(dir);
      } catch (err) {
        log.warn({ pod: podUid(pod), volume: v.name, err: (err as Error).message }, "could not measure an emptyDir's disk usage; will try again at the next check");
        continue;
      }
      // Not set up yet: nothing written there.
      if (used !== undefined && used > v.limitBytes) return v;
    }
    return undefined;
  }
}
