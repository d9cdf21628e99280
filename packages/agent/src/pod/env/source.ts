// Where a container's environment reads the ConfigMaps and Secrets it names. The
// agent's implementation is the cluster's API with the node's credentials
// (cluster/objects.ts); tests pass a fake. Not-found is an answer, not an error:
// an optional reference is then skipped.
import type { ConfigMap, Secret } from "@bosun/api";

export interface EnvObjectSource {
  /** The ConfigMap, or undefined when it does not exist; throws when it cannot be read. */
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  /** The Secret, or undefined when it does not exist; throws when it cannot be read. */
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}
