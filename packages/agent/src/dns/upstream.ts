// Forwarding of names outside the cluster zone to the node's upstream resolvers, as
// CoreDNS's forward plugin does for `forward . /etc/resolv.conf`: the client's query
// is relayed as it is (so its EDNS0 options and record types the server does not
// know pass through), under an id of our own from a fresh socket (a random id and
// source port, against spoofed answers), to each upstream in turn until one answers
// within the timeout. A truncated UDP answer to a client that asked over TCP is asked
// again over TCP, so that client gets the whole answer.
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import { decode, encode, RECURSION_DESIRED, type Answer, type Question } from "dns-packet";
import { canonicalIp } from "./reverse-names.js";
import { TcpFrameReader, tcpFrame } from "./tcp-frames.js";

export interface Upstream {
  host: string;
  port: number;
}

export const defaultUpstreamTimeoutMs = 2000;

export function formatUpstream(u: Upstream): string {
  return u.host.includes(":") ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`;
}

/**
 * Upstreams from resolv.conf nameserver entries (port 53); entries that are not IP
 * addresses (a link-local address with a zone, a typo) are returned as skipped.
 */
export function upstreamsFromNameservers(nameservers: readonly string[], port = 53): { upstreams: Upstream[]; skipped: string[] } {
  const upstreams: Upstream[] = [];
  const skipped: string[] = [];
  for (const entry of nameservers) {
    const host = canonicalIp(entry);
    if (host === undefined) skipped.push(entry);
    else if (!upstreams.some((u) => u.host === host && u.port === port)) upstreams.push({ host, port });
  }
  return { upstreams, skipped };
}

export class UpstreamError extends Error {
  override name = "UpstreamError";
}

export interface ForwarderOptions {
  upstreams: readonly Upstream[];
  /** How long to wait for each upstream; default 2 s. */
  timeoutMs?: number;
  /** Aborting it ends every exchange in flight (the server is stopping). */
  signal?: AbortSignal;
}

const truncatedBit = 0x0200;
const responseBit = 0x8000;

export class Forwarder {
  private readonly timeoutMs: number;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? defaultUpstreamTimeoutMs;
  }

  get upstreams(): readonly Upstream[] {
    return this.opts.upstreams;
  }

  /**
   * The first upstream answer to the raw query, carrying the query's own id; throws
   * an UpstreamError naming every upstream's failure when none answers.
   */
  async exchange(query: Buffer, question: Question, overTcp: boolean): Promise<Buffer> {
    if (this.opts.upstreams.length === 0) {
      throw new UpstreamError("no upstream DNS servers are configured; give the agent the node's resolv.conf nameservers");
    }
    const failures: string[] = [];
    for (const upstream of this.opts.upstreams) {
      if (this.opts.signal?.aborted) break;
      try {
        let answer = await this.ask(upstream, query, question, "udp");
        if (overTcp && (answer.readUInt16BE(2) & truncatedBit) !== 0) answer = await this.ask(upstream, query, question, "tcp");
        return answer;
      } catch (err) {
        failures.push(`${formatUpstream(upstream)}: ${(err as Error).message}`);
      }
    }
    throw new UpstreamError(`no upstream DNS server answered ${question.type} ${question.name} (${failures.join("; ") || "the server is stopping"})`);
  }

  /** The upstream answer records for a name of our own asking (an ExternalName's target). */
  async lookup(question: Question): Promise<Answer[]> {
    const query = encode({ type: "query", id: 0, flags: RECURSION_DESIRED, questions: [question] });
    return decode(await this.exchange(query, question, false)).answers ?? [];
  }

  private ask(upstream: Upstream, query: Buffer, question: Question, transport: "udp" | "tcp"): Promise<Buffer> {
    const clientId = query.readUInt16BE(0);
    const id = randomInt(0, 65536);
    const message = Buffer.from(query);
    message.writeUInt16BE(id, 0);
    const accept = (answer: Buffer): Buffer | undefined => {
      if (!answers(answer, id, question)) return undefined;
      const own = Buffer.from(answer);
      own.writeUInt16BE(clientId, 0);
      return own;
    };
    return transport === "udp" ? this.udp(upstream, message, accept) : this.tcp(upstream, message, accept);
  }

  private udp(upstream: Upstream, message: Buffer, accept: (answer: Buffer) => Buffer | undefined): Promise<Buffer> {
    const socket = dgram.createSocket(net.isIPv6(upstream.host) ? "udp6" : "udp4");
    return this.exchangeOn(socket, () => socket.close(), (settle) => {
      // A connected socket hears only from the upstream it asked.
      socket.on("message", (m) => {
        const answer = accept(m);
        if (answer !== undefined) settle(undefined, answer);
      });
      // Node hands a failed connect to the callback, not to the error event.
      socket.connect(upstream.port, upstream.host, (err?: Error) => (err ? settle(err) : socket.send(message, (e) => e && settle(e))));
    });
  }

  private tcp(upstream: Upstream, message: Buffer, accept: (answer: Buffer) => Buffer | undefined): Promise<Buffer> {
    const socket = net.connect({ host: upstream.host, port: upstream.port });
    const reader = new TcpFrameReader();
    return this.exchangeOn(socket, () => socket.destroy(), (settle) => {
      socket.on("connect", () => socket.write(tcpFrame(message)));
      socket.on("data", (chunk: Buffer) => {
        for (const frame of reader.push(chunk)) {
          const answer = accept(frame);
          if (answer !== undefined) return settle(undefined, answer);
        }
      });
      socket.on("end", () => settle(new Error("closed the TCP connection without answering")));
    });
  }

  /** Runs one exchange on a socket with the timeout and the stop signal, and closes the socket after. */
  private exchangeOn(
    socket: NodeJS.EventEmitter,
    close: () => void,
    start: (settle: (err: Error | undefined, answer?: Buffer) => void) => void,
  ): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let done = false;
      const settle = (err: Error | undefined, answer?: Buffer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.opts.signal?.removeEventListener("abort", onAbort);
        close();
        if (err) reject(err);
        else resolve(answer!);
      };
      const onAbort = () => settle(new Error("the DNS server is stopping"));
      const timer = setTimeout(() => settle(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.opts.signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("error", (err: Error) => settle(err));
      start(settle);
    });
  }
}

/** Whether the message answers our query: our id, a response, the same question. */
function answers(message: Buffer, id: number, question: Question): boolean {
  if (message.length < 12 || message.readUInt16BE(0) !== id || (message.readUInt16BE(2) & responseBit) === 0) return false;
  try {
    const q = decode(message).questions?.[0];
    return q !== undefined && q.type === question.type && q.name.toLowerCase() === question.name.toLowerCase();
  } catch {
    return false;
  }
}
