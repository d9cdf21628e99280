// The Endpoints controller, after Kubernetes' pkg/controller/endpoint: every Service
// with a selector gets an Endpoints object of its name listing the addresses of its
// pods, ready ones in `addresses` and the others in `notReadyAddresses`, and loses it
// when the Service is deleted. Services without a selector are left to whoever
// writes their endpoints (the apiserver, for `kubernetes` in `default`).
import { mustResource, objectKey, semanticEqual, type Endpoints, type EndpointSubset, type Pod, type Service } from "@bosun/api";
import { createLogger, isAlreadyExists, isConflict, isNotFound, type Informer } from "@bosun/client";
import { errorMessage, Expectations, QueueController, type ControllerContext } from "../common/index.js";
import { headlessServiceLabel, isServiceIPSet, selectedPods, serviceSelector } from "./pod-endpoints.js";
import { watchServicePods } from "./service-membership.js";
import { desiredSubsets, truncateSubsets } from "./subsets.js";

const log = createLogger("controllers/endpoints");

const podsRes = mustResource("pods");
const servicesRes = mustResource("services");
const endpointsRes = mustResource("endpoints");

/** Set on an Endpoints object cut down to its capacity (v1.EndpointsOverCapacity). */
export const overCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
/** Endpoints that hold a leader-election record belong to no Service and are never deleted. */
const leaderElectionAnnotation = "control-plane.alpha.kubernetes.io/leader";
/** How soon a Service is looked at again when the informer has not yet shown this controller's last write. */
const staleCacheRetryMs = 100;

export interface EndpointsControllerOptions {
  /** Services synced at once (Kubernetes' --concurrent-endpoint-syncs, 5). */
  workers?: number;
}

export class EndpointsController extends QueueController {
  readonly name = "endpoints";
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  /**
   * The resourceVersion each Endpoints had before this controller last replaced it:
   * while the informer still shows that version it is behind, and acting on it would
   * only lose a conflict (staleEndpointsTracker).
   */
  private readonly replacedVersions = new Map<string, string>();
  /** Endpoints this controller created and its informer has not shown yet: creating them again would only fail. */
  private readonly creations: Expectations;

  constructor(ctx: ControllerContext, opts: EndpointsControllerOptions = {}) {
    super(ctx, opts.workers ?? 5);
    this.creations = new Expectations(this.now);
    this.services = ctx.informers.for<Service>(servicesRes);
    this.pods = ctx.informers.for<Pod>(podsRes);
    this.endpoints = ctx.informers.for<Endpoints>(endpointsRes);
    const enqueue = (obj: Service) => this.queue.add(objectKey(obj));
    this.services.onAdd(enqueue).onUpdate((_old, svc) => enqueue(svc)).onDelete(enqueue);
    watchServicePods(this.pods, this.services, (key) => this.queue.add(key));
    // Someone else changed or deleted a Service's Endpoints: put them back. Endpoints
    // of no Service are left for the startup sweep, as Kubernetes leaves them.
    const repair = (ep: Endpoints) => {
      const key = objectKey(ep);
      if (this.services.get(key)) this.queue.add(key);
    };
    this.endpoints
      .onAdd((ep) => this.creations.creationObserved(objectKey(ep)))
      .onUpdate((_old, ep) => repair(ep))
      .onDelete(repair);
  }

  override async run(): Promise<void> {
    // Endpoints whose Service was deleted while no controller ran (checkLeftoverEndpoints).
    for (const ep of this.endpoints.list()) this.queue.add(objectKey(ep));
    await super.run();
  }

  protected async sync(key: string): Promise<void> {
    const service = this.services.get(key);
    if (!service) {
      await this.deleteOrphan(key);
      return;
    }
    const selector = serviceSelector(service);
    if (!selector) return;
    const current = this.endpoints.get(key);
    // The informer has not shown this controller's last write yet: acting now would only lose a conflict.
    const behind = current ? this.replacedVersions.get(key) === current.metadata.resourceVersion : !this.creations.satisfied(key);
    if (behind) {
      this.queue.addAfter(key, staleCacheRetryMs);
      return;
    }
    const pods = selectedPods(service, selector, this.pods.list());
    const { subsets, truncated } = truncateSubsets(desiredSubsets(service, pods));
    const labels = endpointsLabels(service);
    const annotations = { ...(current?.metadata.annotations ?? {}) };
    if (truncated) annotations[overCapacityAnnotation] = "truncated";
    else delete annotations[overCapacityAnnotation];

    if (!current) {
      await this.create(service, { apiVersion: "v1", kind: "Endpoints", metadata: { name: service.metadata.name, namespace: service.metadata.namespace, labels }, subsets });
      return;
    }
    if (
      semanticEqual(withoutReferenceVersions(current.subsets ?? []), subsets) &&
      semanticEqual(current.metadata.labels ?? {}, labels) &&
      semanticEqual(current.metadata.annotations ?? {}, annotations)
    ) {
      return;
    }
    const next: Endpoints = { ...current, metadata: { ...current.metadata, labels, annotations }, subsets };
    let written: Endpoints;
    try {
      written = await this.ctx.client.update<Endpoints>(endpointsRes, next);
    } catch (err) {
      // A conflict only says the informer is behind: the retry decides again on what won.
      if (!isConflict(err)) this.ctx.recorder.event(service, "Warning", "FailedToUpdateEndpoint", `Failed to update endpoint ${key}: ${errorMessage(err)}`);
      throw err;
    }
    if (written.metadata.resourceVersion !== current.metadata.resourceVersion) {
      this.replacedVersions.set(key, current.metadata.resourceVersion ?? "");
    }
  }

  private async create(service: Service, endpoints: Endpoints): Promise<void> {
    const key = objectKey(service);
    this.creations.expect(key, 1, 0);
    try {
      await this.ctx.client.create<Endpoints>(endpointsRes, endpoints);
    } catch (err) {
      this.creations.lowerExpectations(key, 1, 0);
      // Already there (this controller's own create, not yet in the informer, or someone else's): the retry updates it.
      if (!isAlreadyExists(err)) {
        this.ctx.recorder.event(service, "Warning", "FailedToCreateEndpoint", `Failed to create endpoint for service ${key}: ${errorMessage(err)}`);
      }
      throw err;
    }
  }

  /** The Service is gone: so are its Endpoints, once the API confirms the Service is really gone. */
  private async deleteOrphan(key: string): Promise<void> {
    this.replacedVersions.delete(key);
    this.creations.delete(key);
    const slash = key.indexOf("/");
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const cached = this.endpoints.get(key);
    if (cached?.metadata.annotations?.[leaderElectionAnnotation] !== undefined) return;
    // The informers of Services and Endpoints follow separate watches: an Endpoints
    // object may show up before the Service written just before it.
    try {
      await this.ctx.client.get<Service>(servicesRes, name, namespace);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.ctx.client.delete(endpointsRes, name, { namespace, ...(cached?.metadata.uid ? { preconditions: { uid: cached.metadata.uid } } : {}) });
      log.debug({ endpoints: key }, "deleted the Endpoints of a deleted Service");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The Service's labels, marked headless when it has no virtual IP. */
function endpointsLabels(service: Service): Record<string, string> {
  const labels = { ...(service.metadata.labels ?? {}) };
  if (isServiceIPSet(service)) delete labels[headlessServiceLabel];
  else labels[headlessServiceLabel] = "";
  return labels;
}

/** A pod's resourceVersion in a targetRef changes with every pod write and means nothing to endpoints. */
function withoutReferenceVersions(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const strip = <A extends { targetRef?: { resourceVersion?: string } }>(a: A): A => {
    if (a.targetRef?.resourceVersion === undefined) return a;
    const { resourceVersion: _rv, ...targetRef } = a.targetRef;
    return { ...a, targetRef };
  };
  return subsets.map((s) => ({
    ...s,
    ...(s.addresses ? { addresses: s.addresses.map(strip) } : {}),
    ...(s.notReadyAddresses ? { notReadyAddresses: s.notReadyAddresses.map(strip) } : {}),
  }));
}
