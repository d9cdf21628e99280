// The PodSpec and Container fields of Kubernetes 1.33 that no other validation file
// takes: hostAliases and os, as Kubernetes validates them, and the fields Bosun
// refuses by name, each saying why, so that nothing of a manifest is silently lost
// (types/pod-fields.ts keeps them in the schema for this).
import { child, forbidden, index, invalidValue, notSupported, required } from "./field-errors.js";
import { isDNS1123Subdomain } from "./naming.js";
import { hasContent } from "./objects.js";
import type { Container, PodSpec } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";
import type { HostAlias } from "./types/pod-fields.js";
import { validateIP } from "./validation-services.js";

/** Kubernetes' ValidateHostAliases: each ip an IP address, each hostname a DNS subdomain. */
export function validateHostAliases(aliases: readonly HostAlias[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (aliases ?? []).forEach((alias, i) => {
    const p = index(path, i);
    causes.push(...validateIP(alias.ip, child(p, "ip")));
    (alias.hostnames ?? []).forEach((name, j) => {
      for (const msg of isDNS1123Subdomain(name)) causes.push(invalidValue(index(child(p, "hostnames"), j), name, msg));
    });
  });
  return causes;
}

const operatingSystems = ["linux", "windows"];

/** validateOS, then Bosun's own limit: its nodes run Linux containers. */
function validateOS(spec: PodSpec, path: string): StatusCause[] {
  const os = spec.os;
  if (os === undefined) return [];
  const namePath = child(path, "os.name");
  if (os.name === "") return [required(namePath, "cannot be empty")];
  if (!operatingSystems.includes(os.name)) return [notSupported(namePath, os.name, operatingSystems)];
  if (os.name === "windows") return [forbidden(namePath, "Bosun's nodes run Linux containers only: leave spec.os out or set name linux")];
  return [];
}

/** Pod fields Bosun refuses whatever their value, with why. */
const refusedPodFields: readonly (readonly [keyof PodSpec, string])[] = [
  ["runtimeClassName", "Bosun has no RuntimeClasses: every container runs in Docker's default runtime; leave it out"],
  ["overhead", "Bosun has no RuntimeClasses, whose admission alone sets a pod's overhead; leave it out"],
  ["readinessGates", "Bosun does not serve readiness gates: a pod's Ready condition follows its containers only; leave it out"],
  ["resourceClaims", "Bosun has no dynamic resource allocation (resource.k8s.io); leave it out"],
  ["resources", "Bosun does not serve pod-level resources (alpha in Kubernetes 1.33): give each container its requests and limits"],
];

/** Container fields Bosun refuses whatever their value, with why. */
const refusedContainerFields: readonly (readonly [keyof Container, string])[] = [
  ["volumeDevices", "Bosun gives containers directories only (volumeMode Block is not supported): mount the volume with volumeMounts"],
  ["resizePolicy", "Bosun does not resize containers in place (the pods/resize subresource is not served): leave it out"],
];

const volumeDevicesOnly = refusedContainerFields.filter(([name]) => name === "volumeDevices");

function refused<T extends object>(value: T, fields: readonly (readonly [keyof T, string])[], path: string): StatusCause[] {
  // An empty list or object asks for nothing, as Go's zero value, and is not refused.
  return fields.filter(([name]) => hasContent(value[name])).map(([name, why]) => forbidden(child(path, String(name)), why));
}

/** The fields of one container (app, init) this file takes. */
function validateContainerFields(c: Container, path: string): StatusCause[] {
  const causes = refused(c, refusedContainerFields, path);
  if (hasContent(c.resources?.claims)) {
    causes.push(forbidden(child(path, "resources.claims"), "Bosun has no dynamic resource allocation (resource.k8s.io); leave it out"));
  }
  return causes;
}

/** hostAliases, os, hostUsers and the refused fields of a pod spec and its containers. */
export function validatePodFields(spec: PodSpec, path: string): StatusCause[] {
  const causes = [...validateHostAliases(spec.hostAliases, child(path, "hostAliases")), ...validateOS(spec, path)];
  if (spec.hostUsers === false) {
    causes.push(forbidden(child(path, "hostUsers"), "Bosun does not run pods in a user namespace of their own: leave it out or set it true"));
  }
  causes.push(...refused(spec, refusedPodFields, path));
  spec.containers.forEach((c, i) => causes.push(...validateContainerFields(c, index(child(path, "containers"), i))));
  (spec.initContainers ?? []).forEach((c, i) => causes.push(...validateContainerFields(c, index(child(path, "initContainers"), i))));
  // Ephemeral containers may not set resources nor resizePolicy at all (validation-ephemeral-containers.ts says so): only volumeDevices is left.
  (spec.ephemeralContainers ?? []).forEach((c, i) => causes.push(...refused(c, volumeDevicesOnly, index(child(path, "ephemeralContainers"), i))));
  return causes;
}
