// autoscaling/v1 Scale: the body of the /scale subresource of Deployments,
// ReplicaSets and StatefulSets, what `kubectl scale` reads and writes.
import { Type, type Static } from "@sinclair/typebox";
import { Int32 } from "./integers.js";
import { kindSchema, strict } from "./meta.js";

export const Scale = kindSchema("autoscaling/v1", "Scale", {
  spec: Type.Optional(Type.Object({ replicas: Type.Optional(Int32()) }, strict)),
  status: Type.Optional(
    Type.Object({ replicas: Int32(), selector: Type.Optional(Type.String()) }, strict),
  ),
});
export type Scale = Static<typeof Scale>;
