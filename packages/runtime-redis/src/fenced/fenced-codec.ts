// Decoding of the fenced-resource script's flat reply (src/lua/fenced-write-1.lua) into the core's
// `FencedResource.Result`.

import type { FencedResource } from "@interleave/core";
import { replyInt } from "../shared/redis-script.js";

const SCRIPT = "fenced-write-1";

/** The core result of a `fenced-write-1` reply. @throws an `Error` for a reply the script does not give. */
export function decodeFencedReply(reply: readonly unknown[]): FencedResource.Result {
  switch (reply[0]) {
    case "Accepted":
      return { _tag: "Accepted", token: replyInt(reply, 1, SCRIPT) };
    case "Fenced":
      return { _tag: "Fenced", token: replyInt(reply, 1, SCRIPT) };
    case "StaleToken":
      return {
        _tag: "StaleToken",
        token: replyInt(reply, 1, SCRIPT),
        highestToken: replyInt(reply, 2, SCRIPT),
      };
    default:
      throw new Error(`${SCRIPT} replied with unknown tag ${JSON.stringify(reply[0])}`);
  }
}

/**
 * The fields of the resource hash (`<prefix>:{<resource>}:fenced`, see `lua/fenced-write-1.lua`) that hold
 * `state`, the inverse of `FencedWriter.state`: `null` for the initial state (token 0, no value, no write), whose
 * key does not exist; otherwise `highestToken`, `writeCount` (decimal integers) and `value` when there is one.
 * For tests that write a state in place (the exhaustive conformance test).
 */
export function encodeFencedState(state: FencedResource.State<string>): Record<string, string> | null {
  if (state.highestToken === 0 && state.value === null && state.writeCount === 0) return null;
  const fields: Record<string, string> = {
    highestToken: String(state.highestToken),
    writeCount: String(state.writeCount),
  };
  if (state.value !== null) fields.value = state.value;
  return fields;
}
