// DNS messages as the server sends them, encoded by dns-packet: the response header
// for a query, EDNS0 (RFC 6891) and truncation to what the client can take (RFC 1035
// 4.2.1: 512 bytes over UDP without EDNS; RFC 2181 9: TC only when data the answer
// needs had to go, so dropping additional records alone does not set it).
import {
  AUTHORITATIVE_ANSWER,
  encode,
  RECURSION_AVAILABLE,
  RECURSION_DESIRED,
  TRUNCATED_RESPONSE,
  type Answer,
  type DecodedPacket,
  type OptAnswer,
  type Packet,
  type Question,
} from "dns-packet";

/** The largest UDP answer for a client that did not say (no EDNS0). */
export const classicUdpLimit = 512;
/** A DNS message over TCP has a 16-bit length. */
export const tcpLimit = 65535;
/** The UDP payload size this server advertises: DNS flag day 2020's, which avoids IP fragmentation. */
export const advertisedUdpPayload = 1232;

export const rcodes = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;
export type Rcode = keyof typeof rcodes;

const rdFlag = RECURSION_DESIRED;

/** The query's OPT record: EDNS0, when the client speaks it. */
export function ednsOf(query: DecodedPacket): OptAnswer | undefined {
  return query.additionals?.find((a): a is OptAnswer => a.type === "OPT");
}

/** How large a UDP answer to this query may be. */
export function udpLimitFor(query: DecodedPacket): number {
  const opt = ednsOf(query);
  return opt === undefined ? classicUdpLimit : Math.max(classicUdpLimit, opt.udpPayloadSize);
}

/** An OPT record for the response when the query carried one (RFC 6891 7). */
function responseOpt(query: DecodedPacket): OptAnswer[] {
  if (ednsOf(query) === undefined) return [];
  return [{ type: "OPT", name: ".", udpPayloadSize: advertisedUdpPayload, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
}

export interface ResponseContent {
  rcode: Rcode;
  authoritative?: boolean;
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
}

/** A response to the query: its id, question and RD bit, RA set (this server recurses by forwarding). */
export function response(query: DecodedPacket, content: ResponseContent): Packet {
  let flags = RECURSION_AVAILABLE | rcodes[content.rcode] | ((query.flags ?? 0) & rdFlag);
  if (content.authoritative) flags |= AUTHORITATIVE_ANSWER;
  return {
    type: "response",
    id: query.id ?? 0,
    flags,
    questions: query.questions ?? [],
    answers: content.answers ?? [],
    authorities: content.authorities ?? [],
    additionals: [...(content.additionals ?? []), ...responseOpt(query)],
  };
}

/**
 * An error answer to a message that could not be read as a query: the header's id
 * and opcode from the raw bytes, no question (it may be what was unreadable).
 */
export function errorFromRaw(raw: Buffer, rcode: Rcode, question?: Question): Buffer {
  const id = raw.readUInt16BE(0);
  const requestFlags = raw.readUInt16BE(2);
  const opcodeBits = requestFlags & 0x7800;
  const flags = opcodeBits | (requestFlags & rdFlag) | RECURSION_AVAILABLE | rcodes[rcode];
  return encode({ type: "response", id, flags, questions: question ? [question] : [] });
}

function withTruncation(packet: Packet): Packet {
  return { ...packet, flags: (packet.flags ?? 0) | TRUNCATED_RESPONSE };
}

/**
 * The packet encoded within limit bytes: whole when it fits; else without its
 * additional records (but the OPT), then with as many answers as fit and TC set,
 * so that a client that does not retry over TCP (musl before 1.2.4) still gets
 * some of the addresses and one that does knows to.
 */
export function encodeWithin(packet: Packet, limit: number): Buffer {
  const whole = encode(packet);
  if (whole.length <= limit) return whole;
  const opt = (packet.additionals ?? []).filter((a) => a.type === "OPT");
  const lean: Packet = { ...packet, additionals: opt };
  const withoutExtras = encode(lean);
  if (withoutExtras.length <= limit) return withoutExtras;

  const answers = packet.answers ?? [];
  const fits = (n: number) => encode(withTruncation({ ...lean, answers: answers.slice(0, n), authorities: [] }));
  // The largest count of answers that fits, by bisection: encoding is the costly part.
  let low = 0;
  let high = answers.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid).length <= limit) low = mid;
    else high = mid - 1;
  }
  const truncated = fits(low);
  if (truncated.length <= limit) return truncated;
  // Even the question and OPT do not fit (a client advertising less than it sent): header and TC only.
  return encode(withTruncation({ ...lean, questions: [], answers: [], authorities: [], additionals: [] }));
}
