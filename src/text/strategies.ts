/**
 * The five transfer strategies on a text task: the one runner (`runStrategy`,
 * src/experiment/strategies.ts) with the text data kind (`textModality`, ./task.ts):
 *
 * - scratch: the encoder's architecture with fresh weights, every layer trained (its token
 *   table too, whatever the encoder's `trainTokenEmbeddings`);
 * - linear-probe: softmax regression on sentence embeddings cached once;
 * - head: a new classifier on the frozen encoder, trained on token ids;
 * - fine-tune: the head first, then everything with discriminative rates (fineTune);
 * - gradual: ULMFiT's gradual unfreezing with discriminative rates and the slanted
 *   triangular schedule.
 */
import { Net, checkNet } from '../transfer/net';
import { RunContext, RunOutcome, runStrategy } from '../experiment/strategies';
import { NetStrategyName } from '../experiment/strategy-names';
import { TextDataset } from './dataset';
import { textModality } from './task';

/** What one text run needs (as `RunContext`, with texts and the encoder as the backbone). */
export interface TextRunContext extends Omit<RunContext<TextDataset>, 'backbone' | 'modality'> {
  /** The pristine encoder: copied for every run, never trained itself. */
  encoder: Net;
}

/**
 * Run one strategy on a text task: copy the encoder, build and train the net, evaluate
 * it on the test texts, free every tensor it made.
 *
 * @example
 * const out = await runTextStrategy('fine-tune', { encoder, cutAt: 'pool', train, validation, test, seed: 0, epochs: 8, batchSize: 16, learningRate: 1e-3, head: {}, curvePoints: 4 });
 */
export async function runTextStrategy(name: NetStrategyName, ctx: TextRunContext): Promise<RunOutcome> {
  checkNet(ctx?.encoder, 'runTextStrategy (ctx.encoder)');
  const { encoder, ...rest } = ctx;
  return runStrategy<TextDataset>(name, { ...rest, backbone: encoder, modality: textModality });
}
