// The Event table, as Kubernetes' printEvent: LAST SEEN falls back to the first
// occurrence, the involved object reads kind/name, and SOURCE names the reporting
// component and host.
import type { Event } from "../types/core.js";
import { age } from "./age.js";
import { column, nameColumn, type Printer } from "./columns.js";

/** When the event last happened: lastTimestamp, else when it first did. */
export function eventLastSeen(ev: Event): string | undefined {
  return ev.lastTimestamp || eventFirstSeen(ev);
}

export function eventFirstSeen(ev: Event): string | undefined {
  return ev.firstTimestamp || ev.eventTime || undefined;
}

function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: Printer<Event> = {
  columns: [
    column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    column("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column("Object", "string", "The object that this event is about."),
    column(
      "Subobject",
      "string",
      "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
      { priority: 1 },
    ),
    column("Source", "string", "The component reporting this event. Should be a short machine understandable string.", { priority: 1 }),
    column("Message", "string", "A human-readable description of the status of this operation."),
    column("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", { priority: 1 }),
    column("Count", "string", "The number of times this event has occurred.", { priority: 1 }),
    { ...nameColumn, priority: 1 },
  ],
  cells(ev, now) {
    const obj = ev.involvedObject;
    const kind = (obj.kind ?? "").toLowerCase();
    return [
      age(eventLastSeen(ev), now),
      ev.type ?? "",
      ev.reason ?? "",
      obj.name ? `${kind}/${obj.name}` : kind,
      obj.fieldPath ?? "",
      eventSource(ev),
      (ev.message ?? "").trim(),
      age(eventFirstSeen(ev), now),
      // Singleton events of the new API carry no count.
      ev.count || 1,
      ev.metadata.name ?? "",
    ];
  },
};
