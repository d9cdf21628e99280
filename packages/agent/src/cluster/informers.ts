// What the agent watches of the cluster beyond its own pods (which come over the
// dispatcher's stream): Services, EndpointSlices, Namespaces, NetworkPolicies,
// Ingresses, IngressClasses and Nodes, for the node's DNS, service proxy, policy
// enforcement and ingress proxy (and its status), as kube-proxy and the kubelet watch the API with the node's
// credentials. One client for all of them: with the node's certificate (asked
// before each request, so a renewal is used at once) and failing over between the
// masters in --server.
import { ApiClient, createLogger, SharedInformers, type ClientCredentials, type Informer } from "@bosun/client";
import { mustResource, type EndpointSlice, type Ingress, type IngressClass, type Namespace, type NetworkPolicy, type Node, type Service } from "@bosun/api";
import { ClusterObjects } from "./objects.js";

const log = createLogger("agent/cluster");

export class ClusterInformers {
  readonly services: Informer<Service>;
  readonly endpointSlices: Informer<EndpointSlice>;
  readonly namespaces: Informer<Namespace>;
  readonly networkPolicies: Informer<NetworkPolicy>;
  readonly ingresses: Informer<Ingress>;
  readonly ingressClasses: Informer<IngressClass>;
  readonly nodes: Informer<Node>;
  readonly client: ApiClient;
  /** Single Secrets and ConfigMaps, read when needed rather than watched. */
  readonly objects: ClusterObjects;
  private readonly informers: SharedInformers;
  private readonly listeners = new Set<() => void>();
  private started: Promise<void> | undefined;

  constructor(servers: string[], credentials: () => ClientCredentials, userAgent: string) {
    this.client = new ApiClient({ server: servers, credentials, userAgent });
    this.informers = new SharedInformers(this.client);
    this.objects = new ClusterObjects(this.client);
    this.services = this.informers.for<Service>(mustResource("services"));
    this.endpointSlices = this.informers.for<EndpointSlice>(mustResource("endpointslices"));
    this.namespaces = this.informers.for<Namespace>(mustResource("namespaces"));
    this.networkPolicies = this.informers.for<NetworkPolicy>(mustResource("networkpolicies"));
    this.ingresses = this.informers.for<Ingress>(mustResource("ingresses"));
    this.ingressClasses = this.informers.for<IngressClass>(mustResource("ingressclasses"));
    this.nodes = this.informers.for<Node>(mustResource("nodes"));
    const all = [this.services, this.endpointSlices, this.namespaces, this.networkPolicies, this.ingresses, this.ingressClasses] as Informer<Service | EndpointSlice | Namespace | NetworkPolicy | Ingress | IngressClass>[];
    for (const informer of all) {
      informer.onAdd(() => this.changed()).onUpdate(() => this.changed()).onDelete(() => this.changed());
    }
    // Nodes change with every heartbeat: only their coming and going, and their labels and addresses, count.
    this.nodes
      .onAdd(() => this.changed())
      .onUpdate((old, node) => {
        if (JSON.stringify([old.metadata.labels, old.status?.addresses]) !== JSON.stringify([node.metadata.labels, node.status?.addresses])) this.changed();
      })
      .onDelete(() => this.changed());
  }

  /** Called after every change of any of them (and once synced). */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Starts watching in the background: the agent runs its pods whether or not the API answers. */
  start(): void {
    this.started ??= this.informers.start().then(
      () => {
        log.info({ server: this.client.server }, "watching Services, EndpointSlices, Namespaces, NetworkPolicies, Ingresses and IngressClasses");
        this.changed();
      },
      (err: unknown) => log.error({ err: (err as Error).message }, "could not start watching the cluster's Services; the node's DNS and service proxy stay empty"),
    );
  }

  get synced(): boolean {
    return [this.services, this.endpointSlices, this.namespaces, this.networkPolicies, this.ingresses, this.ingressClasses, this.nodes].every((i) => i.hasSynced());
  }

  async stop(): Promise<void> {
    await this.informers.stop();
    await this.client.close();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
