// Kubernetes protobuf request bodies, as client-go's protobuf serializer writes
// them, for tests of the apiserver's protobuf decoding.
import { runtime } from "@bosun/proto/k8s";

export { protobufMediaType } from "../http/protobuf-body.js";

/** "k8s\0", then a runtime.Unknown naming `apiVersion` and `kind` and holding `raw`, the object's encoded message. */
export function protobufBody(apiVersion: string, kind: string, raw: Uint8Array, envelope: { contentEncoding?: string } = {}): Buffer {
  const unknown = runtime.Unknown.fromPartial({ typeMeta: { apiVersion, kind }, raw: Buffer.from(raw), ...envelope });
  return Buffer.concat([Buffer.from("k8s\0", "latin1"), runtime.Unknown.encode(unknown).finish()]);
}
