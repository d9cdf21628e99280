// The volumes a StatefulSet gives its pods (pkg/controller/statefulset updateStorage):
// the pod template's, where each claim template puts a persistentVolumeClaim volume
// of its own name, in place of a template volume of that name. The controller
// stamps pods with it; validation checks the template's mounts against it, so a
// mount may name a claim template (Kubernetes' volumesToAddForTemplates).
import type { PersistentVolumeClaim } from "./types/persistent-volumes.js";
import type { Volume } from "./types/volumes.js";

/**
 * The template's volumes, those named like a claim template pointing at the claim
 * `claimNameOf` names instead (in place), then the other claim templates' volumes.
 * Templates without a name are left out: validation reports them.
 */
export function volumesWithClaims(
  volumes: readonly Volume[] | undefined,
  templates: readonly PersistentVolumeClaim[] | undefined,
  claimNameOf: (template: PersistentVolumeClaim) => string,
): Volume[] {
  const claimVolumes = new Map<string, Volume>();
  for (const template of templates ?? []) {
    const name = template.metadata?.name ?? "";
    if (name === "" || claimVolumes.has(name)) continue;
    claimVolumes.set(name, { name, persistentVolumeClaim: { claimName: claimNameOf(template) } });
  }
  const result = (volumes ?? []).map((v) => claimVolumes.get(v.name) ?? v);
  const replaced = new Set((volumes ?? []).map((v) => v.name));
  for (const [name, volume] of claimVolumes) if (!replaced.has(name)) result.push(volume);
  return result;
}
