// The node's credentials while the agent runs: channel credentials for each new
// session with a master, server credentials for AgentService that follow the
// certificate as it is renewed, and the renewal itself — at 70% of the
// certificate's lifetime, through any master, retried with back-off, without
// touching a pod or a session that is already up.
import { credentials as grpcCredentials, experimental, type ChannelCredentials, type ServerCredentials } from "@grpc/grpc-js";
import { Backoff, createLogger, type ClientCredentials } from "@bosun/client";
import { certificateLifetime, parseJoinToken, renewalTime } from "@bosun/pki";
import { joinCluster, requestNodeCertificate } from "./join.js";
import type { IdentityStore, NodeIdentity } from "./store.js";

const log = createLogger("agent/identity");

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface NodeCredentialsOptions {
  nodeName: string;
  /** The masters' API URLs, for renewal. */
  servers: string[];
  store: IdentityStore;
  now?: () => Date;
}

export class NodeCredentials implements experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 60_000 });
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private identity: NodeIdentity,
    private readonly opts: NodeCredentialsOptions,
  ) {}

  get current(): NodeIdentity {
    return this.identity;
  }

  /** For one session with a master: a fresh object, so a renewed certificate is used from the next session on. */
  channelCredentials(): ChannelCredentials {
    const { ca, key, cert } = this.identity;
    return grpcCredentials.createSsl(Buffer.from(ca), Buffer.from(key), Buffer.from(cert));
  }

  /** For the API: the node's current certificate; asked before each request, so a renewal is used at once. */
  apiCredentials(): ClientCredentials {
    const { ca, key, cert } = this.identity;
    return { ca, cert, key };
  }

  /** For AgentService: mutual TLS that picks up renewed certificates without a restart. */
  serverCredentials(): ServerCredentials {
    return experimental.createCertificateProviderServerCredentials(this, this, true);
  }

  // The first update goes out on the next tick, as grpc-js's own file provider does:
  // grpc-js registers its watcher only after adding these listeners, so an update
  // given at once would be lost and the server would drop every connection.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(listener, { caCertificate: Buffer.from(this.identity.ca) });
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(listener, { certificate: Buffer.from(this.identity.cert), privateKey: Buffer.from(this.identity.key) });
  }
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /** Schedules renewals until stop(). */
  startRenewal(): void {
    this.schedule(renewalTime(this.identity.cert).getTime() - this.now().getTime());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Gets a new certificate (and key) from the first master that signs one, stores it and hands it on. */
  async renew(): Promise<void> {
    const problems: string[] = [];
    for (const server of this.opts.servers) {
      try {
        const renewed = await requestNodeCertificate(server, this.identity.ca, this.opts.nodeName, { cert: this.identity.cert, key: this.identity.key });
        this.opts.store.save(renewed);
        this.identity = renewed;
        for (const l of this.identityListeners) l({ certificate: Buffer.from(renewed.cert), privateKey: Buffer.from(renewed.key) });
        log.info({ node: this.opts.nodeName, notAfter: certificateLifetime(renewed.cert).notAfter.toISOString() }, "renewed the node certificate");
        return;
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    throw new Error(problems.join("; "));
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // setTimeout holds at most ~24.8 days; a longer wait is taken in steps.
    const step = Math.min(Math.max(0, delayMs), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      if (step < delayMs) return this.schedule(delayMs - step);
      this.renew().then(
        () => {
          this.backoff.reset();
          this.startRenewal();
        },
        (err: Error) => {
          const retry = this.backoff.next();
          log.warn({ err: err.message, retryInMs: retry }, "could not renew the node certificate; pods keep running, retrying");
          this.schedule(retry);
        },
      );
    }, step);
    this.timer.unref();
  }
}

export interface ObtainOptions {
  nodeName: string;
  servers: string[];
  /** The join token (K10...); needed only while the node has no certificate. */
  token?: string;
  store: IdentityStore;
  now?: () => Date;
}

/** The node's stored identity, or a new one by joining with the token. */
export async function obtainNodeCredentials(opts: ObtainOptions): Promise<NodeCredentials> {
  const now = opts.now?.() ?? new Date();
  let identity = opts.store.load(opts.nodeName);
  if (identity && certificateLifetime(identity.cert).notAfter.getTime() <= now.getTime()) {
    if (!opts.token) {
      throw new Error(
        `the node certificate in ${opts.store.dataDir}/pki expired on ${certificateLifetime(identity.cert).notAfter.toISOString()}; ` +
          "join again: create a token with 'bosun token create' on a master and pass it with --token",
      );
    }
    log.warn({ node: opts.nodeName }, "the node certificate has expired; joining again with the token");
    identity = undefined;
  }
  if (!identity) {
    if (!opts.token) {
      throw new Error(`node "${opts.nodeName}" has not joined a cluster yet (nothing in ${opts.store.dataDir}/pki); pass --token, from 'bosun token create' on a master`);
    }
    identity = await joinCluster(opts.servers, parseJoinToken(opts.token), opts.nodeName);
    opts.store.save(identity);
    log.info({ node: opts.nodeName }, "joined the cluster: node certificate stored");
  }
  return new NodeCredentials(identity, { nodeName: opts.nodeName, servers: opts.servers, store: opts.store, ...(opts.now ? { now: opts.now } : {}) });
}
