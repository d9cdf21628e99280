// Recording v1 Events about objects, the way client-go's record.EventRecorder does:
// fire and forget for the caller, deduplicated (a repeat of the same reason and
// message about the same object bumps count and lastTimestamp of the existing Event).
import type { KubeObject } from "@bosun/api";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Records that `reason` happened to `object`; never throws, never blocks the caller. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}
