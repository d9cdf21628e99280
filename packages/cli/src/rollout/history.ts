// `rollout history` of a Deployment, as kubectl's DeploymentHistoryViewer: one
// revision per ReplicaSet (its deployment.kubernetes.io/revision annotation) with
// the kubernetes.io/change-cause it recorded.
import { changeCauseAnnotation, revisionOf, type PodTemplateSpec, type ReplicaSet } from "@bosun/api";
import { DescribeWriter } from "../printers/describe-writer.js";
import { describePodTemplate } from "../printers/describe-containers.js";
import { describeOptions, tabwrite } from "../printers/tabwriter.js";

/** Each revision's pod template, carrying its ReplicaSet's change-cause as kubectl does. */
export function revisionHistory(replicaSets: readonly ReplicaSet[]): Map<number, PodTemplateSpec> {
  const history = new Map<number, PodTemplateSpec>();
  for (const rs of replicaSets) {
    const revision = revisionOf(rs);
    if (revision === undefined || !rs.spec.template) continue;
    const template = structuredClone(rs.spec.template);
    const cause = rs.metadata.annotations?.[changeCauseAnnotation];
    if (cause) {
      template.metadata ??= {};
      template.metadata.annotations = { ...template.metadata.annotations, [changeCauseAnnotation]: cause };
    }
    history.set(revision, template);
  }
  return history;
}

/** The REVISION / CHANGE-CAUSE table, oldest revision first. */
export function historyTable(history: ReadonlyMap<number, PodTemplateSpec>): string {
  if (history.size === 0) return "No rollout history found.\n";
  const rows = [...history.keys()]
    .sort((a, b) => a - b)
    .map((r) => `${r}\t${history.get(r)!.metadata?.annotations?.[changeCauseAnnotation] || "<none>"}\n`);
  return tabwrite(`REVISION\tCHANGE-CAUSE\n${rows.join("")}`, describeOptions);
}

/** One revision's template, printed as `describe` prints pod templates. */
export function revisionTemplate(template: PodTemplateSpec): string {
  const w = new DescribeWriter();
  describePodTemplate(w, template);
  return w.toString();
}
