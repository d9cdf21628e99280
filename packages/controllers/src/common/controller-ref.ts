// ownerReferences with controller: true, the link between a controller's object
// and what it created (k8s.io/apimachinery metav1.NewControllerRef and friends).
import type { KubeObject, OwnerReference } from "@bosun/api";

// Defined in @bosun/api, which the CLI shares; kept here next to newControllerRef.
export { controllerRefOf, isControlledBy } from "@bosun/api";

/** The reference a controller puts on what it creates; blocks foreground deletion of the owner. */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}
