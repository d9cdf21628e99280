// The aesgcm provider of Kubernetes' EncryptionConfiguration: AES-256-GCM (or 128
// or 192, by the key's length) with a random 96-bit nonce before the ciphertext and
// the 128-bit tag after it, the etcd key as additional authenticated data. Node's
// crypto does the cipher; a value is `k8s:enc:aesgcm:v1:<key name>:` + nonce +
// ciphertext + tag, as Kubernetes stores it.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { PrefixedTransformer, ValueTransformer } from "./transformer.js";

const nonceBytes = 12;
const tagBytes = 16;

export const aesGcmKeyLengths = [16, 24, 32];

function algorithm(secret: Buffer): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  if (!aesGcmKeyLengths.includes(secret.length)) throw new Error(`an aesgcm key is 16, 24 or 32 bytes, not ${secret.length}`);
  return `aes-${secret.length * 8}-gcm` as "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm";
}

export function aesGcmTransformer(secret: Buffer): ValueTransformer {
  const alg = algorithm(secret);
  return {
    toStorage(data, key) {
      const nonce = randomBytes(nonceBytes);
      const cipher = createCipheriv(alg, secret, nonce, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(key));
      return Buffer.concat([nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
    },
    fromStorage(stored, key) {
      if (stored.length < nonceBytes + tagBytes) throw new Error(`cannot decrypt ${key}: the stored value is too short to be aesgcm`);
      const decipher = createDecipheriv(alg, secret, stored.subarray(0, nonceBytes), { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(key));
      decipher.setAuthTag(stored.subarray(stored.length - tagBytes));
      try {
        return { data: Buffer.concat([decipher.update(stored.subarray(nonceBytes, stored.length - tagBytes)), decipher.final()]), stale: false };
      } catch {
        throw new Error(`cannot decrypt ${key}: the aesgcm key does not match (was the value written with another key of the same name, or moved from another key?)`);
      }
    },
  };
}

/** One aesgcm key as a provider of a resource's chain. */
export function aesGcmProvider(name: string, secret: Buffer): PrefixedTransformer {
  return { prefix: `k8s:enc:aesgcm:v1:${name}:`, name: `aesgcm:${name}`, transformer: aesGcmTransformer(secret) };
}
