// Kubernetes' ServiceAccount admission (plugin/pkg/admission/serviceaccount) for a
// new pod: it runs as "default" unless it names an account; the account must
// exist (a 403 otherwise, in Kubernetes' words); unless the pod or the account
// turns automount off, a projected volume `kube-api-access-<5 random>` (a token
// bound to the pod, the cluster CA from the ConfigMap kube-root-ca.crt, the
// namespace) is added and mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container that does not
// mount something there itself; and the account's imagePullSecrets are given to a
// pod that names none. Mirror pods do not exist in Bosun.
import {
  defaultServiceAccountName,
  generateNameSuffix,
  isPlainObject,
  rootCaConfigMapName,
  serviceAccountMountPath,
  statusError,
  type KubeObject,
  type LocalObjectReference,
  type ServiceAccount,
  type Volume,
  type VolumeMount,
} from "@bosun/api";
import { StatusError } from "../errors.js";

/** The prefix of the token volume's name. */
export const serviceAccountVolumePrefix = "kube-api-access-";
/**
 * A projected token's life: Kubernetes' WarnOnlyBoundTokenExpirationSeconds (an
 * hour and 7 s, a value nobody asks for by hand, so such tokens can be told apart).
 */
export const automountTokenExpirationSeconds = 3607;

/** The projected source admission adds: exactly Kubernetes' TokenVolumeSource. */
export function tokenVolumeSource(): NonNullable<Volume["projected"]> {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: automountTokenExpirationSeconds, path: "token" } },
      { configMap: { name: rootCaConfigMapName, items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
  };
}

export interface ServiceAccountAdmissionOptions {
  /** The account, or undefined when it does not exist. */
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  /** Waits between lookups of "default", which its controller may be about to make. */
  sleep(ms: number): Promise<void>;
  /** Five random characters of a generated name; generateNameSuffix by default. */
  suffix?: () => string;
}

/**
 * How often "default" is looked up before the pod is refused, and how long apart:
 * Kubernetes tries 10 times, 100-200 ms apart, because the serviceaccount
 * controller makes it just after its namespace.
 */
const defaultLookups = 10;
const lookupIntervalMs = 150;

interface PodShape {
  metadata: KubeObject["metadata"];
  spec: {
    serviceAccountName?: string;
    serviceAccount?: string;
    automountServiceAccountToken?: boolean;
    volumes?: Volume[];
    containers?: Array<{ volumeMounts?: VolumeMount[] }>;
    initContainers?: Array<{ volumeMounts?: VolumeMount[] }>;
    imagePullSecrets?: LocalObjectReference[];
  };
}

export class ServiceAccountAdmission {
  constructor(private readonly opts: ServiceAccountAdmissionOptions) {}

  /**
   * Looks up the pod's account: a 403 StatusError when it does not exist. Answers
   * what admission does to the pod, done in place when the registry says (after the
   * pod's own fields are recorded). A body of the wrong shape is left for validation.
   */
  async admission(sent: KubeObject): Promise<(pod: KubeObject) => void> {
    const sentSpec = (sent as { spec?: unknown }).spec;
    if (!isPlainObject(sentSpec)) return () => undefined;
    const spec = sentSpec as PodShape["spec"];
    const namespace = sent.metadata.namespace ?? "";
    // The alias counts as the name, as Kubernetes' conversion has already made it before admission.
    const name = (typeof spec.serviceAccountName === "string" && spec.serviceAccountName) || (typeof spec.serviceAccount === "string" && spec.serviceAccount) || defaultServiceAccountName;
    const account = await this.lookUp(namespace, name);
    if (account === undefined) {
      const message = `pods "${sent.metadata.name ?? ""}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`;
      throw new StatusError(statusError(403, "Forbidden", message, { name: sent.metadata.name ?? "", kind: "pods" }));
    }
    return (object) => this.mutate(object as unknown as PodShape, name, account);
  }

  /** Kubernetes' Admit once the account is known: its name, the token volume, its pull secrets. */
  private mutate(pod: PodShape, name: string, account: ServiceAccount): void {
    const spec = pod.spec;
    if (!isPlainObject(spec)) return;
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    if (shouldAutomount(account, spec)) this.mountToken(spec);
    if (spec.imagePullSecrets === undefined || (Array.isArray(spec.imagePullSecrets) && spec.imagePullSecrets.length === 0)) {
      if ((account.imagePullSecrets ?? []).length === 0) return;
      spec.imagePullSecrets = (account.imagePullSecrets ?? []).map((s) => ({ name: s.name ?? "" }));
    }
  }

  private async lookUp(namespace: string, name: string): Promise<ServiceAccount | undefined> {
    const attempts = name === defaultServiceAccountName ? defaultLookups : 1;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await this.opts.sleep(lookupIntervalMs);
      const found = await this.opts.getServiceAccount(namespace, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Kubernetes' mountServiceAccountToken: one volume (an existing kube-api-access-* one is reused), mounted wherever nothing else is at the path. */
  private mountToken(spec: PodShape["spec"]): void {
    // Volumes that are not a list are validation's to refuse, as they came.
    if (spec.volumes !== undefined && !Array.isArray(spec.volumes)) return;
    const volumes = spec.volumes ?? [];
    const existing = volumes.find((v) => isPlainObject(v) && typeof v.name === "string" && v.name.startsWith(serviceAccountVolumePrefix));
    const volumeName = existing?.name ?? `${serviceAccountVolumePrefix}${(this.opts.suffix ?? generateNameSuffix)()}`;
    const mount: VolumeMount = { name: volumeName, readOnly: true, mountPath: serviceAccountMountPath };
    let needed = false;
    for (const list of [spec.initContainers, spec.containers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        if (!isPlainObject(c) || (c.volumeMounts !== undefined && !Array.isArray(c.volumeMounts))) continue;
        const mounts = c.volumeMounts ?? [];
        if (mounts.some((m) => isPlainObject(m) && m.mountPath === serviceAccountMountPath)) continue;
        c.volumeMounts = [...mounts, { ...mount }];
        needed = true;
      }
    }
    if (needed && existing === undefined) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
  }
}

/** The pod's preference, else the account's, else yes (Kubernetes' shouldAutomount). */
export function shouldAutomount(account: ServiceAccount, spec: { automountServiceAccountToken?: boolean }): boolean {
  if (typeof spec.automountServiceAccountToken === "boolean") return spec.automountServiceAccountToken;
  return account.automountServiceAccountToken ?? true;
}
