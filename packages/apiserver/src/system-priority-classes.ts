// The PriorityClasses every cluster has, system-cluster-critical and
// system-node-critical, made by every apiserver at start when missing, as
// kube-apiserver's scheduling post-start hook does. They cannot be deleted (see
// registry/priority-admission.ts), and an existing one is never changed.
import { mustResource, systemPriorityClasses } from "@bosun/api";
import { StatusError } from "./errors.js";
import type { Registry } from "./registry/registry.js";

export async function ensureSystemPriorityClasses(registry: Registry): Promise<void> {
  const info = mustResource("priorityclasses");
  for (const pc of systemPriorityClasses) {
    const name = pc.metadata.name ?? "";
    try {
      await registry.get(info, undefined, name, false);
      continue;
    } catch (err) {
      if (!(err instanceof StatusError && err.status.reason === "NotFound")) throw err;
    }
    try {
      await registry.create(info, structuredClone(pc), { dryRun: false });
    } catch (err) {
      if (!(err instanceof StatusError && err.status.reason === "AlreadyExists")) throw err;
    }
  }
}
