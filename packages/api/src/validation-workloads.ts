// The semantic rules of the apps/v1 and batch/v1 kinds and of autoscaling/v1 Scale,
// after Kubernetes' pkg/apis/apps/validation and pkg/apis/batch/validation, with
// their messages and field paths. Pod templates are validated as pods and claim
// templates as claims by validation.ts (podTemplatesOf and claimTemplatesOf say
// where they are); this file holds what is particular to each kind: selectors,
// replicas, strategies, restart policies and what an update may not change; the
// batch/v1 kinds' own rules are in validation-jobs.ts.
import { child, duplicate, forbidden, index, invalidValue, notSupported, required } from "./field-errors.js";
import { labelSelectorFromMatch, matchesLabels, SelectorError, type LabelSelector } from "./labels.js";
import { isDNS1123Label, isQualifiedName, isValidLabelValue, regexError } from "./naming.js";
import { semanticEqual } from "./equality.js";
import { volumesWithClaims } from "./stateful-set-volumes.js";
import type { ControllerRevision, DaemonSet, Deployment, DeploymentStrategy, ReplicaSet, StatefulSet } from "./types/apps.js";
import type { Scale } from "./types/autoscaling.js";
import type { CronJob, Job } from "./types/batch.js";
import { validateCronJob, validateJob } from "./validation-jobs.js";
import type { PodTemplateSpec } from "./types/core.js";
import type { IntOrString, KubeObject, LabelSelectorSpec, StatusCause } from "./types/meta.js";
import type { PersistentVolumeClaimSpec } from "./types/persistent-volumes.js";
import type { ReplicationController } from "./types/replication-controllers.js";
import { validateControllerRevision, validateReplicationController } from "./validation-workload-history.js";

// The batch/v1 rules live in validation-jobs.ts; its names stay importable from here.
export {
  cronJobNameMaxLength,
  jobControllerUidLabel,
  jobNameLabel,
  legacyJobControllerUidLabel,
  legacyJobNameLabel,
} from "./validation-jobs.js";

export interface PodTemplateAt {
  template: PodTemplateSpec;
  /** Field path of the template: "spec.template". */
  path: string;
}

/** The pod templates a kind holds, each to be validated as a pod at its path. */
export function podTemplatesOf(kind: string, obj: KubeObject): PodTemplateAt[] {
  switch (kind) {
    case "ReplicationController": {
      // Without a template there is nothing to validate as a pod; its absence is reported by validateReplicationController.
      const template = (obj as ReplicationController).spec.template;
      return template === undefined ? [] : [{ template, path: "spec.template" }];
    }
    case "ReplicaSet":
      // apps/v1 lets a ReplicaSet omit its template; it is then an empty one, which is invalid.
      return [{ template: (obj as ReplicaSet).spec.template ?? { spec: { containers: [] } }, path: "spec.template" }];
    case "Deployment":
    case "DaemonSet":
    case "Job":
      return [{ template: (obj as Deployment | DaemonSet | Job).spec.template, path: "spec.template" }];
    case "StatefulSet":
      return [{ template: statefulSetPodTemplate(obj as StatefulSet), path: "spec.template" }];
    case "CronJob":
      return [{ template: (obj as CronJob).spec.jobTemplate.spec.template, path: "spec.jobTemplate.spec.template" }];
    default:
      return [];
  }
}

/**
 * A StatefulSet's template as its pods will have it: each claim template is a
 * volume the containers may mount, as Kubernetes validates it.
 */
function statefulSetPodTemplate(sts: StatefulSet): PodTemplateSpec {
  const { template, volumeClaimTemplates } = sts.spec;
  if ((volumeClaimTemplates ?? []).length === 0) return template;
  // A template whose name cannot be a volume's is reported once, on the template.
  const named = (volumeClaimTemplates ?? []).filter((claim) => isDNS1123Label(claim.metadata.name ?? "").length === 0);
  const volumes = volumesWithClaims(template.spec.volumes, named, (claim) => claim.metadata.name ?? "");
  return { ...template, spec: { ...template.spec, volumes } };
}

export interface ClaimTemplateAt {
  spec: PersistentVolumeClaimSpec;
  /** Field path of the claim's spec: "spec.volumeClaimTemplates[0].spec". */
  path: string;
}

/** The claim templates a kind holds, each to be validated as a claim's spec at its path. */
export function claimTemplatesOf(kind: string, obj: KubeObject): ClaimTemplateAt[] {
  if (kind !== "StatefulSet") return [];
  return ((obj as StatefulSet).spec.volumeClaimTemplates ?? []).map((claim, i) => ({
    spec: claim.spec ?? {},
    path: `${index("spec.volumeClaimTemplates", i)}.spec`,
  }));
}

/** Rules of the workload kinds beyond their pod templates; with `old`, the rules of an update. */
export function validateWorkload(kind: string, obj: KubeObject, old?: KubeObject): StatusCause[] {
  switch (kind) {
    case "ReplicationController":
      return validateReplicationController(obj as ReplicationController);
    case "ControllerRevision":
      return validateControllerRevision(obj as ControllerRevision, old as ControllerRevision | undefined);
    case "ReplicaSet":
      return validateReplicaSet(obj as ReplicaSet, old as ReplicaSet | undefined);
    case "Deployment":
      return validateDeployment(obj as Deployment, old as Deployment | undefined);
    case "DaemonSet":
      return validateDaemonSet(obj as DaemonSet, old as DaemonSet | undefined);
    case "StatefulSet":
      return validateStatefulSet(obj as StatefulSet, old as StatefulSet | undefined);
    case "Job":
      return validateJob(obj as Job, old as Job | undefined);
    case "CronJob":
      return validateCronJob(obj as CronJob, old as CronJob | undefined);
    case "Scale":
      return nonNegative((obj as Scale).spec?.replicas, "spec.replicas");
    default:
      return [];
  }
}

// ---- shared rules ----

export function nonNegative(value: number | undefined, path: string): StatusCause[] {
  return value !== undefined && value < 0 ? [invalidValue(path, value, "must be greater than or equal to 0")] : [];
}

export function labelMapCauses(labels: Record<string, string> | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) causes.push(invalidValue(path, k, msg));
    for (const msg of isValidLabelValue(v)) causes.push(invalidValue(path, v, msg));
  }
  return causes;
}

interface CheckedSelector {
  causes: StatusCause[];
  /** The parsed selector, when it is valid. */
  selector?: LabelSelector;
}

/** ValidateLabelSelector, plus "empty selector is invalid for <kind>" when emptyFor is given. */
export function checkSelector(sel: LabelSelectorSpec, path: string, emptyFor?: string): CheckedSelector {
  const causes = labelMapCauses(sel.matchLabels, child(path, "matchLabels"));
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = index(child(path, "matchExpressions"), i);
    const values = e.values ?? [];
    if ((e.operator === "In" || e.operator === "NotIn") && values.length === 0) {
      causes.push(required(child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
    }
    if ((e.operator === "Exists" || e.operator === "DoesNotExist") && values.length > 0) {
      causes.push(forbidden(child(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
    for (const msg of isQualifiedName(e.key)) causes.push(invalidValue(child(p, "key"), e.key, msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) causes.push(invalidValue(index(child(p, "values"), j), v, msg));
    });
  });
  const empty = Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
  if (emptyFor !== undefined && empty) causes.push(invalidValue(path, sel, `empty selector is invalid for ${emptyFor}`));
  if (causes.length > 0) return { causes };
  try {
    return { causes, selector: labelSelectorFromMatch(sel.matchLabels, sel.matchExpressions) };
  } catch (err) {
    if (err instanceof SelectorError) return { causes: [invalidValue(path, sel, "invalid label selector")] };
    throw err;
  }
}

function templateMatches(selector: LabelSelector | undefined, template: PodTemplateSpec | undefined, templatePath: string): StatusCause[] {
  if (selector === undefined || selector.requirements.length === 0) return [];
  const labels = template?.metadata?.labels ?? {};
  if (matchesLabels(selector, labels)) return [];
  return [invalidValue(child(templatePath, "metadata.labels"), labels, "`selector` does not match template `labels`")];
}

/** What a pod template of a long-running controller may not hold (ValidatePodTemplateSpecForReplicaSet and friends). */
function restartAlwaysRules(template: PodTemplateSpec | undefined, templatePath: string): StatusCause[] {
  const policy = template?.spec?.restartPolicy;
  if (policy === undefined || policy === "Always") return [];
  return [notSupported(child(child(templatePath, "spec"), "restartPolicy"), policy, ["Always"])];
}

/** ValidateImmutableField: "field is immutable" when the value changed. */
export function validateImmutableField(path: string, now: unknown, before: unknown): StatusCause[] {
  return semanticEqual(now, before) ? [] : [invalidValue(path, now ?? null, "field is immutable")];
}

// ---- int-or-percent fields (maxUnavailable, maxSurge) ----

const percentFmt = "[0-9]+%";
const percentRe = /^[0-9]+%$/;

export function positiveIntOrPercent(value: IntOrString | undefined, path: string): StatusCause[] {
  if (value === undefined) return [];
  if (typeof value === "string") {
    if (percentRe.test(value)) return [];
    return [invalidValue(path, value, regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, "1%", "93%"))];
  }
  return nonNegative(value, path);
}

/** The number or percentage; a string that is neither counts as 0, as Go's IntValue makes it. */
function intOrPercentValue(value: IntOrString): number {
  if (typeof value === "number") return value;
  if (percentRe.test(value)) return Number(value.slice(0, -1));
  return /^-?\d+$/.test(value) ? Number(value) : 0;
}

export function notMoreThan100Percent(value: IntOrString | undefined, path: string): StatusCause[] {
  if (typeof value !== "string" || !percentRe.test(value) || intOrPercentValue(value) <= 100) return [];
  return [invalidValue(path, value, "must not be greater than 100%")];
}

// ---- ReplicaSet, Deployment ----

function validateReplicaSet(rs: ReplicaSet, old?: ReplicaSet): StatusCause[] {
  const spec = rs.spec;
  const causes = [...nonNegative(spec.replicas, "spec.replicas"), ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds")];
  // Kubernetes words the empty-selector error the same for Deployments and ReplicaSets.
  const sel = checkSelector(spec.selector, "spec.selector", "deployment");
  causes.push(...sel.causes);
  const template = spec.template ?? { spec: { containers: [] } };
  causes.push(...templateMatches(sel.selector, template, "spec.template"));
  causes.push(...restartAlwaysRules(template, "spec.template"));
  if (old !== undefined) causes.push(...validateImmutableField("spec.selector", spec.selector, old.spec.selector));
  return causes;
}

function validateDeployment(d: Deployment, old?: Deployment): StatusCause[] {
  const spec = d.spec;
  const causes = nonNegative(spec.replicas, "spec.replicas");
  const sel = checkSelector(spec.selector, "spec.selector", "deployment");
  causes.push(...sel.causes);
  causes.push(...templateMatches(sel.selector, spec.template, "spec.template"));
  causes.push(...restartAlwaysRules(spec.template, "spec.template"));
  if (spec.strategy !== undefined) causes.push(...validateDeploymentStrategy(spec.strategy, "spec.strategy"));
  causes.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  causes.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  const deadline = spec.progressDeadlineSeconds;
  if (deadline !== undefined) {
    causes.push(...nonNegative(deadline, "spec.progressDeadlineSeconds"));
    if (deadline <= (spec.minReadySeconds ?? 0)) {
      causes.push(invalidValue("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
    }
  }
  if (old !== undefined) causes.push(...validateImmutableField("spec.selector", spec.selector, old.spec.selector));
  return causes;
}

function validateDeploymentStrategy(strategy: DeploymentStrategy, path: string): StatusCause[] {
  const rolling = strategy.rollingUpdate;
  if (strategy.type === "Recreate") {
    return rolling === undefined ? [] : [forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")];
  }
  if (rolling === undefined) return [];
  const p = child(path, "rollingUpdate");
  const causes = [
    ...positiveIntOrPercent(rolling.maxUnavailable, child(p, "maxUnavailable")),
    ...positiveIntOrPercent(rolling.maxSurge, child(p, "maxSurge")),
  ];
  // Unset values are the defaults (25%), which are not 0.
  const unavailable = intOrPercentValue(rolling.maxUnavailable ?? "25%");
  const surge = intOrPercentValue(rolling.maxSurge ?? "25%");
  if (unavailable === 0 && surge === 0) {
    causes.push(invalidValue(child(p, "maxUnavailable"), rolling.maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
  }
  causes.push(...notMoreThan100Percent(rolling.maxUnavailable, child(p, "maxUnavailable")));
  return causes;
}

// ---- DaemonSet ----

function validateDaemonSet(ds: DaemonSet, old?: DaemonSet): StatusCause[] {
  const spec = ds.spec;
  const sel = checkSelector(spec.selector, "spec.selector", "daemonset");
  const causes = [...sel.causes, ...templateMatches(sel.selector, spec.template, "spec.template")];
  causes.push(...restartAlwaysRules(spec.template, "spec.template"));
  causes.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  // OnDelete takes no parameters; an unset rollingUpdate is defaulted.
  const strategy = spec.updateStrategy;
  const rolling = strategy?.type === "OnDelete" ? undefined : strategy?.rollingUpdate;
  if (rolling !== undefined) {
    const p = "spec.updateStrategy.rollingUpdate";
    causes.push(...positiveIntOrPercent(rolling.maxUnavailable, child(p, "maxUnavailable")));
    causes.push(...positiveIntOrPercent(rolling.maxSurge, child(p, "maxSurge")));
    causes.push(...notMoreThan100Percent(rolling.maxUnavailable, child(p, "maxUnavailable")));
    causes.push(...notMoreThan100Percent(rolling.maxSurge, child(p, "maxSurge")));
    // Exactly one of them moves the rollout: unset values are the defaults, 1 and 0.
    const hasUnavailable = intOrPercentValue(rolling.maxUnavailable ?? 1) !== 0;
    const hasSurge = intOrPercentValue(rolling.maxSurge ?? 0) !== 0;
    if (hasUnavailable && hasSurge) {
      causes.push(invalidValue(child(p, "maxSurge"), rolling.maxSurge ?? 0, "may not be set when maxUnavailable is non-zero"));
    } else if (!hasUnavailable && !hasSurge) {
      causes.push(required(child(p, "maxUnavailable"), "cannot be 0 when maxSurge is 0"));
    }
  }
  causes.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (old !== undefined) causes.push(...validateImmutableField("spec.selector", spec.selector, old.spec.selector));
  return causes;
}

// ---- StatefulSet ----

const statefulSetMutable = [
  "replicas",
  "template",
  "updateStrategy",
  "revisionHistoryLimit",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
] as const;

/**
 * Claim templates' names: each is the name of a pod volume and the start of its
 * claims' names, so it must be given, a DNS label, and unique. Their specs are
 * checked as claims' (claimTemplatesOf).
 */
function validateClaimTemplateNames(templates: StatefulSet["spec"]["volumeClaimTemplates"]): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const [i, claim] of (templates ?? []).entries()) {
    const path = `${index("spec.volumeClaimTemplates", i)}.metadata.name`;
    const name = claim.metadata.name ?? "";
    if (name === "") {
      causes.push(required(path, "name the claim template: it names the pod volume and starts its claims' names, <template>-<set>-<ordinal>"));
      continue;
    }
    for (const msg of isDNS1123Label(name)) causes.push(invalidValue(path, name, msg));
    if (seen.has(name)) causes.push(duplicate(path, name));
    seen.add(name);
  }
  return causes;
}

function validateStatefulSet(sts: StatefulSet, old?: StatefulSet): StatusCause[] {
  const spec = sts.spec;
  const causes: StatusCause[] = [];
  const strategy = spec.updateStrategy;
  if (strategy?.type === "OnDelete" && strategy.rollingUpdate !== undefined) {
    causes.push(invalidValue("spec.updateStrategy.rollingUpdate", strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (strategy?.rollingUpdate !== undefined) {
    const p = "spec.updateStrategy.rollingUpdate";
    causes.push(...nonNegative(strategy.rollingUpdate.partition, child(p, "partition")));
    const maxUnavailable = strategy.rollingUpdate.maxUnavailable;
    if (maxUnavailable !== undefined) {
      causes.push(...positiveIntOrPercent(maxUnavailable, child(p, "maxUnavailable")));
      if (intOrPercentValue(maxUnavailable) === 0) causes.push(invalidValue(child(p, "maxUnavailable"), maxUnavailable, "cannot be 0"));
      causes.push(...notMoreThan100Percent(maxUnavailable, child(p, "maxUnavailable")));
    }
  }
  causes.push(...nonNegative(spec.replicas, "spec.replicas"));
  causes.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const sel = checkSelector(spec.selector, "spec.selector", "statefulset");
  causes.push(...sel.causes, ...templateMatches(sel.selector, spec.template, "spec.template"));
  causes.push(...restartAlwaysRules(spec.template, "spec.template"));
  causes.push(...validateClaimTemplateNames(spec.volumeClaimTemplates));
  if (old !== undefined) {
    const frozen = (s: StatefulSet["spec"]) => {
      const rest: Record<string, unknown> = { ...s };
      for (const f of statefulSetMutable) delete rest[f];
      return rest;
    };
    if (!semanticEqual(frozen(spec), frozen(old.spec))) {
      causes.push(
        forbidden(
          "spec",
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return causes;
}
