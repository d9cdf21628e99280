// When a certificate is due for renewal: like the kubelet's rotation, once most of
// its lifetime has passed, so there is time to retry before it expires.
import { X509Certificate } from "node:crypto";

/** The part of a certificate's lifetime after which it is renewed. */
export const renewAfterFraction = 0.7;

export function certificateLifetime(pem: string): { notBefore: Date; notAfter: Date } {
  const cert = new X509Certificate(pem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** The moment from which the certificate should be replaced. */
export function renewalTime(pem: string, fraction = renewAfterFraction): Date {
  const { notBefore, notAfter } = certificateLifetime(pem);
  return new Date(notBefore.getTime() + (notAfter.getTime() - notBefore.getTime()) * fraction);
}

export function renewalDue(pem: string, now: Date, fraction = renewAfterFraction): boolean {
  return now.getTime() >= renewalTime(pem, fraction).getTime();
}

/** Whether `pem` was signed by the CA certificate `caPem`. */
export function signedBy(pem: string, caPem: string): boolean {
  try {
    return new X509Certificate(pem).verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}

/** The DNS names and IP addresses a certificate is valid for. */
export function certificateSans(pem: string): string[] {
  const text = new X509Certificate(pem).subjectAltName ?? "";
  return text
    .split(",")
    .map((s) => s.trim())
    .map((s) => s.replace(/^(DNS|IP Address):/, ""))
    .filter((s) => s !== "");
}
