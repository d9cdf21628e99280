// `bosun describe configmap`, line for line as kubectl's ConfigMapDescriber:
// metadata, each data key with its value under a "----" rule (keys sorted), each
// binaryData key with the size of its value, then the events.
import { decodedSizes, type ConfigMap, type Event } from "@bosun/api";
import { commonMeta, withEvents } from "./describe.js";
import { DescribeWriter } from "./describe-writer.js";

export function describeConfigMap(cm: ConfigMap, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, cm);
  w.map(0, "Labels", cm.metadata.labels);
  w.map(0, "Annotations", cm.metadata.annotations, ": ");
  w.line(0, "");
  w.line(0, "Data");
  w.line(0, "====");
  const data = cm.data ?? {};
  for (const key of Object.keys(data).sort()) {
    w.line(0, `${key}:`);
    w.line(0, "----");
    w.line(0, data[key]!);
    w.line(0, "");
  }
  w.line(0, "");
  w.line(0, "BinaryData");
  w.line(0, "====");
  for (const [key, bytes] of decodedSizes(cm.binaryData)) w.line(0, `${key}: ${bytes} bytes`);
  w.line(0, "");
  return withEvents(w, events, now);
}
