// The records the server answers from, rebuilt lazily: informer events only mark
// them stale, and the first query after a burst of changes indexes the snapshot
// once, so a rollout's hundred EndpointSlice updates cost one rebuild, not a hundred.
import { ClusterRecords, type ClusterRecordsOptions, type ClusterSnapshot } from "./records.js";

export interface ClusterRecordsSourceOptions extends Omit<ClusterRecordsOptions, "serial"> {
  /** The clock, in milliseconds since the epoch; the SOA serial is when the view last changed. */
  now?: () => number;
}

export class ClusterRecordsSource {
  private current: ClusterRecords | undefined;
  private serial: number;
  private readonly now: () => number;
  private readonly options: Omit<ClusterRecordsOptions, "serial">;

  /** snapshot reads the informers' caches as they are when called. */
  constructor(
    private readonly snapshot: () => ClusterSnapshot,
    { now, ...options }: ClusterRecordsSourceOptions = {},
  ) {
    this.now = now ?? Date.now;
    this.options = options;
    this.serial = this.unixSeconds();
    // Bad options (a domain that is not a name) fail here, at start, rather than at the first query.
    new ClusterRecords({ services: [], endpointSlices: [] }, options);
  }

  /** The view changed (a Service, EndpointSlice or Namespace event): the next query rebuilds. */
  invalidate(): void {
    this.current = undefined;
    this.serial = this.unixSeconds();
  }

  records(): ClusterRecords {
    this.current ??= new ClusterRecords(this.snapshot(), { ...this.options, serial: this.serial });
    return this.current;
  }

  private unixSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
