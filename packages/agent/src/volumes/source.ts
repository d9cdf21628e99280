// Where volumes read the cluster's objects: the ConfigMaps and Secrets of
// configMap, secret and projected volumes, the service-account tokens of projected
// volumes, and the claims and their PersistentVolumes. The agent's implementation is the cluster's API with the
// node's credentials (cluster/objects.ts); tests pass a fake. Not-found is an
// answer, not an error: an optional source is then empty.
import type { PersistentVolume, PersistentVolumeClaim } from "@bosun/api";
import type { EnvObjectSource } from "../pod/env/source.js";
import type { TokenSource } from "./service-account-tokens.js";

export interface VolumeObjectSource extends EnvObjectSource, TokenSource {
  /** The claim, or undefined when it does not exist; throws when it cannot be read. */
  persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  /** The volume, or undefined when it does not exist; throws when it cannot be read. */
  persistentVolume(name: string): Promise<PersistentVolume | undefined>;
}
