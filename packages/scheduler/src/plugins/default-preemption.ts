// kube-scheduler's DefaultPreemption PostFilter: when a pod fits nowhere and may
// preempt, the decision of framework/preemption.ts is carried out as Kubernetes'
// Evaluator does: each victim gets the DisruptionTarget condition (reason
// PreemptionByScheduler) and is deleted, with a Preempted event; pods of lower
// priority nominated to the same node lose their nomination, since the room they
// counted on is now the preemptor's; and the node is nominated for the pod, which
// the scheduler tries again once the victims are gone.
import { disruptionTargetCondition, mustResource, setPodCondition, type Pod, type PodStatus } from "@bosun/api";
import { createLogger, isConflict, isNotFound } from "@bosun/client";
import type { Handle } from "../framework/handle.js";
import type { FilterRunner, PostFilterPlugin, PostFilterResult, Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";
import { decidePreemption, podPriority, preemptionByScheduler, type Candidate } from "../framework/preemption.js";

export const defaultPreemptionName = "DefaultPreemption";

const log = createLogger("scheduler/preemption");
const podsResource = mustResource("pods");

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = defaultPreemptionName;

  constructor(
    private readonly handle: Handle,
    /** The clock that says how long victims have run; injectable for tests. */
    private readonly now: () => number = Date.now,
  ) {}

  async postFilter(pod: Pod, nodes: readonly NodeInfo[], nodeStatuses: ReadonlyMap<string, Status>, filter: FilterRunner): Promise<PostFilterResult> {
    const decision = decidePreemption(pod, nodes, nodeStatuses, filter, this.handle.listers.podDisruptionBudgets(), this.now());
    if ("message" in decision) {
      return { message: `preemption: ${decision.message}`, ...(decision.clearNomination ? { nominatedNodeName: "" } : {}) };
    }
    const { candidate } = decision;
    log.info(
      { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, node: candidate.node, victims: candidate.victims.map((v) => `${v.metadata.namespace}/${v.metadata.name}`) },
      "preempting lower-priority pods",
    );
    await Promise.all(candidate.victims.map((victim) => this.preemptPod(pod, victim, candidate)));
    await this.clearLowerNominations(pod, candidate.node);
    return { nominatedNodeName: candidate.node };
  }

  /** Kubernetes' PreemptPod: the condition first, so whoever watches the pod go knows why, then the delete. */
  private async preemptPod(preemptor: Pod, victim: Pod, candidate: Candidate): Promise<void> {
    if (victim.metadata.deletionTimestamp) return; // already going: another call would change nothing
    const namespace = victim.metadata.namespace ?? "default";
    const name = victim.metadata.name ?? "";
    const status: PodStatus = { conditions: [...(victim.status?.conditions ?? [])] };
    const changed = setPodCondition(status, {
      type: disruptionTargetCondition,
      status: "True",
      reason: preemptionByScheduler,
      message: `${preemptor.spec.schedulerName ?? ""}: preempting to accommodate a higher priority pod`,
    });
    try {
      // A strategic patch of that one condition (conditions merge by type), as Kubernetes'
      // PatchPodStatus: the cache's copy of the others may be stale and must not win.
      const condition = status.conditions?.find((c) => c.type === disruptionTargetCondition);
      if (changed) await this.handle.client.patch<Pod>(podsResource, name, { status: { conditions: [condition] } }, { namespace, type: "strategic", subresource: "status" });
      await this.handle.client.delete(podsResource, name, { namespace, preconditions: { uid: victim.metadata.uid ?? "" } });
    } catch (err) {
      // Gone already, or replaced by another pod of the same name: nothing of it to preempt.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.handle.recorder.event(victim, "Normal", "Preempted", `Preempted by pod ${preemptor.metadata.uid ?? ""} on node ${candidate.node}`);
  }

  private async clearLowerNominations(preemptor: Pod, node: string): Promise<void> {
    const priority = podPriority(preemptor);
    const lower = this.handle.listers
      .pods()
      .filter((p) => !p.spec.nodeName && p.status?.nominatedNodeName === node && podPriority(p) < priority && p.metadata.uid !== preemptor.metadata.uid);
    for (const p of lower) {
      try {
        await this.handle.client.patch<Pod>(podsResource, p.metadata.name ?? "", { status: { nominatedNodeName: null } }, {
          namespace: p.metadata.namespace ?? "default",
          type: "merge",
          subresource: "status",
        });
      } catch (err) {
        // Not critical, as in Kubernetes: the pod is retried and nominated again or not.
        log.warn({ pod: `${p.metadata.namespace}/${p.metadata.name}`, err: String(err) }, "could not clear the nominated node of a lower-priority pod");
      }
    }
  }
}
