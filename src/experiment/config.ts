/**
 * An experiment's config: the shared defaults, the checks (errors name the field and the
 * fix, before any data, model or file is touched), and the epochs rule. The data kind's
 * own defaults and fields come from its task kind (src/experiment/task-kinds.ts).
 */
import { STRATEGIES, STRATEGY_NAMES, NET_STRATEGY_NAMES, NetStrategyName, StrategyName, HeadSpec, isBaseline } from './strategy-names';
import { EpochRule, ExperimentConfig, ResolvedConfig } from './results';
import { taskKindOf, taskDatasets } from './task-kinds';
import { checkPositiveInt } from '../util/args';
import { checkDomainSource, sourceOf } from './domain-shift';

/**
 * Learning rates used when a config names none (Adam; the peak of the schedule). A linear
 * classifier on frozen features (probe, head) gets the library's probe rate; every
 * strategy that trains conv layers gets 3e-3 (the head's rate; lower groups get less).
 *
 * @example
 * DEFAULT_LEARNING_RATES['fine-tune']; // 3e-3
 */
export const DEFAULT_LEARNING_RATES: Record<NetStrategyName, number> = {
  scratch: 3e-3,
  'linear-probe': 1e-2,
  head: 1e-2,
  'fine-tune': 3e-3,
  gradual: 3e-3,
};

/**
 * The defaults of the optional config fields (`cutAt` is the image tasks'; each task kind has its own).
 *
 * @example
 * COMPARE_DEFAULTS.testSize; // 1000
 */
export const COMPARE_DEFAULTS = {
  cutAt: 'features',
  testSize: 1000,
  validationSize: 300,
  splitSeed: 0,
  batchSize: 32,
  epochs: { samples: 1280, min: 3, max: 40 } as EpochRule,
  head: { hidden: 0, dropout: 0.2 } as HeadSpec,
  targetAccuracy: 0.8,
  curvePoints: 8,
  topK: 2,
  projectionPoints: 400,
};

/**
 * Epochs for a training set of `n` examples.
 *
 * @example
 * epochsFor(10, { samples: 800, min: 4, max: 40 }); // 40
 */
export function epochsFor(n: number, rule: EpochRule): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`epochsFor: ${n} training images is not a positive integer. Fix: pass the size of the training set.`);
  if (typeof rule === 'number') {
    checkPositiveInt(rule, 'epochs');
    return rule;
  }
  if (!(rule.samples > 0 && rule.min >= 1 && rule.max >= rule.min))
    throw new Error(`epochs rule ${JSON.stringify(rule)} needs samples > 0 and 1 <= min <= max.`);
  return Math.max(rule.min, Math.min(rule.max, Math.ceil(rule.samples / n)));
}

/**
 * The epochs rule of one strategy's runs: its `strategyEpochs` entry, else `epochs`.
 *
 * @example
 * epochRuleOf(resolveConfig(EXPERIMENTS['imagenet-to-digits']), 'linear-probe'); // { samples: 9600, min: 20, max: 300 }
 */
export function epochRuleOf(r: ResolvedConfig, strategy: StrategyName): EpochRule {
  if (!r || r.epochs === undefined)
    throw new Error(`epochRuleOf: expected a resolved config, got ${r === null ? 'null' : typeof r}. Fix: pass resolveConfig(config).`);
  if (!(STRATEGY_NAMES as string[]).includes(strategy))
    throw new Error(`epochRuleOf: unknown strategy '${String(strategy)}'. Fix: use one of ${STRATEGY_NAMES.join(', ')}.`);
  return (r.strategyEpochs as Partial<Record<string, EpochRule>> | undefined)?.[strategy] ?? r.epochs;
}

/** `'a', 'b' or 'c'`. */
function orList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : q.join('');
}

/**
 * Fill in defaults and check a config of any data kind; errors name the field and the fix.
 *
 * @example
 * resolveConfig(EXPERIMENTS['fashion-a-to-b']).batchSize; // 32
 */
export function resolveConfig(config: ExperimentConfig): ResolvedConfig {
  const bad = (msg: string): never => {
    throw new Error(`experiment '${config?.name ?? '?'}': ${msg}`);
  };
  if (!config?.name || !/^[\w.-]+$/.test(config.name)) bad(`name '${config?.name}' must be letters, digits, '.', '_' or '-' (it names a folder).`);
  if (!config.backbone) bad('no backbone. Fix: set backbone, e.g. "fashion-cnn".');
  if (!config.task) bad('no task. Fix: set task, e.g. {"dataset": "mnist"}.');
  if (!Array.isArray(config.strategies) || config.strategies.length === 0) bad(`no strategies. Fix: list some of ${STRATEGY_NAMES.join(', ')}.`);
  for (const s of config.strategies) if (!(s in STRATEGIES)) bad(`unknown strategy '${s}'. Known: ${STRATEGY_NAMES.join(', ')}.`);
  // Size 0 (no target labels) means something only when a source domain supplies the labels.
  const withSource = sourceOf(config) !== undefined;
  if (!Array.isArray(config.sizes) || config.sizes.length === 0 || config.sizes.some((k) => !Number.isInteger(k) || k < 0))
    bad(`sizes must be ${withSource ? 'non-negative' : 'positive'} integers (labels per class), got ${JSON.stringify(config.sizes)}.`);
  if (!withSource && config.sizes.includes(0))
    bad(
      `sizes must be positive integers (labels per class), got ${JSON.stringify(config.sizes)}: 0 (no labels of the target) needs a source domain to train on. Fix: use sizes >= 1, or set task.source, e.g. {"dataset": "sentiment-movies", "perClass": 256}.`,
    );
  if (!Array.isArray(config.seeds) || config.seeds.length === 0 || config.seeds.some((k) => !Number.isInteger(k) || k < 0))
    bad(`seeds must be non-negative integers, got ${JSON.stringify(config.seeds)}.`);
  const kind = taskKindOf(config);
  const d = COMPARE_DEFAULTS;
  const r = {
    name: config.name,
    backbone: config.backbone,
    task: config.task,
    strategies: STRATEGY_NAMES.filter((s) => config.strategies.includes(s)),
    sizes: [...new Set(config.sizes)].sort((a, b) => a - b),
    seeds: [...new Set(config.seeds)],
    cutAt: config.cutAt ?? kind?.defaults.cutAt ?? d.cutAt,
    testSize: config.testSize ?? d.testSize,
    validationSize: config.validationSize ?? d.validationSize,
    splitSeed: config.splitSeed ?? d.splitSeed,
    batchSize: config.batchSize ?? d.batchSize,
    epochs: config.epochs ?? d.epochs,
    strategyEpochs: { ...(config.strategyEpochs ?? {}) },
    learningRates: { ...DEFAULT_LEARNING_RATES, ...(config.learningRates ?? {}) },
    head: { ...d.head, ...(config.head ?? {}) },
    targetAccuracy: config.targetAccuracy ?? d.targetAccuracy,
    curvePoints: config.curvePoints ?? d.curvePoints,
    topK: config.topK ?? d.topK,
    projectionPoints: config.projectionPoints ?? d.projectionPoints,
  };
  epochsFor(1, r.epochs);
  for (const [k, rule] of Object.entries(r.strategyEpochs)) {
    if (!(NET_STRATEGY_NAMES as string[]).includes(k))
      bad(`strategyEpochs names '${k}', not a net strategy. Fix: use net strategy names (${NET_STRATEGY_NAMES.join(', ')}).`);
    epochsFor(1, rule as EpochRule);
  }
  if (!(r.targetAccuracy > 0 && r.targetAccuracy <= 1)) bad(`targetAccuracy must be in (0, 1], got ${r.targetAccuracy}.`);
  // Everything a run would trip over later is checked here, before any data, model or file is touched.
  for (const [k, v] of Object.entries(config.learningRates ?? {})) {
    if (isBaseline(k)) bad(`learningRates names '${k}', a baseline without a learning rate. Fix: use net strategy names (${NET_STRATEGY_NAMES.join(', ')}).`);
    if (!(NET_STRATEGY_NAMES as string[]).includes(k))
      bad(`learningRates names unknown strategy '${k}'. Fix: use strategy names (${NET_STRATEGY_NAMES.join(', ')}).`);
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v)))
      bad(
        `learningRates.${k} must be a positive number, got ${v}. Fix: use e.g. 0.003, or leave it out for the default (${DEFAULT_LEARNING_RATES[k as NetStrategyName]}).`,
      );
  }
  if (config.sources !== undefined) {
    const ok = (x: unknown): boolean => {
      const s = x as { experiment?: unknown; label?: unknown; strategies?: unknown };
      return (
        !!s &&
        typeof s.experiment === 'string' &&
        !!s.experiment &&
        (s.label === undefined || (typeof s.label === 'string' && !!s.label)) &&
        (s.strategies === undefined || Array.isArray(s.strategies))
      );
    };
    if (!Array.isArray(config.sources) || !config.sources.every(ok))
      bad(
        `sources must be a list of {"experiment": name, "label"?: text, "strategies"?: [names]}, got ${JSON.stringify(config.sources)}. Fix: e.g. "sources": [{"experiment": "fashion-to-digits"}], or leave it out.`,
      );
    for (const st of config.sources.flatMap((s) => s.strategies ?? []))
      if (!(st in STRATEGIES)) bad(`sources name unknown strategy '${st}'. Known: ${STRATEGY_NAMES.join(', ')}.`);
  }
  const posInt = (k: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min)
      bad(`${k} must be an integer >= ${min}, got ${v}. Fix: use e.g. ${k}: ${(d as Record<string, unknown>)[k]}, or leave it out for the default.`);
  };
  posInt('testSize', r.testSize);
  posInt('validationSize', r.validationSize);
  posInt('batchSize', r.batchSize);
  posInt('curvePoints', r.curvePoints);
  posInt('topK', r.topK);
  posInt('projectionPoints', r.projectionPoints, 0);
  posInt('splitSeed', r.splitSeed, 0);
  if (typeof r.cutAt !== 'string' || !r.cutAt) bad(`cutAt must be a layer name, got ${JSON.stringify(r.cutAt)}. Fix: use e.g. "features".`);
  if (r.head.hidden !== undefined && (!Number.isInteger(r.head.hidden) || r.head.hidden < 0))
    bad(`head.hidden must be a whole number of units >= 0, got ${r.head.hidden}. Fix: use 0 for no hidden layer.`);
  if (r.head.dropout !== undefined && !(r.head.dropout >= 0 && r.head.dropout < 1))
    bad(`head.dropout must be a fraction in [0, 1), got ${r.head.dropout}. Fix: use e.g. 0.2.`);
  if (!kind)
    return bad(
      `task.dataset must be ${orList(taskDatasets())}, got ${JSON.stringify((config.task as { dataset?: unknown })?.dataset)}. Fix: set task, e.g. {"dataset": "mnist"}.`,
    );
  checkDomainSource(config, kind, bad);
  for (const s of r.strategies) {
    if (isBaseline(s) && !kind.baselines?.[s])
      bad(
        `strategy '${s}' is a baseline that task '${String((config.task as { dataset?: unknown }).dataset)}' does not offer${kind.baselines && Object.keys(kind.baselines).length ? ` (it offers ${Object.keys(kind.baselines).join(', ')})` : ''}. Fix: remove it from strategies.`,
      );
  }
  return { ...r, ...kind.resolve(config, bad) };
}
