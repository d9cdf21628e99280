// Which certificate the HTTPS listener presents for a server name (SNI): the
// kubernetes.io/tls Secret that an Ingress's spec.tls[] names for that host, exact
// hosts before wildcard ones ("*.bar.com" covers one more label), the oldest
// Ingress first; a spec.tls entry without hosts covers names no other entry does.
// Secrets live in the Ingress's namespace. How a Secret is fetched is the caller's
// business; tlsKeyPairFromSecret reads one.
import type { Ingress, Secret } from "@bosun/api";
import { normalizeHost, type IngressRef } from "./routes.js";

/** The Secret type that holds a certificate and its key. */
export const tlsSecretType = "kubernetes.io/tls";

export interface TlsSecretRef {
  namespace: string;
  name: string;
  /** The Ingress that names it, for the log. */
  ingress: IngressRef;
}

/** A PEM certificate (chain) and its private key: a tls Secret's tls.crt and tls.key, decoded. */
export interface TlsKeyPair {
  cert: string;
  key: string;
}

export interface TlsHosts {
  exact: Map<string, TlsSecretRef>;
  /** By the suffix a wildcard covers: "bar.com" for "*.bar.com". */
  wildcard: Map<string, TlsSecretRef>;
  /** The oldest entry that names no hosts. */
  fallback?: TlsSecretRef;
}

/** The certificates of `ingresses`, which must be the ones Bosun serves, oldest first (see bosunIngresses). */
export function buildTlsHosts(ingresses: readonly Ingress[]): TlsHosts {
  const hosts: TlsHosts = { exact: new Map(), wildcard: new Map() };
  for (const ingress of ingresses) {
    const namespace = ingress.metadata.namespace ?? "default";
    const ingressRef = { namespace, name: ingress.metadata.name ?? "" };
    for (const tls of ingress.spec?.tls ?? []) {
      // An entry without a Secret only says the hosts are served over TLS; it has no certificate to offer.
      if (tls.secretName === undefined || tls.secretName === "") continue;
      const ref: TlsSecretRef = { namespace, name: tls.secretName, ingress: ingressRef };
      const names = tls.hosts ?? [];
      if (names.length === 0) hosts.fallback ??= ref;
      for (const raw of names) {
        const host = raw.toLowerCase();
        if (host.startsWith("*.")) {
          if (!hosts.wildcard.has(host.slice(2))) hosts.wildcard.set(host.slice(2), ref);
        } else if (!hosts.exact.has(host)) {
          hosts.exact.set(host, ref);
        }
      }
    }
  }
  return hosts;
}

/** The Secret whose certificate serves `serverName` (the SNI name), if any. */
export function tlsSecretFor(hosts: TlsHosts, serverName: string | undefined): TlsSecretRef | undefined {
  const name = normalizeHost(serverName);
  if (name !== "") {
    const exact = hosts.exact.get(name);
    if (exact) return exact;
    const dot = name.indexOf(".");
    const wildcard = dot > 0 ? hosts.wildcard.get(name.slice(dot + 1)) : undefined;
    if (wildcard) return wildcard;
  }
  return hosts.fallback;
}

/** The certificate and key of a kubernetes.io/tls Secret, or why it has none. */
export function tlsKeyPairFromSecret(secret: Secret): { ok: true; pair: TlsKeyPair } | { ok: false; message: string } {
  const name = `${secret.metadata.namespace ?? "default"}/${secret.metadata.name ?? ""}`;
  if (secret.type !== tlsSecretType) {
    return { ok: false, message: `secret "${name}" is of type ${secret.type ?? "Opaque"}, not ${tlsSecretType}; recreate it with \`kubectl create secret tls\`` };
  }
  const crt = secret.data?.["tls.crt"];
  const key = secret.data?.["tls.key"];
  if (!crt || !key) return { ok: false, message: `secret "${name}" lacks tls.crt or tls.key; give it both` };
  return { ok: true, pair: { cert: Buffer.from(crt, "base64").toString("utf8"), key: Buffer.from(key, "base64").toString("utf8") } };
}
