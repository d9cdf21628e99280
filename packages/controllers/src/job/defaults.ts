// The defaults Kubernetes gives a Job on create (SetDefaults_Job and the job
// strategy's generated selector). The apiserver applies them; the controller fills
// any that are missing here, in one place, so a Job stored without them (written
// before the apiserver defaulted, or restored from a backup) is handled the same.
import {
  jobControllerUidLabel,
  jobSpecDefaults,
  jobNameLabel,
  legacyJobControllerUidLabel,
  legacyJobNameLabel,
  type Job,
  type JobSpec,
  type LabelSelectorSpec,
} from "@bosun/api";

export type DefaultedJobSpec = JobSpec & {
  parallelism: number;
  backoffLimit: number;
  selector: LabelSelectorSpec;
  completionMode: string;
  podReplacementPolicy: string;
};
export type DefaultedJob = Job & { spec: DefaultedJobSpec };

/** The Job's selector, or the one generated from its uid when it has none and did not ask to choose its own. */
export function jobSelector(job: Job): LabelSelectorSpec {
  if (job.spec.selector) return job.spec.selector;
  if (job.spec.manualSelector === true) return {};
  return { matchLabels: { [jobControllerUidLabel]: job.metadata.uid ?? "" } };
}

/**
 * A copy of `job` with parallelism, completions, backoffLimit, completionMode,
 * podReplacementPolicy, selector and the template's controller labels filled in
 * where missing. Completions stays unset when only parallelism is given: that is a
 * work-queue Job, done when any pod succeeds.
 */
export function withJobDefaults(job: Job): DefaultedJob {
  const spec = structuredClone(job.spec);
  const { completions, parallelism, backoffLimit, completionMode, podReplacementPolicy } = jobSpecDefaults(spec);
  if (completions !== undefined) spec.completions = completions;
  if (!spec.selector && spec.manualSelector !== true) {
    const uid = job.metadata.uid ?? "";
    const name = job.metadata.name ?? "";
    const template = spec.template;
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: {
        ...(template.metadata?.labels ?? {}),
        [jobControllerUidLabel]: uid,
        [jobNameLabel]: name,
        [legacyJobControllerUidLabel]: uid,
        [legacyJobNameLabel]: name,
      },
    };
  }
  return { ...job, spec: { ...spec, parallelism, backoffLimit, completionMode, podReplacementPolicy, selector: jobSelector(job) } };
}
