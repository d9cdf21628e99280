// An in-memory source of the cluster's objects for environments and volumes:
// ConfigMaps, Secrets, claims and PersistentVolumes a test puts in and takes out,
// service-account tokens it issues ("token-1", "token-2", ...) at the test's clock,
// every read counted, and a failure the test can switch on.
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, TokenRequest } from "@bosun/api";
import type { VolumeObjectSource } from "../../src/volumes/source.js";

export class FakeEnvObjects implements VolumeObjectSource {
  private readonly configMaps = new Map<string, ConfigMap>();
  private readonly secrets = new Map<string, Secret>();
  private readonly claims = new Map<string, PersistentVolumeClaim>();
  private readonly volumes = new Map<string, PersistentVolume>();
  /** "configmap ns/name" or "secret ns/name", per read. */
  readonly reads: string[] = [];
  /** When set, every read fails with it (the API is unreachable, or refuses). */
  failure: Error | undefined;
  /** The token requests answered, in order. */
  readonly tokenRequests: Array<{ namespace: string; serviceAccount: string; request: TokenRequest }> = [];
  /** The clock tokens are issued at. */
  now: () => number = Date.now;

  putConfigMap(namespace: string, name: string, data: Record<string, string>): void {
    this.configMaps.set(`${namespace}/${name}`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data });
  }

  /** Values as text; stored base64, as the API serves them. */
  putSecret(namespace: string, name: string, data: Record<string, string>): void {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
    this.secrets.set(`${namespace}/${name}`, { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", data: encoded });
  }

  /** A Secret of any type, with data given as text. */
  putTypedSecret(namespace: string, name: string, type: string, data: Record<string, string>): void {
    this.putSecret(namespace, name, data);
    const secret = this.secrets.get(`${namespace}/${name}`);
    if (secret) secret.type = type;
  }

  deleteConfigMap(namespace: string, name: string): void {
    this.configMaps.delete(`${namespace}/${name}`);
  }

  putClaim(claim: PersistentVolumeClaim): void {
    this.claims.set(`${claim.metadata.namespace ?? ""}/${claim.metadata.name ?? ""}`, claim);
  }

  putVolume(volume: PersistentVolume): void {
    this.volumes.set(volume.metadata.name ?? "", volume);
  }

  async configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    this.reads.push(`configmap ${namespace}/${name}`);
    if (this.failure) throw this.failure;
    return this.configMaps.get(`${namespace}/${name}`);
  }

  async secret(namespace: string, name: string): Promise<Secret | undefined> {
    this.reads.push(`secret ${namespace}/${name}`);
    if (this.failure) throw this.failure;
    return this.secrets.get(`${namespace}/${name}`);
  }

  async persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    this.reads.push(`persistentvolumeclaim ${namespace}/${name}`);
    if (this.failure) throw this.failure;
    return this.claims.get(`${namespace}/${name}`);
  }

  async persistentVolume(name: string): Promise<PersistentVolume | undefined> {
    this.reads.push(`persistentvolume ${name}`);
    if (this.failure) throw this.failure;
    return this.volumes.get(name);
  }

  async requestToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    this.reads.push(`token ${namespace}/${serviceAccount}`);
    if (this.failure) throw this.failure;
    this.tokenRequests.push({ namespace, serviceAccount, request });
    const seconds = request.spec.expirationSeconds ?? 3600;
    const token = `token-${this.tokenRequests.length}`;
    return { ...request, spec: { ...request.spec, expirationSeconds: seconds }, status: { token, expirationTimestamp: new Date(this.now() + seconds * 1000).toISOString() } };
  }
}
