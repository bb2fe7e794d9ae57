/**
 * What training returns (a plain history object), and the callbacks that watch it:
 * early stopping with best-weights restore, and a generic hook.
 */
import { tf } from '../backend';
import type * as tfn from '@tensorflow/tfjs-node';
import { Net } from '../transfer/net';
import { saveNet } from '../transfer/io';

/** Metrics of one epoch. `valLoss`/`valAcc` are present when validation data was given. */
export interface EpochLogs {
  /** Epoch index, counted from 0 across stages. */
  epoch: number;
  loss: number;
  acc: number;
  valLoss?: number;
  valAcc?: number;
  /** Learning rate of the head group at the end of the epoch. */
  lr: number;
  /** Seconds this epoch took (training and validation). */
  seconds: number;
  /** Training examples processed so far. */
  samplesSeen: number;
  /** Seconds since training started. */
  wallSeconds: number;
}

/** Something that happened during training (e.g. a group unfrozen), placed at an epoch. */
export interface TrainEvent {
  epoch: number;
  label: string;
}

/** The record of a training run. */
export interface History {
  epochs: EpochLogs[];
  events: TrainEvent[];
  wallSeconds: number;
  samplesSeen: number;
  stoppedEarly: boolean;
  /** Trainable parameters at the start of the run. */
  trainableParams: number;
  /** Epoch whose weights were restored by early stopping, if any. */
  bestEpoch?: number;
  /**
   * How the steps ran: `graph` (the whole step compiled into one TensorFlow graph, see
   * `TrainOptions.engine`) or `eager` (op by op).
   */
  engine?: 'graph' | 'eager';
  /** Why the eager loop ran, when `engine` was 'auto': the net could not be compiled, or the run was too short to repay compiling. */
  eagerReason?: string;
  /** For a history of several stages (gradual unfreezing, fine-tuning): each stage's engine, in order. */
  stageEngines?: ('graph' | 'eager')[];
}

/**
 * What a training run needs to continue exactly where it stopped, besides the weights:
 * each layer group's optimizer state (step count and slot values, e.g. Adam's moments)
 * and the call counters of SeededDropout layers. Plain data: `values` holds every slot,
 * group after group, in the shapes listed.
 */
export interface TrainState {
  optimizer: 'adam' | 'sgd';
  groups: { name: string; iterations: number; accBeta?: [number, number]; shapes: number[][] }[];
  dropoutCalls: Record<string, number>;
  values: Float32Array;
}

/** Extra access a callback gets at the end of an epoch. */
export interface EpochContext {
  /** The run's state after this epoch, for a checkpoint that can resume exactly (see `TrainOptions.trainState`). */
  trainState(): Promise<TrainState>;
}

/** Return 'stop' from a callback to end training after the current batch or epoch. */
export type CallbackResult = void | 'stop' | Promise<void | 'stop'>;

/** Hooks into the training loop. */
export interface Callback {
  onTrainBegin?(net: Net, history: History): void | Promise<void>;
  onBatchEnd?(step: number, logs: { loss: number; lr: number; epoch: number }): CallbackResult;
  onEpochEnd?(epoch: number, logs: EpochLogs, net: Net, ctx?: EpochContext): CallbackResult;
  onTrainEnd?(net: Net, history: History): void | Promise<void>;
}

const MONITORS = ['valAcc', 'valLoss', 'acc', 'loss'];

function checkMonitor(m: string, where: string): void {
  if (!MONITORS.includes(m)) throw new Error(`${where}: cannot monitor '${m}'. Fix: use one of ${MONITORS.join(', ')}.`);
}

/** Options for {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Which epoch metric to watch. Default 'valAcc'. */
  monitor?: 'valAcc' | 'valLoss' | 'acc' | 'loss';
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends. Default true. */
  restoreBest?: boolean;
}

/**
 * Stop when the monitored metric stops improving, and (by default) restore the best
 * epoch's weights. Keeps one copy of the weights in memory; disposes it at the end.
 *
 * @example
 * await train(net, src, { epochs: 30, validation: val, callbacks: [earlyStopping({ patience: 2 })] });
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & { best: number; bestEpoch: number } {
  const monitor = opts.monitor ?? 'valAcc';
  const patience = opts.patience ?? 3;
  const minDelta = opts.minDelta ?? 0;
  const restore = opts.restoreBest ?? true;
  checkMonitor(monitor, 'earlyStopping');
  if (!Number.isInteger(patience) || patience < 1)
    throw new Error(`earlyStopping: patience must be a whole number of epochs >= 1, got ${patience}. Fix: pass e.g. { patience: 3 }.`);
  if (!(minDelta >= 0 && Number.isFinite(minDelta)))
    throw new Error(`earlyStopping: minDelta must be a number >= 0, got ${minDelta}. Fix: pass e.g. { minDelta: 0.001 }, or leave it out.`);
  const higher = monitor === 'valAcc' || monitor === 'acc';
  let bestWeights: tfn.Tensor[] | null = null;
  let wait = 0;
  const state = {
    best: higher ? -Infinity : Infinity,
    bestEpoch: -1,
    onTrainBegin() {
      state.best = higher ? -Infinity : Infinity;
      state.bestEpoch = -1;
      wait = 0;
    },
    onEpochEnd(epoch: number, logs: EpochLogs, net: Net): CallbackResult {
      const v = logs[monitor];
      if (v === undefined)
        throw new Error(`earlyStopping monitors '${monitor}', which this run does not produce. Fix: pass validation data to train(), or monitor 'loss'.`);
      const better = higher ? v > state.best + minDelta : v < state.best - minDelta;
      if (better) {
        state.best = v;
        state.bestEpoch = epoch;
        wait = 0;
        if (restore) {
          if (bestWeights) tf.dispose(bestWeights);
          bestWeights = net.model.getWeights().map((w) => tf.keep(w.clone()));
        }
        return;
      }
      wait++;
      return wait >= patience ? 'stop' : undefined;
    },
    onTrainEnd(net: Net, history: History) {
      if (restore && bestWeights) {
        net.model.setWeights(bestWeights);
        tf.dispose(bestWeights);
        bestWeights = null;
        history.bestEpoch = state.bestEpoch;
      }
    },
  };
  return state;
}

/** Options for {@link checkpoint}. */
export interface CheckpointOptions {
  /** Save only when the monitored metric improves. Default false (every epoch). */
  bestOnly?: boolean;
  /** Metric for `bestOnly`. Default 'valAcc'. */
  monitor?: 'valAcc' | 'valLoss' | 'acc' | 'loss';
}

/**
 * Save the net after each epoch (or each improvement) with `saveNet` (atomic: a crash
 * never leaves a half-written checkpoint). The epoch and its metrics go into net.json.
 *
 * @example
 * await train(net, src, { epochs: 10, validation: val, callbacks: [checkpoint('out/ckpt', { bestOnly: true })] });
 */
export function checkpoint(dir: string, opts: CheckpointOptions = {}): Callback {
  const monitor = opts.monitor ?? 'valAcc';
  checkMonitor(monitor, 'checkpoint');
  if (typeof dir !== 'string' || dir === '')
    throw new Error(`checkpoint: the folder must be a path, got ${JSON.stringify(dir)}. Fix: pass e.g. checkpoint('out/ckpt').`);
  const higher = monitor === 'valAcc' || monitor === 'acc';
  let best = higher ? -Infinity : Infinity;
  return {
    async onEpochEnd(epoch, logs, net) {
      const v = logs[monitor];
      if (opts.bestOnly) {
        if (v === undefined)
          throw new Error(`checkpoint monitors '${monitor}', which this run does not produce. Fix: pass validation data to train(), or monitor 'loss'.`);
        if (higher ? !(v > best) : !(v < best)) return;
        best = v;
      }
      await saveNet(net, dir, { checkpoint: { epoch, logs } });
    },
  };
}

/**
 * A callback from plain functions (e.g. to feed a live chart).
 *
 * @example
 * const cb = onEpoch((e, logs) => console.log(e, logs.valAcc));
 */
export function onEpoch(fn: (epoch: number, logs: EpochLogs) => void): Callback {
  if (typeof fn !== 'function')
    throw new Error(`onEpoch: expected a function (epoch, logs) => void, got ${typeof fn}. Fix: pass e.g. onEpoch((e, logs) => console.log(e, logs.valAcc)).`);
  return {
    onEpochEnd: (e, logs) => {
      fn(e, logs);
    },
  };
}
