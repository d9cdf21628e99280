// The tolerations every daemon pod gets (pkg/controller/daemon/util
// AddOrUpdateDaemonPodTolerations), so that node problems and cordons neither evict
// nor keep out the node-level agents that may be needed to fix them.
import { taintKeys, type Toleration } from "@bosun/api";

const daemonTolerations: readonly Toleration[] = [
  // No tolerationSeconds: a daemon pod stays on a node that fails or goes unreachable.
  { key: taintKeys.notReady, operator: "Exists", effect: "NoExecute" },
  { key: taintKeys.unreachable, operator: "Exists", effect: "NoExecute" },
  { key: taintKeys.diskPressure, operator: "Exists", effect: "NoSchedule" },
  { key: taintKeys.memoryPressure, operator: "Exists", effect: "NoSchedule" },
  { key: taintKeys.pidPressure, operator: "Exists", effect: "NoSchedule" },
  { key: taintKeys.unschedulable, operator: "Exists", effect: "NoSchedule" },
];

function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? "") === (b.key ?? "") &&
    (a.operator ?? "Equal") === (b.operator ?? "Equal") &&
    (a.value ?? "") === (b.value ?? "") &&
    (a.effect ?? "") === (b.effect ?? "")
  );
}

/** The pod's tolerations plus the daemon ones, each replacing a user toleration with the same key, operator, value and effect. */
export function withDaemonTolerations(tolerations: readonly Toleration[] | undefined): Toleration[] {
  const own = (tolerations ?? []).filter((t) => !daemonTolerations.some((d) => sameToleration(d, t)));
  return [...own, ...daemonTolerations.map((t) => ({ ...t }))];
}
