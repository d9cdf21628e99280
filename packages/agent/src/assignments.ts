// The assignments stream's sequence rules, kept apart from gRPC so they are tested
// alone: one COMPLETE set first, then INCREMENTAL messages numbered one after the
// other. Anything else is a gap, and only a new COMPLETE set can repair it.
import type { Pod } from "@bosun/api";
import { AssignmentChange_Action, AssignmentsMessage_Type, type AssignmentsMessage } from "@bosun/proto";

export type PodChange = { action: "update"; pod: Pod } | { action: "remove"; uid: string };

export type AssignmentResult =
  | { kind: "complete"; pods: Pod[] }
  | { kind: "incremental"; changes: PodChange[] }
  | { kind: "gap"; reason: string };

function parsePod(json: string): Pod {
  const pod = JSON.parse(json) as Pod;
  if (!pod?.metadata?.uid) throw new Error("an assignment carries a pod without metadata.uid");
  return pod;
}

export class AssignmentTracker {
  /** The sequence number the next message must carry; undefined before the COMPLETE set. */
  private expected: number | undefined;

  accept(msg: AssignmentsMessage): AssignmentResult {
    if (msg.type === AssignmentsMessage_Type.COMPLETE) {
      const pods = msg.changes
        .filter((c) => c.action !== AssignmentChange_Action.REMOVE)
        .map((c) => parsePod(c.podJson));
      this.expected = msg.sequence + 1;
      return { kind: "complete", pods };
    }
    if (msg.type !== AssignmentsMessage_Type.INCREMENTAL) {
      return { kind: "gap", reason: `unknown assignments message type ${msg.type}` };
    }
    if (this.expected === undefined) {
      return { kind: "gap", reason: `incremental message ${msg.sequence} arrived before a complete set` };
    }
    if (msg.sequence !== this.expected) {
      const reason = `expected assignments message ${this.expected}, got ${msg.sequence}`;
      this.expected = undefined;
      return { kind: "gap", reason };
    }
    this.expected++;
    const changes: PodChange[] = msg.changes.map((c) => {
      const pod = parsePod(c.podJson);
      return c.action === AssignmentChange_Action.REMOVE
        ? { action: "remove", uid: pod.metadata.uid ?? "" }
        : { action: "update", pod };
    });
    return { kind: "incremental", changes };
  }
}
