/**
 * The progress of `interleave explore` (and `interleave soak`). On a terminal: a bar, one line on stderr, drawn
 * with cli-progress,
 *
 *   explore ▕████░░░░▏ 5/13 variants · sync-vs-reset/coordinator-entry-check · 1,234 schedules · 3,120/s · 2 violations so far · ≤ 4s left
 *
 * Nothing is drawn during the first second (short runs never flash a bar), then at most one redraw per
 * {@link PROGRESS_INTERVAL_MS}; the line is cleared when the exploration ends, so the results table follows
 * clean. When the output is not a terminal (piped, in CI), plain lines instead, one every
 * {@link PROGRESS_LINE_INTERVAL_MS} on stderr, never erased:
 *
 *   explore: 5/13 variants done · sync-vs-reset/coordinator-entry-check · 1,234/10,000 schedules · 2 violations so far · 25s elapsed
 *
 * The exploration loop is synchronous, so redraws and lines happen from its progress callbacks (throttled by
 * the injectable clock), not from timers.
 */
import cliProgress from "cli-progress";
import type { Partition } from "../search/explore.js";

/** Where the bar is drawn: a terminal stream (`process.stderr`), or a fake one in tests. */
export interface ProgressStream extends NodeJS.WritableStream {
  readonly isTTY?: boolean;
  /** Width in characters; the line is cut to fit (80 when unknown). */
  readonly columns?: number;
}

/** Milliseconds after the start of the command before anything is drawn. */
export const PROGRESS_DELAY_MS = 1000;
/** Minimum milliseconds between two redraws. */
export const PROGRESS_INTERVAL_MS = 100;
/** Milliseconds between two progress lines when the output is not a terminal (the first one after as long). */
export const PROGRESS_LINE_INTERVAL_MS = 5000;

export interface ExploreProgressOptions {
  /** The terminal to draw on; undefined (or a stream that is not a TTY) draws no bar. */
  readonly stream: ProgressStream | undefined;
  /**
   * Where to write progress lines when there is no bar (`stream` undefined or not a TTY): stderr of a run whose
   * output is not a terminal; undefined writes none.
   */
  readonly lines?: ((text: string) => void) | undefined;
  /** Default {@link PROGRESS_LINE_INTERVAL_MS}. */
  readonly lineIntervalMs?: number;
  /** Variants the command explores (the bar's total). */
  readonly variants: number;
  /** The word the line starts with: the command drawing it (default `explore`; `soak` for `interleave soak`). */
  readonly command?: string;
  /** `--time-budget-ms` (ms per variant): enables the "≤ … left" upper bound. */
  readonly timeBudgetMs?: number | undefined;
  /** Clock in ms (default `performance.now`); tests pass a fake one. */
  readonly now?: () => number;
  /** Default {@link PROGRESS_DELAY_MS}. */
  readonly delayMs?: number;
  /** Default {@link PROGRESS_INTERVAL_MS}. */
  readonly intervalMs?: number;
}

/**
 * The progress display of one `explore` command. Call {@link startVariant} before each variant,
 * {@link update} from its progress callback, {@link finishVariant} after it, and {@link stop} at the end
 * (also on errors: it clears the line). When disabled every method returns at once and nothing is written.
 */
export class ExploreProgressBar {
  private active: boolean;
  private readonly stream: ProgressStream | undefined;
  /** Plain lines instead of a bar (see {@link ExploreProgressOptions.lines}), else null. */
  private readonly writeLine: ((text: string) => void) | null;
  private readonly lineIntervalMs: number;
  private lineAt: number;
  private readonly variants: number;
  private readonly command: string;
  private readonly timeBudgetMs: number | undefined;
  private readonly now: () => number;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly started: number;
  private bar: cliProgress.SingleBar | null = null;
  private drawnAt = Number.NEGATIVE_INFINITY;
  private done = 0;
  private violations = 0;
  private name = "";
  private expected: number | null = null;
  private variantStarted = 0;
  private schedules = 0;
  private violationFound = false;

  constructor(options: ExploreProgressOptions) {
    this.stream = options.stream;
    const bar = options.stream?.isTTY === true;
    this.writeLine = bar ? null : (options.lines ?? null);
    this.active = bar || this.writeLine !== null;
    this.lineIntervalMs = options.lineIntervalMs ?? PROGRESS_LINE_INTERVAL_MS;
    this.variants = options.variants;
    this.command = options.command ?? "explore";
    this.timeBudgetMs = options.timeBudgetMs;
    this.now = options.now ?? (() => performance.now());
    this.delayMs = options.delayMs ?? PROGRESS_DELAY_MS;
    this.intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.started = this.now();
    this.lineAt = this.started;
  }

  /** Whether this display draws a bar or writes lines, and {@link stop} was not called yet. */
  get enabled(): boolean {
    return this.active;
  }

  /**
   * A variant starts: `name` as shown (`scenario/variant`); `expectedSchedules` its schedule count when known
   * in advance (seeded strategies: the runs of this part, see {@link runsInPart}), else null.
   */
  startVariant(name: string, expectedSchedules: number | null): void {
    if (!this.active) return;
    this.name = name;
    this.expected = expectedSchedules;
    this.variantStarted = this.now();
    this.schedules = 0;
    this.violationFound = false;
    // a progress line waits for the variant's first figures (no "0/10,000 schedules" line)
    if (this.writeLine === null) this.tick();
  }

  /** Running totals of the current variant (`ExploreOptions.onProgress`, or a worker pool's poll). */
  update(progress: { readonly schedules: number; readonly violation: boolean }): void {
    if (!this.active) return;
    this.schedules = progress.schedules;
    if (progress.violation) this.violationFound = true;
    this.tick();
  }

  /** The current variant ended with `verdict`. */
  finishVariant(verdict: "violation" | "pass"): void {
    if (!this.active) return;
    this.done++;
    if (verdict === "violation") this.violations++;
    this.violationFound = false;
    this.schedules = 0;
  }

  /** Clear the line (if anything was drawn) and draw nothing more. Idempotent. */
  stop(): void {
    if (this.bar !== null) this.bar.stop();
    this.bar = null;
    this.active = false;
  }

  /**
   * The variant's name and the figures after it at clock time `t` (ms): `{ name: "a/b", figures: "12
   * schedules · 3/s · 0 violations so far · ≤ 4s left" }`; `short` is `figures` for a narrow terminal.
   */
  describe(t: number): { readonly name: string; readonly figures: string; readonly short: string } {
    const elapsed = t - this.variantStarted;
    const rate = elapsed > 0 ? (this.schedules * 1000) / elapsed : 0;
    const violations = this.violations + (this.violationFound ? 1 : 0);
    const parts = [
      `${count(this.schedules)} schedule${this.schedules === 1 ? "" : "s"}`,
      `${count(Math.round(rate))}/s`,
      `${violations} violation${violations === 1 ? "" : "s"} so far`,
    ];
    const budget = this.timeBudgetMs;
    if (budget !== undefined) {
      const notStarted = Math.max(0, this.variants - this.done - 1);
      parts.push(`≤ ${duration(Math.max(0, budget - elapsed) + budget * notStarted)} left`);
    } else if (this.expected !== null && rate > 0 && !this.violationFound) {
      // (a variant stops at its first counterexample: no estimate once one is found)
      const left = Math.max(0, this.expected - this.schedules);
      parts.push(`~${duration((left * 1000) / rate)} left in this variant`);
    }
    const figures = parts.join(" · ");
    return { name: this.name, figures, short: figures.replace(/ left in this variant$/, " left") };
  }

  /**
   * The progress line at clock time `t` (no newline): `explore: 1/3 variants done · a/b · 1,234/10,000 schedules ·
   * 1 violation so far · 12s elapsed` (`1,234 schedules` when the variant's total is not known in advance).
   */
  line(t: number): string {
    const violations = this.violations + (this.violationFound ? 1 : 0);
    const schedules =
      this.expected === null ? count(this.schedules) : `${count(this.schedules)}/${count(this.expected)}`;
    return [
      `${this.command}: ${this.done}/${this.variants} variants done`,
      this.name,
      `${schedules} schedule${this.schedules === 1 && this.expected === null ? "" : "s"}`,
      `${violations} violation${violations === 1 ? "" : "s"} so far`,
      `${duration(t - this.started)} elapsed`,
    ].join(" · ");
  }

  private tick(): void {
    const t = this.now();
    if (this.writeLine !== null) {
      if (t - this.lineAt < this.lineIntervalMs) return;
      this.lineAt = t;
      this.writeLine(`${this.line(t)}\n`);
      return;
    }
    if (t - this.started < this.delayMs || t - this.drawnAt < this.intervalMs) return;
    this.drawnAt = t;
    const payload: LinePayload = { ...this.describe(t), command: this.command };
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar({
        stream: this.stream!,
        format: formatLine,
        barsize: 12,
        barCompleteChar: "█",
        barIncompleteChar: "░",
        clearOnComplete: true,
        stopOnComplete: false,
        synchronousUpdate: false,
        // trim to the width ourselves; do not switch the terminal's line wrapping off (a Ctrl-C would leave it off)
        linewrap: true,
        hideCursor: false,
        gracefulExit: false,
      });
      this.bar.start(this.variants, this.done, payload);
    } else {
      this.bar.update(this.done, payload);
      this.bar.render();
    }
  }
}

type LinePayload = ReturnType<ExploreProgressBar["describe"]> & { readonly command: string };

/** Shortest the variant's name is cut to before the line is cut at its end. */
const NAME_CHARS_MIN = 16;

/**
 * The line: bar, variants done/total, the variant's name, its figures; at most one character less than the
 * width. On a narrow terminal the name is shortened first (to {@link NAME_CHARS_MIN} characters at least),
 * then the bar goes, then the name and the command's word ("explore") (and "in this variant"), and only then is the line
 * cut at its end.
 */
const formatLine: cliProgress.GenericFormatter = (options, params, payload: LinePayload) => {
  const width = Math.max(20, params.maxWidth - 1);
  const variants = `${params.value}/${params.total} variants`;
  const { name, figures, short, command } = payload;
  const bar = `▕${cliProgress.Format.BarFormat(params.progress, options)}▏ `;
  for (const head of [`${command} ${bar}${variants}`, `${command} ${variants}`]) {
    const line = `${head} · ${name} · ${figures}`;
    if (line.length <= width) return line;
    const room = name.length - (line.length - width) - 1; // characters of the name kept before "…"
    if (room >= NAME_CHARS_MIN - 1) return `${head} · ${name.slice(0, room)}… · ${figures}`;
  }
  const plain = `${variants} · ${short}`;
  return plain.length <= width ? plain : `${plain.slice(0, width - 1)}…`;
};

/**
 * Runs of a seeded exploration of `runs` runs that fall in `partition` (runs `i` with `i mod count = index`),
 * i.e. the schedules it will run unless it stops early. Whole exploration when `partition` is undefined.
 */
export function runsInPart(runs: number, partition: Partition | undefined): number {
  if (partition === undefined) return runs;
  return Math.max(0, Math.ceil((runs - partition.index) / partition.count));
}

/** 1234 → `1,234`. */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Milliseconds as people read a remaining time: `4s`, `2m 05s`, `1h 03m` (rounded up to the second). */
function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
