// kube-scheduler's SchedulingGates: a pod with spec.schedulingGates is not tried at
// all (PreEnqueue), and gets no FitError: the apiserver gave it PodScheduled=False,
// reason SchedulingGated, when it was created. Removing the last gate is an update
// of the pod, which brings it back to the queue.
import { isPodSchedulingGated, type Pod } from "@bosun/api";
import { success, unschedulableAndUnresolvable, type PreEnqueuePlugin, type Status } from "../framework/interface.js";

export const schedulingGatesName = "SchedulingGates";

export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = schedulingGatesName;

  preEnqueue(pod: Pod): Status {
    if (!isPodSchedulingGated(pod)) return success;
    const gates = (pod.spec.schedulingGates ?? []).map((g) => g.name);
    return unschedulableAndUnresolvable(`waiting for scheduling gates: [${gates.join(" ")}]`);
  }
}
