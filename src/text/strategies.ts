/**
 * The five transfer strategies on a text task, built from the same verbs as for images
 * (`withHead`, `freeze`, `linearProbe`, `fineTune`, `gradualUnfreeze`, `scratch`) and
 * returning the same `RunOutcome`, so `compare`'s tables, summaries and reports apply:
 *
 * - scratch: the encoder's architecture with fresh weights, every layer trained (its token
 *   table too, whatever the encoder's `trainTokenEmbeddings`);
 * - linear-probe: softmax regression on sentence embeddings cached once;
 * - head: a new classifier on the frozen encoder, trained on token ids;
 * - fine-tune: the head first, then everything with discriminative rates (fineTune);
 * - gradual: ULMFiT's gradual unfreezing with discriminative rates and the slanted
 *   triangular schedule.
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { Net, getLayer, checkNet } from '../transfer/net';
import { freeze } from '../transfer/freeze';
import { cut, withHead } from '../transfer/head';
import { scratch, linearProbe, fineTune, gradualUnfreeze } from '../transfer/finetune';
import { FeatureSet, featureSource } from '../train/source';
import { train } from '../train/loop';
import { History } from '../train/history';
import { STRATEGIES, STRATEGY_NAMES, StrategyName, HeadSpec, RunOutcome, cloneNet, disposeModels, predictProbs, evalEpochs, recorder, finish } from '../experiment/strategies';
import { TextDataset, textSubset } from './dataset';
import { textSource, extractTextFeatures } from './source';
import { setTokenEmbeddingsTrainable } from './encoder';

/** What one text run needs (as `RunContext`, with texts). */
export interface TextRunContext {
  /** The pristine encoder: copied for every run, never trained itself. */
  encoder: Net;
  /** The layer the head goes on and features are read from (e.g. 'pool'). */
  cutAt: string;
  train: TextDataset;
  validation: TextDataset;
  test: TextDataset;
  /** Seed of the head, initial weights (scratch), shuffling and dropout. */
  seed: number;
  /** Epochs of training (all stages together). */
  epochs: number;
  batchSize: number;
  /** Peak learning rate of the head group (lower groups get less with discriminative rates). */
  learningRate: number;
  head: HeadSpec;
  /** Evaluate the validation set at about this many epochs (always the last). */
  curvePoints: number;
  /** Also return the trained net's features of the first `featurePoints` test texts (for PCA). */
  featurePoints?: number;
}

/**
 * Run one strategy on a text task: copy the encoder, build and train the net, evaluate
 * it on the test texts, free every tensor it made.
 *
 * @example
 * const out = await runTextStrategy('fine-tune', { encoder, cutAt: 'pool', train, validation, test, seed: 0, epochs: 8, batchSize: 16, learningRate: 1e-3, head: {}, curvePoints: 4 });
 */
export async function runTextStrategy(name: StrategyName, ctx: TextRunContext): Promise<RunOutcome> {
  if (!(name in STRATEGIES)) throw new Error(`unknown strategy '${name}'. Known: ${STRATEGY_NAMES.join(', ')}`);
  checkNet(ctx?.encoder, 'runTextStrategy (ctx.encoder)');
  getLayer(ctx.encoder.model, ctx.cutAt);
  const classes = ctx.train.classNames.length;
  const at = evalEpochs(ctx.epochs, ctx.curvePoints);
  const common = { batchSize: ctx.batchSize, learningRate: ctx.learningRate, seed: ctx.seed };
  const t0 = Date.now();
  if (name === 'linear-probe') {
    const body = cut(ctx.encoder, ctx.cutAt);
    const trainF = await extractTextFeatures(body, ctx.train);
    const valF = await extractTextFeatures(body, ctx.validation);
    const testF = await extractTextFeatures(body, ctx.test);
    const { net, history } = await linearProbe(trainF, {
      ...common, epochs: ctx.epochs, schedule: 'one-cycle',
      callbacks: [recorder(featureSource(valF), at, trainF.count, t0, 64)],
    });
    try {
      const probs = await predictProbs(net, featureSource(testF));
      return { history: finish(history), probs, trainableParams: history.trainableParams };
    } finally {
      disposeModels(net.model);
    }
  }
  const base = await cloneNet(ctx.encoder);
  const headed = withHead(base, { cutAt: ctx.cutAt, classes, classNames: ctx.train.classNames, hidden: ctx.head.hidden ?? 0, dropout: ctx.head.dropout ?? 0.1, seed: ctx.seed });
  const models: tfn.LayersModel[] = [headed.model, base.model];
  try {
    let net = headed;
    if (name === 'scratch') {
      net = await scratch(headed, ctx.seed);
      models.push(net.model);
      // A net trained from scratch has no token vectors worth keeping: it learns its token table.
      setTokenEmbeddingsTrainable(net, true);
    }
    const src = textSource(ctx.train, net.preprocessing);
    const rec = recorder(textSource(ctx.validation, net.preprocessing), at, ctx.train.count, t0, 64);
    let history: History;
    if (name === 'scratch') {
      history = await train(net, src, { ...common, epochs: ctx.epochs, schedule: 'one-cycle', callbacks: [rec] });
    } else if (name === 'head') {
      freeze(net);
      history = await train(net, src, { ...common, epochs: ctx.epochs, schedule: 'one-cycle', callbacks: [rec] });
    } else if (name === 'fine-tune') {
      const headEpochs = Math.max(1, Math.round(ctx.epochs / 4));
      history = await fineTune(net, src, { ...common, headEpochs, epochs: ctx.epochs - headEpochs, callbacks: [rec] });
    } else {
      const stages = net.groups.length;
      const per = Math.max(1, Math.floor(ctx.epochs / stages));
      const usable = Math.min(stages, Math.max(1, Math.floor(ctx.epochs / per)));
      history = await gradualUnfreeze(net, src, { ...common, schedule: 'slanted-triangular', epochsPerStage: per, stages: usable, finalEpochs: ctx.epochs - per * usable, callbacks: [rec] });
    }
    const probs = await predictProbs(net, textSource(ctx.test, net.preprocessing), 64);
    let features: FeatureSet | undefined;
    if (ctx.featurePoints) {
      const n = Math.min(ctx.featurePoints, ctx.test.count);
      features = await extractTextFeatures(cut(net, ctx.cutAt), textSubset(ctx.test, Array.from({ length: n }, (_, i) => i)), { cache: false });
    }
    return { history: finish(history), probs, trainableParams: history.trainableParams, features };
  } finally {
    disposeModels(...models);
  }
}
