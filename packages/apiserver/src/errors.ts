// The one error type the apiserver throws: it carries the Kubernetes Status the
// client will receive, so every layer (storage, registry, HTTP) can fail with the
// right code and message and the HTTP layer only has to serialise it.
import type { Status } from "@bosun/api";

export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `request failed with code ${status.code}`);
    this.name = "StatusError";
  }

  get code(): number {
    return this.status.code;
  }
}

