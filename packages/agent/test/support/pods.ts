import { randomUUID } from "node:crypto";
import type { Container, Pod } from "@bosun/api";
import { BUSYBOX_IMAGE } from "./images.js";

/** A shell loop that exits at once on SIGTERM (PID 1 ignores signals it has no handler for). */
export const SERVE = 'trap "exit 0" TERM; echo hello from $POD_GREETING; while true; do sleep 1; done';

export function testPod(name: string, nodeName: string, containers: Partial<Container>[], extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: randomUUID(), creationTimestamp: new Date().toISOString() },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 5,
      containers: containers.map((c, i) => ({ name: `c${i}`, image: BUSYBOX_IMAGE, ...c })),
      ...extra,
    },
    status: {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }],
    },
  };
}
