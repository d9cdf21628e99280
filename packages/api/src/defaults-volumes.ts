// Defaults of a pod's volumes, as Kubernetes' SetDefaults_Volume,
// SetDefaults_{Secret,ConfigMap,DownwardAPI,Projected}VolumeSource,
// SetDefaults_HostPathVolumeSource, SetDefaults_ServiceAccountTokenProjection and
// SetDefaults_ObjectFieldSelector set them: a
// volume that names no source is an emptyDir, files are 0644 unless told, a
// hostPath checks nothing unless told, a pod field is of the v1 Pod. As the other
// defaults they tolerate malformed input: validation, not defaulting, reports problems.
import { isPlainObject } from "./objects.js";
import { defaultTokenExpirationSeconds } from "./types/authentication.js";
import { podVolumeSources, unsupportedPodVolumeSources } from "./types/volumes.js";

/** The mode of a volume's files when neither the item nor the volume says: 0644. */
export const defaultVolumeFileMode = 0o644;

type Obj = Record<string, unknown>;

function defaultMode(source: unknown): void {
  if (isPlainObject(source)) source.defaultMode ??= defaultVolumeFileMode;
}

function defaultFieldRefs(items: unknown): void {
  if (!Array.isArray(items)) return;
  for (const item of items) {
    const ref = isPlainObject(item) ? item.fieldRef : undefined;
    if (isPlainObject(ref) && !ref.apiVersion) ref.apiVersion = "v1";
  }
}

function defaultVolume(volume: Obj): void {
  const sources = [...podVolumeSources, ...unsupportedPodVolumeSources];
  if (!sources.some((s) => volume[s] !== undefined && volume[s] !== null)) volume.emptyDir = {};
  if (isPlainObject(volume.hostPath)) volume.hostPath.type ??= "";
  defaultMode(volume.secret);
  defaultMode(volume.configMap);
  defaultMode(volume.downwardAPI);
  defaultMode(volume.projected);
  if (isPlainObject(volume.downwardAPI)) defaultFieldRefs(volume.downwardAPI.items);
  if (isPlainObject(volume.projected) && Array.isArray(volume.projected.sources)) {
    for (const source of volume.projected.sources) {
      if (isPlainObject(source) && isPlainObject(source.downwardAPI)) defaultFieldRefs(source.downwardAPI.items);
      // SetDefaults_ServiceAccountTokenProjection: an hour.
      if (isPlainObject(source) && isPlainObject(source.serviceAccountToken)) source.serviceAccountToken.expirationSeconds ??= defaultTokenExpirationSeconds;
    }
  }
}

/** Fills in the defaults of a pod spec's `volumes`, whatever shape they have. */
export function defaultVolumes(volumes: unknown): void {
  if (!Array.isArray(volumes)) return;
  for (const v of volumes) if (isPlainObject(v)) defaultVolume(v);
}
