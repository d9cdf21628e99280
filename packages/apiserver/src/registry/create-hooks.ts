// What a kind's registry does to an object before defaulting and validation: to a
// new one once it has its uid and name (Kubernetes' strategy PrepareForCreate),
// and to the next version of one on update (PrepareForUpdate). A Secret's
// stringData is merged into data on both, which Kubernetes does while decoding
// the v1 object, just before these.
import {
  isPlainObject,
  jobControllerUidLabel,
  jobNameLabel,
  legacyJobControllerUidLabel,
  legacyJobNameLabel,
  mergeStringData,
  type KubeObject,
} from "@bosun/api";

/** holder[field], created empty when unset; undefined when it holds something else, which validation reports. */
function objectField(holder: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  if (holder[field] === undefined) holder[field] = {};
  const value = holder[field];
  return isPlainObject(value) ? value : undefined;
}

/**
 * A Job's pods are selected by its uid, which no other object can have, unless it
 * asked to choose its own selector (manualSelector). As Kubernetes' generateSelector:
 * labels the user already set are kept, and validation refuses them if they are wrong.
 */
function generateJobSelector(object: KubeObject): void {
  const spec = (object as { spec?: unknown }).spec;
  if (!isPlainObject(spec) || spec.manualSelector === true || !isPlainObject(spec.template)) return;
  const uid = object.metadata.uid ?? "";
  const name = object.metadata.name ?? "";
  const templateMeta = objectField(spec.template, "metadata");
  const labels = templateMeta && objectField(templateMeta, "labels");
  if (labels !== undefined) {
    labels[legacyJobNameLabel] ??= name;
    labels[jobNameLabel] ??= name;
    labels[legacyJobControllerUidLabel] ??= uid;
    labels[jobControllerUidLabel] ??= uid;
  }
  const selector = objectField(spec, "selector");
  const matchLabels = selector && objectField(selector, "matchLabels");
  if (matchLabels !== undefined) matchLabels[jobControllerUidLabel] ??= uid;
}

/** A new Service or Ingress starts without status, as Kubernetes' PrepareForCreate leaves it: status is the system's to write. */
function resetStatus(object: KubeObject): void {
  delete (object as { status?: unknown }).status;
}

const createHooks: Record<string, (object: KubeObject) => void> = {
  Job: generateJobSelector,
  Secret: mergeStringData,
  Service: resetStatus,
  Ingress: resetStatus,
};

const updateHooks: Record<string, (object: KubeObject) => void> = {
  Secret: mergeStringData,
};

export function prepareForCreate(kind: string, object: KubeObject): void {
  createHooks[kind]?.(object);
}

/** `object` is what the update asks for (a PUT body, a patched or applied object), before defaults. */
export function prepareForUpdate(kind: string, object: KubeObject): void {
  updateHooks[kind]?.(object);
}
