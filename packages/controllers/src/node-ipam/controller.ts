// The node IPAM controller, after Kubernetes' range allocator
// (pkg/controller/nodeipam/ipam/range_allocator.go): gives every node a pod CIDR,
// a /--node-cidr-mask-size range of --cluster-cidr that no other node holds, in
// spec.podCIDR and spec.podCIDRs. A range comes free when its node is deleted.
//
// Which ranges are taken is worked out from the node cache at every allocation
// (plus what this controller assigned that the cache does not show yet), not kept
// as a bitmap that events update, so a missed event or a restart can neither leak
// a range nor hand one out twice. The hard guarantee is the apiserver's: it keeps
// an index of the ranges and refuses a second claim on one, naming its holder.
// When another master's allocator (during a leader handover) or a person took a
// range first, this one marks it taken and tries the next.
import { cidrProblem, formatCidr, mustResource, nodePodCidrs, parseCidr, type Cidr, type Node } from "@bosun/api";
import { ApiError, createLogger, isNotFound, type Informer } from "@bosun/client";
import { QueueController, type ControllerContext } from "../common/index.js";
import { CidrSet } from "./cidr-set.js";

const log = createLogger("controllers/node-ipam");
const nodesResource = mustResource("nodes");

/** Kubernetes' event reason when the cluster CIDR has no range left for a node. */
export const cidrNotAvailableReason = "CIDRNotAvailable";

/** Ranges tried in one sync before giving up until the backoff retries: others were taking them as fast. */
const maxAttemptsPerSync = 16;

export interface NodeIpamOptions {
  /** The range node ranges are cut from, e.g. 10.244.0.0/16. */
  clusterCidr: string;
  /** The prefix length of each node's range, e.g. 24. */
  nodeCidrMaskSize: number;
}

/** Throws, naming the problem, when the pair cannot be used; the master checks its flags with it. */
export function checkClusterCidr(opts: NodeIpamOptions): void {
  new CidrSet(parseCidr(opts.clusterCidr), opts.nodeCidrMaskSize);
}

type Assignment = "assigned" | "has-one" | "gone" | "taken-by-another";

export class NodeIpamController extends QueueController {
  readonly name = "node-ipam";
  private readonly nodes: Informer<Node>;
  private readonly clusterCidr: Cidr;
  /** Ranges this controller gave that the node cache may not show yet, by node name. */
  private readonly assigned = new Map<string, string>();
  /**
   * Where the search for a free range starts: after the last range given, as
   * Kubernetes' cidrset does, so a range freed by a deleted node is not handed out
   * again at once while other hosts may still route it to the old node.
   */
  private cursor = 0;

  constructor(
    ctx: ControllerContext,
    private readonly opts: NodeIpamOptions,
  ) {
    // One worker: allocations inside one controller never race each other.
    super(ctx, 1);
    checkClusterCidr(opts);
    this.clusterCidr = parseCidr(opts.clusterCidr);
    this.nodes = ctx.informers.for<Node>(nodesResource);
    const enqueueIfUnallocated = (node: Node): void => {
      const name = node.metadata.name ?? "";
      if (nodePodCidrs(node).length === 0) this.queue.add(name);
      else this.assigned.delete(name);
    };
    this.nodes
      .onAdd(enqueueIfUnallocated)
      .onUpdate((_, node) => enqueueIfUnallocated(node))
      .onDelete((node) => {
        this.assigned.delete(node.metadata.name ?? "");
        // A range came free: nodes waiting for one may get it now.
        for (const waiting of this.nodes.list()) if (nodePodCidrs(waiting).length === 0) this.queue.add(waiting.metadata.name ?? "");
      });
  }

  protected async sync(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || node.metadata.deletionTimestamp || nodePodCidrs(node).length > 0 || this.assigned.has(name)) return;
    const taken = this.takenRanges();
    for (let attempt = 0; attempt < maxAttemptsPerSync; attempt++) {
      const index = taken.nextFree(this.cursor);
      if (index === undefined) {
        const message =
          `no pod CIDR is left for node "${name}": all ${taken.size} ranges of /${this.opts.nodeCidrMaskSize} in the cluster CIDR ` +
          `${this.opts.clusterCidr} are allocated; delete nodes that are gone, or restart the masters with a wider --cluster-cidr ` +
          "or a longer --node-cidr-mask-size";
        this.ctx.recorder.event(node, "Warning", cidrNotAvailableReason, message);
        throw new Error(message);
      }
      this.cursor = (index + 1) % taken.size;
      const cidr = formatCidr(taken.range(index));
      const outcome = await this.assign(name, cidr);
      if (outcome !== "taken-by-another") return;
      taken.occupyIndex(index);
    }
    throw new Error(`${maxAttemptsPerSync} free-looking pod CIDRs in a row were taken by other writers before node "${name}" got one`);
  }

  /** Every node range some node holds, by the cache and by this controller's own recent assignments. */
  private takenRanges(): CidrSet {
    const taken = new CidrSet(this.clusterCidr, this.opts.nodeCidrMaskSize);
    const held = [...this.nodes.list().flatMap((n) => nodePodCidrs(n)), ...this.assigned.values()];
    for (const cidr of held) if (cidrProblem(cidr) === undefined) taken.occupy(parseCidr(cidr));
    return taken;
  }

  private async assign(name: string, cidr: string): Promise<Assignment> {
    try {
      await this.ctx.client.patch<Node>(nodesResource, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { type: "merge" });
      this.assigned.set(name, cidr);
      log.info({ node: name, podCIDR: cidr }, "node given its pod CIDR");
      return "assigned";
    } catch (err) {
      if (isNotFound(err)) return "gone";
      if (!(err instanceof ApiError && err.code === 422)) throw err;
      // Refused: either the node got a range meanwhile (ranges never change once
      // set), or the apiserver's index says another node holds this one.
      let fresh: Node;
      try {
        fresh = await this.ctx.client.get<Node>(nodesResource, name);
      } catch (getErr) {
        if (isNotFound(getErr)) return "gone";
        throw getErr;
      }
      if (nodePodCidrs(fresh).length > 0) return "has-one";
      const causes = err.status.details?.causes ?? [];
      if (!causes.some((c) => c.field?.startsWith("spec.podCIDRs["))) throw err;
      log.info({ node: name, podCIDR: cidr, reason: err.message }, "pod CIDR taken by another writer; trying the next");
      return "taken-by-another";
    }
  }
}
