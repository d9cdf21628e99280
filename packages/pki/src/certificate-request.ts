// Certificate signing requests: an agent makes its own key and sends only the
// request, so a node's private key never leaves the node.
import { generateKeyPair, keyAlgorithm, privateKeyPem, x509 } from "./crypto.js";
import { subjectName } from "./certificate.js";

export interface CertificateRequest {
  /** PEM "CERTIFICATE REQUEST". */
  csr: string;
  /** PEM private key; stays with whoever made the request. */
  key: string;
}

export async function createCertificateRequest(commonName: string, organizations: readonly string[] = []): Promise<CertificateRequest> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(commonName, organizations),
    keys,
    signingAlgorithm: keyAlgorithm,
  });
  return { csr: csr.toString("pem"), key: await privateKeyPem(keys.privateKey) };
}

/** Parses a CSR and checks its self-signature, so the requester holds the key it names. */
export async function readCertificateRequest(pem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new Error(`the certificate request is not a PEM "CERTIFICATE REQUEST" (${(err as Error).message})`);
  }
  if (!(await csr.verify())) throw new Error("the certificate request's signature does not match its public key");
  return csr;
}
