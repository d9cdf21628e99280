// An in-memory EnvObjectSource: ConfigMaps and Secrets a test puts in and takes
// out, every read counted, and a failure the test can switch on.
import type { ConfigMap, Secret } from "@bosun/api";
import type { EnvObjectSource } from "../../src/pod/env/source.js";

export class FakeEnvObjects implements EnvObjectSource {
  private readonly configMaps = new Map<string, ConfigMap>();
  private readonly secrets = new Map<string, Secret>();
  /** "configmap ns/name" or "secret ns/name", per read. */
  readonly reads: string[] = [];
  /** When set, every read fails with it (the API is unreachable, or refuses). */
  failure: Error | undefined;

  putConfigMap(namespace: string, name: string, data: Record<string, string>): void {
    this.configMaps.set(`${namespace}/${name}`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data });
  }

  /** Values as text; stored base64, as the API serves them. */
  putSecret(namespace: string, name: string, data: Record<string, string>): void {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
    this.secrets.set(`${namespace}/${name}`, { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", data: encoded });
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
}
