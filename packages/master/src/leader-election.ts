// Leader election for the scheduler and controllers: only one master's copy acts at
// a time. The lease is an etcd election (a key held under an etcd lease that the
// holder keeps alive), so a master that dies loses leadership when its lease
// expires, with no clock comparisons between masters. A lost lease stops the
// components; the master then campaigns again and starts fresh ones when elected.
import { Etcd3, type Campaign } from "etcd3";
import { etcdClientOptions, type EtcdTls } from "@bosun/apiserver";
import { createLogger } from "@bosun/client";

const log = createLogger("master/leader-election");

export interface LeaderCallbacks {
  /** Called when elected; resolves once the leader-only components run. */
  onStartedLeading(): Promise<void>;
  /** Called when leadership is lost or given up; resolves once they stopped. */
  onStoppedLeading(): Promise<void>;
}

export interface LeaderElectionOptions extends LeaderCallbacks {
  etcdEndpoints: string[];
  etcdTls?: EtcdTls;
  /** The election's key prefix in etcd, outside the apiserver's object prefix. */
  electionKey: string;
  /** Who campaigns: shown as the leader's value. */
  identity: string;
  /** How long a dead leader keeps the lease (etcd lease TTL). */
  leaseTtlSeconds: number;
}

export interface LeaderElection {
  /** Whether this process leads now. */
  isLeader(): boolean;
  /** Gives up leadership (stopping the components) and stops campaigning. */
  stop(): Promise<void>;
}

/** The etcd key prefix of the controller manager's election for an apiserver prefix. */
export function electionKeyFor(etcdPrefix: string): string {
  return `${etcdPrefix.replace(/\/+$/, "")}-elections/bosun-controller-manager`;
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const etcd = new Etcd3(etcdClientOptions(opts.etcdEndpoints, opts.etcdTls));
  const election = etcd.election(opts.electionKey, opts.leaseTtlSeconds);
  let campaign: Campaign | undefined;
  let leading = false;
  let stopped = false;
  /** Start and stop calls run one after another, never interleaved. */
  let transitions: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | undefined;

  const transition = (step: () => Promise<void>): Promise<void> => {
    transitions = transitions.then(step).catch((err: unknown) => {
      log.error({ err: err instanceof Error ? err.message : String(err) }, "leader transition failed");
    });
    return transitions;
  };

  const stepDown = (): Promise<void> =>
    transition(async () => {
      if (!leading) return;
      leading = false;
      await opts.onStoppedLeading();
    });

  const campaignNow = (): void => {
    if (stopped) return;
    const c = election.campaign(opts.identity);
    campaign = c;
    c.on("elected", () => {
      if (stopped || campaign !== c) return;
      log.info({ identity: opts.identity }, "became leader; starting scheduler and controllers");
      void transition(async () => {
        if (leading || stopped) return;
        leading = true;
        try {
          await opts.onStartedLeading();
        } catch (err) {
          // Holding the lease with nothing running would stall the cluster: give it up.
          log.error(
            { err: err instanceof Error ? err.message : String(err) },
            "starting the scheduler and controllers failed; giving up leadership and campaigning again in 2 s",
          );
          leading = false;
          await opts.onStoppedLeading();
          if (campaign === c) {
            campaign = undefined;
            await c.resign().catch(() => undefined);
          }
          if (!stopped) retryTimer = setTimeout(campaignNow, 2000);
        }
      });
    });
    c.on("error", (err: Error) => {
      if (campaign !== c) return;
      log.warn({ err: err.message }, "lost the leader lease or could not campaign; stopping leader-only components and campaigning again in 2 s");
      void stepDown().then(() => {
        if (stopped) return;
        retryTimer = setTimeout(campaignNow, 2000);
      });
    });
  };
  campaignNow();

  return {
    isLeader: () => leading,
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await stepDown();
      const c = campaign;
      campaign = undefined;
      try {
        await c?.resign();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "resigning the leader lease failed; it expires on its own");
      }
      etcd.close();
    },
  };
}
