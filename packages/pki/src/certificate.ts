// Certificates of the cluster: the CA and the leaf certificates it signs. A leaf
// is described by who it is (CN = user, O = groups, as Kubernetes reads client
// certificates) and where it serves (DNS names and IP addresses).
import { isIP } from "node:net";
import { generateKeyPair, importPrivateKeyPem, keyAlgorithm, privateKeyPem, randomSerial, x509 } from "./crypto.js";

export type Usage = "server" | "client";

export interface CertificateSpec {
  commonName: string;
  organizations?: string[];
  /** Subject alternative names: host names and IP addresses, mixed. */
  sans?: string[];
  usages: Usage[];
  validityMs: number;
}

/** A certificate with its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

const day = 86_400_000;
export const caValidityMs = 3650 * day;
export const leafValidityMs = 365 * day;
/**
 * Certificates start this far in the past, so a host whose clock lags a little
 * still accepts them: 5 minutes, but never more than a tenth of the lifetime, or a
 * short-lived certificate would be due for renewal the moment it is made.
 */
function backdateMs(validityMs: number): number {
  return Math.min(5 * 60_000, Math.floor(validityMs / 10));
}

function escapeRdn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, "\\$1");
}

export function subjectName(commonName: string, organizations: readonly string[] = []): string {
  return [`CN=${escapeRdn(commonName)}`, ...organizations.map((o) => `O=${escapeRdn(o)}`)].join(", ");
}

function sanExtension(sans: readonly string[]): x509.SubjectAlternativeNameExtension {
  const names = [...new Set(sans.filter((s) => s !== ""))].map((s) => ({ type: isIP(s) ? ("ip" as const) : ("dns" as const), value: s }));
  return new x509.SubjectAlternativeNameExtension(names);
}

function usageExtensions(usages: readonly Usage[]): x509.Extension[] {
  const eku = usages.map((u) => (u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(eku),
  ];
}

export async function createCertificateAuthority(commonName: string, validityMs = caValidityMs, now = new Date()): Promise<KeyPair> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subjectName(commonName),
    notBefore: new Date(now.getTime() - backdateMs(validityMs)),
    notAfter: new Date(now.getTime() + validityMs),
    keys,
    signingAlgorithm: keyAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString("pem"), key: await privateKeyPem(keys.privateKey) };
}

/** Signs a certificate for `publicKey` (a CSR's) or for a new key pair made here. */
export async function signCertificate(ca: KeyPair, spec: CertificateSpec, publicKey?: x509.PublicKey, now = new Date()): Promise<KeyPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signingKey = await importPrivateKeyPem(ca.key);
  let keyPem = "";
  let subjectKey: x509.PublicKey | CryptoKey;
  if (publicKey) {
    subjectKey = publicKey;
  } else {
    const keys = await generateKeyPair();
    subjectKey = keys.publicKey;
    keyPem = await privateKeyPem(keys.privateKey);
  }
  const extensions: x509.Extension[] = [
    ...usageExtensions(spec.usages),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (spec.sans && spec.sans.length > 0) extensions.push(sanExtension(spec.sans));
  const notAfter = Math.min(now.getTime() + spec.validityMs, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subjectName(spec.commonName, spec.organizations),
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - backdateMs(spec.validityMs)),
    notAfter: new Date(notAfter),
    signingKey,
    publicKey: subjectKey,
    signingAlgorithm: keyAlgorithm,
    extensions,
  });
  return { cert: cert.toString("pem"), key: keyPem };
}
