// The `kubernetes` Service in `default`, through which pods find the API, kept by every
// apiserver as Kubernetes' lease endpoint reconciler does (pkg/controlplane/reconcilers):
// each apiserver holds a key with a short etcd lease under {root}-masterleases/, renewed
// while it runs, and sets the Service's Endpoints and EndpointSlice to the addresses of
// every key present. A master that stops deletes its key; one that dies drops out when
// its lease expires. The Service has the first address of the service range and no
// selector, so the endpoint controllers leave it alone.
import type { Etcd3, Lease } from "etcd3";
import { createLogger } from "@bosun/client";
import { mustResource, parseIp, type EndpointSlice, type Endpoints, type KubeObject, type Service } from "@bosun/api";
import { StatusError } from "./errors.js";
import type { Registry } from "./registry/registry.js";
import { prefixEnd } from "./storage/keys.js";

const log = createLogger("apiserver/kubernetes-service");

const services = mustResource("services");
const endpoints = mustResource("endpoints");
const endpointSlices = mustResource("endpointslices");

/** Kubernetes' defaults: a lease of 15 s, renewed and reconciled every 10 s. */
const leaseTtlSeconds = 15;
const reconcileIntervalMs = 10_000;

export interface AdvertisedEndpoint {
  /** The address pods reach this apiserver at (--advertise-address). */
  address: string;
  port: number;
}

export class KubernetesService {
  private readonly prefix: string;
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly etcd: Etcd3,
    private readonly registry: Registry,
    root: string,
    private readonly self: AdvertisedEndpoint,
    private readonly clusterIP: string,
  ) {
    this.prefix = `${root}-masterleases/`;
  }

  async start(): Promise<void> {
    if (isLoopback(this.self.address)) {
      log.warn(
        { address: this.self.address },
        "the API is advertised on a loopback address, which pods cannot reach: the kubernetes Service gets no endpoint from this master; " +
          "listen on and pass --advertise-address with an address pods can reach",
      );
    }
    try {
      await this.reconcile();
    } catch (err) {
      log.warn({ err: (err as Error).message }, "could not update the kubernetes Service's endpoints; trying again in 10 s");
    }
    this.timer = setInterval(() => {
      this.reconcile().catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not update the kubernetes Service's endpoints; trying again in 10 s"));
    }, reconcileIntervalMs);
    this.timer.unref();
  }

  /** Takes this apiserver out of the endpoints at once, rather than when its lease expires. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.etcd.delete().key(this.key);
      await this.lease?.revoke();
      await this.writeEndpoints(await this.addresses());
    } catch (err) {
      log.warn({ err: (err as Error).message }, "could not remove this apiserver from the kubernetes Service's endpoints; it drops out when its lease expires");
    }
  }

  private get key(): string {
    return `${this.prefix}${this.self.address}`;
  }

  async reconcile(): Promise<void> {
    await this.ensureService();
    // Kubernetes refuses loopback endpoints: such a master is not listed.
    if (isLoopback(this.self.address)) return;
    if (!this.lease || this.lease.revoked()) {
      this.lease = this.etcd.lease(leaseTtlSeconds, { autoKeepAlive: true });
      this.lease.on("lost", (err: Error) => {
        log.warn({ err: err.message }, "this apiserver's endpoint lease was lost; it is granted again at the next reconcile");
        this.lease = undefined;
      });
    }
    await this.lease.put(this.key).value(String(this.self.port));
    await this.writeEndpoints(await this.addresses());
  }

  /** Every live apiserver's address and port, sorted so that every master writes the same. */
  private async addresses(): Promise<{ ip: string; port: number }[]> {
    const res = await this.etcd.kv.range({ key: Buffer.from(this.prefix), range_end: prefixEnd(this.prefix) });
    return res.kvs
      .map((kv) => ({ ip: kv.key.toString("utf8").slice(this.prefix.length), port: Number(kv.value.toString("utf8")) }))
      .filter((a) => Number.isInteger(a.port) && a.port > 0)
      .sort((a, b) => a.ip.localeCompare(b.ip));
  }

  private async ensureService(): Promise<void> {
    const want: Service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: {
        type: "ClusterIP",
        clusterIP: this.clusterIP,
        ports: [{ name: "https", protocol: "TCP", port: 443, targetPort: this.self.port }],
        sessionAffinity: "None",
      },
    };
    if (await this.exists(services, "kubernetes")) return;
    await this.createIgnoringExists(services, want);
  }

  private async writeEndpoints(addresses: { ip: string; port: number }[]): Promise<void> {
    // All masters serve on one port in practice; each address carries its own as Kubernetes' does not need to.
    const port = addresses[0]?.port ?? this.self.port;
    const labels = { "endpointslice.kubernetes.io/skip-mirror": "true" };
    const ep: Endpoints = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "kubernetes", namespace: "default", labels },
      subsets: addresses.length === 0 ? [] : [{ addresses: addresses.map((a) => ({ ip: a.ip })), ports: [{ name: "https", port, protocol: "TCP" }] }],
    };
    const slice: EndpointSlice = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "kubernetes", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes" } },
      addressType: "IPv4",
      endpoints: addresses.map((a) => ({ addresses: [a.ip], conditions: { ready: true } })),
      ports: [{ name: "https", port, protocol: "TCP" }],
    };
    await this.put(endpoints, ep, (cur) => ({ ...cur, subsets: ep.subsets }) as KubeObject);
    await this.put(endpointSlices, slice, (cur) => ({ ...cur, endpoints: slice.endpoints, ports: slice.ports, addressType: slice.addressType }) as KubeObject);
  }

  /** Creates the object, or brings the stored one to it (an unchanged one is not written). */
  private async put(info: typeof services, object: KubeObject, update: (current: KubeObject) => KubeObject): Promise<void> {
    if (!(await this.exists(info, "kubernetes"))) {
      if (await this.createIgnoringExists(info, object)) return;
    }
    await this.registry.update(info, "default", "kubernetes", update, undefined, { dryRun: false });
  }

  private async exists(info: typeof services, name: string): Promise<boolean> {
    try {
      await this.registry.get(info, "default", name, false);
      return true;
    } catch (err) {
      if (err instanceof StatusError && err.status.reason === "NotFound") return false;
      throw err;
    }
  }

  /** false when another master created it first. */
  private async createIgnoringExists(info: typeof services, object: KubeObject): Promise<boolean> {
    try {
      await this.registry.create(info, object, { dryRun: false });
      return true;
    } catch (err) {
      if (err instanceof StatusError && err.status.reason === "AlreadyExists") return false;
      throw err;
    }
  }
}

function isLoopback(address: string): boolean {
  const ip = parseIp(address);
  return ip !== undefined && (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n);
}
