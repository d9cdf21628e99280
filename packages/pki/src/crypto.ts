// The one place that sets up @peculiar/x509: it needs the Reflect metadata polyfill
// and a WebCrypto provider before any certificate is made or read. Every key in
// the cluster is ECDSA P-256, as k3s uses: small, fast, and understood by kubectl,
// etcd, Node's TLS and grpc-js alike.
import "reflect-metadata";
import { webcrypto } from "node:crypto";

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export type { CryptoKey };

export const keyAlgorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Imports a PKCS#8 "PRIVATE KEY" PEM (what this package writes) for signing. */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  let der: ArrayBuffer;
  try {
    const blocks = x509.PemConverter.decode(pem);
    if (blocks.length === 0 || !pem.includes("BEGIN PRIVATE KEY")) throw new Error("no PRIVATE KEY block");
    der = blocks[0]!;
  } catch (err) {
    throw new Error(`not a PKCS#8 PEM private key (${(err as Error).message}); Bosun writes keys as "-----BEGIN PRIVATE KEY-----"`);
  }
  return webcrypto.subtle.importKey("pkcs8", der, keyAlgorithm, true, ["sign"]) as Promise<CryptoKey>;
}

/** A random serial number: 16 bytes, positive, as RFC 5280 asks. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}
