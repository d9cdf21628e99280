// Volumes as `kubectl describe` prints them (k8s.io/kubectl/pkg/describe): a pod's
// "Volumes:" section with each volume's source, a container's "Mounts:" lines, and the
// hostPath and local sources a PersistentVolume's "Source:" shares with pods.
import { defaultTokenExpirationSeconds, type Container, type HostPathVolumeSource, type LocalVolumeSource, type Volume } from "@bosun/api";
import { type DescribeWriter, none } from "./describe-writer.js";

export function hostPathLines(w: DescribeWriter, level: number, hostPath: HostPathVolumeSource): void {
  w.line(level, "Type:", "HostPath (bare host directory volume)");
  w.line(level, "Path:", hostPath.path);
  w.line(level, "HostPathType:", hostPath.type ?? none);
}

export function localLines(w: DescribeWriter, level: number, local: LocalVolumeSource): void {
  w.line(level, "Type:", "LocalVolume (a persistent volume backed by local storage on a node)");
  w.line(level, "Path:", local.path);
}

function sourceLines(w: DescribeWriter, v: Volume): void {
  const l = 2;
  if (v.hostPath) return hostPathLines(w, l, v.hostPath);
  if (v.emptyDir) {
    w.line(l, "Type:", "EmptyDir (a temporary directory that shares a pod's lifetime)");
    w.line(l, "Medium:", v.emptyDir.medium ?? "");
    const size = v.emptyDir.sizeLimit;
    w.line(l, "SizeLimit:", size !== undefined && size !== 0 && size !== "0" ? String(size) : "<unset>");
    return;
  }
  if (v.secret) {
    w.line(l, "Type:", "Secret (a volume populated by a Secret)");
    w.line(l, "SecretName:", v.secret.secretName ?? "");
    w.line(l, "Optional:", String(v.secret.optional === true));
    return;
  }
  if (v.configMap) {
    w.line(l, "Type:", "ConfigMap (a volume populated by a ConfigMap)");
    w.line(l, "Name:", v.configMap.name ?? "");
    w.line(l, "Optional:", String(v.configMap.optional === true));
    return;
  }
  if (v.persistentVolumeClaim) {
    w.line(l, "Type:", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
    w.line(l, "ClaimName:", v.persistentVolumeClaim.claimName);
    w.line(l, "ReadOnly:", String(v.persistentVolumeClaim.readOnly === true));
    return;
  }
  if (v.downwardAPI) {
    w.line(l, "Type:", "DownwardAPI (a volume populated by information about the pod)");
    w.line(l, "Items:");
    for (const item of v.downwardAPI.items ?? []) {
      if (item.fieldRef) w.line(l + 1, `${item.fieldRef.fieldPath} -> ${item.path}`);
      if (item.resourceFieldRef) w.line(l + 1, `${item.resourceFieldRef.resource} -> ${item.path}`);
    }
    return;
  }
  if (v.projected) {
    w.line(l, "Type:", "Projected (a volume that contains injected data from multiple sources)");
    for (const s of v.projected.sources ?? []) {
      if (s.secret) {
        w.line(l, "SecretName:", s.secret.name ?? "");
        w.line(l, "Optional:", String(s.secret.optional === true));
      } else if (s.downwardAPI) {
        w.line(l, "DownwardAPI:", "true");
      } else if (s.configMap) {
        w.line(l, "ConfigMapName:", s.configMap.name ?? "");
        w.line(l, "Optional:", String(s.configMap.optional === true));
      } else if (s.serviceAccountToken) {
        w.line(l, "TokenExpirationSeconds:", String(s.serviceAccountToken.expirationSeconds ?? defaultTokenExpirationSeconds));
      }
    }
    return;
  }
  w.line(1, "<unknown>");
}

/**
 * kubectl's describeVolumes: the pod's "Volumes:" section, or (inTemplate) a pod
 * template's, indented one level with its names one space further, as kubectl does.
 */
export function describeVolumes(w: DescribeWriter, volumes: readonly Volume[] | undefined, inTemplate = false): void {
  const level = inTemplate ? 1 : 0;
  if (!volumes || volumes.length === 0) return w.line(level, "Volumes:", none);
  w.line(level, "Volumes:");
  for (const v of volumes) {
    w.line(1, `${inTemplate ? " " : ""}${v.name}:`);
    sourceLines(w, v);
  }
}

/** kubectl's describeContainerVolumes: "Mounts:", by mount path, each `path from volume (rw|ro[,path="sub"])`. */
export function describeMounts(w: DescribeWriter, level: number, container: Container): void {
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  if (mounts.length === 0) return w.line(level, "Mounts:", none);
  w.line(level, "Mounts:");
  for (const m of mounts) {
    const flags = [m.readOnly ? "ro" : "rw", ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
    w.line(level + 1, `${m.mountPath} from ${m.name} (${flags.join(",")})`);
  }
}
