// Memory-backed volumes: a Memory emptyDir and the directory of a Secret's files are
// each one tmpfs, mounted by the agent before any container binds them. Their size
// is the kubelet's (calculateEmptyDirMemorySize): the node's allocatable memory, or
// the pod's memory limit when every container sets one and it is smaller, or the
// volume's sizeLimit when that is smaller still. An agent that cannot mount (not
// root) fails the volume: its contents are never put on the node's disk instead.
import { chmod } from "node:fs/promises";
import { memoryToBytes, type Pod, type Quantity, type ResourceList } from "@bosun/api";
import { makeDir, type VolumeSetUpContext } from "./volume.js";

/** The root of a memory-backed volume is writable by any user of the containers, as an emptyDir's. */
const tmpfsMode = 0o777;

/** The pod's memory limit: the sum of its containers', when every one sets it. */
function podMemoryLimit(pod: Pod): number | undefined {
  let sum = 0;
  for (const c of pod.spec.containers) {
    const limit = c.resources?.limits?.memory;
    if (limit === undefined) return undefined;
    sum += memoryToBytes(limit);
  }
  return sum;
}

/** The size of a memory-backed volume of `pod`; undefined leaves it to the kernel (half the host's memory). */
export function memoryVolumeSize(pod: Pod, sizeLimit: Quantity | undefined, nodeAllocatable: ResourceList): number | undefined {
  const allocatable = nodeAllocatable.memory;
  let size = allocatable === undefined ? undefined : memoryToBytes(allocatable);
  const smaller = (candidate: number | undefined) => candidate !== undefined && candidate > 0 && (size === undefined || candidate <= size);
  const podLimit = podMemoryLimit(pod);
  if (smaller(podLimit)) size = podLimit;
  const volumeLimit = sizeLimit === undefined ? undefined : memoryToBytes(sizeLimit);
  if (smaller(volumeLimit)) size = volumeLimit;
  return size;
}

/**
 * Makes `dir` a tmpfs of `sizeBytes` unless one is mounted there already; true when
 * it mounted one now. `why` ends the error an agent that cannot mount gets: what the
 * tmpfs is for.
 */
export async function ensureTmpfs(ctx: VolumeSetUpContext, dir: string, sizeBytes: number | undefined, why: string): Promise<boolean> {
  await makeDir(dir, tmpfsMode);
  if (await ctx.mounts.isFilesystemRoot(dir)) return false;
  try {
    await ctx.mounts.mountTmpfs(dir, { mode: tmpfsMode, ...(sizeBytes !== undefined ? { sizeBytes } : {}) });
  } catch (err) {
    throw new Error(`${(err as Error).message}; ${why}: run the agent as root so that it can mount a tmpfs`);
  }
  await chmod(dir, tmpfsMode);
  return true;
}
