// What a kind's registry does to an object before defaulting and validation: to a
// new one once it has its uid and name (Kubernetes' strategy PrepareForCreate),
// and to the next version of one on update (PrepareForUpdate). A Secret's
// stringData is merged into data on both, which Kubernetes does while decoding
// the v1 object, just before these.
import {
  applySchedulingGatedCondition,
  isPlainObject,
  jobControllerUidLabel,
  jobNameLabel,
  legacyJobControllerUidLabel,
  legacyJobNameLabel,
  mergeStringData,
  objectField,
  rfc3339,
  type KubeObject,
  type PersistentVolume,
  type Pod,
  type PodDisruptionBudget,
} from "@bosun/api";
import { keepPodPriority } from "./priority-admission.js";
import { protectClaim, protectVolume } from "./storage-protection.js";

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
  const templateMeta = objectField<Record<string, unknown>>(spec.template, "metadata");
  const labels = templateMeta && objectField<Record<string, string>>(templateMeta, "labels");
  if (labels !== undefined) {
    labels[legacyJobNameLabel] ??= name;
    labels[jobNameLabel] ??= name;
    labels[legacyJobControllerUidLabel] ??= uid;
    labels[jobControllerUidLabel] ??= uid;
  }
  const selector = objectField<Record<string, unknown>>(spec, "selector");
  const matchLabels = selector && objectField<Record<string, string>>(selector, "matchLabels");
  if (matchLabels !== undefined) matchLabels[jobControllerUidLabel] ??= uid;
}

/**
 * A new Service, Ingress or PersistentVolumeClaim starts without status, as
 * Kubernetes' PrepareForCreate leaves it: status is the system's to write.
 */
function resetStatus(object: KubeObject): void {
  delete (object as { status?: unknown }).status;
}

/** A new PersistentVolume is Pending since now, whatever status it was sent with. */
function newVolumeStatus(object: KubeObject): void {
  (object as PersistentVolume).status = { phase: "Pending", lastPhaseTransitionTime: rfc3339() };
}

/**
 * A volume whose phase changes records when, unless the writer said so itself (as
 * the status strategy's PrepareForUpdate does). Phases are compared as defaulting
 * will leave them: an absent one is Pending.
 */
function stampPhaseTransition(object: KubeObject, old: KubeObject): void {
  const status = (object as PersistentVolume).status;
  const before = (old as PersistentVolume).status;
  if (!isPlainObject(status) || (status.phase ?? "Pending") === (before?.phase ?? "Pending")) return;
  if (status.lastPhaseTransitionTime === undefined || status.lastPhaseTransitionTime === null || status.lastPhaseTransitionTime === before?.lastPhaseTransitionTime) {
    status.lastPhaseTransitionTime = rfc3339();
  }
}

/** A new PodDisruptionBudget allows nothing until the disruption controller computes its status, as Kubernetes' PrepareForCreate leaves it. */
function emptyBudgetStatus(object: KubeObject): void {
  (object as PodDisruptionBudget).status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

const createHooks: Record<string, (object: KubeObject) => void> = {
  PodDisruptionBudget: emptyBudgetStatus,
  Job: generateJobSelector,
  Pod: (object) => applySchedulingGatedCondition(object as Pod),
  Secret: mergeStringData,
  Service: resetStatus,
  Ingress: resetStatus,
  PersistentVolume: (object) => {
    newVolumeStatus(object);
    protectVolume(object);
  },
  PersistentVolumeClaim: (object) => {
    resetStatus(object);
    protectClaim(object);
  },
};

const updateHooks: Record<string, (object: KubeObject, old: KubeObject) => void> = {
  Pod: keepPodPriority,
  Secret: mergeStringData,
  PersistentVolume: stampPhaseTransition,
};

export function prepareForCreate(kind: string, object: KubeObject): void {
  createHooks[kind]?.(object);
}

/** `object` is what the update asks for (a PUT body, a patched or applied object), before defaults; `old` is what is stored. */
export function prepareForUpdate(kind: string, object: KubeObject, old: KubeObject): void {
  updateHooks[kind]?.(object, old);
}
