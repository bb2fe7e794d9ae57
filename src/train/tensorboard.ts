/**
 * A TensorBoard callback (Keras's `callbacks.TensorBoard`, tfjs-node's `tf.node.tensorBoard`
 * for `fit`): scalars written with tfjs-node's native summary writer, laid out as Keras
 * does (`<logdir>/train` and `<logdir>/validation`, tags `epoch_loss`, `epoch_accuracy`),
 * plus the learning rate of each trainable layer group. `npm run tensorboard` shows them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import { Net } from '../transfer/net';
import { Callback, EpochLogs } from './history';
import { groupMultipliers, TrainOptions } from './loop';
import { summaryWriterHandle } from '../internals/tfjs';

/** Options for {@link tensorBoard}. */
export interface TensorBoardOptions {
  /** `'epoch'` (default): scalars once per epoch; `'batch'`: also the loss and rate of every step (`batch_loss`, `batch_learning_rate`). */
  updateFreq?: 'epoch' | 'batch';
  /**
   * The same `lrDivisor` / `groupLrMultipliers` given to `train()`, so the per-group rates
   * logged are the ones used. Default: every group at the head's rate (train's default).
   */
  rates?: Pick<TrainOptions, 'lrDivisor' | 'groupLrMultipliers'>;
}

type Writer = ReturnType<typeof import('@tensorflow/tfjs-node').node.summaryFileWriter>;

/**
 * tfjs-node keeps one writer per folder for the life of the process (its own cache). Its
 * creation leaves four stray scalar tensors behind: made inside a tidy, only the writer's
 * resource handle (one tensor per folder, owned by that cache) survives.
 */
function writer(dir: string): Writer {
  // Typed as tfjs-node's (src/backend.ts), but absent under TRANSFER_LAB_BACKEND=cpu.
  const node: Partial<typeof tf.node> | undefined = tf.node;
  if (!node?.summaryFileWriter)
    throw new Error(
      `tensorBoard needs the native TensorFlow backend (tfjs-node's summary writer); this process runs '${tf.getBackend()}'. Fix: unset TRANSFER_LAB_BACKEND and run 'npm run setup'.`,
    );
  let w: Writer | undefined;
  tf.tidy(() => {
    w = node.summaryFileWriter!(dir);
    return summaryWriterHandle(w!);
  });
  return w!;
}

/**
 * Log training to TensorBoard: after each epoch `epoch_loss` and `epoch_accuracy` (in
 * `<logdir>/train`, and in `<logdir>/validation` when `train()` has validation data) and
 * `learning_rate/<group>` for every trainable layer group; with `updateFreq: 'batch'` also
 * every step's loss and rate. Steps are epochs (or optimizer steps), counted across calls
 * that continue a run (`initialEpoch`), so the stages of `fineTune` line up on one axis.
 * Open with `npm run tensorboard` (it serves ./logs on http://127.0.0.1:6006). The
 * writers are tfjs-node's: one per folder for the life of the process (one tensor each,
 * made at the first train() that uses the folder; later runs reuse it).
 *
 * @param logdir the run's folder, e.g. `logs/fine-tune-lr3e-4` (one folder per run, as in Keras)
 * @example
 * await train(net, src, { epochs: 5, validation: val, callbacks: [tensorBoard('logs/head-only')] });
 * // then: npm run tensorboard
 */
export function tensorBoard(logdir: string, opts: TensorBoardOptions = {}): Callback {
  if (typeof logdir !== 'string' || logdir.trim() === '')
    throw new Error(`tensorBoard: the log folder must be a path, got ${JSON.stringify(logdir)}. Fix: pass e.g. tensorBoard('logs/my-run').`);
  if (opts === null || typeof opts !== 'object')
    throw new Error(`tensorBoard: options must be an object, got ${opts === null ? 'null' : typeof opts}. Fix: pass e.g. { updateFreq: 'batch' } or nothing.`);
  const freq = opts.updateFreq ?? 'epoch';
  if (freq !== 'epoch' && freq !== 'batch')
    throw new Error(`tensorBoard: updateFreq '${String(freq)}' is not 'epoch' or 'batch'. Fix: pass updateFreq: 'epoch' (default) or 'batch'.`);
  const root = path.resolve(logdir);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory())
    throw new Error(`tensorBoard: ${root} is a file, not a folder. Fix: pass a folder path for the run's logs, e.g. 'logs/my-run'.`);
  let trainW: Writer | null = null;
  let valW: Writer | null = null;
  let mult: Record<string, number> = {};
  let trainable: string[] = [];
  return {
    onTrainBegin(net: Net) {
      fs.mkdirSync(root, { recursive: true });
      trainW ??= writer(path.join(root, 'train'));
      mult = groupMultipliers(net, opts.rates?.lrDivisor ?? 1, opts.rates?.groupLrMultipliers ?? {});
      trainable = net.groups
        .filter((g) => g.layers.some((l) => net.model.getLayer(l).trainable && net.model.getLayer(l).trainableWeights.length > 0))
        .map((g) => g.name);
    },
    onBatchEnd(step, logs) {
      if (freq !== 'batch' || !trainW) return;
      trainW.scalar('batch_loss', logs.loss, step);
      trainW.scalar('batch_learning_rate', logs.lr, step);
    },
    onEpochEnd(epoch: number, logs: EpochLogs) {
      if (!trainW) return;
      trainW.scalar('epoch_loss', logs.loss, epoch);
      trainW.scalar('epoch_accuracy', logs.acc, epoch);
      for (const g of trainable) trainW.scalar(`learning_rate/${g}`, logs.lr * mult[g], epoch);
      trainW.scalar('epoch_seconds', logs.seconds, epoch);
      if (logs.valLoss !== undefined && logs.valAcc !== undefined) {
        valW ??= writer(path.join(root, 'validation'));
        valW.scalar('epoch_loss', logs.valLoss, epoch);
        valW.scalar('epoch_accuracy', logs.valAcc, epoch);
        valW.flush();
      }
      trainW.flush();
    },
    onTrainEnd() {
      trainW?.flush();
      valW?.flush();
    },
  };
}
