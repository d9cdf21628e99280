// /healthz, /livez and /readyz as kube-apiserver serves them
// (k8s.io/apiserver/pkg/server/healthz): each runs its named checks and answers
// "ok", or 500 with one line per check ("[+]ping ok", "[-]etcd failed: reason
// withheld") and "readyz check failed"; `?verbose` lists the checks when all
// pass too, `?exclude=NAME` skips one, and /readyz/NAME runs only that one.
//
// /readyz and /healthz check etcd; /livez does not. Kubernetes puts etcd in
// /livez too, so a kubelet restarts an apiserver whose etcd is down, which does
// not bring etcd back and loses the watch cache (kubernetes#130229, #111290).
// A master that cannot reach etcd is not ready (load balancers and agents go to
// another master) but alive.
import type { FastifyReply } from "fastify";
import type { Etcd3 } from "etcd3";
import { routeNotFound } from "@bosun/api";
import { createLogger } from "@bosun/client";
import { StatusError } from "../errors.js";
import type { Store } from "../storage/store.js";
import type { Query } from "./logs.js";

const log = createLogger("apiserver/health");

/** One named check; resolves when healthy, rejects with the reason otherwise. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

export type HealthEndpoint = "healthz" | "livez" | "readyz";

/** How long the etcd check waits for an answer: kube-apiserver's --etcd-healthcheck-timeout default. */
export const etcdHealthTimeoutMs = 2000;

/** Always healthy: the process serves HTTP. */
export const pingCheck: HealthCheck = { name: "ping", check: async () => {} };

/**
 * etcd answers a linearizable read (one that needs a quorum) of `key` within
 * timeoutMs, as kube-apiserver's check reads `<prefix>/health`. The deadline
 * covers the etcd client's own retries, so a frozen etcd fails the check in
 * time instead of hanging it.
 */
export function etcdCheck(etcd: Etcd3, key: string, timeoutMs = etcdHealthTimeoutMs): HealthCheck {
  return {
    name: "etcd",
    async check() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`etcd did not answer a read within ${timeoutMs}ms`)), timeoutMs);
      });
      try {
        await Promise.race([etcd.kv.range({ key: Buffer.from(key), count_only: true }, { deadline: new Date(Date.now() + timeoutMs) }), late]);
      } catch (err) {
        throw new Error(`error getting data from etcd: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The checks of each endpoint for an apiserver over `store`. */
export function apiServerHealthChecks(store: Store): Record<HealthEndpoint, readonly HealthCheck[]> {
  const etcd = etcdCheck(store.etcd, `${store.keys.root}/health`);
  return { healthz: [pingCheck, etcd], livez: [pingCheck], readyz: [pingCheck, etcd] };
}

/** The endpoint (and single check) a path names, or undefined when it is no health path. */
export function healthPath(path: string): { endpoint: HealthEndpoint; check?: string } | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (!m) return undefined;
  return m[2] === undefined ? { endpoint: m[1] as HealthEndpoint } : { endpoint: m[1] as HealthEndpoint, check: m[2] };
}

function values(query: Query, name: string): string[] {
  const v = query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Answers a health path (see healthPath) with `checks`, as Kubernetes' healthz handlers do. */
export async function serveHealth(
  checks: Record<HealthEndpoint, readonly HealthCheck[]>,
  target: { endpoint: HealthEndpoint; check?: string },
  query: Query,
  reply: FastifyReply,
): Promise<void> {
  reply.type("text/plain; charset=utf-8").header("x-content-type-options", "nosniff");
  const list = checks[target.endpoint];
  if (target.check !== undefined) {
    const one = list.find((c) => c.name === target.check);
    if (!one) throw new StatusError(routeNotFound());
    try {
      await one.check();
      return void reply.send("ok");
    } catch (err) {
      return void reply.code(500).send(`internal server error: ${(err as Error).message}\n`);
    }
  }
  const excluded = new Set(values(query, "exclude"));
  const results = await Promise.all(
    list.map(async (c) => {
      if (excluded.delete(c.name)) return { name: c.name, line: `[+]${c.name} excluded: ok` };
      try {
        await c.check();
        return { name: c.name, line: `[+]${c.name} ok` };
      } catch (err) {
        // The public answer withholds the reason, as Kubernetes'; the log has it.
        return { name: c.name, line: `[-]${c.name} failed: reason withheld`, reason: (err as Error).message };
      }
    }),
  );
  let body = results.map((r) => r.line + "\n").join("");
  if (excluded.size > 0) body += `warn: some health checks cannot be excluded: no matches for ${[...excluded].map((n) => JSON.stringify(n)).join(",")}\n`;
  const failed = results.filter((r) => r.reason !== undefined);
  if (failed.length > 0) {
    log.info({ failed: Object.fromEntries(failed.map((r) => [r.name, r.reason])) }, `${target.endpoint} check failed`);
    return void reply.code(500).send(`${body}${target.endpoint} check failed\n`);
  }
  if (query.verbose === undefined) return void reply.send("ok");
  reply.send(`${body}${target.endpoint} check passed\n`);
}
