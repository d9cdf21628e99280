// The short hash of a pod template that names revisions: the pod-template-hash
// label of a Deployment's ReplicaSets and the controller-revision-hash of
// DaemonSet and StatefulSet pods. Like Kubernetes' ComputeHash it covers the
// template and the collision count and is spelled with letters that never form
// words (rand.SafeEncodeString).
import { createHash } from "node:crypto";

const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function templateHash(template: unknown, collisionCount?: number): string {
  const h = createHash("sha256").update(stableStringify(template));
  if (collisionCount !== undefined && collisionCount > 0) h.update(String(collisionCount));
  const n = h.digest().readUInt32BE(0);
  return [...String(n)].map((d) => safeAlphabet[d.charCodeAt(0) % safeAlphabet.length]).join("");
}
