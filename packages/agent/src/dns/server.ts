// The node's cluster DNS server: UDP and TCP on one address and port (the pod
// bridge's gateway, 53), answering the cluster zone from ClusterRecords and
// forwarding every other name to the node's upstream resolvers. Whatever arrives,
// the server answers or drops it and keeps serving: a message it cannot read gets
// FORMERR, one too short to carry a header (or itself a response) gets nothing.
import dgram from "node:dgram";
import net from "node:net";
import { decode, type Answer, type DecodedPacket, type OptAnswer, type Question } from "dns-packet";
import { createLogger } from "@bosun/client";
import { advertisedUdpPayload, ednsOf, encodeWithin, errorFromRaw, response, tcpLimit, udpLimitFor } from "./message.js";
import type { ClusterRecords } from "./records.js";
import { canonicalIp } from "./reverse-names.js";
import { TcpFrameReader, tcpFrame } from "./tcp-frames.js";
import { Forwarder, formatUpstream, type Upstream } from "./upstream.js";

const log = createLogger("agent/dns");

export interface ClusterDnsServerOptions {
  /** The address to listen on: the pod bridge's gateway on a node. */
  host: string;
  /** The UDP and TCP port; 0 picks a free one, the same for both. */
  port: number;
  /** The cluster's records as they are now; asked once per query (see ClusterRecordsSource). */
  records: () => ClusterRecords;
  /** Where names outside the cluster zone go, in order (see upstreamsFromNameservers). */
  upstreams: readonly Upstream[];
  /** How long to wait for each upstream; default 2 s. */
  upstreamTimeoutMs?: number;
  /** How long an idle TCP connection stays open; default 10 s. */
  tcpIdleTimeoutMs?: number;
  /**
   * Shuffle the addresses in each answer, as CoreDNS's loadbalance plugin (in its
   * default Corefile) does, so clients that take the first address spread over a
   * headless Service's endpoints; default true.
   */
  shuffle?: boolean;
}

type Transport = "udp" | "tcp";

const responseBit = 0x8000;
const classesAnswered = new Set(["IN", "ANY"]);

function listenError(host: string, port: number, transport: Transport, err: Error): Error {
  return new Error(
    `cannot serve cluster DNS on ${host}:${port}/${transport}: ${err.message}; ` +
      "check that the address is on this host and that nothing else (systemd-resolved, dnsmasq) holds the port",
  );
}

/** Shuffles the A and AAAA records among their own places, leaving CNAMEs where they are. */
function shuffleAddresses(answers: Answer[]): Answer[] {
  const places = answers.flatMap((a, i) => (a.type === "A" || a.type === "AAAA" ? [i] : []));
  const shuffled = [...answers];
  for (let i = places.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[places[i]!], shuffled[places[j]!]] = [shuffled[places[j]!]!, shuffled[places[i]!]!];
  }
  return shuffled;
}

export class ClusterDnsServer {
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();
  private stopping = new AbortController();
  private forwarder: Forwarder;
  private boundPort = 0;
  /** Whether the last forwarded query failed everywhere: the log says so once per outage. */
  private upstreamsFailing = false;

  constructor(private readonly opts: ClusterDnsServerOptions) {
    this.forwarder = this.makeForwarder(opts.upstreams);
  }

  /** The port both sockets listen on, once started. */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.udp !== undefined) throw new Error("the cluster DNS server is already started; stop() it before starting it again");
    const { host, port } = this.opts;
    this.stopping = new AbortController();
    // With port 0 the UDP socket picks the port and TCP takes the same; another
    // process may hold that TCP port, so a few ports are tried.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(host, port);
      const chosen = udp.address().port;
      try {
        this.tcp = await this.listenTcp(host, chosen);
        this.udp = udp;
        this.boundPort = chosen;
        break;
      } catch (err) {
        udp.close();
        if (port !== 0 || attempt >= 10 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw listenError(host, chosen, "tcp", err as Error);
      }
    }
    this.forwarder = this.makeForwarder(this.opts.upstreams.filter((u) => !this.isSelf(u)));
    log.info(
      { address: host, port: this.boundPort, upstreams: this.forwarder.upstreams.map(formatUpstream) },
      "cluster DNS serving on UDP and TCP",
    );
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
    if (udp || tcp) log.info({ address: this.opts.host, port: this.boundPort }, "cluster DNS stopped");
  }

  /**
   * The reply to one message as it came off the wire, undefined when it gets none:
   * shorter than a header, or itself a response (answering those could make two
   * servers echo each other forever).
   */
  async reply(raw: Buffer, transport: Transport): Promise<Buffer | undefined> {
    if (raw.length < 12 || (raw.readUInt16BE(2) & responseBit) !== 0) return undefined;
    let query: DecodedPacket;
    try {
      query = decode(raw);
    } catch (err) {
      log.debug({ transport, err: (err as Error).message }, "malformed DNS query answered FORMERR");
      return errorFromRaw(raw, "FORMERR");
    }
    if (((raw.readUInt16BE(2) >> 11) & 0xf) !== 0) return errorFromRaw(raw, "NOTIMP"); // only QUERY
    const question = query.questions?.[0];
    if (question === undefined || query.questions!.length !== 1) return errorFromRaw(raw, "FORMERR");
    const limit = transport === "udp" ? udpLimitFor(query) : tcpLimit;
    const edns = ednsOf(query);
    if (edns !== undefined && edns.ednsVersion !== 0) return this.badVersion(query, limit);

    const records = this.opts.records();
    if (!classesAnswered.has(question.class ?? "IN")) {
      // Only class IN holds cluster records; other classes (CHAOS version.bind) are the upstreams' business.
      return records.inZone(question.name) ? errorFromRaw(raw, "REFUSED") : this.forward(raw, query, question, transport, limit);
    }
    const zone = records.resolve(question);
    if (zone === undefined) return this.forward(raw, query, question, transport, limit);

    let answers = zone.answers;
    if (zone.externalTarget !== undefined) answers = [...answers, ...(await this.completeExternal(zone.externalTarget, question))];
    if (this.opts.shuffle ?? true) answers = shuffleAddresses(answers);
    const packet = response(query, {
      rcode: zone.rcode,
      authoritative: true,
      answers,
      authorities: zone.authorities,
      additionals: zone.additionals,
    });
    return encodeWithin(packet, limit);
  }

  // ---- forwarding ----

  private async forward(raw: Buffer, query: DecodedPacket, question: Question, transport: Transport, limit: number): Promise<Buffer> {
    let answer: Buffer;
    try {
      answer = await this.forwarder.exchange(raw, question, transport === "tcp");
    } catch (err) {
      this.noteUpstreams(err as Error);
      return encodeWithin(response(query, { rcode: "SERVFAIL" }), limit);
    }
    this.noteUpstreams(undefined);
    if (answer.length <= limit) return answer;
    try {
      return encodeWithin(decode(answer), limit);
    } catch {
      return encodeWithin(response(query, { rcode: "SERVFAIL" }), limit);
    }
  }

  /** The upstream's addresses for an ExternalName's target; none when it does not answer (the CNAME stands alone). */
  private async completeExternal(target: string, question: Question): Promise<Answer[]> {
    try {
      const answers = await this.forwarder.lookup({ name: target, type: question.type, class: "IN" });
      this.noteUpstreams(undefined);
      return answers;
    } catch (err) {
      this.noteUpstreams(err as Error);
      return [];
    }
  }

  private noteUpstreams(err: Error | undefined): void {
    if (this.stopping.signal.aborted) return; // failures of a stopping server say nothing about the upstreams
    if (err === undefined) {
      if (this.upstreamsFailing) log.info("upstream DNS servers answer again");
      this.upstreamsFailing = false;
    } else if (!this.upstreamsFailing) {
      this.upstreamsFailing = true;
      log.warn({ err: err.message }, "upstream DNS servers do not answer: names outside the cluster get SERVFAIL until they do");
    } else {
      log.debug({ err: err.message }, "forwarded DNS query failed");
    }
  }

  private makeForwarder(upstreams: readonly Upstream[]): Forwarder {
    return new Forwarder({ upstreams, timeoutMs: this.opts.upstreamTimeoutMs, signal: this.stopping.signal });
  }

  /** An upstream that is this very server would forward every query back to itself. */
  private isSelf(u: Upstream): boolean {
    const self = u.port === this.boundPort && canonicalIp(u.host) === canonicalIp(this.opts.host);
    if (self) log.warn({ upstream: formatUpstream(u) }, "ignoring an upstream DNS server that is this server itself");
    return self;
  }

  /** EDNS versions above 0 do not exist yet: BADVERS (RFC 6891 6.1.3), the extended rcode 16. */
  private badVersion(query: DecodedPacket, limit: number): Buffer {
    const packet = response(query, { rcode: "NOERROR" });
    const opt: OptAnswer = { type: "OPT", name: ".", udpPayloadSize: advertisedUdpPayload, extendedRcode: 1, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
    return encodeWithin({ ...packet, additionals: [opt] }, limit);
  }

  // ---- sockets ----

  private bindUdp(host: string, port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket(net.isIPv6(host) ? "udp6" : "udp4");
    return new Promise((resolve, reject) => {
      socket.once("error", (err) => {
        socket.close();
        reject(listenError(host, port, "udp", err));
      });
      socket.bind(port, host, () => {
        socket.removeAllListeners("error");
        socket.on("error", (err) => log.error({ err: err.message }, "cluster DNS UDP socket failed"));
        socket.on("message", (message, peer) => this.onDatagram(socket, message, peer));
        resolve(socket);
      });
    });
  }

  private onDatagram(socket: dgram.Socket, message: Buffer, peer: dgram.RemoteInfo): void {
    this.reply(message, "udp").then(
      (reply) => {
        if (reply === undefined || this.udp !== socket) return;
        socket.send(reply, peer.port, peer.address, (err) => err && log.debug({ err: err.message, peer: peer.address }, "DNS reply not sent"));
      },
      (err: Error) => log.error({ err: err.message }, "DNS query failed unexpectedly"),
    );
  }

  private listenTcp(host: string, port: number): Promise<net.Server> {
    const server = net.createServer((socket) => this.onConnection(socket));
    return new Promise((resolve, reject) => {
      server.once("error", (err) => {
        server.close();
        reject(err);
      });
      server.listen({ host, port, exclusive: true }, () => {
        server.removeAllListeners("error");
        server.on("error", (err) => log.error({ err: err.message }, "cluster DNS TCP listener failed"));
        resolve(server);
      });
    });
  }

  private onConnection(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.tcpIdleTimeoutMs ?? 10_000, () => socket.destroy());
    socket.on("close", () => this.connections.delete(socket));
    socket.on("error", (err) => log.debug({ err: err.message }, "DNS TCP connection failed"));
    const reader = new TcpFrameReader();
    socket.on("data", (chunk: Buffer) => {
      // Queries on one connection are answered as each completes (RFC 7766 6.2.1.1).
      for (const frame of reader.push(chunk)) {
        this.reply(frame, "tcp").then(
          (reply) => {
            if (reply !== undefined && !socket.destroyed) socket.write(tcpFrame(reply));
          },
          (err: Error) => log.error({ err: err.message }, "DNS query failed unexpectedly"),
        );
      }
    });
  }
}
