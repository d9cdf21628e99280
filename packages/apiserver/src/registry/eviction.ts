// pods/{name}/eviction: a delete that a PodDisruptionBudget may refuse, as
// Kubernetes' EvictionREST (pkg/registry/core/pod/storage/eviction.go) decides it.
// A pod that is not running (Pending, finished) or already deleting goes at once.
// Otherwise the one budget guarding it must allow a disruption: its
// disruptionsAllowed is decremented and the pod recorded in disruptedPods through
// the budget's status, compare-and-swap on its resourceVersion, before the pod gets
// the DisruptionTarget condition and is deleted with the Eviction's deleteOptions.
// A refusal is a 429 the client retries (kubectl drain does, every 5 seconds).
import {
  badRequest,
  budgetsGuardingPod,
  disruptionBudgetCause,
  disruptionTargetCondition,
  evictionByEvictionApiReason,
  evictionSchema,
  fieldErrors,
  invalid,
  isPlainObject,
  isPodReady,
  mustResource,
  rfc3339,
  setPodCondition,
  statusError,
  updateDisruptionAllowedCondition,
  validateObject,
  type DeleteOptions,
  type Eviction,
  type Pod,
  type PodDisruptionBudget,
  type ResourceInfo,
  type Status,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import { deleteOptionsConflict } from "./gc.js";
import { checkPreconditions, type Registry } from "./registry.js";

const pods = mustResource("pods");
const budgets = mustResource("poddisruptionbudgets");
const evictions: ResourceInfo = { ...pods, group: "policy", version: "v1", kind: "Eviction", schema: evictionSchema, subresources: [] };

/**
 * How often a decision is made again after a write it depends on lost a race
 * (Kubernetes' EvictionsRetry: 20 steps). Each loss means the pod or the budget
 * changed meanwhile, so the next attempt reads newer state.
 */
const evictionAttempts = 20;
/** Entries of disruptedPods beyond which evictions stop until the disruption controller catches up. */
const maxDisruptedPods = 2000;

const budgetViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";
const multipleBudgetsMessage = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";

export async function evictPod(registry: Registry, namespace: string, name: string, body: unknown, dryRun: boolean): Promise<void> {
  const options = checkedDeleteOptions(namespace, name, body);
  const dry = dryRun || (options.dryRun ?? []).length > 0;
  // A pod that cannot disrupt anything more goes without a budget's say; a lost race
  // (it changed between the read and the delete) decides again, unless the client
  // pinned the version itself.
  let pod: Pod | undefined;
  for (let attempt = 1; ; attempt++) {
    pod = (await registry.get(pods, namespace, name, false)) as Pod;
    if (!canIgnoreBudget(pod)) break;
    // A pending pod could start and become ready meanwhile: its deletion is pinned to the version read.
    const pinned = shouldPinVersion(pod) && !versionPinned(options) ? withVersion(options, pod.metadata.resourceVersion) : options;
    try {
      await markAndDelete(registry, namespace, name, pinned, dry);
      return;
    } catch (err) {
      if (!isConflict(err) || versionPinned(options) || attempt >= evictionAttempts) throw err;
    }
  }

  const guarding = budgetsGuardingPod(await listBudgets(registry, namespace), pod);
  if (guarding.length > 1) throw new StatusError({ apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", message: multipleBudgetsMessage, code: 500 });
  const pdb = guarding[0];
  let deleteOptions = options;
  if (pdb && !isPodReady(pod) && unhealthyMayGo(pdb)) {
    // An unready pod does not count as healthy: taking it costs the budget nothing,
    // as long as it does not become ready before it is deleted.
    deleteOptions = withVersion(options, pod.metadata.resourceVersion);
  } else if (pdb) {
    await checkAndDecrement(registry, pdb, name, dry);
  }
  try {
    await markAndDelete(registry, namespace, name, deleteOptions, dry);
  } catch (err) {
    if (pdb && deleteOptions !== options && isConflict(err) && !versionPinned(options)) throw new StatusError(stillProcessing(pdb.metadata.name ?? ""));
    throw err;
  }
}

/** The Eviction's deleteOptions, after the checks of its body: names against the URL, schema, options. */
function checkedDeleteOptions(namespace: string, name: string, body: unknown): DeleteOptions {
  if (!isPlainObject(body)) throw new StatusError(badRequest("the request body must be a JSON object holding a policy/v1 Eviction"));
  const meta = (body.metadata ??= {});
  if (isPlainObject(meta)) {
    if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== namespace) {
      throw new StatusError(badRequest("the namespace of the provided object does not match the namespace sent on the request"));
    }
    if (meta.name !== undefined && meta.name !== "" && meta.name !== name) {
      throw new StatusError(badRequest("name in URL does not match name in Eviction object"));
    }
    meta.namespace = namespace;
    meta.name = name;
  }
  const causes = validateObject(evictions, body);
  const options = (body as unknown as Eviction).deleteOptions ?? {};
  const conflicting = causes.length === 0 ? deleteOptionsConflict(options) : undefined;
  if (conflicting !== undefined) causes.push(fieldErrors.invalidValue("deleteOptions.propagationPolicy", options.propagationPolicy, conflicting));
  const badDryRun = (options.dryRun ?? []).find((v) => v !== "All");
  if (badDryRun !== undefined) causes.push(fieldErrors.notSupported("deleteOptions.dryRun", badDryRun, ["All"]));
  if (causes.length > 0) throw new StatusError(invalid(evictions, name, causes));
  return options;
}

/** Pending, finished or deleting pods disrupt nothing more by going (canIgnorePDB). */
function canIgnoreBudget(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" || phase === "Pending" || pod.metadata.deletionTimestamp !== undefined;
}

/** A pod that is neither finished nor deleting could become ready before its deletion (shouldEnforceResourceVersion). */
function shouldPinVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp === undefined;
}

/** Whether an unready pod may go without using the budget (unhealthyPodEvictionPolicy). */
function unhealthyMayGo(pdb: PodDisruptionBudget): boolean {
  if (pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow") return true;
  const { currentHealthy = 0, desiredHealthy = 0 } = pdb.status ?? {};
  return currentHealthy >= desiredHealthy && desiredHealthy > 0;
}

function versionPinned(options: DeleteOptions): boolean {
  return !!options.preconditions?.resourceVersion;
}

function withVersion(options: DeleteOptions, resourceVersion: string | undefined): DeleteOptions {
  return { ...options, preconditions: { ...options.preconditions, resourceVersion: resourceVersion ?? "" } };
}

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409;
}

/** The budgets of the namespace, as etcd holds them now. */
async function listBudgets(registry: Registry, namespace: string): Promise<PodDisruptionBudget[]> {
  const page = await registry.list(budgets, { namespace, predicate: () => true, selective: false }, { at: { kind: "consistent" }, limit: 0 });
  return page.items as PodDisruptionBudget[];
}

/**
 * Takes one disruption from the budget, recorded against the pod in disruptedPods,
 * through its status with its resourceVersion as precondition; a lost race reads
 * the budget again and decides again (checkAndDecrement under RetryOnConflict).
 */
async function checkAndDecrement(registry: Registry, read: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
  const name = read.metadata.name ?? "";
  const namespace = read.metadata.namespace ?? "";
  let pdb = read;
  for (let attempt = 1; attempt <= evictionAttempts; attempt++) {
    if (attempt > 1) pdb = (await registry.get(budgets, namespace, name, false)) as PodDisruptionBudget;
    const status = structuredClone(pdb.status ?? {});
    refuseUnlessAllowed(pdb);
    status.disruptionsAllowed = (status.disruptionsAllowed ?? 0) - 1;
    if (status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(status);
    if (dryRun) return;
    // The disruption controller leaves the pod out of currentHealthy while this entry stands.
    status.disruptedPods = { ...status.disruptedPods, [podName]: rfc3339() };
    const expected = pdb.metadata.resourceVersion;
    try {
      await registry.update(budgets, namespace, name, (current) => ({ ...current, metadata: { ...current.metadata, resourceVersion: expected }, status } as PodDisruptionBudget), "status", { dryRun: false });
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  throw new StatusError(
    statusError(504, "Timeout", `Timeout: couldn't update PodDisruptionBudget "${name}" due to conflicts`, { retryAfterSeconds: 10 }),
  );
}

/** The refusals of checkAndDecrement: a budget not yet computed for its spec, a broken one, or one with no disruption left. */
function refuseUnlessAllowed(pdb: PodDisruptionBudget): void {
  const name = pdb.metadata.name ?? "";
  const status = pdb.status ?? {};
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw new StatusError(stillProcessing(name));
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw new StatusError(budgetForbidden(name, "pdb disruptions allowed is negative"));
  if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) {
    throw new StatusError(budgetForbidden(name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller"));
  }
  if (allowed === 0) {
    throw new StatusError(
      tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`),
    );
  }
}

function tooManyRequests(cause: string, retryAfterSeconds?: number): Status {
  return statusError(429, "TooManyRequests", budgetViolationMessage, {
    causes: [{ reason: disruptionBudgetCause, message: cause }],
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

function stillProcessing(name: string): Status {
  return tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
}

function budgetForbidden(name: string, reason: string): Status {
  return statusError(403, "Forbidden", `poddisruptionbudget.policy "${name}" is forbidden: ${reason}`, { name, group: "policy", kind: "poddisruptionbudget" });
}

/**
 * Gives the pod the DisruptionTarget condition (through its status, checking the
 * delete's preconditions against the pod as stored), then deletes it. A dry run
 * writes neither.
 */
async function markAndDelete(registry: Registry, namespace: string, name: string, options: DeleteOptions, dryRun: boolean): Promise<void> {
  let deleteOptions = options;
  if (!dryRun) {
    const marked = await registry.update(
      pods,
      namespace,
      name,
      (current) => {
        checkPreconditions(pods, name, current, options);
        const pod = current as Pod;
        setPodCondition((pod.status ??= {}), {
          type: disruptionTargetCondition,
          status: "True",
          reason: evictionByEvictionApiReason,
          message: "Eviction API: evicting",
        });
        return pod;
      },
      "status",
      { dryRun: false },
    );
    // The condition was this eviction's own write: a pinned version moves with it.
    if (versionPinned(options)) deleteOptions = withVersion(options, marked.metadata.resourceVersion);
  }
  await registry.delete(pods, namespace, name, deleteOptions, { dryRun });
}
