// Where a pod's volumes live on the node, as the kubelet lays them out under its
// root directory: <data-dir>/pods/<uid>/volumes/<plugin>/<volume>. Everything of a
// pod is under <data-dir>/pods/<uid>, so removing the pod removes it all.
import { join } from "node:path";

/** The kubelet's plugin directory names, which operators recognise. */
export const volumeKindDirs = {
  emptyDir: "kubernetes.io~empty-dir",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
} as const;

export type LocalVolumeKind = keyof typeof volumeKindDirs;

export class PodVolumeDirs {
  /** `root` is <data-dir>/pods. */
  constructor(readonly root: string) {}

  podDir(uid: string): string {
    return join(this.root, uid);
  }

  volumeDir(uid: string, kind: LocalVolumeKind, name: string): string {
    return join(this.root, uid, "volumes", volumeKindDirs[kind], name);
  }

  /** Where the subPath of a container's mount (by its index) is pinned, as the kubelet's volume-subpaths. */
  subPathDir(uid: string, volume: string, container: string, mountIndex: number): string {
    return join(this.root, uid, "volume-subpaths", volume, container, String(mountIndex));
  }
}
