// Single objects read from the API with the node's credentials, at the moment they
// are needed (the kubelet's Get strategy): ConfigMaps and Secrets for containers'
// environments, volumes and image pulls, and the ingress proxy's TLS; claims and
// their PersistentVolumes for volumes; and service-account tokens for projected
// volumes. The apiserver lets a node read only the ones
// its pods use (and the Secrets an Ingress names for TLS, the volumes bound to its
// pods' claims).
import { mustResource, type ConfigMap, type KubeObject, type PersistentVolume, type PersistentVolumeClaim, type Secret, type TokenRequest } from "@bosun/api";
import { isNotFound, type ApiClient } from "@bosun/client";
import type { VolumeObjectSource } from "../volumes/source.js";

export class ClusterObjects implements VolumeObjectSource {
  constructor(private readonly client: ApiClient) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get<ConfigMap>("configmaps", name, namespace);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.get<Secret>("secrets", name, namespace);
  }

  persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.get<PersistentVolumeClaim>("persistentvolumeclaims", name, namespace);
  }

  persistentVolume(name: string): Promise<PersistentVolume | undefined> {
    return this.get<PersistentVolume>("persistentvolumes", name);
  }

  /** A token of the account; the apiserver gives a node only tokens bound to its own pods. */
  requestToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    return this.client.createToken(namespace, serviceAccount, request);
  }

  /** The object, or undefined when it does not exist; other failures throw. */
  private async get<T extends KubeObject>(resource: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.client.get<T>(mustResource(resource), name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
