// The values SetDefaults_Job gives the fields of a Job's spec it leaves out, in one
// place: the apiserver stores them, and the Job controller reads a Job through them.
import type { JobSpec } from "./types/batch.js";
import { int32Max } from "./types/integers.js";

/** Retries of a Job as a whole, unless it says. */
export const defaultBackoffLimit = 6;
/** With a limit per index, the Job as a whole is not limited unless asked (math.MaxInt32). */
export const unlimitedBackoffLimit = int32Max;

export interface JobSpecDefaults {
  /** Set only when the Job sets neither completions nor parallelism: one pod to one completion. */
  completions: number | undefined;
  parallelism: number;
  backoffLimit: number;
  completionMode: NonNullable<JobSpec["completionMode"]>;
  podReplacementPolicy: NonNullable<JobSpec["podReplacementPolicy"]>;
}

/** The spec's values with Kubernetes' defaults where it has none; `spec` is not changed. */
export function jobSpecDefaults(spec: JobSpec): JobSpecDefaults {
  return {
    completions: spec.completions ?? (spec.parallelism === undefined ? 1 : undefined),
    parallelism: spec.parallelism ?? 1,
    backoffLimit: spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? unlimitedBackoffLimit : defaultBackoffLimit),
    completionMode: spec.completionMode ?? "NonIndexed",
    // A pod failure policy needs each pod's final state, so only failed pods are replaced.
    podReplacementPolicy: spec.podReplacementPolicy ?? (spec.podFailurePolicy !== undefined ? "Failed" : "TerminatingOrFailed"),
  };
}
