// How a client proves who it is and knows whom it talks to: the CA that signed
// the server's certificate, a client certificate and key, or a bearer token —
// the fields of a kubeconfig user and cluster, as PEM text.
import { Agent, type Dispatcher } from "undici";

export interface ClientCredentials {
  /** PEM of the CA that signed the server's certificate; the system's CAs when absent. */
  ca?: string;
  /** PEM client certificate and its key, for mutual TLS. */
  cert?: string;
  key?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Accept any server certificate (kubeconfig's insecure-skip-tls-verify). */
  insecureSkipTlsVerify?: boolean;
}

/** TLS options (tls.connect's) that present the credentials' certificate and trust their CA. */
export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export function tlsOptions(creds: ClientCredentials): TlsOptions {
  return {
    ...(creds.ca ? { ca: creds.ca } : {}),
    ...(creds.cert && creds.key ? { cert: creds.cert, key: creds.key } : {}),
    rejectUnauthorized: !creds.insecureSkipTlsVerify,
  };
}

/** An HTTP dispatcher that presents the credentials' certificate and trusts their CA. */
export function tlsDispatcher(creds: ClientCredentials): Dispatcher | undefined {
  if (!creds.ca && !creds.cert && !creds.insecureSkipTlsVerify) return undefined;
  return new Agent({ connect: tlsOptions(creds) });
}

/** Headers that carry the credentials' bearer token, if any. */
export function authorizationHeaders(creds: ClientCredentials): Record<string, string> {
  return creds.token ? { authorization: `Bearer ${creds.token}` } : {};
}
