// The generated agent <-> master contract. src/gen is written by `npm run generate`
// (buf + ts-proto) from /proto and is never edited by hand.
export * from "./gen/bosun/node/v1/node.js";
