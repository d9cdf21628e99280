// discovery.k8s.io/v1 EndpointSlice, with k8s.io/api/discovery/v1 field names. The
// EndpointSlice controller writes them; the node proxy and DNS read them. The
// Go types' names clash with core/v1's (EndpointPort), so the slice's port is
// EndpointSlicePort here.
import { Type, type Static } from "@sinclair/typebox";
import { Int32 } from "./integers.js";
import { ObjectReference } from "./core.js";
import { kindSchema, StringMap, strict } from "./meta.js";
import { Protocol } from "./services.js";

/** The label naming the Service a slice belongs to. */
export const serviceNameLabel = "kubernetes.io/service-name";
/** The label naming who manages a slice (the controller's own slices carry "endpointslice-controller.k8s.io"). */
export const endpointSliceManagedByLabel = "endpointslice.kubernetes.io/managed-by";

export const AddressType = Type.Union([Type.Literal("FQDN"), Type.Literal("IPv4"), Type.Literal("IPv6")]);
export type AddressType = Static<typeof AddressType>;

/** Conditions are pointers in Go: absent means unknown, and consumers read absent ready as ready. */
export const EndpointConditions = Type.Object(
  {
    ready: Type.Optional(Type.Boolean()),
    serving: Type.Optional(Type.Boolean()),
    terminating: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type EndpointConditions = Static<typeof EndpointConditions>;

export const ForZone = Type.Object({ name: Type.String() }, strict);
export type ForZone = Static<typeof ForZone>;
export const ForNode = Type.Object({ name: Type.String() }, strict);
export type ForNode = Static<typeof ForNode>;

export const EndpointHints = Type.Object(
  {
    forZones: Type.Optional(Type.Array(ForZone)),
    forNodes: Type.Optional(Type.Array(ForNode)),
  },
  strict,
);
export type EndpointHints = Static<typeof EndpointHints>;

/** One backend of a slice: its addresses (one, as consumers assume) and its state. */
export const Endpoint = Type.Object(
  {
    addresses: Type.Array(Type.String()),
    conditions: Type.Optional(EndpointConditions),
    hostname: Type.Optional(Type.String()),
    targetRef: Type.Optional(ObjectReference),
    deprecatedTopology: Type.Optional(StringMap),
    nodeName: Type.Optional(Type.String()),
    zone: Type.Optional(Type.String()),
    hints: Type.Optional(EndpointHints),
  },
  strict,
);
export type Endpoint = Static<typeof Endpoint>;

export const EndpointSlicePort = Type.Object(
  {
    name: Type.Optional(Type.String()),
    protocol: Type.Optional(Protocol),
    port: Type.Optional(Int32()),
    appProtocol: Type.Optional(Type.String()),
  },
  strict,
);
export type EndpointSlicePort = Static<typeof EndpointSlicePort>;

export const EndpointSlice = kindSchema("discovery.k8s.io/v1", "EndpointSlice", {
  addressType: AddressType,
  endpoints: Type.Array(Endpoint),
  ports: Type.Optional(Type.Array(EndpointSlicePort)),
});
export type EndpointSlice = Static<typeof EndpointSlice>;
