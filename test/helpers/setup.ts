/** Starts the library's backend once per test file (wasm here, tfjs-node where installed). */
import { before } from "node:test";
import { ready } from "semantic-gps";

before(async () => {
  await ready();
});
