// The semantic rules of the batch/v1 kinds, Job and CronJob, after Kubernetes 1.33's
// pkg/apis/batch/validation, with its messages and field paths: counts, completion
// mode, per-index backoff, pod failure and success policies, pod replacement, the
// generated selector and what an update may not change. Pod templates are validated
// as pods by validation.ts (podTemplatesOf in validation-workloads.ts says where).
import { cronScheduleProblem, timeZoneProblem } from "./cron-schedule.js";
import { child, duplicate, index, invalidValue, key, notSupported, required, tooLong, tooMany } from "./field-errors.js";
import { checkIndexesFormat } from "./job-indexes.js";
import { matchesLabels } from "./labels.js";
import { isDNS1123Label, isQualifiedName } from "./naming.js";
import { semanticEqual } from "./equality.js";
import type { CronJob, Job, JobSpec, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule, SuccessPolicyRule } from "./types/batch.js";
import type { StatusCause } from "./types/meta.js";
import { checkSelector, labelMapCauses, nonNegative, validateImmutableField } from "./validation-workloads.js";

/** Labels the apiserver gives a Job's pods unless the Job sets manualSelector (Kubernetes' names). */
export const jobControllerUidLabel = "batch.kubernetes.io/controller-uid";
export const jobNameLabel = "batch.kubernetes.io/job-name";
export const legacyJobControllerUidLabel = "controller-uid";
export const legacyJobNameLabel = "job-name";

/** CronJob names leave room for the 11 characters of a Job's "-<minutes>" suffix within 63. */
export const cronJobNameMaxLength = 52;

const completionModes = ["NonIndexed", "Indexed"];
const podFailurePolicyActions = ["Count", "FailIndex", "FailJob", "Ignore"];
const exitCodeOperators = ["In", "NotIn"];
const conditionStatuses = ["False", "True", "Unknown"];
const podReplacementPolicies = ["Failed", "TerminatingOrFailed"];
/** Caps Kubernetes sets so that status.completedIndexes and failedIndexes stay small. */
const maxParallelismForIndexedJob = 100_000;
const maxFailedIndexesForIndexedJob = 100_000;
const completionsSoftLimit = 100_000;
const parallelismLimitForHighCompletions = 10_000;
const maxFailedIndexesLimitForHighCompletions = 10_000;
const maxPodFailurePolicyRules = 20;
const maxOnExitCodesValues = 255;
const maxOnPodConditionsPatterns = 20;
const maxSuccessPolicyRules = 20;
const maxSucceededIndexesLength = 64 * 1024;

/** The rules a Job's spec and a CronJob's job template share (validateJobSpec). */
function validateJobSpecFields(spec: JobSpec, path: string): StatusCause[] {
  const causes = [
    ...nonNegative(spec.parallelism, child(path, "parallelism")),
    ...nonNegative(spec.completions, child(path, "completions")),
    ...nonNegative(spec.backoffLimit, child(path, "backoffLimit")),
    ...nonNegative(spec.ttlSecondsAfterFinished, child(path, "ttlSecondsAfterFinished")),
    ...nonNegative(spec.backoffLimitPerIndex, child(path, "backoffLimitPerIndex")),
    ...nonNegative(spec.maxFailedIndexes, child(path, "maxFailedIndexes")),
  ];
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    causes.push(invalidValue(child(path, "activeDeadlineSeconds"), spec.activeDeadlineSeconds, "must be greater than 0"));
  }
  if (spec.maxFailedIndexes !== undefined && spec.backoffLimitPerIndex === undefined) {
    causes.push(required(child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"));
  }
  causes.push(...validateCompletionMode(spec, path));
  if (spec.podFailurePolicy !== undefined) causes.push(...validatePodFailurePolicy(spec, child(path, "podFailurePolicy")));
  if (spec.successPolicy !== undefined) {
    if (spec.completionMode !== "Indexed") causes.push(invalidValue(child(path, "successPolicy"), spec.successPolicy, "requires indexed completion mode"));
    else causes.push(...validateSuccessPolicy(spec, child(path, "successPolicy")));
  }
  causes.push(...validatePodReplacementPolicy(spec, child(path, "podReplacementPolicy")));
  // An unset restartPolicy has been defaulted to Always, which a Job's pods may not have.
  const restartPolicy = spec.template.spec.restartPolicy;
  const restartPath = child(path, "template.spec.restartPolicy");
  if (restartPolicy === undefined || restartPolicy === "Always") {
    causes.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (spec.podFailurePolicy !== undefined && restartPolicy !== "Never") {
    causes.push(invalidValue(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return causes;
}

function validateCompletionMode(spec: JobSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const mode = spec.completionMode;
  if (mode !== undefined && !completionModes.includes(mode)) causes.push(notSupported(child(path, "completionMode"), mode, completionModes));
  if (mode === "Indexed") {
    if (spec.completions === undefined) causes.push(required(child(path, "completions"), "when completion mode is Indexed"));
    if (spec.parallelism !== undefined && spec.parallelism > maxParallelismForIndexedJob) {
      causes.push(
        invalidValue(child(path, "parallelism"), spec.parallelism, `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`),
      );
    }
    const maxFailed = spec.maxFailedIndexes;
    if (spec.completions !== undefined && maxFailed !== undefined && maxFailed > spec.completions) {
      causes.push(invalidValue(child(path, "maxFailedIndexes"), maxFailed, "must be less than or equal to completions"));
    }
    if (maxFailed !== undefined && maxFailed > maxFailedIndexesForIndexedJob) {
      causes.push(invalidValue(child(path, "maxFailedIndexes"), maxFailed, `must be less than or equal to ${maxFailedIndexesForIndexedJob}`));
    }
    if (spec.completions !== undefined && spec.completions > completionsSoftLimit && spec.backoffLimitPerIndex !== undefined) {
      if (maxFailed === undefined) {
        causes.push(required(child(path, "maxFailedIndexes"), `must be specified when completions is above ${completionsSoftLimit}`));
      }
      if (spec.parallelism !== undefined && spec.parallelism > parallelismLimitForHighCompletions) {
        causes.push(
          invalidValue(
            child(path, "parallelism"),
            spec.parallelism,
            `must be less than or equal to ${parallelismLimitForHighCompletions} when completions are above ${completionsSoftLimit} and used with backoff limit per index`,
          ),
        );
      }
      if (maxFailed !== undefined && maxFailed > maxFailedIndexesLimitForHighCompletions) {
        causes.push(
          invalidValue(
            child(path, "maxFailedIndexes"),
            maxFailed,
            `must be less than or equal to ${maxFailedIndexesLimitForHighCompletions} when completions are above ${completionsSoftLimit} and used with backoff limit per index`,
          ),
        );
      }
    }
  } else {
    if (spec.backoffLimitPerIndex !== undefined) {
      causes.push(invalidValue(child(path, "backoffLimitPerIndex"), spec.backoffLimitPerIndex, "requires indexed completion mode"));
    }
    if (spec.maxFailedIndexes !== undefined) {
      causes.push(invalidValue(child(path, "maxFailedIndexes"), spec.maxFailedIndexes, "requires indexed completion mode"));
    }
  }
  return causes;
}

function validatePodFailurePolicy(spec: JobSpec, path: string): StatusCause[] {
  const rules = spec.podFailurePolicy?.rules ?? [];
  const rulesPath = child(path, "rules");
  const causes: StatusCause[] = [];
  if (rules.length > maxPodFailurePolicyRules) causes.push(tooMany(rulesPath, rules.length, maxPodFailurePolicyRules));
  const containerNames = new Set([...spec.template.spec.containers, ...(spec.template.spec.initContainers ?? [])].map((c) => c.name));
  rules.forEach((rule, i) => causes.push(...validatePodFailurePolicyRule(spec, rule, index(rulesPath, i), containerNames)));
  return causes;
}

function validatePodFailurePolicyRule(spec: JobSpec, rule: PodFailurePolicyRule, path: string, containerNames: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const actionPath = child(path, "action");
  if (rule.action === "") {
    causes.push(required(actionPath, `valid values: ${goQuoted(podFailurePolicyActions)}`));
  } else if (rule.action === "FailIndex") {
    if (spec.backoffLimitPerIndex === undefined) causes.push(invalidValue(actionPath, rule.action, "requires the backoffLimitPerIndex to be set"));
  } else if (!podFailurePolicyActions.includes(rule.action)) {
    causes.push(notSupported(actionPath, rule.action, podFailurePolicyActions));
  }
  const conditions = rule.onPodConditions ?? [];
  if (rule.onExitCodes !== undefined) causes.push(...validateOnExitCodes(rule.onExitCodes, child(path, "onExitCodes"), containerNames));
  if (conditions.length > 0) causes.push(...validateOnPodConditions(conditions, child(path, "onPodConditions")));
  if (rule.onExitCodes !== undefined && conditions.length > 0) {
    causes.push(invalidRule(path, "specifying both OnExitCodes and OnPodConditions is not supported"));
  }
  if (rule.onExitCodes === undefined && conditions.length === 0) {
    causes.push(invalidRule(path, "specifying one of OnExitCodes and OnPodConditions is required"));
  }
  return causes;
}

/** A rule that is wrong as a whole: Kubernetes reports it without a value (field.OmitValueType), "Invalid value: <detail>". */
function invalidRule(path: string, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${detail}`, field: path };
}

function validateOnPodConditions(patterns: readonly PodFailurePolicyOnPodConditionsPattern[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (patterns.length > maxOnPodConditionsPatterns) causes.push(tooMany(path, patterns.length, maxOnPodConditionsPatterns));
  patterns.forEach((pattern, j) => {
    const patternPath = index(path, j);
    for (const msg of isQualifiedName(pattern.type)) causes.push(invalidValue(child(patternPath, "type"), pattern.type, msg));
    const statusPath = child(patternPath, "status");
    if (pattern.status === undefined || pattern.status === "") causes.push(required(statusPath, `valid values: ${goQuoted(conditionStatuses)}`));
    else if (!conditionStatuses.includes(pattern.status)) causes.push(notSupported(statusPath, pattern.status, conditionStatuses));
  });
  return causes;
}

function validateOnExitCodes(req: PodFailurePolicyOnExitCodesRequirement, path: string, containerNames: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const operatorPath = child(path, "operator");
  if (req.operator === "") causes.push(required(operatorPath, `valid values: ${goQuoted(exitCodeOperators)}`));
  else if (!exitCodeOperators.includes(req.operator)) causes.push(notSupported(operatorPath, req.operator, exitCodeOperators));
  if (req.containerName !== undefined && !containerNames.has(req.containerName)) {
    causes.push(invalidValue(child(path, "containerName"), req.containerName, "must be one of the container or initContainer names in the pod template"));
  }
  const valuesPath = child(path, "values");
  if (req.values.length === 0) causes.push(invalidValue(valuesPath, req.values, "at least one value is required"));
  else if (req.values.length > maxOnExitCodesValues) causes.push(tooMany(valuesPath, req.values.length, maxOnExitCodesValues));
  const seen = new Set<number>();
  let ordered = true;
  req.values.forEach((value, j) => {
    const valuePath = index(valuesPath, j);
    if (req.operator === "In" && value === 0) causes.push(invalidValue(valuePath, value, "must not be 0 for the In operator"));
    if (seen.has(value)) causes.push(duplicate(valuePath, value));
    seen.add(value);
    if (j > 0 && req.values[j - 1]! > value) ordered = false;
  });
  if (!ordered) causes.push(invalidValue(valuesPath, req.values, "must be ordered"));
  return causes;
}

function validateSuccessPolicy(spec: JobSpec, path: string): StatusCause[] {
  const rules = spec.successPolicy?.rules ?? [];
  const rulesPath = child(path, "rules");
  const causes: StatusCause[] = [];
  if (rules.length === 0) causes.push(required(rulesPath, "at least one rules must be specified when the successPolicy is specified"));
  if (rules.length > maxSuccessPolicyRules) causes.push(tooMany(rulesPath, rules.length, maxSuccessPolicyRules));
  rules.forEach((rule, i) => causes.push(...validateSuccessPolicyRule(spec, rule, index(rulesPath, i))));
  return causes;
}

function validateSuccessPolicyRule(spec: JobSpec, rule: SuccessPolicyRule, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  // Indexed mode requires completions; its absence is reported there.
  const completions = spec.completions ?? 0;
  if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
    causes.push(required(path, "at least one of succeededCount or succeededIndexes must be specified"));
  }
  let totalIndexes = 0;
  if (rule.succeededIndexes !== undefined) {
    const indexesPath = child(path, "succeededIndexes");
    if (rule.succeededIndexes.length > maxSucceededIndexesLength) causes.push(tooLong(indexesPath, maxSucceededIndexesLength));
    const checked = checkIndexesFormat(rule.succeededIndexes, completions);
    if ("error" in checked) causes.push(invalidValue(indexesPath, rule.succeededIndexes, `error parsing succeededIndexes: ${checked.error}`));
    else totalIndexes = checked.total;
  }
  if (rule.succeededCount !== undefined) {
    const countPath = child(path, "succeededCount");
    causes.push(...nonNegative(rule.succeededCount, countPath));
    if (rule.succeededCount > completions) {
      causes.push(invalidValue(countPath, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
    }
    if (rule.succeededIndexes !== undefined && rule.succeededCount > totalIndexes) {
      causes.push(
        invalidValue(countPath, rule.succeededCount, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`),
      );
    }
  }
  return causes;
}

function validatePodReplacementPolicy(spec: JobSpec, path: string): StatusCause[] {
  const policy = spec.podReplacementPolicy;
  if (policy === undefined) return [];
  // A pod failure policy needs the pod's final state, so its pods are replaced only once they failed.
  if (spec.podFailurePolicy !== undefined) return policy === "Failed" ? [] : [notSupported(path, policy, ["Failed"])];
  return podReplacementPolicies.includes(policy) ? [] : [notSupported(path, policy, podReplacementPolicies)];
}

/** Go's %q of a sorted string list: ["Count" "FailIndex"]. */
function goQuoted(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(" ")}]`;
}

export function validateJob(job: Job, old?: Job): StatusCause[] {
  const spec = job.spec;
  const causes = validateJobSpecFields(spec, "spec");
  if (spec.selector === undefined) {
    causes.push(required("spec.selector"));
  } else {
    const sel = checkSelector(spec.selector, "spec.selector");
    causes.push(...sel.causes);
    if (sel.selector !== undefined && !matchesLabels(sel.selector, spec.template.metadata?.labels ?? {})) {
      causes.push(invalidValue("spec.template.metadata.labels", spec.template.metadata?.labels ?? {}, "`selector` does not match template `labels`"));
    }
  }
  if (spec.completionMode === "Indexed" && spec.completions !== undefined && spec.completions > 0) {
    // Pods of an Indexed Job are named and hostnamed <job>-<index>: the largest must be a DNS label.
    const name = job.metadata.name ?? "";
    const maximumPodHostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(maximumPodHostname).length > 0) {
      causes.push(invalidValue("metadata.name", name, `will not able to create pod with invalid DNS label: ${maximumPodHostname}`));
    }
  }
  if (old === undefined) {
    causes.push(...validateGeneratedSelector(job));
  } else {
    causes.push(...validateImmutableField("spec.selector", spec.selector, old.spec.selector));
    causes.push(...validateImmutableField("spec.template", spec.template, old.spec.template));
    causes.push(...validateImmutableField("spec.completions", spec.completions, old.spec.completions));
    causes.push(...validateImmutableField("spec.completionMode", spec.completionMode, old.spec.completionMode));
    causes.push(...validateImmutableField("spec.podFailurePolicy", spec.podFailurePolicy, old.spec.podFailurePolicy));
    causes.push(...validateImmutableField("spec.backoffLimitPerIndex", spec.backoffLimitPerIndex, old.spec.backoffLimitPerIndex));
    causes.push(...validateImmutableField("spec.successPolicy", spec.successPolicy, old.spec.successPolicy));
  }
  return causes;
}

/**
 * Unless the Job chose manualSelector, its selector and pod labels must be the ones
 * the apiserver generated from its uid and name, so no other controller's pods match.
 */
function validateGeneratedSelector(job: Job): StatusCause[] {
  if (job.spec.manualSelector === true) return [];
  const uid = job.metadata.uid ?? "";
  const name = job.metadata.name ?? "";
  const causes: StatusCause[] = [];
  if (uid === "") causes.push(required("metadata.uid"));
  const labels = job.spec.template.metadata?.labels ?? {};
  const labelsPath = "spec.template.metadata.labels";
  const expected: [string, string][] = [
    [legacyJobControllerUidLabel, uid],
    [legacyJobNameLabel, name],
    [jobControllerUidLabel, uid],
    [jobNameLabel, name],
  ];
  for (const [label, value] of expected) {
    const actual = labels[label];
    if (actual === undefined) causes.push(required(key(labelsPath, label), label));
    else if (actual !== value) causes.push(invalidValue(key(labelsPath, label), labels, `must be '${value}'`));
  }
  const sel = job.spec.selector;
  if (sel !== undefined && !semanticEqual(sel, { matchLabels: { [jobControllerUidLabel]: uid } })) {
    causes.push(invalidValue("spec.selector", sel, "`selector` not auto-generated"));
  }
  return causes;
}

export function validateCronJob(cj: CronJob, old?: CronJob): StatusCause[] {
  const spec = cj.spec;
  const causes: StatusCause[] = [];
  const name = cj.metadata.name ?? "";
  if (old === undefined && name.length > cronJobNameMaxLength) {
    causes.push(invalidValue("metadata.name", name, `must be no more than ${cronJobNameMaxLength} characters`));
  }
  if (spec.schedule === "") {
    causes.push(required("spec.schedule"));
  } else if (spec.schedule.includes("TZ")) {
    causes.push(invalidValue("spec.schedule", spec.schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  } else {
    const problem = cronScheduleProblem(spec.schedule);
    if (problem !== undefined) causes.push(invalidValue("spec.schedule", spec.schedule, problem));
  }
  causes.push(...nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  if (spec.timeZone !== undefined && spec.timeZone !== old?.spec.timeZone) {
    const problem = timeZoneProblem(spec.timeZone);
    if (problem !== undefined) causes.push(invalidValue("spec.timeZone", spec.timeZone, problem));
  }
  const template = spec.jobTemplate;
  causes.push(...labelMapCauses(template.metadata?.labels, "spec.jobTemplate.metadata.labels"));
  causes.push(...validateJobSpecFields(template.spec, "spec.jobTemplate.spec"));
  if (template.spec.selector !== undefined) {
    causes.push(invalidValue("spec.jobTemplate.spec.selector", template.spec.selector, "`selector` will be auto-generated"));
  }
  if (template.spec.manualSelector === true) {
    causes.push(notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
  }
  causes.push(...nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  causes.push(...nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  return causes;
}
