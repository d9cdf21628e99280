// The volumes hook (the kubelet's volume manager in the pod's life): at each sync
// the pod's volumes are set up and their API data refreshed (volumes/manager.ts),
// each app container gets its mounts when it is created (volumes/container-mounts.ts;
// a volume that failed keeps the container waiting with CreateContainerConfigError
// and the kubelet's message, told in a FailedMount event), and everything the
// volumes made goes with the pod (an evicted pod's at once), or at the next resync
// for a pod that went while the agent was away.
import type { Container, Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import { containerMounts } from "../../volumes/container-mounts.js";
import type { VolumeManager } from "../../volumes/manager.js";
import type { ContainerEnvironment } from "../env/environment.js";
import type { PodIdentity } from "../identity.js";
import type { PodHook } from "./hook.js";

export class VolumeHook implements PodHook {
  readonly name = "volumes";

  constructor(private readonly volumes: VolumeManager) {}

  syncPod(pod: Pod): Promise<number | undefined> {
    return this.volumes.setUp(pod);
  }

  async containerSpec(pod: Pod, container: Container, spec: ContainerCreateSpec, environment: ContainerEnvironment): Promise<void> {
    if ((container.volumeMounts ?? []).length === 0) return;
    const uid = pod.metadata.uid ?? "";
    spec.mounts = await containerMounts(
      container,
      environment.env,
      (name) => this.volumes.state(uid, name),
      (volume, index, subPath, resolved) => this.volumes.pinSubPath(uid, volume, container.name, index, subPath, resolved),
    );
  }

  /** An evicted pod's volumes go at once: what it wrote is what the eviction frees the node's disk of. */
  podStopped(pod: PodIdentity): Promise<void> {
    return this.volumes.tearDown(pod.uid);
  }

  destroy(pod: PodIdentity): Promise<void> {
    return this.volumes.tearDown(pod.uid);
  }

  sweep(isActive: (uid: string) => boolean): Promise<void> {
    return this.volumes.sweep(isActive);
  }
}
