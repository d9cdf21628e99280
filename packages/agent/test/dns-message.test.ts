// The wire helpers: responses, truncation to the client's size, TCP framing and
// reverse names.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, RECURSION_DESIRED, type Answer, type DecodedPacket } from "dns-packet";
import { classicUdpLimit, encodeWithin, errorFromRaw, response, udpLimitFor } from "../src/dns/message.js";
import { TcpFrameReader, tcpFrame } from "../src/dns/tcp-frames.js";
import { addressFromReverseName, isReverseName, reverseName } from "../src/dns/reverse-names.js";

function query(name: string, opts: { edns?: number; id?: number } = {}): DecodedPacket {
  const raw = encode({
    type: "query",
    id: opts.id ?? 4242,
    flags: RECURSION_DESIRED,
    questions: [{ name, type: "A", class: "IN" }],
    additionals:
      opts.edns === undefined ? [] : [{ type: "OPT", name: ".", udpPayloadSize: opts.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
  return decode(raw);
}

function addresses(count: number, name = "db.default.svc.cluster.local"): Answer[] {
  return Array.from({ length: count }, (_, i) => ({ type: "A" as const, name, ttl: 5, class: "IN" as const, data: `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
}

describe("responses", () => {
  test("echo id, question and RD; set RA, AA and the rcode; carry OPT only when the query did", () => {
    const plain = decode(encode(response(query("x.example"), { rcode: "NXDOMAIN", authoritative: true })));
    assert.equal(plain.id, 4242);
    assert.deepEqual([plain.flag_qr, plain.flag_aa, plain.flag_rd, plain.flag_ra, plain.flag_tc], [true, true, true, true, false]);
    assert.equal((plain as DecodedPacket & { rcode: string }).rcode, "NXDOMAIN");
    assert.deepEqual(plain.questions, [{ name: "x.example", type: "A", class: "IN" }]);
    assert.deepEqual(plain.additionals, []);

    const withEdns = decode(encode(response(query("x.example", { edns: 4096 }), { rcode: "NOERROR" })));
    assert.equal(withEdns.flag_aa, false);
    assert.deepEqual(withEdns.additionals?.map((a) => a.type), ["OPT"]);
  });

  test("the UDP limit is 512 without EDNS0, the client's size with it, never below 512", () => {
    assert.equal(udpLimitFor(query("x")), classicUdpLimit);
    assert.equal(udpLimitFor(query("x", { edns: 4096 })), 4096);
    assert.equal(udpLimitFor(query("x", { edns: 100 })), 512);
  });

  test("an error from raw bytes keeps the id and opcode and has no question", () => {
    const raw = Buffer.from([0x12, 0x34, 0x29, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]); // opcode 5 (UPDATE), RD
    const reply = decode(errorFromRaw(raw, "NOTIMP")) as DecodedPacket & { rcode: string; opcode: string };
    assert.equal(reply.id, 0x1234);
    assert.equal(reply.opcode, "UPDATE");
    assert.equal(reply.rcode, "NOTIMP");
    assert.equal(reply.flag_rd, true);
    assert.deepEqual(reply.questions, []);
  });
});

describe("encodeWithin", () => {
  const q = query("db.default.svc.cluster.local");

  test("a message that fits is sent whole, TC clear", () => {
    const out = encodeWithin(response(q, { rcode: "NOERROR", answers: addresses(3) }), 512);
    const d = decode(out);
    assert.equal(d.flag_tc, false);
    assert.equal(d.answers?.length, 3);
  });

  test("too many answers for 512 bytes: as many as fit, TC set", () => {
    const whole = encode(response(q, { rcode: "NOERROR", answers: addresses(40) }));
    assert.ok(whole.length > 512);
    const out = encodeWithin(response(q, { rcode: "NOERROR", answers: addresses(40) }), 512);
    assert.ok(out.length <= 512, `${out.length} bytes`);
    const d = decode(out);
    assert.equal(d.flag_tc, true);
    assert.ok(d.answers!.length > 0 && d.answers!.length < 40);
    // One more answer would not have fit.
    assert.ok(encode({ ...response(q, { rcode: "NOERROR", answers: addresses(d.answers!.length + 1) }) }).length > 512);
  });

  test("additional records go first, without TC, and the OPT stays", () => {
    const qe = query("db.default.svc.cluster.local", { edns: 600 });
    const packet = response(qe, { rcode: "NOERROR", answers: addresses(5), additionals: addresses(20, "glue.default.svc.cluster.local") });
    const out = encodeWithin(packet, 600);
    const d = decode(out);
    assert.equal(d.flag_tc, false);
    assert.equal(d.answers?.length, 5);
    assert.deepEqual(d.additionals?.map((a) => a.type), ["OPT"]);
  });

  test("authority records that do not fit go with TC", () => {
    const soa: Answer = { type: "SOA", name: "cluster.local", ttl: 5, data: { mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local" } };
    // Ten answers fit in 512 bytes, the SOA after them does not.
    const packet = response(q, { rcode: "NOERROR", answers: addresses(10), authorities: [soa] });
    assert.ok(encode({ ...packet, authorities: [] }).length <= 512);
    const d = decode(encodeWithin(packet, 512));
    assert.equal(d.flag_tc, true);
    assert.equal(d.answers?.length, 10);
    assert.deepEqual(d.authorities, []);
  });
});

describe("TCP framing", () => {
  test("messages split and joined across chunks come out whole and in order", () => {
    const a = encode(query("a.example"));
    const b = encode(query("b.example", { id: 7 }));
    const stream = Buffer.concat([tcpFrame(a), tcpFrame(b), tcpFrame(Buffer.alloc(0))]);
    const reader = new TcpFrameReader();
    const out: Buffer[] = [];
    // One byte at a time: the worst a TCP stream can do.
    for (let i = 0; i < stream.length; i++) out.push(...reader.push(stream.subarray(i, i + 1)));
    assert.deepEqual(out, [a, b, Buffer.alloc(0)]);
    assert.deepEqual(new TcpFrameReader().push(stream), [a, b, Buffer.alloc(0)]);
  });
});

describe("reverse names", () => {
  test("IPv4 and IPv6 addresses to reverse names and back, in canonical spelling", () => {
    assert.equal(reverseName("10.96.0.1"), "1.0.96.10.in-addr.arpa");
    assert.equal(addressFromReverseName("1.0.96.10.in-addr.arpa"), "10.96.0.1");
    const v6 = reverseName("FD00:96::0020");
    assert.equal(v6, "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa");
    assert.equal(addressFromReverseName(v6), "fd00:96::20");
  });

  test("partial and malformed reverse names have no address", () => {
    for (const name of ["96.10.in-addr.arpa", "1.0.96.300.in-addr.arpa", "01.0.96.10.in-addr.arpa", "0.2.ip6.arpa", "x.in-addr.arpa", "in-addr.arpa", "example.com"]) {
      assert.equal(addressFromReverseName(name), undefined, name);
    }
    assert.equal(isReverseName("in-addr.arpa"), true);
    assert.equal(isReverseName("5.1.244.10.in-addr.arpa"), true);
    assert.equal(isReverseName("arpa"), false);
    assert.throws(() => reverseName("web"), /"web" is not an IP address/);
  });
});
