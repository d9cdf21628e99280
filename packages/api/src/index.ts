export * from "./types/meta.js";
export * from "./types/core.js";
export * from "./resources.js";
