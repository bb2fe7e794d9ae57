/**
 * The vocabulary of an experiment: the strategies it can compare and the head they put
 * on the backbone. Plain data, imported by the runner, the sweep, the tables and the charts.
 */

/** The strategies an experiment can compare. */
export type StrategyName = 'scratch' | 'linear-probe' | 'head' | 'fine-tune' | 'gradual';

/**
 * Every strategy, in the order charts and tables list them, with a one-line description.
 *
 * @example
 * STRATEGIES.gradual; // 'gradual unfreezing, ...'
 */
export const STRATEGIES: Record<StrategyName, string> = {
  scratch: 'same architecture as the fine-tuned net, fresh seeded weights, every layer trained (the baseline)',
  'linear-probe': 'softmax regression on features cached once from the frozen backbone',
  head: 'new classifier head on the frozen backbone, trained on images',
  'fine-tune': 'train the new head, then unfreeze everything with discriminative rates (fineTune)',
  gradual: 'gradual unfreezing, one layer group per stage, discriminative rates, slanted triangular schedule',
};

/**
 * The strategy names, in display order.
 *
 * @example
 * STRATEGY_NAMES[0]; // 'scratch'
 */
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

/** The head put on the backbone by every strategy but the linear probe. */
export interface HeadSpec {
  /** Units of a hidden dense layer; default 0 (none). */
  hidden?: number;
  /** Dropout before the classifier; default: the data kind's (0.2 for images, 0.1 for texts). */
  dropout?: number;
}

/**
 * Throw unless `name` is a known strategy.
 *
 * @example
 * checkStrategy('fine-tune');
 */
export function checkStrategy(name: string): asserts name is StrategyName {
  if (!(name in STRATEGIES)) throw new Error(`unknown strategy '${name}'. Known: ${STRATEGY_NAMES.join(', ')}`);
}
