/**
 * Progress by default (Keras' `verbose`, fastai's progress bar): what `train()` shows
 * while it runs, decided by the environment unless the caller says.
 *
 * The rule (`verbose` left out, i.e. 'auto'):
 * - in a notebook (a tslab kernel, or any display sink installed with `useDisplaySink`):
 *   a live bar with the batch, loss, accuracy and time left, updated in place (throttled
 *   by the display layer, src/plot/live.ts), settling on the epoch's validation numbers;
 * - in a terminal (stderr is a TTY): one line per epoch on stderr;
 * - otherwise (under mocha, output piped to a file or CI, a worker): nothing;
 * - inside another progress bar that is still running (a notebook's `progress()` over
 *   several runs, a sweep's per-run progress) or inside {@link withVerbose}(0, ...): nothing,
 *   so the outer bar is the one that reports.
 * The environment variable TRANSFER_LAB_VERBOSE=0|1|2 replaces 'auto'. An explicit
 * `verbose` wins over everything: 0 nothing, 1 the bar in a notebook and epoch lines
 * elsewhere (even when not a TTY, e.g. to a log file), 2 epoch lines always (also in a
 * notebook, where they are printed as text).
 */
import { AsyncLocalStorage } from 'async_hooks';
import { displaySink } from '../plot/notebook';
import { progress, progressOpen } from '../plot/live';
import { Callback, EpochLogs } from './history';

/** How much training shows: 0 nothing, 1 a bar in notebooks / epoch lines elsewhere, 2 epoch lines. */
export type Verbosity = 0 | 1 | 2;

/** The environment variable that replaces the 'auto' rule: 0, 1 or 2. */
export const VERBOSE_ENV = 'TRANSFER_LAB_VERBOSE';

/** Where epoch lines go: anything with `write(text)` (process.stderr, a file stream, a test's collector). */
export interface ProgressStream {
  write(text: string): unknown;
}

const scope = new AsyncLocalStorage<Verbosity>();

function checkLevel(v: unknown, where: string): Verbosity {
  if (v !== 0 && v !== 1 && v !== 2)
    throw new Error(
      `${where}: verbose must be 0 (silent), 1 (a bar in notebooks, epoch lines elsewhere) or 2 (epoch lines), got ${JSON.stringify(v)}. Fix: pass e.g. verbose: 0, or leave it out for the automatic choice.`,
    );
  return v;
}

/**
 * Run `fn` with `level` as the default verbosity of every `train()` inside it (calls that
 * pass `verbose` themselves keep theirs), like fastai's `no_bar()`. Nested scopes: the
 * innermost wins.
 *
 * @example
 * await tl.withVerbose(0, () => tl.fineTune(net, src, { epochs: 3 })); // nothing shown
 */
export function withVerbose<T>(level: Verbosity, fn: () => T): T {
  checkLevel(level, 'withVerbose');
  if (typeof fn !== 'function')
    throw new Error(`withVerbose: expected a function to run, got ${typeof fn}. Fix: pass e.g. withVerbose(0, () => train(net, src)).`);
  return scope.run(level, fn);
}

/** True when this process runs under mocha (tests stay silent). */
function underMocha(): boolean {
  const g = globalThis as { describe?: unknown; it?: unknown };
  return (typeof g.describe === 'function' && typeof g.it === 'function') || process.argv.some((a) => /[\\/]mocha(\.js)?$|[\\/]_mocha$/.test(a));
}

/**
 * The verbosity a `train()` call uses, by the rule in this module's comment.
 *
 * @param verbose the call's `verbose` option (undefined: automatic)
 * @param stream where epoch lines would go (a TTY check applies only to process.stderr)
 * @returns 0, 1 or 2
 * @example
 * resolveVerbose(undefined); // 0 under mocha, 1 in a notebook or a terminal
 */
export function resolveVerbose(verbose?: Verbosity, stream: ProgressStream = process.stderr): Verbosity {
  if (verbose !== undefined) return checkLevel(verbose, 'train');
  const scoped = scope.getStore();
  if (scoped !== undefined) return scoped;
  const env = process.env[VERBOSE_ENV];
  if (env !== undefined && env !== '') return checkLevel(Number(env), `environment ${VERBOSE_ENV}`);
  if (progressOpen()) return 0;
  if (displaySink()) return 1;
  if (underMocha()) return 0;
  const tty = stream === process.stderr ? process.stderr.isTTY : (stream as { isTTY?: boolean }).isTTY;
  return tty ? 1 : 0;
}

function fmt(x: number | undefined, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** `epoch 2/5  loss 0.4123  acc 0.8750  val_loss 0.5012  val_acc 0.8300  lr 1.00e-3  1.2 s` */
export function epochLine(logs: EpochLogs, lastEpoch: number): string {
  if (!logs || typeof logs.epoch !== 'number' || typeof logs.loss !== 'number' || typeof logs.lr !== 'number')
    throw new Error(
      `epochLine: expected an epoch's logs {epoch, loss, acc, lr, seconds, ...}, got ${logs === null ? 'null' : typeof logs}. Fix: pass an entry of history.epochs.`,
    );
  const val = typeof logs.valAcc === 'number' ? `  val_loss ${fmt(logs.valLoss)}  val_acc ${fmt(logs.valAcc)}` : '';
  return `epoch ${logs.epoch + 1}/${lastEpoch}  loss ${fmt(logs.loss)}  acc ${fmt(logs.acc)}${val}  lr ${logs.lr.toExponential(2)}  ${logs.seconds.toFixed(1)} s`;
}

/** What {@link progressCallback} needs to know about the run. */
export interface RunShape {
  /** First epoch number of this call (0-based) and epochs in it. */
  firstEpoch: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Training examples per epoch. */
  count: number;
}

/**
 * The callback that shows a run's progress at a resolved verbosity, or null for 0. Level 1
 * in a notebook: one live bar over every batch of the call (loss and accuracy of the
 * epoch so far, time left from the display layer's `progress`); otherwise one line per
 * epoch on `stream`.
 *
 * @example
 * const cb = progressCallback(1, { firstEpoch: 0, epochs: 3, stepsPerEpoch: 10, count: 320 }, process.stderr);
 */
export function progressCallback(level: Verbosity, run: RunShape, stream: ProgressStream = process.stderr): (Callback & { close(): void }) | null {
  if (checkLevel(level, 'progressCallback') === 0) return null;
  if (!run || !(run.epochs > 0) || !(run.stepsPerEpoch > 0))
    throw new Error(
      `progressCallback: expected the run's shape {firstEpoch, epochs, stepsPerEpoch, count} with epochs and stepsPerEpoch > 0, got ${JSON.stringify(run)}. Fix: pass e.g. { firstEpoch: 0, epochs: 3, stepsPerEpoch: 10, count: 320 }.`,
    );
  const last = run.firstEpoch + run.epochs;
  if (level === 2 || !displaySink()) {
    return {
      onEpochEnd: (_e, logs) => {
        stream.write(epochLine(logs, last) + '\n');
      },
      close() {},
    };
  }
  const total = run.epochs * run.stepsPerEpoch;
  const bar = progress(total, 'training');
  let done = 0;
  let epoch = run.firstEpoch;
  let sum = 0;
  let n = 0;
  let note = '';
  return {
    onBatchEnd(_step, logs) {
      if (logs.epoch !== epoch) {
        epoch = logs.epoch;
        sum = 0;
        n = 0;
      }
      sum += logs.loss;
      n++;
      done++;
      bar.update(Math.min(done, total), `epoch ${epoch + 1}/${last}, loss ${fmt(sum / n)}${note}`);
    },
    onEpochEnd(_e, logs) {
      note =
        typeof logs.valAcc === 'number' ? ` | last epoch: acc ${fmt(logs.acc, 3)}, val_acc ${fmt(logs.valAcc, 3)}` : ` | last epoch: acc ${fmt(logs.acc, 3)}`;
    },
    onTrainEnd(_net, history) {
      const e = history.epochs[history.epochs.length - 1];
      bar.done(e ? epochLine(e, last) : 'no epoch finished');
    },
    /** Settle the bar when the run ended without onTrainEnd (an error); a no-op after done. */
    close() {
      bar.done();
    },
  };
}
