// The DaemonSet spec with Kubernetes' defaults filled in (pkg/apis/apps/v1
// defaults.go). The apiserver will default these fields when it stores a DaemonSet;
// until it does, this is the one place the controller fills what is missing.
import type { DaemonSet, IntOrString } from "@bosun/api";

export interface DaemonSetSettings {
  strategy: "RollingUpdate" | "OnDelete";
  maxUnavailable: IntOrString;
  maxSurge: IntOrString;
  minReadySeconds: number;
}

export function daemonSetSettings(ds: DaemonSet): DaemonSetSettings {
  const strategy = ds.spec.updateStrategy?.type ?? "RollingUpdate";
  const rolling = ds.spec.updateStrategy?.rollingUpdate;
  return {
    strategy,
    maxUnavailable: rolling?.maxUnavailable ?? 1,
    maxSurge: rolling?.maxSurge ?? 0,
    minReadySeconds: ds.spec.minReadySeconds ?? 0,
  };
}
