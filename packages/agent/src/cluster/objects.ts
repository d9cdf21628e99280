// Single ConfigMaps and Secrets read from the API with the node's credentials, at
// the moment they are needed (the kubelet's Get strategy): for containers'
// environments and the ingress proxy's TLS. The apiserver lets a node read only
// the ones its pods use, and the Secrets an Ingress names for TLS.
import { mustResource, type ConfigMap, type Secret } from "@bosun/api";
import { isNotFound, type ApiClient } from "@bosun/client";
import type { EnvObjectSource } from "../pod/env/source.js";

export class ClusterObjects implements EnvObjectSource {
  constructor(private readonly client: ApiClient) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get<ConfigMap>("configmaps", namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.get<Secret>("secrets", namespace, name);
  }

  /** The object, or undefined when it does not exist; other failures throw. */
  private async get<T extends ConfigMap | Secret>(resource: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.client.get<T>(mustResource(resource), name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
