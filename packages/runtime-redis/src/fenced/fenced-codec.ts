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
