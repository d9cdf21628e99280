// The one place the controller fills in what Kubernetes' apps/v1 defaulting
// (SetDefaults_Deployment) gives every stored Deployment. The controller reasons only
// about defaulted objects, as Kubernetes' does; once the apiserver defaults
// Deployments on write this changes nothing, and before that it makes objects
// stored without defaults behave the same.
import type { Deployment, DeploymentSpec, IntOrString } from "@bosun/api";

export const defaultMaxSurge = "25%";
export const defaultMaxUnavailable = "25%";
export const defaultRevisionHistoryLimit = 10;
export const defaultProgressDeadlineSeconds = 600;
/** math.MaxInt32: "no deadline" for progressDeadlineSeconds, "keep everything" for revisionHistoryLimit. */
export const unlimited = 2147483647;

export interface RollingUpdateBounds {
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
}

export type DefaultedStrategy =
  | { type: "RollingUpdate"; rollingUpdate: RollingUpdateBounds }
  | { type: "Recreate"; rollingUpdate?: undefined };

export type DefaultedDeploymentSpec = Omit<
  DeploymentSpec,
  "replicas" | "strategy" | "minReadySeconds" | "revisionHistoryLimit" | "paused" | "progressDeadlineSeconds"
> & {
  replicas: number;
  strategy: DefaultedStrategy;
  minReadySeconds: number;
  revisionHistoryLimit: number;
  paused: boolean;
  progressDeadlineSeconds: number;
};

export type DefaultedDeployment = Omit<Deployment, "spec"> & { spec: DefaultedDeploymentSpec };

/** A defaulted deep copy; the informer's cached object is never mutated. */
export function withDeploymentDefaults(d: Deployment): DefaultedDeployment {
  const copy = structuredClone(d);
  const spec = copy.spec;
  const strategy: DefaultedStrategy =
    spec.strategy?.type === "Recreate"
      ? { type: "Recreate" }
      : {
          type: "RollingUpdate",
          rollingUpdate: {
            maxSurge: spec.strategy?.rollingUpdate?.maxSurge ?? defaultMaxSurge,
            maxUnavailable: spec.strategy?.rollingUpdate?.maxUnavailable ?? defaultMaxUnavailable,
          },
        };
  return {
    ...copy,
    apiVersion: copy.apiVersion || "apps/v1",
    kind: copy.kind || "Deployment",
    spec: {
      ...spec,
      replicas: spec.replicas ?? 1,
      strategy,
      minReadySeconds: spec.minReadySeconds ?? 0,
      revisionHistoryLimit: spec.revisionHistoryLimit ?? defaultRevisionHistoryLimit,
      paused: spec.paused ?? false,
      progressDeadlineSeconds: spec.progressDeadlineSeconds ?? defaultProgressDeadlineSeconds,
    },
  };
}

export function isRollingUpdate(d: DefaultedDeployment): d is DefaultedDeployment & {
  spec: { strategy: { type: "RollingUpdate"; rollingUpdate: RollingUpdateBounds } };
} {
  return d.spec.strategy.type === "RollingUpdate";
}

/** HasProgressDeadline: a deadline other than "never". */
export function hasProgressDeadline(d: DefaultedDeployment): boolean {
  return d.spec.progressDeadlineSeconds !== unlimited;
}
