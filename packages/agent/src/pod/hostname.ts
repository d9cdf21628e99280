// A pod's hostname and domain as the kubelet makes them (GeneratePodHostNameAndDomain,
// GetNodenameForKernel): the short name is spec.hostname or the pod's name cut to 63
// characters; with a subdomain the domain is <subdomain>.<namespace>.svc.<cluster
// domain>, and with setHostnameAsFQDN the kernel's hostname is the whole name,
// which must fit the 64 characters of utsname's nodename.
import type { Pod } from "@bosun/api";
import { podHostname } from "./container-config.js";

/** The Linux nodename field: 64 characters (and the terminating NUL). */
export const FQDN_MAX_LENGTH = 64;

export interface PodHostName {
  /** The short name: spec.hostname, else the pod's name cut to 63 characters. */
  hostname: string;
  /** "<subdomain>.<namespace>.svc.<cluster domain>", or "" without a subdomain. */
  domain: string;
}

export function podHostNameAndDomain(pod: Pod, clusterDomain: string): PodHostName {
  const subdomain = pod.spec.subdomain ?? "";
  return {
    hostname: podHostname(pod),
    domain: subdomain === "" ? "" : `${subdomain}.${pod.metadata.namespace ?? ""}.svc.${clusterDomain}`,
  };
}

/**
 * The hostname the pod's containers get: the FQDN with setHostnameAsFQDN and a
 * subdomain, else the short name. Throws with the kubelet's message when the FQDN
 * is too long for the kernel.
 */
export function kernelHostname(pod: Pod, clusterDomain: string): string {
  const { hostname, domain } = podHostNameAndDomain(pod, clusterDomain);
  if (domain === "" || pod.spec.setHostnameAsFQDN !== true) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > FQDN_MAX_LENGTH) {
    throw new Error(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LENGTH} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}
