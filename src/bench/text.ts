/**
 * The text bench case: full fine-tuning (library loop, Adam, dropout on as in training)
 * and inference (library predictor) of all-MiniLM-L6-v2 with a 6-way softmax head on
 * seeded synthetic token ids, batch 16, length 64, against PyTorch's transformers
 * BertModel from the same weights (`bench/keras_bench.py --framework torch --model text`).
 * The ids follow one formula on both sides ({@link textBenchIds}), so both run the same
 * texts: [CLS], 14..62 word pieces, [SEP], then padding.
 */
import { tf } from '../backend';
import { loadTextEncoder } from '../text/pretrained';
import { buildTextEncoder, MINILM_L6_CONFIG } from '../text/encoder';
import { unfreeze } from '../transfer/freeze';
import { withHead } from '../transfer/head';
import { trainableParams } from '../transfer/net';
import type { BatchSource } from '../train/source';
import { LoopCaseArgs, ModelCase, pretrainedOrRandom, timeLoop } from './cases';
import { measureLibraryInference } from './measure';

/** Classes of the bench head. */
export const TEXT_BENCH_CLASSES = 6;

/**
 * The bench's token ids: text i has 16 + (37 i mod 49) tokens ([CLS] 101, pieces 1000 +
 * ((131 i + 17 t) mod 28000), [SEP] 102), padded with 0 to `length`; label i mod 6.
 * bench/keras_bench.py computes the same.
 *
 * @example
 * const { ids, labels } = textBenchIds(32, 64); // ids: 32 x 64 int32, row-major
 */
export function textBenchIds(n: number, length: number): { ids: Int32Array; labels: Uint8Array } {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(length) || length < 16)
    throw new Error(`textBenchIds: need n >= 1 and length >= 16 (integers), got n=${n}, length=${length}.`);
  const ids = new Int32Array(n * length);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const len = Math.min(length, 16 + ((37 * i) % 49));
    ids[i * length] = 101;
    for (let t = 1; t < len - 1; t++) ids[i * length + t] = 1000 + ((131 * i + 17 * t) % 28000);
    ids[i * length + len - 1] = 102;
    labels[i] = i % TEXT_BENCH_CLASSES;
  }
  return { ids, labels };
}

/** The bench's token ids as a BatchSource (rows of `length` ids); bench/profile/text-step.ts uses it too. */
export function idSource(ids: Int32Array, labels: Uint8Array, length: number): BatchSource {
  return {
    count: labels.length,
    labels,
    numClasses: TEXT_BENCH_CLASSES,
    inputShape: [length],
    batch(indices) {
      const idx = Array.from(indices);
      const out = new Int32Array(idx.length * length);
      idx.forEach((j, r) => out.set(ids.subarray(j * length, (j + 1) * length), r * length));
      return {
        xs: tf.tensor2d(out, [idx.length, length], 'int32'),
        ys: tf.tensor1d(
          idx.map((j) => labels[j]),
          'int32',
        ),
      };
    },
  };
}

/** Sizes of the text case: a loop case plus inference batches and the sequence length. */
export interface TextCaseArgs extends LoopCaseArgs {
  inferSteps: number;
  /** Tokens per text. Default 64. */
  length?: number;
}

/** What the text case measured: weights 'pretrained' (all-MiniLM-L6-v2), or 'random' when the package is not installed. */
export interface TextCase extends ModelCase<'pretrained' | 'random'> {
  length: number;
}

/**
 * Time full fine-tuning and inference of MiniLM + a 6-way head (library loop and predictor).
 *
 * @example
 * const c = await measureText({ batch: 16, steps: 4, inferSteps: 8, repeats: 3, warmupSteps: 1, seed: 42 });
 */
export async function measureText(args: TextCaseArgs): Promise<TextCase> {
  const length = args.length ?? 64;
  const { net: encoder, weights } = await pretrainedOrRandom(
    () => loadTextEncoder('all-minilm-l6-v2', { maxLength: length }),
    () => buildTextEncoder(MINILM_L6_CONFIG, { maxLength: length, seed: args.seed }),
    'pretrained',
  );
  const net = withHead(encoder, { classes: TEXT_BENCH_CLASSES, seed: args.seed });
  try {
    unfreeze(net);
    const { ids, labels } = textBenchIds(args.batch * Math.max(args.steps, args.inferSteps), length);
    const nTrain = args.batch * args.steps;
    const train = await timeLoop(net, idSource(ids.subarray(0, nTrain * length), labels.subarray(0, nTrain), length), args, 2e-5);
    const xs = tf.tensor2d(ids.subarray(0, args.batch * args.inferSteps * length), [args.batch * args.inferSteps, length], 'int32');
    try {
      const infer = await measureLibraryInference(net.model, xs, { batch: args.batch, repeats: args.repeats });
      return { length, batch: args.batch, weights, params: trainableParams(net.model), train, infer };
    } finally {
      xs.dispose();
    }
  } finally {
    const encLayers = new Set(encoder.model.layers);
    encoder.model.dispose();
    for (const l of net.model.layers) if (!encLayers.has(l)) l.dispose();
  }
}
