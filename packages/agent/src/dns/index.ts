// The node's cluster DNS: records from the cluster's Services and EndpointSlices, the
// server that answers them and forwards the rest, and resolv.conf reading and writing.
export * from "./records.js";
export * from "./records-source.js";
export * from "./server.js";
export * from "./upstream.js";
export * from "./resolv-conf.js";
export { reverseName, addressFromReverseName } from "./reverse-names.js";
export * from "./node-dns.js";
