// The IngressClass `bosun`, the default class, made by every apiserver at start as the
// system namespaces are: Ingresses that name it, or no class at all, are served by
// the ingress proxy each agent runs. An administrator may remove the default
// annotation; an existing class is never changed.
import { defaultIngressClassAnnotation, mustResource, type IngressClass } from "@bosun/api";
import { StatusError } from "./errors.js";
import type { Registry } from "./registry/registry.js";

export const bosunIngressClass: IngressClass = {
  apiVersion: "networking.k8s.io/v1",
  kind: "IngressClass",
  metadata: { name: "bosun", annotations: { [defaultIngressClassAnnotation]: "true" } },
  spec: { controller: "bosun.io/ingress" },
};

export async function ensureIngressClass(registry: Registry): Promise<void> {
  const info = mustResource("ingressclasses");
  try {
    await registry.get(info, undefined, "bosun", false);
    return;
  } catch (err) {
    if (!(err instanceof StatusError && err.status.reason === "NotFound")) throw err;
  }
  try {
    await registry.create(info, bosunIngressClass, { dryRun: false });
  } catch (err) {
    if (!(err instanceof StatusError && err.status.reason === "AlreadyExists")) throw err;
  }
}
