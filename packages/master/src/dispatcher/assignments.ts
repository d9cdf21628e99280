// Assignments: tells each agent which pods are its own. One pod informer serves the
// whole dispatcher; each open stream gets a COMPLETE set (sequence 1) of the pods
// bound to its node, then numbered INCREMENTAL messages. The COMPLETE set is only
// ever built from a synced cache: an empty set from a cache that has not listed yet
// would tell the agent to kill every pod it runs.
import type { Pod } from "@bosun/api";
import { createLogger, objectKey } from "@bosun/client";
import {
  AssignmentChange_Action as Action,
  AssignmentsMessage_Type as MessageType,
  type AssignmentChange,
  type AssignmentsMessage,
} from "@bosun/proto";
import type { PodCache } from "./api-port.js";

const log = createLogger("dispatcher/assignments");

type Listener = (action: Action, pod: Pod) => void;

/** Fans the informer's pod events out to the streams of the pods' nodes. */
export class AssignmentFeed {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly pods: PodCache,
    /** Resolves once the pod cache has listed; streams wait for it. */
    readonly whenSynced: () => Promise<void>,
  ) {
    pods.onAdd((pod) => this.emit(Action.UPDATE, pod));
    pods.onUpdate((_old, pod) => this.emit(Action.UPDATE, pod));
    pods.onDelete((pod) => this.emit(Action.REMOVE, pod));
  }

  /**
   * The node's pods now, and every change from now on. Taking the snapshot and
   * subscribing happen in one synchronous step, so no event falls in between.
   */
  subscribe(nodeName: string, listener: Listener): { pods: Pod[]; unsubscribe: () => void } {
    let set = this.listeners.get(nodeName);
    if (!set) this.listeners.set(nodeName, (set = new Set()));
    set.add(listener);
    const pods = this.pods.list().filter((p) => p.spec.nodeName === nodeName);
    return {
      pods,
      unsubscribe: () => {
        set.delete(listener);
        if (set.size === 0 && this.listeners.get(nodeName) === set) this.listeners.delete(nodeName);
      },
    };
  }

  private emit(action: Action, pod: Pod): void {
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    for (const listener of this.listeners.get(nodeName) ?? []) listener(action, pod);
  }
}

/**
 * What the agent acts on: metadata (deletionTimestamp, labels) and spec. Status is
 * left out because the agent itself is its source; echoing every status write back
 * would double the traffic for nothing.
 */
function fingerprint(pod: Pod): string {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = pod.metadata;
  return JSON.stringify({ metadata, spec: pod.spec });
}

function podId(pod: Pod): string {
  return pod.metadata.uid ?? objectKey(pod);
}

/**
 * The sequence of messages of one Assignments stream. Changes that arrive in the
 * same turn of the event loop go out together in one INCREMENTAL message.
 */
export class AssignmentStream {
  private sequence = 0;
  private readonly sent = new Map<string, string>();
  private pending = new Map<string, AssignmentChange>();
  private flushScheduled = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly feed: AssignmentFeed,
    private readonly nodeName: string,
    private readonly send: (msg: AssignmentsMessage) => void,
  ) {}

  /** Sends the COMPLETE set and starts following changes. */
  start(): void {
    const { pods, unsubscribe } = this.feed.subscribe(this.nodeName, (action, pod) => this.onChange(action, pod));
    this.unsubscribe = unsubscribe;
    const changes = pods.map((pod) => {
      this.sent.set(podId(pod), fingerprint(pod));
      return { action: Action.UPDATE, podJson: JSON.stringify(pod) };
    });
    this.sequence = 1;
    this.send({ type: MessageType.COMPLETE, sequence: this.sequence, changes });
    log.debug({ node: this.nodeName, pods: changes.length }, "sent complete assignment set");
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
  }

  private onChange(action: Action, pod: Pod): void {
    if (this.closed) return;
    const id = podId(pod);
    if (action === Action.UPDATE) {
      const print = fingerprint(pod);
      if (this.sent.get(id) === print) return;
      this.sent.set(id, print);
    } else {
      this.sent.delete(id);
    }
    // A later change of the same pod supersedes an unsent earlier one.
    this.pending.delete(id);
    this.pending.set(id, { action, podJson: JSON.stringify(pod) });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.pending.size === 0) return;
    const changes = [...this.pending.values()];
    this.pending = new Map();
    this.sequence++;
    this.send({ type: MessageType.INCREMENTAL, sequence: this.sequence, changes });
  }
}
