// The key that signs service-account tokens, and the signing and checking of the
// tokens themselves (JWTs, ES256, with the `jose` library). Kept in the master's
// PKI directory as kubeadm keeps it: `sa.key` (PKCS#8, mode 0600) and `sa.pub`
// (SPKI), made at first start. Every master must check the tokens any master
// signed, so a second master gets both files copied from the first, as it gets
// the CA; half a pair is refused rather than replaced.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, decodeProtectedHeader, importPKCS8, importSPKI, jwtVerify, type JWTPayload } from "jose";
import { writeFileAtomic } from "./files.js";

export interface ServiceAccountKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SPKI PEM. */
  publicKey: string;
}

export const serviceAccountKeyAlgorithm = "ES256";

export function serviceAccountKeyPaths(dir: string): { key: string; pub: string } {
  return { key: join(dir, "sa.key"), pub: join(dir, "sa.pub") };
}

export function createServiceAccountKey(): ServiceAccountKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** The signing key in `dir`, made when neither file exists. */
export function ensureServiceAccountKey(dir: string): ServiceAccountKeyPair {
  const paths = serviceAccountKeyPaths(dir);
  const [haveKey, havePub] = [existsSync(paths.key), existsSync(paths.pub)];
  if (haveKey && havePub) return { privateKey: readFileSync(paths.key, "utf8"), publicKey: readFileSync(paths.pub, "utf8") };
  if (haveKey !== havePub) {
    const [have, missing] = haveKey ? [paths.key, paths.pub] : [paths.pub, paths.key];
    throw new Error(`${have} exists but ${missing} does not; copy both from the first master (or remove ${have} to make a new service-account signing key)`);
  }
  const made = createServiceAccountKey();
  // The private half first: a public key alone would be taken as a complete pair.
  writeFileAtomic(paths.key, made.privateKey, 0o600);
  writeFileAtomic(paths.pub, made.publicKey, 0o644);
  return made;
}

/** Kubernetes' key id: the SHA-256 of the public key's DER, base64url (keyIDFromPublicKey). */
export function serviceAccountKeyId(publicKeyPem: string | KeyObject): string {
  const key = typeof publicKeyPem === "string" ? createPublicKey(publicKeyPem) : publicKeyPem;
  return createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("base64url");
}

/** Signs JWTs with the private key; the header names the key's id, as kube-apiserver's do. */
export class ServiceAccountTokenSigner {
  private readonly key: Promise<CryptoKey>;
  private readonly keyId: string;

  constructor(pair: ServiceAccountKeyPair) {
    this.key = importPKCS8(pair.privateKey, serviceAccountKeyAlgorithm);
    this.keyId = serviceAccountKeyId(pair.publicKey);
  }

  async sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: serviceAccountKeyAlgorithm, kid: this.keyId }).sign(await this.key);
  }
}

export interface TokenCheck {
  issuer: string;
  /** The token must be for at least one of these. */
  audiences: string[];
  now?: Date;
}

/** Checks JWTs against public keys (the cluster's signing key, and any others the operator trusts). */
export class ServiceAccountTokenVerifier {
  private readonly keys: Promise<Map<string, CryptoKey>>;

  constructor(publicKeys: readonly string[]) {
    this.keys = Promise.all(publicKeys.map(async (pem) => [serviceAccountKeyId(pem), await importSPKI(pem, serviceAccountKeyAlgorithm)] as const)).then((pairs) => new Map(pairs));
  }

  /** The claims of a token signed by one of the keys, for the issuer and an audience, in its lifetime (a minute's leeway, as Kubernetes allows); throws otherwise. */
  async verify(token: string, check: TokenCheck): Promise<JWTPayload> {
    const keys = await this.keys;
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new Error("not a JWT");
    }
    const candidates = kid !== undefined && keys.has(kid) ? [keys.get(kid)!] : [...keys.values()];
    let last: unknown = new Error("no key to check the token with");
    for (const key of candidates) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: check.issuer,
          audience: check.audiences,
          algorithms: [serviceAccountKeyAlgorithm],
          clockTolerance: 60,
          ...(check.now ? { currentDate: check.now } : {}),
        });
        return payload;
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }
}

/** Whether a bearer token looks like a JWT (three base64url parts), so that other authenticators are not asked to parse it. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
