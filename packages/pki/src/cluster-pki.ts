// The master's PKI directory, made at first start: the cluster CA, the serving
// certificates of the API and the dispatcher, and two client certificates in
// system:masters (the admin's, for kubeconfigs, and the master's own, for its
// controllers and its calls to agents), and the key that signs service-account
// tokens. A second master shares the CA and that key by having ca.crt, ca.key,
// sa.key and sa.pub copied into its directory before it first starts; everything
// else each master makes for itself.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createCertificateAuthority, leafValidityMs, signCertificate, type CertificateSpec, type KeyPair } from "./certificate.js";
import { mastersGroup } from "./identity.js";
import { pairPaths, readPair, writePair } from "./files.js";
import { certificateSans, renewalDue, signedBy } from "./renewal.js";
import { ensureServiceAccountKey, type ServiceAccountKeyPair } from "./service-account-key.js";

export interface ClusterPki {
  dir: string;
  ca: KeyPair;
  apiserver: KeyPair;
  dispatcher: KeyPair;
  admin: KeyPair;
  master: KeyPair;
  /** The key that signs service-account tokens (sa.key, sa.pub), shared by every master like the CA. */
  serviceAccount: ServiceAccountKeyPair;
}

export const adminUser = "bosun-admin";
export const masterUser = "system:bosun-master";

/** Names every API serving certificate carries, as kube-apiserver's do. */
export const defaultApiSans = ["localhost", "127.0.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc"];

export interface EnsurePkiOptions {
  dir: string;
  /** Host names and addresses the API and dispatcher are reached at. */
  sans: string[];
  now?: Date;
}

/** Loads the PKI in `dir`, making or renewing whatever is missing, stale or due. */
export async function ensureClusterPki(opts: EnsurePkiOptions): Promise<ClusterPki> {
  const { dir } = opts;
  const now = opts.now ?? new Date();
  const ca = await ensureCa(dir);
  const sans = [...new Set([...defaultApiSans, ...opts.sans])];
  const leaf = async (name: string, spec: CertificateSpec): Promise<KeyPair> => {
    const existing = readPair(dir, name);
    const wantedSans = spec.sans ?? [];
    const fits =
      existing !== undefined &&
      signedBy(existing.cert, ca.cert) &&
      !renewalDue(existing.cert, now) &&
      wantedSans.every((s) => certificateSans(existing.cert).includes(s));
    if (fits) return existing;
    const made = await signCertificate(ca, spec, undefined, now);
    writePair(dir, name, made);
    return made;
  };
  return {
    dir,
    ca,
    apiserver: await leaf("apiserver", { commonName: "bosun-apiserver", sans, usages: ["server"], validityMs: leafValidityMs }),
    dispatcher: await leaf("dispatcher", { commonName: "bosun-dispatcher", sans, usages: ["server"], validityMs: leafValidityMs }),
    admin: await leaf("admin", { commonName: adminUser, organizations: [mastersGroup], usages: ["client"], validityMs: leafValidityMs }),
    master: await leaf("master", { commonName: masterUser, organizations: [mastersGroup], usages: ["client"], validityMs: leafValidityMs }),
    serviceAccount: ensureServiceAccountKey(dir),
  };
}

/** The CA in `dir`, made when neither half exists. */
export async function ensureCa(dir: string, commonName = "bosun-ca"): Promise<KeyPair> {
  const existing = readPair(dir, "ca");
  if (existing) return existing;
  const paths = pairPaths(dir, "ca");
  if (existsSync(paths.cert) !== existsSync(paths.key)) {
    const [have, missing] = existsSync(paths.cert) ? [paths.cert, paths.key] : [paths.key, paths.cert];
    throw new Error(`${have} exists but ${missing} does not; copy both from the first master (or remove ${have} to make a new CA)`);
  }
  const ca = await createCertificateAuthority(commonName);
  writePair(dir, "ca", ca);
  return ca;
}

/** The admin's client certificate with the cluster CA, from a master's PKI directory; undefined until the master has made them. */
export function adminCredentials(dir: string): { ca: string; cert: string; key: string } | undefined {
  const [ca, admin] = [readPair(dir, "ca"), readPair(dir, "admin")];
  return ca && admin ? { ca: ca.cert, cert: admin.cert, key: admin.key } : undefined;
}

export function caPath(dir: string): string {
  return join(dir, "ca.crt");
}
