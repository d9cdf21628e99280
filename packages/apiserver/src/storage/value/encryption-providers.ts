// The providers in force, by resource, for the store: which transformer a key's
// value goes through, and what the configuration says now. A master swaps in a new
// configuration when its file changes (as kube-apiserver's automatic reload does),
// so `bosun secrets rotate` needs no restart.
import { identityTransformer, type PrefixTransformers, type ValueTransformer } from "./transformer.js";
import { providerChain, type EncryptionConfiguration } from "./encryption-config.js";

/** What /v1-bosun/encryption shows: names of providers and keys, never a secret. */
export interface ResourceEncryptionStatus {
  resource: string;
  /** The provider and key new writes use, e.g. `aesgcm:key2`. */
  write: string;
  read: string[];
}

export class EncryptionProviders {
  private byResource = new Map<string, PrefixTransformers>();

  /** `root` is the store's key root: keys are `{root}/{group or core}/{resource}/...`. */
  constructor(
    private readonly root: string,
    config: EncryptionConfiguration,
  ) {
    this.replace(config);
  }

  replace(config: EncryptionConfiguration): void {
    const next = new Map<string, PrefixTransformers>();
    for (const entry of config.resources) {
      const chain = providerChain(entry);
      for (const r of entry.resources) next.set(r, chain);
    }
    this.byResource = next;
  }

  /** The transformer of the resource the etcd key belongs to; identity for resources not configured. */
  forKey(key: string): ValueTransformer {
    const rest = key.startsWith(this.root + "/") ? key.slice(this.root.length + 1) : "";
    const [group, resource] = rest.split("/");
    if (!group || !resource) return identityTransformer;
    return this.byResource.get(group === "core" ? resource : `${resource}.${group}`) ?? identityTransformer;
  }

  /** The resources the configuration names (`secrets`, `deployments.apps`). */
  configuredResources(): string[] {
    return [...this.byResource.keys()];
  }

  status(): ResourceEncryptionStatus[] {
    return [...this.byResource].map(([resource, chain]) => ({ resource, write: chain.writer.name, read: chain.providers.map((p) => p.name) }));
  }
}
