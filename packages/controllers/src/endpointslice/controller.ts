// The EndpointSlice controller, after Kubernetes' pkg/controller/endpointslice: the
// endpoints of every Service with a selector, in slices of at most 100 labelled
// kubernetes.io/service-name and managed-by this controller, owned by the Service so
// the garbage collector removes them with it. Slices of other managers, and Services
// without a selector, are never touched.
import { mustResource, objectKey, type EndpointSlice, type Node, type Pod, type Service } from "@bosun/api";
import { createLogger, isConflict, isNotFound, type Informer } from "@bosun/client";
import { errorMessage, QueueController, type ControllerContext } from "../common/index.js";
import { selectedPods, serviceSelector } from "../endpoints/pod-endpoints.js";
import { watchServicePods } from "../endpoints/service-membership.js";
import { isManagedSlice, serviceKeyOfSlice } from "./labels.js";
import { defaultMaxEndpointsPerSlice, desiredGroups, planSlices, type SlicePlan } from "./reconcile.js";
import { EndpointSliceTracker } from "./tracker.js";

const log = createLogger("controllers/endpointslice");

const podsRes = mustResource("pods");
const servicesRes = mustResource("services");
const nodesRes = mustResource("nodes");
const endpointSlicesRes = mustResource("endpointslices");

/** The node label naming its zone, copied onto endpoints. */
const zoneLabel = "topology.kubernetes.io/zone";
/** A slice changed by someone else is looked at after this long, so a burst of such changes is one sync (endpointSliceChangeMinSyncDelay). */
const sliceChangeSyncDelayMs = 1000;
/** How soon a Service is looked at again when the informer has not yet shown this controller's last writes. */
const staleCacheRetryMs = 100;

export interface EndpointSliceControllerOptions {
  /** Services synced at once (Kubernetes' --concurrent-service-endpoint-syncs, 5). */
  workers?: number;
  /** Kubernetes' --max-endpoints-per-slice, 100. */
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController extends QueueController {
  readonly name = "endpointslice";
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly tracker = new EndpointSliceTracker();
  private readonly maxEndpointsPerSlice: number;

  constructor(ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}) {
    super(ctx, opts.workers ?? 5);
    this.maxEndpointsPerSlice = opts.maxEndpointsPerSlice ?? defaultMaxEndpointsPerSlice;
    if (!Number.isInteger(this.maxEndpointsPerSlice) || this.maxEndpointsPerSlice < 1 || this.maxEndpointsPerSlice > 1000) {
      throw new Error(`maxEndpointsPerSlice is ${this.maxEndpointsPerSlice}: use a whole number from 1 to 1000`);
    }
    this.services = ctx.informers.for<Service>(servicesRes);
    this.pods = ctx.informers.for<Pod>(podsRes);
    this.nodes = ctx.informers.for<Node>(nodesRes);
    this.slices = ctx.informers.for<EndpointSlice>(endpointSlicesRes);
    const enqueue = (svc: Service) => this.queue.add(objectKey(svc));
    this.services.onAdd(enqueue).onUpdate((_old, svc) => enqueue(svc)).onDelete(enqueue);
    watchServicePods(this.pods, this.services, (key) => this.queue.add(key));
    this.slices
      .onAdd((slice) => {
        if (isManagedSlice(slice) && this.tracker.shouldSync(slice)) this.queueForSlice(slice);
      })
      .onUpdate((old, slice) => {
        // Someone moved the slice to another Service: both need a look.
        if (serviceKeyOfSlice(old) !== serviceKeyOfSlice(slice)) {
          this.queueForSlice(old);
          this.queueForSlice(slice);
        } else if (isManagedSlice(old) !== isManagedSlice(slice) || (isManagedSlice(slice) && this.tracker.shouldSync(slice))) {
          this.queueForSlice(slice);
        }
      })
      .onDelete((slice) => {
        if (isManagedSlice(slice) && !this.tracker.deleted(slice)) this.queueForSlice(slice);
      });
  }

  private queueForSlice(slice: EndpointSlice): void {
    const key = serviceKeyOfSlice(slice);
    if (key !== undefined) this.queue.addAfter(key, sliceChangeSyncDelayMs);
  }

  protected async sync(key: string): Promise<void> {
    const service = this.services.get(key);
    if (!service) {
      // Its slices go with it: the garbage collector follows their owner reference.
      this.tracker.deleteService(key);
      return;
    }
    const selector = serviceSelector(service);
    if (!selector) return;
    const namespace = service.metadata.namespace;
    const name = service.metadata.name;
    const slices = this.slices
      .list()
      .filter((s) => s.metadata.namespace === namespace && serviceKeyOfSlice(s) === key && isManagedSlice(s) && !s.metadata.deletionTimestamp);
    if (this.tracker.isStale(service, slices)) {
      log.debug({ service: key }, "the EndpointSlice informer has not shown this controller's last writes yet; syncing again shortly");
      this.queue.addAfter(key, staleCacheRetryMs);
      return;
    }
    const pods = selectedPods(service, selector, this.pods.list());
    const desired = desiredGroups(service, pods, (node) => this.nodes.get(node)?.metadata.labels?.[zoneLabel]);
    const plan = planSlices(service, desired, slices, this.maxEndpointsPerSlice);
    try {
      await this.apply(plan);
    } catch (err) {
      // A conflict only says the informer is behind: the retry plans again from what won.
      if (!isConflict(err)) this.ctx.recorder.event(service, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${namespace}/${name}: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async apply(plan: SlicePlan): Promise<void> {
    const client = this.ctx.client;
    for (const slice of plan.create) {
      this.tracker.written(await client.create<EndpointSlice>(endpointSlicesRes, slice));
    }
    for (const slice of plan.update) {
      this.tracker.written(await client.update<EndpointSlice>(endpointSlicesRes, slice));
    }
    for (const slice of plan.delete) {
      const undo = this.tracker.expectDeletion(slice);
      try {
        await client.delete(endpointSlicesRes, slice.metadata.name ?? "", { namespace: slice.metadata.namespace, preconditions: { uid: slice.metadata.uid } });
      } catch (err) {
        if (isNotFound(err)) continue;
        undo();
        throw err;
      }
    }
  }
}
