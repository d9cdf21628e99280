// What stands between an object's bytes and etcd, as Kubernetes' storage/value
// Transformer: a write turns plain bytes into stored ones, a read the other way and
// says whether the value was stored with something other than what writes use now
// (an old key), so that a write of it must really happen even when nothing changed.
// The etcd key is the additional authenticated data of encrypted values: a value
// copied under another key does not decrypt.

export interface ValueTransformer {
  toStorage(data: Buffer, key: string): Buffer;
  fromStorage(stored: Buffer, key: string): { data: Buffer; stale: boolean };
}

/** Bytes as they are: what every resource without an encryption provider gets. */
export const identityTransformer: ValueTransformer = {
  toStorage: (data) => data,
  fromStorage: (stored) => ({ data: stored, stale: false }),
};

/** One provider's way of reading the values stored under its prefix, and of writing them. */
export interface PrefixedTransformer {
  /** What its stored values begin with (`k8s:enc:aesgcm:v1:key1:`); empty for identity. */
  prefix: string;
  /** How the provider and key are named in logs and in /v1-bosun/encryption (`aesgcm:key1`). */
  name: string;
  transformer: ValueTransformer;
}

/**
 * A resource's providers in order: writes use the first, reads the one whose prefix
 * the value starts with (identity, prefix "", matches anything left). A value no
 * provider matches cannot be read: the message names the key and what to do.
 */
export class PrefixTransformers implements ValueTransformer {
  constructor(readonly providers: readonly PrefixedTransformer[]) {
    if (providers.length === 0) throw new Error("an encryption configuration needs at least one provider per resource");
  }

  get writer(): PrefixedTransformer {
    return this.providers[0]!;
  }

  toStorage(data: Buffer, key: string): Buffer {
    const w = this.writer;
    return Buffer.concat([Buffer.from(w.prefix), w.transformer.toStorage(data, key)]);
  }

  fromStorage(stored: Buffer, key: string): { data: Buffer; stale: boolean } {
    for (const [i, p] of this.providers.entries()) {
      if (!stored.subarray(0, p.prefix.length).equals(Buffer.from(p.prefix))) continue;
      const { data, stale } = p.transformer.fromStorage(stored.subarray(p.prefix.length), key);
      return { data, stale: stale || i !== 0 };
    }
    const head = stored.subarray(0, 32).toString("latin1").replace(/[^\x20-\x7e]/g, "?");
    throw new Error(
      `cannot read ${key}: it is stored as "${head}...", which none of the configured providers (${this.providers.map((p) => p.name).join(", ")}) reads; ` +
        "put the provider and key it was written with back into the encryption configuration",
    );
  }
}
