/**
 * Pretraining the bundled backbones: the recipe for each is data, so `transfer-lab
 * pretrain <name>` reproduces the committed weights from a seed and records how.
 * Checkpoints after every epoch let an interrupted run resume.
 */
import * as fs from 'fs';
import * as path from 'path';
import { backendInfo } from '../backend';
import { loadFashionMnist } from '../data/fashion';
import { selectClasses } from '../data/split';
import { ImageDataset } from '../data/dataset';
import { buildSmallCnn, SMALL_CNN_GROUPS } from './architectures';
import { Net } from '../transfer/net';
import { saveNet, loadNet, readNetMeta } from '../transfer/io';
import { imageSource, Augmentation } from '../train/source';
import { train, evaluateSource } from '../train/loop';
import { EpochLogs } from '../train/history';
import { ScheduleName } from '../train/schedule';

/** How a bundled backbone is pretrained. */
export interface PretrainRecipe {
  /** Backbone name, also its folder under models/. */
  name: string;
  description: string;
  /** Source data: Fashion-MNIST, optionally restricted to some classes (relabelled 0..k-1). */
  data: { dataset: 'fashion-mnist'; classes?: number[] };
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
    epochs: 10, batchSize: 128, learningRate: 2e-3, schedule: 'cosine', augment: { flip: true }, seed: 1,
  },
  'fashion-a-cnn': {
    name: 'fashion-a-cnn',
    description: 'The same CNN pretrained on Fashion-MNIST classes 0-4 only (task A: T-shirt/top, Trouser, Pullover, Dress, Coat), for A-to-B transfer studies.',
    data: { dataset: 'fashion-mnist', classes: [0, 1, 2, 3, 4] },
    epochs: 8, batchSize: 128, learningRate: 2e-3, schedule: 'cosine', augment: { flip: true }, seed: 2,
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
  /** Called after every epoch. */
  onEpoch?: (logs: EpochLogs, of: number) => void;
}

/** The environment variable that points the zoo at another models folder (default: the project's models/). */
export const MODELS_ENV = 'TRANSFER_LAB_MODELS';

/** The folder of the bundled backbones: `TRANSFER_LAB_MODELS`, else the project's `models/`. */
export function modelsDir(): string {
  return process.env[MODELS_ENV] ? path.resolve(process.env[MODELS_ENV] as string) : path.resolve(__dirname, '..', '..', 'models');
}

function sourceData(r: PretrainRecipe): { train: ImageDataset; test: ImageDataset } {
  let trainDs = loadFashionMnist('train');
  let testDs = loadFashionMnist('test');
  if (r.data.classes) {
    trainDs = selectClasses(trainDs, r.data.classes);
    testDs = selectClasses(testDs, r.data.classes);
  }
  return { train: trainDs, test: testDs };
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
  const r = RECIPES[name];
  if (!r) throw new Error(`no pretraining recipe named '${name}'. Known: ${Object.keys(RECIPES).join(', ')}`);
  const epochs = opts.epochs ?? r.epochs;
  const dir = path.join(opts.modelsDir ?? modelsDir(), name);
  const ckpt = `${dir}.checkpoint`;
  const { train: trainDs, test: testDs } = sourceData(r);
  const pre = { height: 28, width: 28, channels: 1 };
  let net: Net;
  let start = 0;
  const history: EpochLogs[] = [];
  if ((opts.resume ?? true) && fs.existsSync(path.join(ckpt, 'net.json'))) {
    const info = readNetMeta(ckpt).info as { recipe?: PretrainRecipe; epochsDone?: number; epochs?: number; history?: EpochLogs[] } | undefined;
    if (info && JSON.stringify(info.recipe) === JSON.stringify(r) && info.epochs === epochs && (info.epochsDone ?? 0) < epochs) {
      net = await loadNet(ckpt);
      start = info.epochsDone ?? 0;
      history.push(...(info.history ?? []));
    } else {
      net = fresh();
    }
  } else {
    net = fresh();
  }
  function fresh(): Net {
    const model = buildSmallCnn({ classes: trainDs.classNames.length, seed: r.seed, name });
    return { model, groups: Object.entries(SMALL_CNN_GROUPS).map(([g, layers]) => ({ name: g, layers })), classNames: trainDs.classNames, preprocessing: pre, origin: `pretrained:${name}` };
  }
  const src = imageSource(trainDs, pre, r.augment);
  const test = imageSource(testDs, pre);
  const t0 = Date.now();
  if (start < epochs) {
    await train(net, src, {
      epochs: epochs - start, initialEpoch: start, scheduleFrom: 0, batchSize: r.batchSize, learningRate: r.learningRate,
      schedule: r.schedule, seed: r.seed, validation: test,
      callbacks: [{
        onEpochEnd: async (epoch, logs) => {
          history.push(logs);
          opts.onEpoch?.(logs, epochs);
          await saveNet(net, ckpt, { recipe: r, epochs, epochsDone: epoch + 1, history });
        },
      }],
    });
  }
  const { valAcc } = await evaluateSource(net, test);
  const b = backendInfo();
  await saveNet(net, dir, {
    recipe: r, epochs, seed: r.seed, description: r.description,
    data: { dataset: r.data.dataset, classes: r.data.classes ?? 'all', trainImages: trainDs.count, testImages: testDs.count, source: trainDs.source },
    testAccuracy: valAcc, history,
    trainedWith: { backend: b.backend, tfVersion: b.tfVersion, tfjs: b.tfjsVersion, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString() },
  });
  fs.rmSync(ckpt, { recursive: true, force: true });
  return { net, testAccuracy: valAcc, dir };
}
