// Keeps the node's network policy rules (rules.ts) in force, synced as the service
// proxy syncs (BoundedFrequencyRunner): at most once per minimum interval (1 s)
// after changes and every interval (30 s) anyway, so that rules removed by hand come
// back. The caller hands it the whole current state of each input; each sync
// rewrites the policy's chains whole from iptables-save's view.
//
// Nothing is written before every input has been set: an agent that restarts keeps
// the rules of its previous life until it knows the cluster again (pods stay as
// isolated as they were), and stop() leaves them too. removeNetworkPolicy
// (cleanup.ts) is what removes them.
import { createLogger } from "@bosun/client";
import type { NetworkPolicy } from "@bosun/api";
import { BoundedFrequencyRunner } from "../bounded-frequency.js";
import { podNetworkUpdate } from "../network/cidr.js";
import type { HostNetwork } from "../network/host.js";
// The issue asks the same cadence of both; the service proxy owns the numbers.
import type { PolicyInput, PolicyNamespace, PolicyNetwork, PolicyPod } from "./inputs.js";
import { planPolicyRules } from "./rules.js";

const log = createLogger("agent/policy");

export interface NetworkPolicyEnforcerOptions {
  nodeName: string;
  host: HostNetwork;
  /** Default 1 s, as the service proxy's. */
  minSyncIntervalMs?: number;
  /** Default 30 s, as the service proxy's. */
  syncIntervalMs?: number;
}

type Inputs = Omit<PolicyInput, "nodeName">;

export class NetworkPolicyEnforcer {
  private localPods: readonly PolicyPod[] | undefined;
  private pods: readonly PolicyPod[] | undefined;
  private namespaces: readonly PolicyNamespace[] | undefined;
  private policies: readonly NetworkPolicy[] | undefined;
  private network: PolicyNetwork | undefined;
  private started = false;
  private applied = false;
  private bridgeFilteringSet = false;
  private lastProblems = "";
  private readonly runner: BoundedFrequencyRunner;

  constructor(private readonly opts: NetworkPolicyEnforcerOptions) {
    this.runner = new BoundedFrequencyRunner({
      sync: () => this.sync(),
      ready: () => this.inputs() !== undefined,
      ...(opts.minSyncIntervalMs !== undefined ? { minIntervalMs: opts.minSyncIntervalMs } : {}),
      ...(opts.syncIntervalMs !== undefined ? { intervalMs: opts.syncIntervalMs } : {}),
      rules: "the network policy rules",
      log,
    });
  }

  /** This node's pods with an address on the pod network, as they are now. */
  setLocalPods(pods: readonly PolicyPod[]): void {
    this.localPods = pods;
    this.request();
  }

  /** Every pod of the cluster with an address, as it is now. */
  setPods(pods: readonly PolicyPod[]): void {
    this.pods = pods;
    this.request();
  }

  /** Every namespace of the cluster, as it is now. */
  setNamespaces(namespaces: readonly PolicyNamespace[]): void {
    this.namespaces = namespaces;
    this.request();
  }

  /** Every NetworkPolicy of the cluster, as it is now. */
  setPolicies(policies: readonly NetworkPolicy[]): void {
    this.policies = policies;
    this.request();
  }

  /** The cluster CIDR and this node's pod CIDR; a message without a pod CIDR yet changes nothing. */
  setNetwork(network: PolicyNetwork): void {
    const next = podNetworkUpdate(this.network, network, (message) => log.error({}, `${message}; network policy ignores it`));
    if (!next) return;
    this.network = next;
    this.request();
  }

  /** Starts syncing (as soon as everything has been set) and resyncing periodically. */
  start(): void {
    this.started = true;
    this.request();
  }

  /** Stops syncing and leaves the rules as they are. */
  stop(): void {
    this.runner.stop();
  }

  /** Syncs now, whatever the minimum interval, and resolves when done (nothing happens before everything is set). */
  syncNow(): Promise<void> {
    return this.runner.syncNow();
  }

  /** Resolves when no sync is running or about to run after one. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  private request(): void {
    const inputs = this.inputs();
    if (!this.started || !inputs) return;
    // Without a policy nothing is isolated: pods coming and going change no rule.
    this.runner.requestIfChanged(JSON.stringify(inputs.policies.length === 0 ? { clusterCidr: inputs.clusterCidr, podCidr: inputs.podCidr } : inputs));
  }

  private inputs(): Inputs | undefined {
    const { localPods, pods, namespaces, policies, network } = this;
    return localPods && pods && namespaces && policies && network ? { localPods, pods, namespaces, policies, ...network } : undefined;
  }

  private async sync(): Promise<void> {
    const inputs = this.inputs();
    if (!inputs) return;
    const { host, nodeName } = this.opts;
    if (!this.bridgeFilteringSet) {
      this.bridgeFilteringSet = true;
      try {
        // Traffic between two pods of one bridge reaches iptables only with br_netfilter on (Docker turns it on too).
        await host.setSysctl("net.bridge.bridge-nf-call-iptables", "1");
      } catch (err) {
        log.warn({ err: (err as Error).message }, "cannot make bridged traffic pass iptables; network policy does not apply between pods of this node (run `modprobe br_netfilter`)");
      }
    }
    const plan = planPolicyRules({ nodeName, ...inputs }, await host.iptablesSave());
    await host.iptablesRestore(plan.restore);
    const problems = plan.problems.join("; ");
    if (problems !== this.lastProblems && problems !== "") log.warn({ problems: plan.problems }, "parts of network policies cannot be enforced and allow nothing; fix the policies named");
    this.lastProblems = problems;
    const fields = { ...plan.isolated, staleChains: plan.staleChains.length };
    if (!this.applied) log.info(fields, "the network policy rules are in force");
    else log.debug(fields, "synced the network policy rules");
    this.applied = true;
  }
}
