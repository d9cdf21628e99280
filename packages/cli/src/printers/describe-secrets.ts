// `bosun describe secret`, as kubectl's SecretDescriber: metadata, the type, and
// each data key with the size of its value. Never a value: describe output ends
// up in terminals, logs and bug reports.
import { secretDataSizes, type Secret } from "@bosun/api";
import { commonMeta } from "./describe.js";
import { DescribeWriter } from "./describe-writer.js";

export function describeSecret(secret: Secret): string {
  const w = new DescribeWriter();
  commonMeta(w, secret);
  w.map(0, "Labels", secret.metadata.labels);
  w.map(0, "Annotations", secret.metadata.annotations, ": ");
  w.line(0, "");
  w.line(0, "Type:", secret.type ?? "");
  w.line(0, "");
  w.line(0, "Data");
  w.line(0, "====");
  for (const [key, bytes] of secretDataSizes(secret)) w.line(0, `${key}:`, `${bytes} bytes`);
  return w.toString();
}
