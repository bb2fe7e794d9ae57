/**
 * The text baselines a task kind offers as strategies (`TaskKind.baselines`, see
 * src/experiment/modality.ts): TF-IDF + logistic regression trained on the run's k-shot
 * texts (./tfidf.ts) and VADER, the lexicon-and-rules analyser that needs no training
 * (./vader.ts). Each returns the test probabilities and a history like a net run, so the
 * sweep writes them as rows of the experiment's own table.
 */
import { BaselineContext, BaselineRunner } from '../experiment/modality';
import type { RunOutcome } from '../experiment/strategies';
import type { History } from '../train/history';
import { TextDataset } from './dataset';
import { trainTfidfLogReg, tfidfPredict, TfidfOptions } from './tfidf';
import { vaderProbs, VaderOptions } from './vader';

function outcome(probs: Float32Array, t0: number, samplesSeen: number, trainableParams: number): RunOutcome {
  const history: History = { epochs: [], events: [], wallSeconds: (Date.now() - t0) / 1000, samplesSeen, stoppedEarly: false, trainableParams };
  return { history, probs, trainableParams };
}

function checkContext(ctx: BaselineContext<TextDataset>, where: string): void {
  if (!ctx || !ctx.train || !Array.isArray(ctx.train.texts) || !ctx.test || !Array.isArray(ctx.test.texts)) {
    throw new Error(`${where}: expected { train, test, seed } with TextDatasets. Fix: pass the run's k-shot texts and the test texts.`);
  }
}

/**
 * The TF-IDF + logistic regression baseline as a sweep strategy: fitted on the run's
 * k-shot texts (deterministic: full-batch Adam from zeros, so the seed only picks the
 * texts), evaluated on the test texts. `trainableParams` counts its weights and biases;
 * `samplesSeen` is iterations x texts; wall time covers fitting and the test predictions.
 *
 * @example
 * const out = await tfidfBaseline().run({ train, test, seed: 0 });
 * classificationReport(out.probs, test.labels, test.classNames).accuracy;
 */
export function tfidfBaseline(opts: TfidfOptions = {}): BaselineRunner<TextDataset> {
  return {
    run: async (ctx) => {
      checkContext(ctx, 'tfidf baseline');
      const t0 = Date.now();
      const model = await trainTfidfLogReg(ctx.train, opts);
      const probs = tfidfPredict(model, ctx.test.texts);
      return outcome(probs, t0, (opts.iterations ?? 300) * ctx.train.count, model.weights.length + model.bias.length);
    },
  };
}

/**
 * The VADER baseline as a sweep strategy: no training and no labels (the k-shot texts
 * are ignored); two-class probabilities from the compound score of each test text
 * (see vaderProbs), so it gives the same numbers at every size and seed.
 *
 * @throws Error (when run) naming the fix when the vaderSentiment package or Python is missing
 * @example
 * const out = await vaderBaseline().run({ train, test, seed: 0 });
 */
export function vaderBaseline(opts: VaderOptions = {}): BaselineRunner<TextDataset> {
  return {
    run: async (ctx) => {
      checkContext(ctx, 'vader baseline');
      if (ctx.test.classNames.length !== 2)
        throw new Error(
          `vader baseline: VADER scores two classes (negative, positive), the test set has ${ctx.test.classNames.length}. Fix: use it on a two-class sentiment task.`,
        );
      const t0 = Date.now();
      return outcome(vaderProbs(ctx.test.texts, opts), t0, 0, 0);
    },
  };
}
