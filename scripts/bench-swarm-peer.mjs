// The Docker Swarm peer of bench:startup and bench:scale. Swarm is built into the
// engine Bosun's agent drives, so the same image and command run as Swarm services in
// the same run, on the same engine. When the engine is in no swarm, the peer makes a
// single-node swarm on loopback and leaves it afterwards; when the engine already
// manages a swarm, the peer uses it and never leaves it. Everything the peer creates
// carries bosun.io/bench=<run id> and bosun.io/bench-side=swarm, and its cleanup
// removes only that.
import { createInterface } from "node:readline";
import Docker from "dockerode";
import { COMMAND, IMAGE } from "./bench-lib.mjs";

const SIDE = "swarm";
// Created by Docker when a node joins a swarm, and left behind when it leaves.
const GATEWAY_BRIDGE = "docker_gwbridge";
// The manager's task list is polled slowly until the engine reports the awaited
// containers started, then quickly: a task turns `running` a few to tens of ms after
// its container's start event, so the figure is the manager's view without the load
// of polling it every few ms for the whole wait.
const SLOW_POLL_MS = 100;
const FAST_POLL_MS = 5;
// sleep as PID 1 ignores SIGTERM; as for the Bosun pods, a short grace keeps cleanup quick.
const STOP_GRACE_NS = 1_000_000_000;
const CLEANUP_TIMEOUT_MS = 120_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const message = (err) => (err instanceof Error ? err.message : String(err));

/** Counts the start events of the peer's containers per service, from one event stream. */
class StartEvents {
  constructor(stream) {
    this.stream = stream;
    this.counts = new Map();
    this.lost = false;
    const lines = createInterface({ input: stream });
    lines.on("line", (line) => {
      let service;
      try {
        service = JSON.parse(line).Actor?.Attributes?.["com.docker.swarm.service.id"];
      } catch {
        return; // not an event: the count only speeds polls up, so skipping one is harmless
      }
      if (service) this.counts.set(service, (this.counts.get(service) ?? 0) + 1);
    });
    // Without events every poll is a fast one: slower on the engine, as exact.
    const lose = () => (this.lost = true);
    stream.on("error", lose);
    stream.on("close", lose);
  }

  static async open(docker, runId) {
    const filters = { type: ["container"], event: ["start"], label: [`bosun.io/bench=${runId}`, `bosun.io/bench-side=${SIDE}`] };
    return new StartEvents(await docker.getEvents({ filters: JSON.stringify(filters) }));
  }

  started(serviceId) {
    return this.counts.get(serviceId) ?? 0;
  }

  close() {
    this.stream.destroy();
  }
}

export class SwarmPeer {
  /** `script` prefixes what the peer prints; `runId` labels and names what it creates. */
  constructor(script, runId) {
    this.script = script;
    this.runId = runId;
    this.docker = new Docker();
    this.joined = false;
    // Set when cleanup starts, so that a measurement interrupted by Ctrl-C creates no
    // service after cleanup listed them.
    this.closed = false;
  }

  /**
   * Checks, changing nothing, that the engine's swarm state lets the bench create
   * services, and says what the bench will do with it. Throws with advice otherwise.
   */
  async preflight() {
    return (await this.checkState()).plan;
  }

  async checkState() {
    const swarm = (await this.docker.info()).Swarm ?? {};
    if (swarm.LocalNodeState === "inactive") return { inSwarm: false, plan: "the engine is in no swarm: the bench makes a single-node swarm on 127.0.0.1 and leaves it afterwards" };
    if (swarm.LocalNodeState === "active" && swarm.ControlAvailable) return { inSwarm: true, plan: `the engine manages a swarm already (node ${swarm.NodeID}): the bench uses it and stays in it` };
    if (swarm.LocalNodeState === "active") {
      throw new Error("the engine is a worker of a swarm, and only a manager can create services; run the benchmark against a manager's engine, or pass --no-swarm");
    }
    const why = swarm.Error ? ` (${swarm.Error})` : "";
    throw new Error(`the engine's swarm state is '${swarm.LocalNodeState}'${why}; bring it back ('docker info', 'docker swarm unlock', 'docker swarm leave'), or pass --no-swarm`);
  }

  /** Makes the swarm if the engine is in none, and opens the start events; call before createService. */
  async join() {
    if (!(await this.checkState()).inSwarm) {
      this.gatewayBridgeExisted = await this.networkExists(GATEWAY_BRIDGE);
      // Set before the call, so that a Ctrl-C while it runs still leaves the swarm.
      this.joined = true;
      try {
        await this.docker.swarmInit({ ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1" });
      } catch (err) {
        throw new Error(`could not make a single-node swarm on 127.0.0.1:2377 (${message(err)}); check 'docker info', or pass --no-swarm`);
      }
    }
    // By image ID: a tag makes Swarm's executor ask the tag's registry for a newer
    // image before every task start, and bosun.local is no registry.
    this.imageId = (await this.docker.getImage(IMAGE).inspect()).Id;
    this.events = await StartEvents.open(this.docker, this.runId);
  }

  async networkExists(name) {
    return this.docker
      .getNetwork(name)
      .inspect()
      .then(() => true, () => false);
  }

  /** Creates a replicated service of the bench image and command; returns its ID. */
  async createService(name, replicas) {
    this.checkOpen();
    const labels = { "bosun.io/bench": this.runId, "bosun.io/bench-side": SIDE };
    const { id } = await this.docker.createService({
      Name: name,
      Labels: labels,
      TaskTemplate: { ContainerSpec: { Image: this.imageId, Command: COMMAND, Labels: labels, StopGracePeriod: STOP_GRACE_NS } },
      Mode: { Replicated: { Replicas: replicas } },
    });
    return id;
  }

  /** Sets the service's replica count (an update at the service's current version). */
  async scale(serviceId, replicas) {
    const service = this.docker.getService(serviceId);
    const { Version, Spec } = await service.inspect();
    await service.update({ ...Spec, version: Version.Index, Mode: { Replicated: { Replicas: replicas } } });
  }

  /**
   * Resolves with performance.now() at the poll of the manager's task list that first
   * showed `count` tasks of the service running; `onProgress(running)` after each poll.
   */
  async running(serviceId, count, timeoutMs, onProgress = () => undefined) {
    const deadline = performance.now() + timeoutMs;
    const desired = JSON.stringify({ service: [serviceId], "desired-state": ["running"] });
    for (;;) {
      this.checkOpen();
      const tasks = await this.docker.listTasks({ filters: desired });
      const at = performance.now();
      const running = tasks.filter((t) => t.Status?.State === "running").length;
      onProgress(running);
      if (running >= count) return at;
      if (at > deadline) throw new Error(`only ${running} of ${count} tasks of Swarm service ${serviceId} were running after ${timeoutMs} ms${await this.lastTaskError(serviceId)}; check 'docker service ps --no-trunc ${serviceId}'`);
      await sleep(this.events.lost || this.events.started(serviceId) >= count ? FAST_POLL_MS : SLOW_POLL_MS);
    }
  }

  checkOpen() {
    if (this.closed) throw new Error("the Swarm side is being cleaned up");
  }

  async lastTaskError(serviceId) {
    const tasks = await this.docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) }).catch(() => []);
    const failed = tasks.filter((t) => t.Status?.Err).sort((a, b) => String(b.Status.Timestamp).localeCompare(String(a.Status.Timestamp)));
    return failed.length > 0 ? ` (last task error: ${failed[0].Status.Err})` : "";
  }

  /**
   * Removes the peer's services, waits until Swarm has removed their containers
   * (force-removing any left after the timeout), and leaves the swarm if the peer
   * made it. Safe to call more than once, and when join() never ran.
   */
  async cleanup() {
    this.closed = true;
    this.events?.close();
    const ours = JSON.stringify({ label: [`bosun.io/bench=${this.runId}`, `bosun.io/bench-side=${SIDE}`] });
    const services = await this.docker.listServices({ filters: ours }).catch(() => []);
    await Promise.all(services.map((s) => this.docker.getService(s.ID).remove().catch(() => undefined)));
    let left = [];
    const deadline = Date.now() + CLEANUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      left = await this.docker.listContainers({ all: true, filters: ours }).catch(() => []);
      if (left.length === 0) break;
      await sleep(500);
    }
    await Promise.all(left.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    if (this.joined) await this.leave();
  }

  /** Leaves the swarm the peer made, unless services not its own run in it now. */
  async leave() {
    if ((await this.docker.info()).Swarm?.LocalNodeState !== "active") {
      this.joined = false;
      return;
    }
    const others = (await this.docker.listServices().catch(() => [])).filter((s) => s.Spec?.Labels?.["bosun.io/bench"] !== this.runId);
    if (others.length > 0) {
      const names = others.map((s) => s.Spec?.Name ?? s.ID).join(", ");
      console.error(`${this.script}: staying in the swarm the benchmark made: services it did not create run there now (${names}); leave it with 'docker swarm leave --force' once they are done`);
      return;
    }
    try {
      await this.docker.swarmLeave({ force: true });
    } catch (err) {
      console.error(`${this.script}: could not leave the swarm the benchmark made (${message(err)}); leave it with 'docker swarm leave --force'`);
      return;
    }
    this.joined = false;
    if (!this.gatewayBridgeExisted) await this.removeGatewayBridge();
  }

  /** Docker keeps the gateway bridge after a leave; the peer removes it when it made it and nothing uses it. */
  async removeGatewayBridge() {
    const network = this.docker.getNetwork(GATEWAY_BRIDGE);
    const info = await network.inspect().catch(() => undefined);
    if (info && Object.keys(info.Containers ?? {}).length === 0) await network.remove().catch(() => undefined);
  }
}
