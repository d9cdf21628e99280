// ownerReferences with controller: true, the link between a controller's object and
// what it created (k8s.io/apimachinery metav1.GetControllerOf and IsControlledBy).
import type { KubeObject, OwnerReference } from "./types/meta.js";

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRefOf(obj);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}
