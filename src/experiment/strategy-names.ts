/**
 * The vocabulary of an experiment: the strategies it can compare and the head they put
 * on the backbone. Plain data, imported by the runner, the sweep, the tables and the charts.
 */

/** The strategies that train a net on the backbone (every data kind runs them). */
export type NetStrategyName = 'scratch' | 'linear-probe' | 'head' | 'fine-tune' | 'gradual';

/**
 * Non-net baselines a task kind may offer as strategies (`TaskKind.baselines`): they
 * ignore the backbone and produce the same rows, so they sit in the same tables.
 */
export type BaselineName = 'tfidf' | 'vader';

/** The strategies an experiment can compare: the net strategies and the task kind's baselines. */
export type StrategyName = NetStrategyName | BaselineName;

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
  tfidf: 'baseline without the backbone: TF-IDF of word 1-2-grams + L2-regularised logistic regression on the same labels (texts only)',
  vader: 'baseline without training or backbone: the VADER lexicon-and-rules analyser, sign of its compound score (sentiment tasks only)',
};

/**
 * The strategy names, in display order.
 *
 * @example
 * STRATEGY_NAMES[0]; // 'scratch'
 */
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

/**
 * The baseline names, in display order (after the net strategies).
 *
 * @example
 * BASELINE_NAMES; // ['tfidf', 'vader']
 */
export const BASELINE_NAMES: BaselineName[] = ['tfidf', 'vader'];

/**
 * The net strategy names, in display order (every strategy but the baselines).
 *
 * @example
 * NET_STRATEGY_NAMES.length; // 5
 */
export const NET_STRATEGY_NAMES = STRATEGY_NAMES.filter((s) => !(BASELINE_NAMES as string[]).includes(s)) as NetStrategyName[];

/**
 * Whether a strategy is a non-net baseline (run by its task kind, not by runStrategy).
 *
 * @example
 * isBaseline('vader'); // true
 */
export function isBaseline(name: string): name is BaselineName {
  return (BASELINE_NAMES as string[]).includes(name);
}

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
