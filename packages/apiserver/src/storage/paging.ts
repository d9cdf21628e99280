// What a list request asks of storage and what it gets back: which revision to
// read (resourceVersion and resourceVersionMatch), how many objects, where to
// start (a continue token), and the Status errors Kubernetes answers when that
// revision is out of reach.
import { expired, statusError, type KubeObject, type Status } from "@bosun/api";
import { StatusError } from "../errors.js";

/** Which state a list reads. */
export type ListAt =
  /** resourceVersion unset: at least as new as etcd is now. */
  | { kind: "consistent" }
  /** resourceVersion=0: whatever the cache holds. */
  | { kind: "any" }
  /** resourceVersion=N (resourceVersionMatch unset or NotOlderThan): N or newer. */
  | { kind: "notOlderThan"; revision: number }
  /** resourceVersionMatch=Exact: exactly revision N. */
  | { kind: "exact"; revision: number };

export interface ListRequest {
  at: ListAt;
  /** The most objects to answer; 0 for all. */
  limit: number;
  /** A continue token from an earlier page; it decides the revision, `at` is then ignored. */
  continueToken?: string;
}

export interface ListPage {
  items: KubeObject[];
  revision: number;
  /** Set when more objects follow: the token for the next page. */
  continue?: string;
  /** How many objects follow this page, when that is known without selectors. */
  remainingItemCount?: number;
}

/** 504 for a resourceVersion the cache did not reach in time, as storage.NewTooLargeResourceVersionError. */
export function tooLargeResourceVersion(requested: number, current: number): StatusError {
  return new StatusError(
    statusError(504, "Timeout", `Timeout: Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    }),
  );
}

/** 410 for a list at a revision etcd has compacted away. */
export function listExpired(): StatusError {
  return new StatusError(expired("The resourceVersion for the provided list is too old."));
}

/**
 * 410 for a continue token whose revision was compacted away. The Status carries
 * (in metadata.continue, as Kubernetes) a token that continues from the same key
 * at the latest revision, for clients that accept an inconsistent list.
 */
export function continueExpired(inconsistentToken: string): StatusError {
  const status: Status = expired(
    "The provided continue parameter is too old to display a consistent list result. You can start a new list " +
      "without the continue parameter, or use the continue token in this response to retrieve the remainder of the " +
      "results. Continuing with the provided token results in an inconsistent list - objects that were created, " +
      "modified, or deleted between the time the first chunk was returned and now may show up in the list.",
  );
  const metadata: { continue: string } = { continue: inconsistentToken };
  status.metadata = metadata;
  return new StatusError(status);
}

/** Whether an etcd error says the requested revision was compacted. */
export function isCompacted(err: unknown): boolean {
  return /required revision has been compacted/.test(String(err));
}

/** Whether an etcd error says the requested revision is in the future. */
export function isFutureRevision(err: unknown): boolean {
  return /required revision is a future revision/.test(String(err));
}
