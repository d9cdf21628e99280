export * from "./controller.js";
export * from "./workers.js";
export * from "./controller-ref.js";
export * from "./expectations.js";
export * from "./pod-state.js";
export * from "./hash.js";
export * from "./pod-template.js";
