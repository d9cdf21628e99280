// The semantic rules of PersistentVolumes, PersistentVolumeClaims and
// StorageClasses, as Kubernetes' ValidatePersistentVolume(Update) and
// ValidatePersistentVolumeClaim(Update) (pkg/apis/core/validation) and
// ValidateStorageClass(Update) (pkg/apis/storage/validation) word them, run after
// defaulting. What Kubernetes accepts but Bosun's agents cannot do is refused by
// path, saying why: volume sources other than hostPath and local, block volumes,
// recycling, and claims filled from another object.
import { semanticEqual } from "./equality.js";
import { child, forbidden, invalidValue, key, notSupported, required, tooLong, tooMany } from "./field-errors.js";
import { isDNS1123Subdomain, isQualifiedName } from "./naming.js";
import { compareQuantities, isValidQuantity, quantityFormatMessage } from "./quantity.js";
import type { Quantity, ResourceList } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";
import {
  betaStorageClassAnnotation,
  unsupportedVolumeSources,
  type HostPathVolumeSource,
  type LocalVolumeSource,
  type PersistentVolume,
  type PersistentVolumeAccessMode,
  type PersistentVolumeClaim,
  type PersistentVolumeClaimSpec,
  type PersistentVolumeSpec,
} from "./types/persistent-volumes.js";
import type { StorageClass } from "./types/storage.js";
import { validateNodeSelector } from "./validation-node-selector.js";
import { checkSelector, validateImmutableField } from "./validation-workloads.js";

const storage = "storage";
const fieldImmutable = "field is immutable";
/** Kubernetes' bounds on a StorageClass's parameters. */
const maxParameters = 512;
const maxParametersSizeBytes = 256 * 1024;

const noBlockVolumes =
  "Bosun runs containers through Docker and cannot attach block devices to them; use volumeMode Filesystem (the default)";
const supportedSources = "Bosun supports hostPath and local persistent volumes only";

// ---- shared rules ----

/** The access modes of a volume or claim: at least one, and ReadWriteOncePod alone. */
function validateAccessModes(modes: readonly PersistentVolumeAccessMode[] | undefined, path: string, requiredDetail: string): StatusCause[] {
  if (modes === undefined || modes.length === 0) return [required(path, requiredDetail)];
  if (modes.includes("ReadWriteOncePod") && modes.some((m) => m !== "ReadWriteOncePod")) {
    return [forbidden(path, "may not use ReadWriteOncePod with other access modes")];
  }
  return [];
}

/** ValidatePositiveQuantityValue: a well-formed quantity above zero. */
function validatePositiveQuantity(q: Quantity, path: string): StatusCause[] {
  if (!isValidQuantity(q)) return [invalidValue(path, q, quantityFormatMessage)];
  return compareQuantities(q, 0) > 0 ? [] : [invalidValue(path, String(q), "must be greater than zero")];
}

/** A storage class name where one is given: ValidateClassName, a DNS subdomain. */
function validateClassName(name: string | undefined, path: string): StatusCause[] {
  if (name === undefined || name === "") return [];
  return isDNS1123Subdomain(name).map((msg) => invalidValue(path, name, msg));
}

function refuseBlockMode(mode: string | undefined, path: string): StatusCause[] {
  return mode === "Block" ? [forbidden(path, noBlockVolumes)] : [];
}

/** validatePathNoBacksteps: no ".." element, so the path cannot climb out of where it points. */
function noBacksteps(path: string, field: string): StatusCause[] {
  return path.split("/").includes("..") ? [invalidValue(field, path, "must not contain '..'")] : [];
}

/**
 * A hostPath source. Kubernetes leaves a relative path to the kubelet to fail on;
 * Bosun refuses it here, as Docker binds only absolute paths into containers.
 */
export function validateHostPathSource(source: HostPathVolumeSource, path: string): StatusCause[] {
  const pathField = child(path, "path");
  if (source.path === "") return [required(pathField)];
  const causes = noBacksteps(source.path, pathField);
  if (!source.path.startsWith("/")) causes.push(invalidValue(pathField, source.path, "must be an absolute path: Docker binds only absolute paths of the node"));
  return causes;
}

function validateLocalSource(source: LocalVolumeSource, path: string): StatusCause[] {
  const pathField = child(path, "path");
  if (source.path === "") return [required(pathField)];
  // Kubernetes reports a relative path on the source, not on its path.
  const causes = source.path.startsWith("/") ? [] : [invalidValue(path, source.path, "must be an absolute path")];
  causes.push(...noBacksteps(source.path, pathField));
  return causes;
}

// ---- PersistentVolume ----

/** ValidatePersistentVolume and, with `old`, ValidatePersistentVolumeUpdate. */
export function validatePersistentVolume(pv: PersistentVolume, old?: PersistentVolume): StatusCause[] {
  const spec = pv.spec ?? {};
  const causes = validateAccessModes(spec.accessModes, "spec.accessModes", "");
  causes.push(...validateCapacity(spec.capacity, "spec.capacity"));
  if (spec.persistentVolumeReclaimPolicy === "Recycle") {
    causes.push(
      forbidden(
        "spec.persistentVolumeReclaimPolicy",
        "Bosun does not recycle volumes (Kubernetes deprecated Recycle): use Retain to keep the data once the claim goes, or Delete",
      ),
    );
  }
  if (spec.nodeAffinity !== undefined) {
    const nodes = spec.nodeAffinity.required;
    if (nodes === undefined) causes.push(required("spec.nodeAffinity.required", "must specify required node constraints"));
    else causes.push(...validateNodeSelector(nodes, "spec.nodeAffinity.required"));
  }
  causes.push(...validateSource(spec));
  causes.push(...validateClassName(spec.storageClassName, "spec.storageClassName"));
  causes.push(...refuseBlockMode(spec.volumeMode, "spec.volumeMode"));
  if (spec.hostPath !== undefined && (spec.mountOptions?.length ?? 0) > 0) {
    causes.push(forbidden("spec.mountOptions", "hostPath volumes take no mount options (the kubelet refuses them too); remove them, or use a local volume"));
  }
  if (old !== undefined) causes.push(...validatePersistentVolumeUpdate(spec, old.spec ?? {}));
  return causes;
}

function validateCapacity(capacity: ResourceList | undefined, path: string): StatusCause[] {
  const entries = Object.entries(capacity ?? {});
  if (entries.length === 0) return [required(path)];
  const causes: StatusCause[] = [];
  if (capacity?.[storage] === undefined || entries.length > 1) causes.push(notSupported(path, capacity, [storage]));
  for (const [name, q] of entries) causes.push(...validatePositiveQuantity(q, key(path, name)));
  return causes;
}

/** Exactly one source, of those Bosun's agents can mount; the others refused by name. */
function validateSource(spec: PersistentVolumeSpec): StatusCause[] {
  const unsupported = unsupportedVolumeSources.filter((name) => spec[name] !== undefined);
  const causes = unsupported.map((name) =>
    forbidden(`spec.${name}`, `${supportedSources}: its agents bind a directory of the node into containers through Docker and cannot mount ${name} volumes`),
  );
  if (spec.hostPath !== undefined) causes.push(...validateHostPathSource(spec.hostPath, "spec.hostPath"));
  if (spec.local !== undefined) {
    if (spec.hostPath !== undefined) {
      causes.push(forbidden("spec.local", "may not specify more than 1 volume type"));
    } else {
      causes.push(...validateLocalSource(spec.local, "spec.local"));
      if (spec.nodeAffinity === undefined) causes.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
    }
  }
  if (unsupported.length === 0 && spec.hostPath === undefined && spec.local === undefined) {
    causes.push(required("spec", `must specify a volume type (${supportedSources}: hostPath or local)`));
  }
  return causes;
}

/** The fields of the spec that are its PersistentVolumeSource. */
function sourceOf(spec: PersistentVolumeSpec): Record<string, unknown> {
  const source: Record<string, unknown> = { hostPath: spec.hostPath, local: spec.local };
  for (const name of unsupportedVolumeSources) source[name] = spec[name];
  return source;
}

function validatePersistentVolumeUpdate(spec: PersistentVolumeSpec, old: PersistentVolumeSpec): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!semanticEqual(sourceOf(spec), sourceOf(old))) {
    causes.push(forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
  }
  // Kubernetes' own paths here leave out "spec.".
  causes.push(...validateImmutableField("volumeMode", spec.volumeMode, old.volumeMode));
  if (old.nodeAffinity !== undefined) causes.push(...validateImmutableField("nodeAffinity", spec.nodeAffinity, old.nodeAffinity));
  return causes;
}

// ---- PersistentVolumeClaim ----

const specImmutable = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/** ValidatePersistentVolumeClaim and, with `old`, ValidatePersistentVolumeClaimUpdate. */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim, old?: PersistentVolumeClaim): StatusCause[] {
  const causes = validatePersistentVolumeClaimSpec(pvc.spec ?? {}, "spec");
  for (const [name, q] of Object.entries(pvc.status?.capacity ?? {})) {
    const path = key("status.capacity", name);
    if (!isValidQuantity(q)) causes.push(invalidValue(path, q, quantityFormatMessage));
    else if (compareQuantities(q, 0) < 0) causes.push(invalidValue(path, String(q), "must be a valid resource quantity"));
  }
  if (old !== undefined) causes.push(...validateClaimUpdate(pvc, old));
  return causes;
}

/**
 * ValidatePersistentVolumeClaimSpec: the spec of a claim, or of a claim template
 * (a StatefulSet's volumeClaimTemplates), at `path`.
 */
export function validatePersistentVolumeClaimSpec(spec: PersistentVolumeClaimSpec, path: string): StatusCause[] {
  const causes = validateAccessModes(spec.accessModes, child(path, "accessModes"), "at least 1 access mode is required");
  if (spec.selector !== undefined) causes.push(...checkSelector(spec.selector, child(path, "selector")).causes);
  // Kubernetes names the request "spec.resources[storage]", without ".requests".
  const storagePath = key(child(path, "resources"), storage);
  const request = spec.resources?.requests?.[storage];
  if (request === undefined) causes.push(required(storagePath));
  else causes.push(...validatePositiveQuantity(request, storagePath));
  causes.push(...validateClassName(spec.storageClassName, child(path, "storageClassName")));
  causes.push(...refuseBlockMode(spec.volumeMode, child(path, "volumeMode")));
  const noDataSources = "Bosun cannot fill a new claim from another claim or a snapshot; create it empty and copy the data in";
  if (spec.dataSource !== undefined) causes.push(forbidden(child(path, "dataSource"), noDataSources));
  if (spec.dataSourceRef !== undefined) causes.push(forbidden(child(path, "dataSourceRef"), noDataSources));
  return causes;
}

function storageRequest(spec: PersistentVolumeClaimSpec | undefined): Quantity | undefined {
  return spec?.resources?.requests?.[storage];
}

/**
 * A claim is immutable but for its storage request while bound (it may grow), its
 * volumeName once (the binder sets it), and a class name it had none of (the
 * upgrade from the beta annotation), as Kubernetes lets them change.
 */
function validateClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): StatusCause[] {
  const spec = pvc.spec ?? {};
  const oldSpec = old.spec ?? {};
  const causes: StatusCause[] = [];
  const compared: PersistentVolumeClaimSpec = structuredClone(spec);
  const before: PersistentVolumeClaimSpec = structuredClone(oldSpec);
  if ((oldSpec.volumeName ?? "") === "") before.volumeName = spec.volumeName;
  causes.push(...classUpgrade(pvc, old, before));
  const newSize = storageRequest(spec);
  const oldSize = storageRequest(oldSpec);
  if (pvc.status?.phase === "Bound" && compared.resources?.requests !== undefined) {
    if (oldSize === undefined) delete compared.resources.requests[storage];
    else compared.resources.requests[storage] = oldSize;
  }
  if (!semanticEqual(compared, before)) causes.push(forbidden("spec", `${specImmutable}; changed: ${changedFields(compared, before).join(", ")}`));
  if (newSize !== undefined && oldSize !== undefined && isValidQuantity(newSize) && isValidQuantity(oldSize) && compareQuantities(newSize, oldSize) < 0) {
    causes.push(forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
  }
  causes.push(...validateImmutableField("volumeMode", spec.volumeMode, oldSpec.volumeMode));
  return causes;
}

/**
 * The one change of class Kubernetes allows: from none to the one the beta
 * annotation named, or to any where there was no annotation. Where it applies,
 * `before` takes the new class so that the spec comparison lets it through; the
 * annotation itself never changes.
 */
function classUpgrade(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim, before: PersistentVolumeClaimSpec): StatusCause[] {
  const name = pvc.spec?.storageClassName;
  const oldAnnotation = old.metadata.annotations?.[betaStorageClassAnnotation];
  const newAnnotation = pvc.metadata.annotations?.[betaStorageClassAnnotation];
  const fromNone = old.spec?.storageClassName === undefined && name !== undefined;
  const fromAnnotation = fromNone && oldAnnotation !== undefined && name === oldAnnotation && (newAnnotation === undefined || newAnnotation === oldAnnotation);
  const causes: StatusCause[] = [];
  if (!fromAnnotation && (newAnnotation ?? "") !== (oldAnnotation ?? "")) {
    causes.push(invalidValue(`metadata.annotations.${betaStorageClassAnnotation}`, newAnnotation ?? "", fieldImmutable));
  }
  if (fromNone && (oldAnnotation === undefined || name === oldAnnotation)) before.storageClassName = name;
  return causes;
}

/** The top-level fields of a spec that differ, where Kubernetes would print its diff. */
function changedFields(now: object, before: object): string[] {
  const a = now as Record<string, unknown>;
  const b = before as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !semanticEqual(a[k], b[k])).map((k) => `spec.${k}`);
}

// ---- StorageClass ----

/** ValidateStorageClass and, with `old`, ValidateStorageClassUpdate. */
export function validateStorageClass(sc: StorageClass, old?: StorageClass): StatusCause[] {
  const causes: StatusCause[] = [];
  if (sc.provisioner === "") causes.push(required("provisioner"));
  else for (const msg of isQualifiedName(sc.provisioner.toLowerCase())) causes.push(invalidValue("provisioner", sc.provisioner, msg));
  causes.push(...validateParameters(sc.parameters ?? {}));
  if (sc.reclaimPolicy !== undefined && sc.reclaimPolicy !== "Delete" && sc.reclaimPolicy !== "Retain") {
    causes.push(notSupported("reclaimPolicy", sc.reclaimPolicy, ["Delete", "Retain"]));
  }
  if (sc.volumeBindingMode === undefined) causes.push(required("volumeBindingMode"));
  if (old !== undefined) {
    if (!semanticEqual(sc.parameters, old.parameters)) causes.push(forbidden("parameters", "updates to parameters are forbidden."));
    if (sc.provisioner !== old.provisioner) causes.push(forbidden("provisioner", "updates to provisioner are forbidden."));
    if (sc.reclaimPolicy !== old.reclaimPolicy) causes.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    causes.push(...validateImmutableField("volumeBindingMode", sc.volumeBindingMode, old.volumeBindingMode));
  }
  return causes;
}

function validateParameters(params: Record<string, string>): StatusCause[] {
  const entries = Object.entries(params);
  if (entries.length > maxParameters) return [tooMany("parameters", entries.length, maxParameters)];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k === "") causes.push(invalidValue("parameters", k, "field can not be empty."));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > maxParametersSizeBytes) causes.push(tooLong("parameters", maxParametersSizeBytes));
  return causes;
}
