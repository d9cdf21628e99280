// The cluster DNS server end to end on 127.0.0.1: queries over UDP and TCP with
// dns-packet, forwarding to a fake upstream server on 127.0.0.1, truncation, EDNS0,
// malformed messages and stop().
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import { decode, encode, RECURSION_DESIRED, type Answer, type DecodedPacket, type Packet, type Question } from "dns-packet";
import { ClusterRecords } from "../src/dns/records.js";
import { ClusterDnsServer } from "../src/dns/server.js";
import { TcpFrameReader, tcpFrame } from "../src/dns/tcp-frames.js";
import { endpoint, service, slice, testCluster } from "./dns-fixtures.js";

type Reply = DecodedPacket & { rcode: string };

const loopback = "127.0.0.1";

function cluster() {
  const c = testCluster();
  // A headless Service whose answer is far larger than 512 bytes.
  c.services.push(service("default", "many", { clusterIP: "None", ports: [{ name: "p", port: 7 }] }));
  c.endpointSlices.push(slice("default", "many", Array.from({ length: 60 }, (_, i) => endpoint(`10.244.4.${i + 1}`, { ready: true })), [{ name: "p", port: 7 }]));
  return new ClusterRecords(c, { nameserver: loopback });
}

let nextId = 1;
function query(name: string, type: Question["type"] = "A", extra: Partial<Packet> = {}): Buffer {
  return encode({ type: "query", id: nextId++, flags: RECURSION_DESIRED, questions: [{ name, type, class: "IN" }], ...extra });
}

function edns(size: number, version = 0): Answer {
  return { type: "OPT", name: ".", udpPayloadSize: size, extendedRcode: 0, ednsVersion: version, flags: 0, flag_do: false, options: [] };
}

/** Sends the messages from one UDP socket and returns the first `count` replies, raw. */
function udpExchange(port: number, messages: Buffer[], count = 1): Promise<Buffer[]> {
  const socket = dgram.createSocket("udp4");
  const replies: Buffer[] = [];
  return new Promise((resolve, reject) => {
    socket.on("error", reject);
    socket.on("message", (m) => {
      replies.push(m);
      if (replies.length === count) {
        socket.close();
        resolve(replies);
      }
    });
    for (const m of messages) socket.send(m, port, loopback);
  });
}

async function udpQuery(port: number, message: Buffer): Promise<Reply> {
  const [raw] = await udpExchange(port, [message]);
  return decode(raw!) as Reply;
}

/** Sends the messages on one TCP connection and returns the first `count` replies. */
function tcpExchange(port: number, messages: Buffer[], count = messages.length): Promise<Reply[]> {
  const socket = net.connect(port, loopback);
  const reader = new TcpFrameReader();
  const replies: Reply[] = [];
  return new Promise((resolve, reject) => {
    socket.on("error", reject);
    socket.on("connect", () => socket.write(Buffer.concat(messages.map(tcpFrame))));
    socket.on("data", (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) replies.push(decode(frame) as Reply);
      if (replies.length >= count) {
        socket.destroy();
        resolve(replies);
      }
    });
  });
}

const sortedData = (answers: Answer[] | undefined) => (answers ?? []).map((a) => `${a.type} ${"data" in a ? String(a.data) : ""}`).sort();

/**
 * An upstream DNS server on 127.0.0.1, UDP and TCP on one port: example.com has
 * an address, big.example is truncated over UDP and whole over TCP, silent.example
 * is never answered, anything else is NXDOMAIN.
 */
class FakeUpstream {
  readonly seen: { transport: "udp" | "tcp"; name: string; type: string; id: number }[] = [];
  port = 0;
  private udp!: dgram.Socket;
  private tcp!: net.Server;

  async start(): Promise<void> {
    for (;;) {
      this.udp = dgram.createSocket("udp4");
      await new Promise<void>((r) => this.udp.bind(0, loopback, r));
      this.port = this.udp.address().port;
      this.tcp = net.createServer((s) => {
        const reader = new TcpFrameReader();
        s.on("data", (chunk: Buffer) => {
          for (const frame of reader.push(chunk)) {
            const reply = this.answer(frame, "tcp");
            if (reply) s.write(tcpFrame(reply));
          }
        });
        s.on("error", () => {});
      });
      const listening = await new Promise<boolean>((resolve) => {
        this.tcp.once("error", () => resolve(false));
        this.tcp.listen(this.port, loopback, () => resolve(true));
      });
      if (listening) break;
      this.udp.close();
    }
    this.udp.on("message", (m, peer) => {
      const reply = this.answer(m, "udp");
      if (reply) this.udp.send(reply, peer.port, peer.address);
    });
  }

  private answer(raw: Buffer, transport: "udp" | "tcp"): Buffer | undefined {
    const q = decode(raw);
    const question = q.questions![0]!;
    this.seen.push({ transport, name: question.name, type: question.type, id: q.id! });
    const base = { type: "response" as const, id: q.id, questions: q.questions };
    const a = (data: string): Answer => ({ type: "A", name: question.name, ttl: 60, class: "IN", data });
    switch (question.name) {
      case "example.com":
        return encode({ ...base, flags: RECURSION_DESIRED | 0x80, answers: [a("192.0.2.10")] });
      case "big.example":
        if (transport === "udp") return encode({ ...base, flags: 0x80 | 0x200 });
        return encode({ ...base, flags: 0x80, answers: Array.from({ length: 40 }, (_, i) => a(`192.0.2.${i + 1}`)) });
      case "silent.example":
        return undefined;
      default:
        return encode({ ...base, flags: 0x80 | 3 });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.udp.close(() => r()));
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

/** A UDP socket on 127.0.0.1 that hears queries and never answers. */
async function silentUpstream(): Promise<{ port: number; heard: Promise<void>; close: () => Promise<void> }> {
  const socket = dgram.createSocket("udp4");
  const heard = new Promise<void>((resolve) => socket.once("message", () => resolve()));
  await new Promise<void>((r) => socket.bind(0, loopback, r));
  return { port: socket.address().port, heard, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

async function startServer(upstreams: { host: string; port: number }[], upstreamTimeoutMs = 2000): Promise<ClusterDnsServer> {
  const records = cluster();
  const server = new ClusterDnsServer({ host: loopback, port: 0, records: () => records, upstreams, upstreamTimeoutMs });
  await server.start();
  return server;
}

describe("cluster DNS server", () => {
  const upstream = new FakeUpstream();
  let server: ClusterDnsServer;

  before(async () => {
    await upstream.start();
    server = await startServer([{ host: loopback, port: upstream.port }]);
  });
  after(async () => {
    await server.stop();
    await upstream.stop();
  });

  describe("the cluster zone", () => {
    test("UDP: a Service's A record, authoritative, with the query's id", async () => {
      const q = query("web.default.svc.cluster.local");
      const reply = await udpQuery(server.port, q);
      assert.equal(reply.id, q.readUInt16BE(0));
      assert.equal(reply.rcode, "NOERROR");
      assert.deepEqual([reply.flag_qr, reply.flag_aa, reply.flag_ra, reply.flag_rd, reply.flag_tc], [true, true, true, true, false]);
      assert.deepEqual(reply.answers, [{ type: "A", name: "web.default.svc.cluster.local", ttl: 5, class: "IN", flush: false, data: "10.96.0.10" }]);
    });

    test("TCP on the same port: queries pipelined on one connection are each answered", async () => {
      const a = query("db-0.db.default.svc.cluster.local");
      const b = query("_pg._tcp.db.default.svc.cluster.local", "SRV");
      const replies = await tcpExchange(server.port, [a, b]);
      const byId = new Map(replies.map((r) => [r.id, r]));
      assert.deepEqual(sortedData(byId.get(a.readUInt16BE(0))?.answers), ["A 10.244.1.10"]);
      const srv = byId.get(b.readUInt16BE(0))!;
      assert.equal(srv.answers?.length, 3);
      assert.equal(srv.additionals?.length, 3);
    });

    test("a name that does not exist: NXDOMAIN with the SOA", async () => {
      const reply = await udpQuery(server.port, query("nope.default.svc.cluster.local"));
      assert.equal(reply.rcode, "NXDOMAIN");
      assert.equal(reply.flag_aa, true);
      assert.deepEqual(reply.answers, []);
      assert.deepEqual(reply.authorities?.map((r) => `${r.type} ${r.name}`), ["SOA cluster.local"]);
    });

    test("AAAA of an IPv4-only Service: NODATA", async () => {
      const reply = await udpQuery(server.port, query("web.default.svc.cluster.local", "AAAA"));
      assert.equal(reply.rcode, "NOERROR");
      assert.deepEqual(reply.answers, []);
      assert.deepEqual(reply.authorities?.map((r) => r.type), ["SOA"]);
    });

    test("PTR of a ClusterIP", async () => {
      const reply = await udpQuery(server.port, query("10.0.96.10.in-addr.arpa", "PTR"));
      assert.deepEqual(sortedData(reply.answers), ["PTR web.default.svc.cluster.local"]);
    });

    test("60 endpoints over UDP without EDNS0: at most 512 bytes, some addresses, TC set", async () => {
      const [raw] = await udpExchange(server.port, [query("many.default.svc.cluster.local")]);
      assert.ok(raw!.length <= 512, `${raw!.length} bytes`);
      const reply = decode(raw!) as Reply;
      assert.equal(reply.flag_tc, true);
      assert.ok(reply.answers!.length > 0 && reply.answers!.length < 60);
    });

    test("with EDNS0 the client's buffer size is honoured: all 60, TC clear, an OPT in the answer", async () => {
      const [raw] = await udpExchange(server.port, [query("many.default.svc.cluster.local", "A", { additionals: [edns(4096)] })]);
      assert.ok(raw!.length > 512);
      const reply = decode(raw!) as Reply;
      assert.equal(reply.flag_tc, false);
      assert.equal(reply.answers?.length, 60);
      assert.deepEqual(reply.additionals?.map((a) => a.type), ["OPT"]);
    });

    test("over TCP the whole answer comes, in some order of all 60 addresses", async () => {
      const [reply] = await tcpExchange(server.port, [query("many.default.svc.cluster.local")]);
      assert.equal(reply!.flag_tc, false);
      assert.deepEqual(sortedData(reply!.answers), Array.from({ length: 60 }, (_, i) => `A 10.244.4.${i + 1}`).sort());
    });
  });

  describe("forwarding", () => {
    test("a name outside the zone is forwarded over UDP, and the upstream's answer comes back under the client's id", async () => {
      upstream.seen.length = 0;
      const q = query("example.com");
      const reply = await udpQuery(server.port, q);
      assert.equal(reply.id, q.readUInt16BE(0));
      assert.equal(reply.rcode, "NOERROR");
      assert.deepEqual(sortedData(reply.answers), ["A 192.0.2.10"]);
      assert.deepEqual(upstream.seen.map((s) => `${s.transport} ${s.type} ${s.name}`), ["udp A example.com"]);
    });

    test("the upstream's NXDOMAIN is relayed as it is", async () => {
      const reply = await udpQuery(server.port, query("nosuch.example"));
      assert.equal(reply.rcode, "NXDOMAIN");
      assert.equal(reply.flag_aa, false);
    });

    test("a truncated upstream answer reaches a UDP client with TC; a TCP client gets the whole answer, asked again over TCP", async () => {
      const overUdp = await udpQuery(server.port, query("big.example"));
      assert.equal(overUdp.flag_tc, true);
      upstream.seen.length = 0;
      const [overTcp] = await tcpExchange(server.port, [query("big.example")]);
      assert.equal(overTcp!.flag_tc, false);
      assert.equal(overTcp!.answers?.length, 40);
      assert.deepEqual(upstream.seen.map((s) => s.transport), ["udp", "tcp"]);
    });

    test("an ExternalName's A answer is its CNAME completed with the upstream's addresses", async () => {
      const reply = await udpQuery(server.port, query("ext.default.svc.cluster.local"));
      assert.equal(reply.rcode, "NOERROR");
      assert.deepEqual(
        reply.answers?.map((a) => `${a.name} ${a.type} ${"data" in a ? String(a.data) : ""}`),
        ["ext.default.svc.cluster.local CNAME example.com", "example.com A 192.0.2.10"],
      );
    });

    test("a PTR the cluster does not know goes upstream", async () => {
      upstream.seen.length = 0;
      const reply = await udpQuery(server.port, query("4.3.2.1.in-addr.arpa", "PTR"));
      assert.equal(reply.rcode, "NXDOMAIN");
      assert.deepEqual(upstream.seen.map((s) => s.name), ["4.3.2.1.in-addr.arpa"]);
    });
  });

  describe("malformed and unusual messages", () => {
    test("too short, or a response: no reply at all; the server answers the next query", async () => {
      const valid = query("web.default.svc.cluster.local");
      const response = Buffer.from(valid);
      response.writeUInt16BE(response.readUInt16BE(2) | 0x8000, 2);
      const [first] = await udpExchange(server.port, [Buffer.from([1, 2, 3, 4, 5]), response, valid]);
      const reply = decode(first!) as Reply;
      assert.equal(reply.id, valid.readUInt16BE(0));
      assert.equal(reply.rcode, "NOERROR");
    });

    test("a header with an unreadable question: FORMERR with its id", async () => {
      // qdcount 1, then a label length running past the end.
      const garbage = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 0x61]);
      const reply = decode((await udpExchange(server.port, [garbage]))[0]!) as Reply;
      assert.equal(reply.id, 0xbeef);
      assert.equal(reply.rcode, "FORMERR");
    });

    test("two questions: FORMERR; an opcode other than QUERY: NOTIMP", async () => {
      const two = encode({ type: "query", id: 77, questions: [{ name: "a.example", type: "A" }, { name: "b.example", type: "A" }] });
      assert.equal((await udpQuery(server.port, two)).rcode, "FORMERR");
      const status = query("web.default.svc.cluster.local");
      status.writeUInt16BE(status.readUInt16BE(2) | (2 << 11), 2);
      assert.equal((await udpQuery(server.port, status)).rcode, "NOTIMP");
    });

    test("an EDNS version the server does not speak: BADVERS", async () => {
      const reply = await udpQuery(server.port, query("web.default.svc.cluster.local", "A", { additionals: [edns(1232, 1)] }));
      const opt = reply.additionals?.find((a) => a.type === "OPT");
      assert.ok(opt && opt.type === "OPT");
      assert.equal(opt.extendedRcode, 1);
      assert.deepEqual(reply.answers, []);
    });

    test("another class than IN: REFUSED for the cluster zone, forwarded otherwise", async () => {
      const chaos = encode({ type: "query", id: 91, questions: [{ name: "web.default.svc.cluster.local", type: "A", class: "CH" }] });
      assert.equal((await udpQuery(server.port, chaos)).rcode, "REFUSED");
      upstream.seen.length = 0;
      const version = encode({ type: "query", id: 92, questions: [{ name: "version.bind", type: "TXT", class: "CH" }] });
      assert.equal((await udpQuery(server.port, version)).id, 92);
      assert.deepEqual(upstream.seen.map((s) => s.name), ["version.bind"]);
    });

    test("over TCP a malformed message gets FORMERR and the connection goes on serving", async () => {
      const garbage = Buffer.from([0x0b, 0xad, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f]);
      const valid = query("web.default.svc.cluster.local");
      const replies = await tcpExchange(server.port, [garbage, valid]);
      const byId = new Map(replies.map((r) => [r.id, r.rcode]));
      assert.equal(byId.get(0x0bad), "FORMERR");
      assert.equal(byId.get(valid.readUInt16BE(0)), "NOERROR");
    });
  });
});

describe("upstream failures", () => {
  test("an upstream that does not answer is passed over for the next one", async () => {
    const upstream = new FakeUpstream();
    await upstream.start();
    const silent = await silentUpstream();
    const server = await startServer(
      [
        { host: loopback, port: silent.port },
        { host: loopback, port: upstream.port },
      ],
      200,
    );
    try {
      const reply = await udpQuery(server.port, query("example.com"));
      assert.deepEqual(sortedData(reply.answers), ["A 192.0.2.10"]);
    } finally {
      await server.stop();
      await silent.close();
      await upstream.stop();
    }
  });

  test("no upstream, or none answering: SERVFAIL; an ExternalName's CNAME then stands alone", async () => {
    const none = await startServer([]);
    const silent = await silentUpstream();
    const quiet = await startServer([{ host: loopback, port: silent.port }], 100);
    try {
      assert.equal((await udpQuery(none.port, query("example.com"))).rcode, "SERVFAIL");
      assert.equal((await tcpExchange(none.port, [query("example.com")]))[0]!.rcode, "SERVFAIL");
      assert.equal((await udpQuery(quiet.port, query("example.com"))).rcode, "SERVFAIL");
      const ext = await udpQuery(quiet.port, query("ext.default.svc.cluster.local"));
      assert.equal(ext.rcode, "NOERROR");
      assert.deepEqual(sortedData(ext.answers), ["CNAME example.com"]);
      // The cluster zone does not need upstreams.
      assert.equal((await udpQuery(none.port, query("web.default.svc.cluster.local"))).rcode, "NOERROR");
    } finally {
      await none.stop();
      await quiet.stop();
      await silent.close();
    }
  });
});

describe("start and stop", () => {
  test("stop() closes both sockets, also with a forwarded query still waiting", async () => {
    const silent = await silentUpstream();
    const server = await startServer([{ host: loopback, port: silent.port }], 60_000);
    const port = server.port;
    const client = dgram.createSocket("udp4");
    client.send(query("silent.example"), port, loopback);
    await silent.heard; // the forward is in flight, waiting for 60 s
    await server.stop();
    client.close();
    await silent.close();
    await assert.rejects(
      new Promise((resolve, reject) => {
        const c = net.connect(port, loopback);
        c.on("connect", () => resolve(c.destroy()));
        c.on("error", reject);
      }),
      /ECONNREFUSED/,
    );
    // The UDP port is free again.
    const again = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      again.once("error", reject);
      again.bind(port, loopback, resolve);
    });
    again.close();
  });

  test("a port that is taken is a clear error", async () => {
    const holder = dgram.createSocket("udp4");
    await new Promise<void>((r) => holder.bind(0, loopback, r));
    const port = holder.address().port;
    const server = new ClusterDnsServer({ host: loopback, port, records: () => cluster(), upstreams: [] });
    try {
      await assert.rejects(server.start(), new RegExp(`cannot serve cluster DNS on 127\\.0\\.0\\.1:${port}/udp: .*EADDRINUSE.*nothing else`));
    } finally {
      holder.close();
    }
  });
});
