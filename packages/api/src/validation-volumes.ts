// A pod's volumes and its containers' volume mounts as Kubernetes' ValidateVolumes
// and ValidateVolumeMounts (pkg/apis/core/validation) check them, with Kubernetes'
// wording: unique DNS-label names, exactly one source, files at relative paths
// without '..', modes 0 to 0777, mounts of volumes the pod defines at unique
// paths. Where Kubernetes names a list (`downwardAPI.path`, `volumeMounts.subPath`)
// the causes here name the item, so a long spec says which one. What Kubernetes
// accepts but Bosun's agents cannot do is refused by name, saying why: the volume
// sources other than those types/volumes.ts lists, cluster trust bundle
// projections, huge pages, mount propagation other than None, relative mount paths.
import { volumeFieldPaths } from "./downward-api.js";
import { child, duplicate, forbidden, index, invalidValue, notFound, notSupported, required } from "./field-errors.js";
import { isDNS1123Label } from "./naming.js";
import { compareQuantities, isValidQuantity, quantityFormatMessage } from "./quantity.js";
import type { Container } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";
import { defaultTokenExpirationSeconds, maxTokenExpirationSeconds, minTokenExpirationSeconds } from "./types/authentication.js";
import {
  unsupportedPodVolumeSources,
  unsupportedProjections,
  type DownwardAPIVolumeFile,
  type EmptyDirVolumeSource,
  type KeyToPath,
  type ProjectedVolumeSource,
  type Volume,
  type VolumeMount,
} from "./types/volumes.js";
import { validateObjectFieldSelector, validateResourceFieldSelector } from "./validation-env.js";
import { validateHostPathSource } from "./validation-storage.js";

export const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive";

const moreThanOneType = "may not specify more than 1 volume type";
const mountPropagationModes = ["Bidirectional", "HostToContainer", "None"];
const emptyDirMedia = ["", "Memory"];

/** Every source a volume may name, in the order Kubernetes checks them (the first one set counts, the others are refused). */
const sourceOrder = [
  "emptyDir",
  "hostPath",
  "gitRepo",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "flocker",
  "persistentVolumeClaim",
  "rbd",
  "cinder",
  "cephfs",
  "quobyte",
  "downwardAPI",
  "fc",
  "flexVolume",
  "configMap",
  "azureFile",
  "vsphereVolume",
  "photonPersistentDisk",
  "portworxVolume",
  "azureDisk",
  "storageos",
  "projected",
  "scaleIO",
  "csi",
  "ephemeral",
  "image",
] as const;

const unsupported = new Set<string>(unsupportedPodVolumeSources);

function validateMode(mode: number | undefined, path: string): StatusCause[] {
  return mode !== undefined && (mode < 0 || mode > 0o777) ? [invalidValue(path, mode, fileModeErrorMsg)] : [];
}

/** validatePathNoBacksteps: no ".." element. */
function noBacksteps(target: string, path: string): StatusCause[] {
  return target.split("/").includes("..") ? [invalidValue(path, target, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative, without "..": a path inside the volume. */
function validateLocalDescendingPath(target: string, path: string): StatusCause[] {
  const causes = target.startsWith("/") ? [invalidValue(path, target, "must be a relative path")] : [];
  return [...causes, ...noBacksteps(target, path)];
}

/** ValidateLocalNonReservedPath: a path inside the volume that does not start with "..", the atomic writer's own names. */
function validateLocalNonReservedPath(target: string, path: string): StatusCause[] {
  const causes = validateLocalDescendingPath(target, path);
  if (target.startsWith("..") && !target.startsWith("../")) causes.push(invalidValue(path, target, "must not start with '..'"));
  return causes;
}

/** A token's life as Kubernetes bounds it, for projections and TokenRequests alike. */
export function validateTokenExpiration(seconds: number, path: string): StatusCause[] {
  if (seconds < minTokenExpirationSeconds) return [invalidValue(path, seconds, "may not specify a duration less than 10 minutes")];
  if (seconds > maxTokenExpirationSeconds) return [invalidValue(path, seconds, "may not specify a duration larger than 2^32 seconds")];
  return [];
}

function validateKeyToPath(kp: KeyToPath, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (kp.key === "") causes.push(required(child(path, "key")));
  if (kp.path === "") causes.push(required(child(path, "path")));
  causes.push(...validateLocalNonReservedPath(kp.path, child(path, "path")));
  causes.push(...validateMode(kp.mode, child(path, "mode")));
  return causes;
}

function validateItems(items: readonly KeyToPath[] | undefined, path: string): StatusCause[] {
  return (items ?? []).flatMap((kp, i) => validateKeyToPath(kp, index(path, i)));
}

/** A named ConfigMap or Secret as a volume, or as a projection of one. */
function validateObjectSource(name: string | undefined, nameField: string, items: readonly KeyToPath[] | undefined, defaultMode: number | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if ((name ?? "") === "") causes.push(required(child(path, nameField)));
  causes.push(...validateMode(defaultMode, child(path, "defaultMode")));
  causes.push(...validateItems(items, child(path, "items")));
  return causes;
}

function validateEmptyDir(source: EmptyDirVolumeSource, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const medium = source.medium ?? "";
  if (medium.startsWith("HugePages")) {
    causes.push(forbidden(child(path, "medium"), "Bosun cannot back an emptyDir with huge pages: use medium Memory (a tmpfs) or leave medium out (the node's disk)"));
  } else if (!emptyDirMedia.includes(medium)) {
    causes.push(notSupported(child(path, "medium"), medium, emptyDirMedia));
  }
  const limit = source.sizeLimit;
  if (limit !== undefined) {
    if (!isValidQuantity(limit)) causes.push(invalidValue(child(path, "sizeLimit"), limit, quantityFormatMessage));
    else if (compareQuantities(limit, 0) < 0) causes.push(forbidden(child(path, "sizeLimit"), "SizeLimit field must be a valid resource quantity"));
  }
  return causes;
}

function validateDownwardAPIFile(file: DownwardAPIVolumeFile, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (file.path === "") causes.push(required(child(path, "path")));
  causes.push(...validateLocalNonReservedPath(file.path, child(path, "path")));
  if (file.fieldRef !== undefined) {
    causes.push(...validateObjectFieldSelector(file.fieldRef, child(path, "fieldRef"), volumeFieldPaths));
    if (file.resourceFieldRef !== undefined) causes.push(invalidValue(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"));
  } else if (file.resourceFieldRef !== undefined) {
    causes.push(...validateResourceFieldSelector(file.resourceFieldRef, child(path, "resourceFieldRef"), true));
  } else {
    causes.push(required(path, "one of fieldRef and resourceFieldRef is required"));
  }
  causes.push(...validateMode(file.mode, child(path, "mode")));
  return causes;
}

function validateDownwardAPIFiles(items: readonly DownwardAPIVolumeFile[] | undefined, path: string): StatusCause[] {
  return (items ?? []).flatMap((file, i) => validateDownwardAPIFile(file, index(path, i)));
}

/** validateProjectionSources: one source each, and no path twice across them. */
function validateProjected(projected: ProjectedVolumeSource, path: string): StatusCause[] {
  const causes = validateMode(projected.defaultMode, child(path, "defaultMode"));
  const paths = new Set<string>();
  const claimPath = (p: string, what: string) => {
    if (p === "") return;
    if (paths.has(p)) causes.push(invalidValue(path, what, "conflicting duplicate paths"));
    paths.add(p);
  };
  (projected.sources ?? []).forEach((source, i) => {
    const srcPath = index(child(path, "sources"), i);
    let count = 0;
    if (source.secret !== undefined) {
      count++;
      causes.push(...validateObjectSource(source.secret.name, "name", source.secret.items, undefined, child(srcPath, "secret")));
      for (const kp of source.secret.items ?? []) claimPath(kp.path, source.secret.name ?? "");
    }
    if (source.configMap !== undefined) {
      count++;
      causes.push(...validateObjectSource(source.configMap.name, "name", source.configMap.items, undefined, child(srcPath, "configMap")));
      for (const kp of source.configMap.items ?? []) claimPath(kp.path, source.configMap.name ?? "");
    }
    if (source.downwardAPI !== undefined) {
      count++;
      causes.push(...validateDownwardAPIFiles(source.downwardAPI.items, child(child(srcPath, "downwardAPI"), "items")));
      for (const file of source.downwardAPI.items ?? []) claimPath(file.path, file.path);
    }
    if (source.serviceAccountToken !== undefined) {
      count++;
      const token = source.serviceAccountToken;
      const tokenPath = child(srcPath, "serviceAccountToken");
      causes.push(...validateTokenExpiration(token.expirationSeconds ?? defaultTokenExpirationSeconds, child(tokenPath, "expirationSeconds")));
      // Kubernetes names the projected volume's path here, not the token's.
      if (token.path === "") causes.push(required(child(path, "path")));
      else causes.push(...validateLocalNonReservedPath(token.path, child(path, "path")));
      claimPath(token.path, token.path);
    }
    for (const name of unsupportedProjections) {
      if (source[name] === undefined) continue;
      count++;
      causes.push(forbidden(child(srcPath, name), `Bosun cannot project ${name} yet (it has no cluster trust bundles): use configMap, secret, downwardAPI or serviceAccountToken sources`));
    }
    if (count > 1) causes.push(forbidden(srcPath, moreThanOneType));
  });
  return causes;
}

/** The problems of the one source `name` of a volume. */
function validateSource(volume: Volume, name: (typeof sourceOrder)[number], path: string): StatusCause[] {
  if (unsupported.has(name)) {
    return [
      forbidden(
        path,
        `Bosun's agents cannot mount ${name} volumes: they bind directories of the node into containers; use emptyDir, hostPath, configMap, secret, downwardAPI, projected or persistentVolumeClaim`,
      ),
    ];
  }
  switch (name) {
    case "emptyDir":
      return validateEmptyDir(volume.emptyDir ?? {}, path);
    case "hostPath":
      return volume.hostPath ? validateHostPathSource(volume.hostPath, path) : [];
    case "secret":
      return validateObjectSource(volume.secret?.secretName, "secretName", volume.secret?.items, volume.secret?.defaultMode, path);
    case "configMap":
      return validateObjectSource(volume.configMap?.name, "name", volume.configMap?.items, volume.configMap?.defaultMode, path);
    case "downwardAPI":
      return [...validateMode(volume.downwardAPI?.defaultMode, child(path, "defaultMode")), ...validateDownwardAPIFiles(volume.downwardAPI?.items, child(path, "items"))];
    case "projected":
      return volume.projected ? validateProjected(volume.projected, path) : [];
    case "persistentVolumeClaim":
      return volume.persistentVolumeClaim?.claimName === "" ? [required(child(path, "claimName"))] : [];
    default:
      return [];
  }
}

/** validateVolumeSource: exactly one source, checked. */
function validateVolumeSource(volume: Volume, path: string): StatusCause[] {
  const fields = volume as unknown as Record<string, unknown>;
  const set = sourceOrder.filter((name) => fields[name] !== undefined);
  if (set.length === 0) return [required(path, "must specify a volume type")];
  const [first, ...others] = set as [(typeof sourceOrder)[number], ...(typeof sourceOrder)[number][]];
  return [...validateSource(volume, first, child(path, first)), ...others.map((name) => forbidden(child(path, name), moreThanOneType))];
}

/**
 * ValidateVolumes: the causes, and the volumes by name that containers may mount
 * (those without problems of their own, as Kubernetes counts them).
 */
export function validateVolumes(volumes: readonly Volume[] | undefined, path: string): { causes: StatusCause[]; names: Set<string> } {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((volume, i) => {
    const p = index(path, i);
    const namePath = child(p, "name");
    const own = validateVolumeSource(volume, p);
    if (volume.name === "") own.push(required(namePath));
    else for (const msg of isDNS1123Label(volume.name)) own.push(invalidValue(namePath, volume.name, msg));
    if (names.has(volume.name)) own.push(duplicate(namePath, volume.name));
    if (own.length === 0) names.add(volume.name);
    else causes.push(...own);
  });
  return { causes, names };
}

function validateMountPropagation(mode: string, path: string): StatusCause[] {
  if (!mountPropagationModes.includes(mode)) return [notSupported(path, mode, mountPropagationModes)];
  if (mode === "None") return [];
  return [forbidden(path, `Bosun binds volumes with private propagation only: mounts made later on either side are not seen by the other; leave mountPropagation out or set None`)];
}

/** ValidateVolumeMounts of one container, against the names of the pod's volumes. */
export function validateVolumeMounts(container: Container, volumes: ReadonlySet<string>, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const mountPoints = new Set<string>();
  (container.volumeMounts ?? []).forEach((mount: VolumeMount, i) => {
    const p = index(path, i);
    if (mount.name === "") causes.push(required(child(p, "name")));
    else if (!volumes.has(mount.name)) causes.push(notFound(child(p, "name"), mount.name));
    const mountPath = child(p, "mountPath");
    if (mount.mountPath === "") causes.push(required(mountPath));
    else if (!mount.mountPath.startsWith("/")) causes.push(invalidValue(mountPath, mount.mountPath, "must be an absolute path: Docker mounts volumes at absolute paths of the container"));
    if (mountPoints.has(mount.mountPath)) causes.push(invalidValue(mountPath, mount.mountPath, "must be unique"));
    mountPoints.add(mount.mountPath);
    const subPath = mount.subPath ?? "";
    if (subPath !== "") causes.push(...validateLocalDescendingPath(subPath, child(p, "subPath")));
    const expr = mount.subPathExpr ?? "";
    if (expr !== "") {
      if (subPath !== "") causes.push(invalidValue(child(p, "subPathExpr"), expr, "subPathExpr and subPath are mutually exclusive"));
      causes.push(...validateLocalDescendingPath(expr, child(p, "subPathExpr")));
    }
    if (mount.mountPropagation !== undefined) causes.push(...validateMountPropagation(mount.mountPropagation, child(p, "mountPropagation")));
  });
  return causes;
}
