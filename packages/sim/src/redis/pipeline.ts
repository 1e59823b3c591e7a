/**
 * ioredis's `Pipeline` for the simulated client: commands are queued on the pipeline and `exec()` sends them
 * all, in order, without waiting for replies, resolving with one `[error]` or `[null, result]` per command.
 * Each command carries its place in the pipeline, so a connection lost after the first replies aborts the rest
 * (`Command aborted due to connection close`) instead of re-sending half a pipeline, as ioredis does.
 */

import { installCommands, type PipelineCommands } from "./client-commands.js";
import {
  type Callback,
  SimCommand as Command,
  type SimCommand,
  type SimScript,
  splitCallback,
} from "./command.js";

/** What a pipeline needs of its client. */
export interface PipelineHost {
  sendCommand(command: SimCommand): Promise<unknown>;
  /** The client's `defineCommand` scripts, by name: a pipeline has a method for each. */
  readonly scripts: ReadonlyMap<string, SimScript>;
}

/** One result of {@link SimPipeline.exec}: `[error]` when the command failed, else `[null, result]`. */
export type PipelineResult = [Error] | [null, unknown];

/**
 * A pipeline of {@link PipelineHost} (get one with `client.pipeline()`): named commands and `call` queue a
 * command and return the pipeline; the client's defined scripts are methods too; `exec()` sends.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the named commands are installed on the prototype (see the end of the file)
export class SimPipeline {
  private readonly queue: SimCommand[] = [];
  private executed = false;

  constructor(private readonly host: PipelineHost) {
    for (const [name, script] of host.scripts) {
      Object.defineProperty(this, name, {
        value: (...all: unknown[]) => {
          const { args, callback } = splitCallback(all);
          return this.add(script.command(args, (c) => host.sendCommand(c)).withCallback(callback));
        },
        writable: true,
        configurable: true,
      });
    }
  }

  /** How many commands are queued. */
  get length(): number {
    return this.queue.length;
  }

  /** Queue command `name` with `args` (a trailing callback gets this command's result). */
  call(name: string, ...all: unknown[]): this {
    const { args, callback } = splitCallback(all);
    return this.add(new Command(name, args).withCallback(callback));
  }

  /**
   * Send the queued commands in order; resolves with one {@link PipelineResult} per command (never rejects
   * for a command's error). Throws when called twice.
   */
  exec(callback?: Callback<PipelineResult[]>): Promise<PipelineResult[]> {
    if (this.executed) throw new Error("the pipeline has been executed already");
    this.executed = true;
    const sent = this.queue.map((command, index) => {
      command.pipelineIndex = index;
      return this.host.sendCommand(command).then(
        (result): PipelineResult => [null, result],
        (err: Error): PipelineResult => [err],
      );
    });
    const results = Promise.all(sent);
    if (callback !== undefined) results.then((r) => callback(null, r), callback);
    return results;
  }

  private add(command: SimCommand): this {
    this.queue.push(command);
    return this;
  }
}

export interface SimPipeline extends PipelineCommands<SimPipeline> {}

installCommands<SimPipeline>(SimPipeline.prototype, (self, name, all) => self.call(name, ...all));
