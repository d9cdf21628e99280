// The DaemonSet controller (pkg/controller/daemon): one pod per eligible node, made
// with a required node affinity for that node which the scheduler honours when it
// binds the pod (as Kubernetes does since 1.12), rolled to a new template node by
// node within maxUnavailable (or maxSurge), a ControllerRevision per template
// (history.ts) whose hash labels the pods, and a status that says how many nodes run
// which revision.
import {
  type ControllerRevision,
  isPodTerminal,
  matchesLabels,
  mustResource,
  objectKey,
  podTemplateGenerationLabel,
  type DaemonSet,
  type LabelSelector,
  type Node,
  type Pod,
  scaledValue,
} from "@bosun/api";
import { createLogger, isConflict, KeyedBackoff, type Informer } from "@bosun/client";
import {
  claimObjects,
  errorMessage,
  Expectations,
  labelSelectorOf,
  PodControl,
  selectsAll,
  type ControllerContext,
  type PodToDelete,
  watchDependents,
  QueueController,
} from "../common/index.js";
import { withDaemonTolerations } from "./daemon-tolerations.js";
import { daemonSetSettings, type DaemonSetSettings } from "./defaults.js";
import { ControllerHistory, controllerRevisionsRes } from "../history/history-control.js";
import { DaemonSetHistory, revisionHash } from "./history.js";
import { targetNodeName, withNodeNameAffinity } from "./node-affinity.js";
import { nodeShouldRunDaemonPod, type Placement } from "./node-placement.js";
import { planManage, revisionLabel, type NodeState } from "./node-plan.js";
import { planRollingUpdate } from "./rolling-update.js";
import { computeDaemonSetCounts, nextDaemonSetStatus } from "./status.js";

const daemonsets = mustResource("daemonsets");
const pods = mustResource("pods");
const nodes = mustResource("nodes");
const log = createLogger("controllers/daemonset");

/** At most this many creates and deletes per sync (Kubernetes' burstReplicas). */
const burstReplicas = 250;

export interface DaemonSetControllerOptions {
  workers?: number;
}

export class DaemonSetController extends QueueController {
  readonly name = "daemonset";
  private readonly expectations: Expectations;
  private readonly podControl: PodControl;
  /**
   * How long to wait before deleting the next failed daemon pod on a node, by
   * "<ds key>/<node>": a node that rejects the pod (a bad host port, a missing image)
   * would otherwise see create, fail, delete, create in a hot loop. Kubernetes backs
   * off from 1 s to 15 min per DaemonSet and node (failedPodsBackoff).
   */
  private readonly failedPodBackoff: KeyedBackoff;
  private readonly dsInformer: Informer<DaemonSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly history: DaemonSetHistory;

  constructor(
    ctx: ControllerContext,
    opts: DaemonSetControllerOptions = {},
  ) {
    super(ctx, opts.workers ?? 2);
    this.expectations = new Expectations(this.now);
    this.podControl = new PodControl(ctx.client, ctx.recorder, this.expectations);
    this.failedPodBackoff = new KeyedBackoff({ initialMs: 1000, maxMs: 15 * 60_000, now: this.now });
    this.dsInformer = ctx.informers.for<DaemonSet>(daemonsets);
    this.podInformer = ctx.informers.for<Pod>(pods);
    this.nodeInformer = ctx.informers.for<Node>(nodes);
    const revisions = new ControllerHistory(ctx.client, ctx.informers.for<ControllerRevision>(controllerRevisionsRes), daemonsets);
    revisions.watch(this.dsInformer, (ds) => labelSelectorOf(ds.spec.selector), (key) => this.queue.add(key));
    this.history = new DaemonSetHistory(ctx.client, revisions);

    this.dsInformer
      .onAdd((ds) => this.enqueue(ds))
      .onUpdate((_old, ds) => this.enqueue(ds))
      .onDelete((ds) => this.enqueue(ds));
    watchDependents(this.podInformer, {
      ownerRes: daemonsets,
      owners: this.dsInformer,
      selectorOf: (ds) => labelSelectorOf(ds.spec.selector),
      enqueue: (key) => this.queue.add(key),
      expectations: this.expectations,
    });
    this.nodeInformer
      .onAdd((node) => this.nodeAdded(node))
      .onUpdate((old, node) => this.nodeUpdated(old, node))
      // Pods bound to a node that is gone are this controller's to remove.
      .onDelete(() => this.dsInformer.list().forEach((ds) => this.enqueue(ds)));
  }

  // ---- event handlers: they only find the DaemonSets concerned and queue their keys ----

  private enqueue(ds: DaemonSet): void {
    this.queue.add(objectKey(ds));
  }

  private nodeAdded(node: Node): void {
    for (const ds of this.dsInformer.list()) if (nodeShouldRunDaemonPod(node, ds.spec.template).shouldRun) this.enqueue(ds);
  }

  /** Heartbeats change nodes all the time; only a change of where pods belong matters. */
  private nodeUpdated(old: Node, node: Node): void {
    for (const ds of this.dsInformer.list()) {
      if (!samePlacement(nodeShouldRunDaemonPod(old, ds.spec.template), nodeShouldRunDaemonPod(node, ds.spec.template))) this.enqueue(ds);
    }
  }

  // ---- sync ----

  protected async sync(key: string): Promise<void> {
    const ds = this.dsInformer.get(key);
    if (!ds) {
      this.expectations.delete(key);
      this.failedPodBackoff.forgetPrefix(`${key}/`);
      return;
    }
    const selector = labelSelectorOf(ds.spec.selector);
    if (!selector) {
      if (selectsAll(ds.spec.selector)) {
        this.ctx.recorder.event(ds, "Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
      } else {
        this.ctx.recorder.event(ds, "Warning", "InvalidSelector", "spec.selector is not a valid label selector; fix it so the DaemonSet can find its pods");
      }
      return;
    }
    // What a DaemonSet being deleted still owns is the garbage collector's to remove.
    if (ds.metadata.deletionTimestamp) return;

    const settings = daemonSetSettings(ds);
    const nodeStates: NodeState[] = this.nodeInformer.list().map((node) => ({
      name: node.metadata.name ?? "",
      placement: nodeShouldRunDaemonPod(node, ds.spec.template),
    }));
    const claimed = await claimObjects<Pod>(
      { client: this.ctx.client, res: pods, ownerRes: daemonsets, owner: ds, selector },
      this.podInformer.list().filter((p) => p.metadata.namespace === ds.metadata.namespace),
    );
    const podsByNode = groupByNode(claimed);
    const { current, old } = await this.history.construct(ds, selector, claimed);
    const hash = revisionHash(current);

    if (!this.expectations.satisfied(key)) {
      // Its own creates and deletes are not all seen yet: counting now would double them.
      await this.writeStatus(ds, nodeStates, podsByNode, hash, settings, false);
      return;
    }
    let syncError: unknown;
    try {
      await this.reconcile(ds, key, selector, nodeStates, podsByNode, hash, settings);
    } catch (err) {
      syncError = err;
    }
    try {
      await this.writeStatus(ds, nodeStates, podsByNode, hash, settings, true);
    } catch (err) {
      if (syncError === undefined) throw err;
      log.warn({ daemonset: key, err: errorMessage(err) }, "status update failed after a failed sync");
    }
    if (syncError !== undefined) throw syncError;
    // Old revisions go only once the pods are where this sync wanted them.
    if (this.expectations.satisfied(key)) await this.history.cleanup(ds, old, claimed);
  }

  private async reconcile(
    ds: DaemonSet,
    key: string,
    selector: LabelSelector,
    nodeStates: NodeState[],
    podsByNode: Map<string, Pod[]>,
    hash: string,
    settings: DaemonSetSettings,
  ): Promise<void> {
    if (!matchesLabels(selector, ds.spec.template.metadata?.labels)) {
      this.ctx.recorder.event(
        ds,
        "Warning",
        "FailedCreate",
        "Error creating: spec.selector does not match spec.template.metadata.labels, so the pods would not belong to this DaemonSet; make the selector match the template's labels",
      );
      return;
    }
    const rolling = settings.strategy === "RollingUpdate";
    const surge = rolling && scaledValue(settings.maxSurge, 1, true, "spec.updateStrategy.rollingUpdate.maxSurge") > 0;
    const nowMs = this.now();
    const plan = planManage({ nodes: nodeStates, podsByNode, hash, surge, minReadySeconds: settings.minReadySeconds, nowMs });

    const deletions: PodToDelete[] = plan.podsToDelete.map((pod) => ({ pod }));
    for (const { pod, node } of plan.succeededPods) {
      this.ctx.recorder.event(ds, "Normal", "SucceededDaemonPod", `Found succeeded daemon pod ${objectKey(pod)} on node ${node}, will try to delete it`);
      deletions.push({ pod });
    }
    for (const { pod, node } of plan.failedPods) {
      const backoffId = `${key}/${node}`;
      const waitMs = this.failedPodBackoff.remainingSinceUpdate(backoffId);
      if (waitMs > 0) {
        this.queue.addAfter(key, waitMs);
        continue;
      }
      // Nodes that never fail again would otherwise keep their entries for ever.
      this.failedPodBackoff.gc();
      this.failedPodBackoff.next(backoffId);
      this.ctx.recorder.event(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${objectKey(pod)} on node ${node}, will try to kill it`);
      deletions.push({ pod });
    }
    for (const pod of plan.podsWithoutNode) deletions.push({ pod, force: true });
    await this.syncNodes(ds, key, deletions, plan.nodesNeedingPods, hash);

    // The update only starts from a settled node set: manage had nothing left to do.
    if (!rolling || !this.expectations.satisfied(key)) return;
    const update = planRollingUpdate({
      nodes: nodeStates,
      podsByNode,
      hash,
      maxSurge: settings.maxSurge,
      maxUnavailable: settings.maxUnavailable,
      minReadySeconds: settings.minReadySeconds,
      nowMs,
    });
    await this.syncNodes(ds, key, update.podsToDelete.map((pod) => ({ pod })), update.nodesToCreate, hash);
  }

  /** Creates a pod on each node and deletes the pods given, with expectations set first. */
  private async syncNodes(ds: DaemonSet, key: string, deletions: PodToDelete[], nodesToCreate: string[], hash: string): Promise<void> {
    const creates = nodesToCreate.slice(0, burstReplicas);
    const template = ds.spec.template;
    const { errors } = await this.podControl.apply(key, ds, {
      create: {
        template: { ...template, spec: { ...template.spec, tolerations: withDaemonTolerations(template.spec.tolerations) } },
        count: creates.length,
        naming: {
          extraLabels: {
            [revisionLabel]: hash,
            ...(ds.metadata.generation !== undefined ? { [podTemplateGenerationLabel]: String(ds.metadata.generation) } : {}),
          },
        },
        // The scheduler binds the pod to the one node its affinity allows.
        customize: (pod, index) => void (pod.spec.affinity = withNodeNameAffinity(pod.spec.affinity, creates[index]!)),
      },
      delete: deletions.slice(0, burstReplicas),
    });
    if (errors.length > 0) {
      throw new Error(`DaemonSet ${key}: ${errors.length} pod create/delete request(s) failed, first: ${errorMessage(errors[0])}`);
    }
  }

  private async writeStatus(
    ds: DaemonSet,
    nodeStates: NodeState[],
    podsByNode: Map<string, Pod[]>,
    hash: string,
    settings: DaemonSetSettings,
    observedGeneration: boolean,
  ): Promise<void> {
    const counts = computeDaemonSetCounts(nodeStates, podsByNode, hash, settings.minReadySeconds, this.now());
    const generation = observedGeneration ? ds.metadata.generation : undefined;
    let current = ds;
    for (let attempt = 0; ; attempt++) {
      const status = nextDaemonSetStatus(current.status, counts, generation);
      if (!status) break;
      try {
        await this.ctx.client.update<DaemonSet>(daemonsets, { ...current, status }, { subresource: "status" });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await this.ctx.client.get<DaemonSet>(daemonsets, ds.metadata.name ?? "", ds.metadata.namespace);
      }
    }
    // Nothing else would wake the controller when a ready pod turns available.
    if (settings.minReadySeconds > 0 && counts.numberReady !== counts.numberAvailable) {
      this.queue.addAfter(objectKey(ds), settings.minReadySeconds * 1000);
    }
  }
}

/**
 * The pods by the node they are bound to or meant for ("" for neither). Finished
 * pods already being deleted are left out: nothing remains to be done about them
 * (getNodesToDaemonPods).
 */
function groupByNode(claimed: readonly Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of claimed) {
    if (isPodTerminal(pod) && pod.metadata.deletionTimestamp) continue;
    const node = targetNodeName(pod) ?? "";
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}

function samePlacement(a: Placement, b: Placement): boolean {
  return a.shouldRun === b.shouldRun && a.shouldContinueRunning === b.shouldContinueRunning;
}
