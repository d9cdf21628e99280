// The short hash of a pod template that names revisions: the pod-template-hash
// label of a Deployment's ReplicaSets and the controller-revision-hash of
// DaemonSet and StatefulSet pods. Like Kubernetes' ComputeHash it covers the
// template and the collision count and is spelled with letters that never form
// words (rand.SafeEncodeString).
import { canonicalJson } from "@bosun/api";
import { createHash } from "node:crypto";

const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

export function templateHash(template: unknown, collisionCount?: number): string {
  const h = createHash("sha256").update(canonicalJson(template));
  if (collisionCount !== undefined && collisionCount > 0) h.update(String(collisionCount));
  const n = h.digest().readUInt32BE(0);
  return [...String(n)].map((d) => safeAlphabet[d.charCodeAt(0) % safeAlphabet.length]).join("");
}
