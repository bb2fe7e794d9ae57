/**
 * Pretraining the bundled backbones: the recipe for each is data, so `transfer-lab
 * pretrain <name>` reproduces the committed weights from a seed and records how.
 * Checkpoints after every epoch let an interrupted run resume.
 */
import * as fs from 'fs';
import * as path from 'path';
import { backendInfo } from '../backend';
import { loadFashionMnist } from '../data/fashion';
import { selectClasses, kShot } from '../data/split';
import { ImageDataset } from '../data/dataset';
import { buildSmallCnn, SMALL_CNN_GROUPS } from './architectures';
import { Net } from '../transfer/net';
import { saveNet, loadNet, readNetMeta, removeStaleSaves } from '../transfer/io';
import { imageSource, Augmentation } from '../train/source';
import { train, evaluateSource } from '../train/loop';
import { EpochLogs, TrainState } from '../train/history';
import { ScheduleName } from '../train/schedule';

/** How a bundled backbone is pretrained. */
export interface PretrainRecipe {
  /** Backbone name, also its folder under models/. */
  name: string;
  description: string;
  /**
   * Source data: Fashion-MNIST, optionally restricted to some classes (relabelled 0..k-1),
   * and optionally to `perClass` training / `testPerClass` test images per class (seeded by
   * `seed`; quick checks). Default: every image.
   */
  data: { dataset: 'fashion-mnist'; classes?: number[]; perClass?: number; testPerClass?: number };
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: ScheduleName;
  augment: Augmentation;
  seed: number;
}

/** The recipes of the bundled backbones. */
export const RECIPES: Record<string, PretrainRecipe> = {
  'fashion-cnn': {
    name: 'fashion-cnn',
    description: 'Small BatchNorm CNN pretrained on all 60,000 Fashion-MNIST training images (10 classes).',
    data: { dataset: 'fashion-mnist' },
    epochs: 10,
    batchSize: 128,
    learningRate: 2e-3,
    schedule: 'cosine',
    augment: { flip: true },
    seed: 1,
  },
  'fashion-a-cnn': {
    name: 'fashion-a-cnn',
    description:
      'The same CNN pretrained on Fashion-MNIST classes 0-4 only (task A: T-shirt/top, Trouser, Pullover, Dress, Coat), for A-to-B transfer studies.',
    data: { dataset: 'fashion-mnist', classes: [0, 1, 2, 3, 4] },
    epochs: 8,
    batchSize: 128,
    learningRate: 2e-3,
    schedule: 'cosine',
    augment: { flip: true },
    seed: 2,
  },
};

/** Options for {@link pretrain}. */
export interface PretrainOptions {
  /** Folder holding one folder per backbone. Default: the project's `models/`. */
  modelsDir?: string;
  /** Override the recipe's epochs (e.g. a quick check). Default: the recipe's. */
  epochs?: number;
  /** Continue from the last checkpoint if one matches. Default true. */
  resume?: boolean;
  /**
   * A smoke test of the recipe (see {@link quickRecipe}): 50 training and 20 test images per
   * class, 2 epochs, saved as `<name>-quick` so the real backbone is never replaced. Default false.
   */
  quick?: boolean;
  /** Called after every epoch. */
  onEpoch?: (logs: EpochLogs, of: number) => void;
  /** Called once before training: the epoch it starts from (> 0 when resuming a checkpoint). */
  onStart?: (p: { fromEpoch: number; epochs: number; checkpoint: string }) => void;
}

/** The environment variable that points the zoo at another models folder (default: the project's models/). */
export const MODELS_ENV = 'TRANSFER_LAB_MODELS';

/** The folder of the bundled backbones: `TRANSFER_LAB_MODELS`, else the project's `models/`. */
export function modelsDir(): string {
  return process.env[MODELS_ENV] ? path.resolve(process.env[MODELS_ENV] as string) : path.resolve(__dirname, '..', '..', 'models');
}

/**
 * The quick version of a recipe: 50 training and 20 test images per class, 2 epochs, named
 * `<name>-quick`. Minutes become seconds; for checking the pipeline, not for a backbone.
 *
 * @example
 * quickRecipe(RECIPES['fashion-cnn']).name; // 'fashion-cnn-quick'
 */
export function quickRecipe(r: PretrainRecipe): PretrainRecipe {
  return {
    ...r,
    name: `${r.name}-quick`,
    description: `Quick check of ${r.name}: ${r.description}`,
    data: { ...r.data, perClass: 50, testPerClass: 20 },
    epochs: 2,
  };
}

function sourceData(r: PretrainRecipe): { train: ImageDataset; test: ImageDataset } {
  let trainDs = loadFashionMnist('train');
  let testDs = loadFashionMnist('test');
  if (r.data.classes) {
    trainDs = selectClasses(trainDs, r.data.classes);
    testDs = selectClasses(testDs, r.data.classes);
  }
  if (r.data.perClass) trainDs = kShot(trainDs, r.data.perClass, r.seed);
  if (r.data.testPerClass) testDs = kShot(testDs, r.data.testPerClass, r.seed);
  return { train: trainDs, test: testDs };
}

const STATE_FILE = 'train-state.bin';

/** The checkpoint's train state: its layout from net.json, its values from train-state.bin. */
function readState(ckpt: string, meta: Omit<TrainState, 'values'> | undefined): TrainState | undefined {
  const file = path.join(ckpt, STATE_FILE);
  if (!meta || !fs.existsSync(file)) return undefined;
  const buf = fs.readFileSync(file);
  return { ...meta, values: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)) };
}

/**
 * Pretrain a bundled backbone by its recipe, evaluate it on the source test set, and
 * save it with its record (data, epochs, seed, test accuracy) in `net.json`.
 *
 * @returns the trained net and its test accuracy
 * @example
 * const { testAccuracy } = await pretrain('fashion-a-cnn');
 */
export async function pretrain(name: string, opts: PretrainOptions = {}): Promise<{ net: Net; testAccuracy: number; dir: string }> {
  if (!RECIPES[name]) throw new Error(`no pretraining recipe named '${name}'. Fix: use one of ${Object.keys(RECIPES).join(', ')}.`);
  const r = opts.quick ? quickRecipe(RECIPES[name]) : RECIPES[name];
  const epochs = opts.epochs ?? r.epochs;
  // 0 epochs would save an untrained net over the backbone.
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(
      `pretrain ${name}: epochs must be a positive integer, got ${epochs}. Fix: pass e.g. { epochs: ${r.epochs} } (the recipe's), or leave it out.`,
    );
  const dir = path.join(opts.modelsDir ?? modelsDir(), r.name);
  const ckpt = `${dir}.checkpoint`;
  const { train: trainDs, test: testDs } = sourceData(r);
  const pre = { height: 28, width: 28, channels: 1 };
  let resumed: Net | undefined;
  let start = 0;
  let trainState: TrainState | undefined;
  const history: EpochLogs[] = [];
  if ((opts.resume ?? true) && fs.existsSync(path.join(ckpt, 'net.json'))) {
    try {
      const info = readNetMeta(ckpt).info as
        { recipe?: PretrainRecipe; epochsDone?: number; epochs?: number; history?: EpochLogs[]; trainState?: Omit<TrainState, 'values'> } | undefined;
      // epochsDone === epochs: killed after the last epoch, before the final save; nothing left to train.
      if (info && JSON.stringify(info.recipe) === JSON.stringify(r) && info.epochs === epochs && (info.epochsDone ?? 0) <= epochs) {
        trainState = readState(ckpt, info.trainState);
        resumed = await loadNet(ckpt);
        start = info.epochsDone ?? 0;
        history.push(...(info.history ?? []));
      }
    } catch {
      // An unreadable checkpoint (it cannot be torn: saves are atomic) is started over.
      trainState = undefined;
    }
  }
  // A checkpoint of another recipe, epoch count or an unreadable one is not resumed: drop it.
  if (!resumed) fs.rmSync(ckpt, { recursive: true, force: true });
  const net: Net = resumed ?? fresh();
  function fresh(): Net {
    const model = buildSmallCnn({ classes: trainDs.classNames.length, seed: r.seed, name: r.name });
    return {
      model,
      groups: Object.entries(SMALL_CNN_GROUPS).map(([g, layers]) => ({ name: g, layers })),
      classNames: trainDs.classNames,
      preprocessing: pre,
      origin: `pretrained:${r.name}`,
    };
  }
  const src = imageSource(trainDs, pre, r.augment);
  const test = imageSource(testDs, pre);
  const t0 = Date.now();
  opts.onStart?.({ fromEpoch: start, epochs, checkpoint: ckpt });
  if (start < epochs) {
    await train(net, src, {
      epochs: epochs - start,
      initialEpoch: start,
      scheduleFrom: 0,
      batchSize: r.batchSize,
      learningRate: r.learningRate,
      schedule: r.schedule,
      seed: r.seed,
      validation: test,
      trainState,
      callbacks: [
        {
          onEpochEnd: async (epoch, logs, _net, ctx) => {
            history.push(logs);
            opts.onEpoch?.(logs, epochs);
            // The optimizer state goes with the weights, so a resumed run continues exactly.
            const { values, ...layout } = await ctx!.trainState();
            await saveNet(
              net,
              ckpt,
              { recipe: r, epochs, epochsDone: epoch + 1, history, trainState: layout },
              { files: { [STATE_FILE]: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) } },
            );
          },
        },
      ],
    });
  }
  const { valAcc } = await evaluateSource(net, test);
  const b = backendInfo();
  await saveNet(net, dir, {
    recipe: r,
    epochs,
    seed: r.seed,
    description: r.description,
    data: { dataset: r.data.dataset, classes: r.data.classes ?? 'all', trainImages: trainDs.count, testImages: testDs.count, source: trainDs.source },
    testAccuracy: valAcc,
    history,
    trainedWith: { backend: b.backend, tfVersion: b.tfVersion, tfjs: b.tfjsVersion, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString() },
  });
  fs.rmSync(ckpt, { recursive: true, force: true });
  removeStaleSaves(ckpt); // what a killed checkpoint save left behind
  return { net, testAccuracy: valAcc, dir };
}
