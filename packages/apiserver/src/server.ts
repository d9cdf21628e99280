// The API server: etcd connection, watch cache, registry and HTTP, wired together.
import { Etcd3, type IOptions } from "etcd3";
import { createLogger, sleep } from "@bosun/client";
import { buildApp, type TlsOptions } from "./http/app.js";
import { RequestGate } from "./auth/gate.js";
import { NodeCertificateSigner } from "./auth/node-certificates.js";
import { ServiceAccountTokenSigner, ServiceAccountTokenVerifier, type Identity, type KeyPair, type ServiceAccountKeyPair } from "@bosun/pki";
import type { PodLogSource } from "./http/logs.js";
import type { PodStreamSource } from "./http/streaming/source.js";
import { Registry } from "./registry/registry.js";
import { Compactor } from "./storage/compactor.js";
import { LeaseManager } from "./storage/leases.js";
import { Store } from "./storage/store.js";
import type { EncryptionConfiguration } from "./storage/value/encryption-config.js";
import { followEncryptionConfigFile } from "./storage/value/encryption-config-file.js";
import { WatchCache } from "./storage/cacher/watch-cache.js";
import { mustResource, parseCidr, resources, type ServiceAccount } from "@bosun/api";
import { defaultServiceAccountIssuer, ServiceAccountTokenAuthenticator, type ServiceAccountTokenSettings } from "./auth/service-account-tokens.js";
import { StatusError } from "./errors.js";
import { ServiceAccountAdmission } from "./registry/service-account-admission.js";
import { ServiceAllocator, type ServiceRanges } from "./registry/service-allocation.js";
import { KubernetesService } from "./kubernetes-service.js";
import { ensureIngressClass } from "./ingress-class.js";
import { ensureSystemPriorityClasses } from "./system-priority-classes.js";

const log = createLogger("apiserver");

/** Namespaces every cluster has, as in Kubernetes. */
export const systemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** TLS towards etcd: the CA that signed etcd's certificate, and this client's certificate and key (PEM). */
export interface EtcdTls {
  ca: string;
  cert?: string;
  key?: string;
}

export interface ApiServerOptions {
  etcdEndpoints: string[];
  etcdTls?: EtcdTls;
  /** HTTPS: the serving certificate and the CA of client certificates. */
  tls: TlsOptions;
  /** Bearer tokens of --token-auth-file. */
  staticTokens?: Map<string, Identity>;
  /** The cluster CA and how long node certificates last; without it agents cannot join through this server. */
  nodeCertificates?: { ca: KeyPair; validityMs: number };
  /** Key prefix in etcd, like "/registry". */
  prefix: string;
  logSource?: PodLogSource;
  /** Where exec, attach and port-forward reach pods (the master's agent client). */
  streamSource?: PodStreamSource;
  /** Events kept per resource for watches that resume from a recent revision (default 1000). */
  watchCacheSize?: number;
  /** Seconds between compactions of etcd's history (default 300, as kube-apiserver --etcd-compaction-interval=5m); 0 turns them off. */
  etcdCompactionIntervalSeconds?: number;
  /** How long an Event lives after its last write (default 3600, as kube-apiserver --event-ttl=1h). */
  eventTtlSeconds?: number;
  /** Where Services' cluster IPs and node ports come from (default 10.96.0.0/12 and 30000-32767, as Kubernetes). */
  serviceRanges?: ServiceRanges;
  /**
   * The address pods reach this apiserver at (--advertise-address), on the port it
   * listens on: it joins the `kubernetes` Service's endpoints while it serves.
   * Without it (tests of other things) the Service is not kept.
   */
  advertiseAddress?: string;
  /**
   * Encryption at rest (--encryption-provider-config): the configuration, and the
   * file it came from, followed so that a changed file takes effect at once.
   * Without it values are stored as they are.
   */
  encryption?: { config: EncryptionConfiguration; file?: string };
  /**
   * Service accounts: the key that signs their tokens (every master's must be the
   * same), the issuer (default https://kubernetes.default.svc.cluster.local) and the
   * API's audiences (default: the issuer). With it the ServiceAccount admission of
   * pods runs, serviceaccounts/{name}/token issues tokens and bearer tokens may be
   * service-account JWTs. Without it (tests of other things) pods keep the account
   * they name and no token is issued or accepted.
   */
  serviceAccounts?: { signingKey: ServiceAccountKeyPair; issuer?: string; audiences?: string[] };
}

export const defaultServiceRanges: ServiceRanges = { clusterIps: parseCidr("10.96.0.0/12"), nodePorts: { min: 30000, max: 32767 } };

export interface ApiServer {
  /** Starts serving HTTP; port 0 picks a free port. */
  listen(host: string, port: number): Promise<{ port: number }>;
  close(): Promise<void>;
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const eventTtlSeconds = opts.eventTtlSeconds ?? 3600;
  if (!Number.isInteger(eventTtlSeconds) || eventTtlSeconds < 1) {
    throw new Error(`eventTtlSeconds must be a whole number of seconds, 1 or more; got ${eventTtlSeconds}`);
  }
  const compactionSeconds = opts.etcdCompactionIntervalSeconds ?? 300;
  if (!Number.isFinite(compactionSeconds) || compactionSeconds < 0) {
    throw new Error(`etcdCompactionIntervalSeconds must be 0 (off) or more seconds; got ${compactionSeconds}`);
  }
  const etcd = new Etcd3(etcdClientOptions(opts.etcdEndpoints, opts.etcdTls));
  const store = new Store(etcd, opts.prefix, opts.encryption?.config);
  const stopFollowing = opts.encryption?.file ? followEncryptionConfigFile(opts.encryption.file, (config) => store.encryption?.replace(config)) : undefined;
  const cache = new WatchCache(store, resources, opts.watchCacheSize ?? 1000);
  try {
    await cache.start();
  } catch (err) {
    cache.stop();
    stopFollowing?.();
    etcd.close();
    throw new Error(
      `cannot reach etcd at ${opts.etcdEndpoints.join(",")}: ${(err as Error).message}; start etcd or fix --etcd-servers`,
    );
  }
  try {
    await store.checkEncryptedValues();
  } catch (err) {
    cache.stop();
    stopFollowing?.();
    etcd.close();
    throw err;
  }
  await store.repairIndexes();
  const services = new ServiceAllocator(store, opts.serviceRanges ?? defaultServiceRanges);
  const serviceAccountAdmission = opts.serviceAccounts
    ? new ServiceAccountAdmission({
        getServiceAccount: (namespace, name) => lookupServiceAccount(registry, namespace, name),
        sleep,
      })
    : undefined;
  const registry: Registry = new Registry(store, cache, new LeaseManager(etcd, eventTtlSeconds), services, serviceAccountAdmission);
  for (const name of systemNamespaces) await registry.ensureNamespace(name);
  await ensureIngressClass(registry);
  await ensureSystemPriorityClasses(registry);
  let kubernetesService: KubernetesService | undefined;
  const compactor = new Compactor(etcd, compactionSeconds * 1000);
  if (compactionSeconds > 0) compactor.start();
  const serviceAccountTokens = serviceAccountTokenSettings(opts.serviceAccounts);
  const gate = new RequestGate({
    registry,
    staticTokens: opts.staticTokens,
    ...(serviceAccountTokens ? { serviceAccountTokens: new ServiceAccountTokenAuthenticator(serviceAccountTokens, registry) } : {}),
  });
  const nodeCertificates = opts.nodeCertificates ? new NodeCertificateSigner(opts.nodeCertificates) : undefined;
  const app = buildApp(
    { registry, logSource: opts.logSource, streamSource: opts.streamSource, ...(serviceAccountTokens ? { serviceAccountTokens } : {}) },
    { tls: opts.tls, gate, nodeCertificates },
  );
  let closed = false;
  return {
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      log.info({ host, port: bound }, "apiserver listening");
      if (opts.advertiseAddress) {
        kubernetesService = new KubernetesService(etcd, registry, store.keys.root, { address: opts.advertiseAddress, port: bound }, services.apiServiceIP);
        await kubernetesService.start();
      }
      return { port: bound };
    },
    async close() {
      if (closed) return;
      closed = true;
      compactor.stop();
      stopFollowing?.();
      // Watches end first: the kubernetes Service's last write below would otherwise go
      // to watchers whose clients have left, and the server's close waited 70 s for them.
      cache.stop();
      await kubernetesService?.stop();
      await app.close();
      etcd.close();
    },
  };
}

function serviceAccountTokenSettings(opts: ApiServerOptions["serviceAccounts"]): ServiceAccountTokenSettings | undefined {
  if (!opts) return undefined;
  const issuer = opts.issuer ?? defaultServiceAccountIssuer;
  return {
    issuer,
    audiences: opts.audiences ?? [issuer],
    signer: new ServiceAccountTokenSigner(opts.signingKey),
    verifier: new ServiceAccountTokenVerifier([opts.signingKey.publicKey]),
  };
}

/** A ServiceAccount as admission reads it: from the watch cache when it has it (as Kubernetes' lister), else from etcd. */
async function lookupServiceAccount(registry: Registry, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  try {
    return (await registry.get(mustResource("serviceaccounts"), namespace, name, true)) as ServiceAccount;
  } catch (err) {
    if (err instanceof StatusError && err.status.code === 404) return undefined;
    throw err;
  }
}

/** How long one etcd request may take before it is tried on another member. */
const etcdCallTimeoutMs = 5_000;

/** etcd3's options for a list of endpoints, with TLS when a CA is given. */
export function etcdClientOptions(endpoints: string[], tls?: EtcdTls): IOptions {
  const options: IOptions = {
    hosts: endpoints,
    dialTimeout: 5000,
    // A member that dies without closing its connections (a host gone, a network
    // cut) would hold a call forever; with a deadline the call fails, counts as
    // recoverable, and etcd3's retry moves it to another member.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + etcdCallTimeoutMs }),
    // Keepalives find a dead member under a watch stream, which has no deadline;
    // etcd accepts pings every 5 s or slower (--grpc-keepalive-min-time).
    grpcOptions: { "grpc.keepalive_time_ms": 10_000, "grpc.keepalive_timeout_ms": 5_000, "grpc.keepalive_permit_without_calls": 1 },
  };
  if (tls) {
    options.credentials = {
      rootCertificate: Buffer.from(tls.ca),
      ...(tls.cert && tls.key ? { certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key) } : {}),
    };
  }
  return options;
}
