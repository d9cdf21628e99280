// Whether a namespace takes new objects: both controllers of this folder leave a
// namespace that is going alone, as Kubernetes' do.
import type { Namespace } from "@bosun/api";

export function namespaceActive(ns: Namespace | undefined): ns is Namespace {
  return ns !== undefined && !ns.metadata.deletionTimestamp && ns.status?.phase !== "Terminating";
}
