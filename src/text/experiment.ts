/**
 * Text experiments: the same sweep as `compare` (strategies x labels per class x seeds,
 * resumable, one tidy row per run, the same CompareResult for tables and reports), on a
 * text task with the pretrained sentence encoder as the backbone.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Net, getLayer } from '../transfer/net';
import { cut } from '../transfer/head';
import { permutation } from '../random';
import { CompareConfig, CompareResult, CompareOptions, RunRow, resolveConfig, epochsFor, weightsHash } from '../experiment/compare';
import { StrategyName, disposeModels } from '../experiment/strategies';
import { readRuns, summarize, saveResults, writeAtomic } from '../experiment/table';
import { classificationReport, timeToAccuracy, argmaxRows } from '../experiment/metrics';
import { pca2d } from '../experiment/pca';
import { TaskSpec } from '../experiment/task';
import { TextDataset, textClassCounts, textKShot, textStratifiedSplit, textSubset } from './dataset';
import { loadFortunes, FORTUNE_TOPICS } from './fortunes';
import { loadTextEncoder } from './pretrained';
import { extractTextFeatures } from './source';
import { runTextStrategy } from './strategies';

/** Which texts a text task uses. */
export interface TextTaskSpec {
  /** `fortunes`: Debian's fortune topics, one class per topic file. */
  dataset: 'fortunes';
  /** Topic files (classes). Default {@link FORTUNE_TOPICS}. */
  topics?: string[];
}

/** A text experiment: a {@link CompareConfig} whose task is text and whose backbone is a text encoder. */
export interface TextExperimentConfig extends Omit<CompareConfig, 'task'> {
  task: TextTaskSpec;
  /** Tokens per text, [CLS] and [SEP] included. Default 32. */
  maxLength?: number;
  /** Let fine-tuning update the encoder's 11.7 M-weight token table. Default false (see setTokenEmbeddingsTrainable). */
  trainTokenEmbeddings?: boolean;
}

/**
 * Peak learning rates of the text strategies (Adam), chosen on one 4-per-class sample
 * (seed 1, validation texts only): a linear classifier on the 384-d pooled embeddings
 * needs a high rate to move in a few dozen steps (3e-2 beat 1e-2 and 3e-3); fine-tuning's
 * head peaks at 3e-3 (each group below gets 2.6x less), gradual unfreezing at 1e-3 (3e-3
 * and 3e-4 were worse); the from-scratch transformer only fits its training texts at
 * 1e-4 (at 3e-4 and above its loss stays at chance level).
 *
 * @example
 * TEXT_LEARNING_RATES.scratch; // 1e-4
 */
export const TEXT_LEARNING_RATES: Record<StrategyName, number> = { scratch: 1e-4, 'linear-probe': 3e-2, head: 3e-2, 'fine-tune': 3e-3, gradual: 1e-3 };

/** The sweep of the named text experiment. */
const TEXT_SWEEP = {
  strategies: ['scratch', 'linear-probe', 'head', 'fine-tune', 'gradual'] as StrategyName[],
  sizes: [1, 4, 16],
  seeds: [0, 1, 2],
  testSize: 180,
  validationSize: 60,
  batchSize: 16,
  epochs: { samples: 192, min: 4, max: 16 },
  curvePoints: 3,
  projectionPoints: 150,
  cutAt: 'pool',
  maxLength: 32,
  head: { hidden: 0, dropout: 0.1 },
};

/**
 * The text experiments known by name.
 *
 * @example
 * Object.keys(TEXT_EXPERIMENTS); // ['minilm-to-fortunes']
 */
export const TEXT_EXPERIMENTS: Record<string, TextExperimentConfig> = {
  'minilm-to-fortunes': {
    name: 'minilm-to-fortunes',
    description: 'Text transfer: the sentence encoder all-MiniLM-L6-v2 (pretrained on a billion sentence pairs) to the topic of a fortune cookie (Debian fortunes: computers, food, love, politics, science, sports).',
    backbone: 'all-minilm-l6-v2',
    task: { dataset: 'fortunes' },
    ...TEXT_SWEEP,
    learningRates: TEXT_LEARNING_RATES,
    targetAccuracy: 0.5,
  },
};

/**
 * Whether a name (or a config file) is a text experiment.
 *
 * @example
 * isTextExperiment('minilm-to-fortunes'); // true
 */
export function isTextExperiment(nameOrFile: string): boolean {
  if (TEXT_EXPERIMENTS[nameOrFile]) return true;
  if (!/\.json$/i.test(nameOrFile) || !fs.existsSync(nameOrFile)) return false;
  try {
    return (JSON.parse(fs.readFileSync(nameOrFile, 'utf8')) as { task?: { dataset?: string } }).task?.dataset === 'fortunes';
  } catch {
    return false;
  }
}

/**
 * The smoke-test version of a text config: 1 and 4 labels per class, one seed, few epochs,
 * 120 test texts, stored apart (`<name>-quick`).
 *
 * @example
 * const cfg = quickTextConfig(TEXT_EXPERIMENTS['minilm-to-fortunes']);
 */
export function quickTextConfig(config: TextExperimentConfig): TextExperimentConfig {
  return {
    ...config, name: `${config.name}-quick`, sizes: [1, 4], seeds: [0], testSize: 120, validationSize: 30,
    epochs: { samples: 48, min: 2, max: 6 }, curvePoints: 2, projectionPoints: 60,
  };
}

/**
 * Defaults and checks of a text config (as resolveConfig, with the text defaults:
 * cutAt 'pool', maxLength 32, a fixed token table).
 *
 * @throws Error naming the field and the fix
 * @example
 * resolveTextConfig(TEXT_EXPERIMENTS['minilm-to-fortunes']).maxLength; // 32
 */
export function resolveTextConfig(config: TextExperimentConfig): CompareResult['resolved'] & { maxLength: number; trainTokenEmbeddings: boolean } {
  if (!config || config.task?.dataset !== 'fortunes') throw new Error(`text experiment '${config?.name ?? '?'}': task.dataset must be 'fortunes', got ${JSON.stringify(config?.task?.dataset)}.`);
  const maxLength = config.maxLength ?? 32;
  if (!Number.isInteger(maxLength) || maxLength < 4 || maxLength > 512) throw new Error(`text experiment '${config.name}': maxLength must be an integer from 4 to 512, got ${maxLength}.`);
  if (config.task.topics !== undefined && (!Array.isArray(config.task.topics) || config.task.topics.some((t) => typeof t !== 'string'))) {
    throw new Error(`text experiment '${config.name}': task.topics must be a list of fortune topic names, got ${JSON.stringify(config.task.topics)}.`);
  }
  // resolveConfig fills the shared defaults and checks every other field; it knows only the
  // image tasks, so it sees a stand-in task and the text task (checked above) is put back.
  const r = resolveConfig({ ...config, cutAt: config.cutAt ?? 'pool', task: { dataset: 'mnist' } });
  return { ...r, task: config.task as unknown as TaskSpec, maxLength, trainTokenEmbeddings: config.trainTokenEmbeddings ?? false };
}

/**
 * A named text experiment's config, or one read from a JSON file.
 *
 * @throws Error naming the known experiments, or the file's problem
 * @example
 * const cfg = textExperimentConfig('minilm-to-fortunes', { quick: true });
 */
export function textExperimentConfig(nameOrFile: string, opts: { quick?: boolean } = {}): TextExperimentConfig {
  let config: TextExperimentConfig;
  if (TEXT_EXPERIMENTS[nameOrFile]) config = structuredClone(TEXT_EXPERIMENTS[nameOrFile]);
  else if (fs.existsSync(nameOrFile)) {
    try {
      config = JSON.parse(fs.readFileSync(nameOrFile, 'utf8')) as TextExperimentConfig;
    } catch (e) {
      throw new Error(`config file ${nameOrFile} is not valid JSON (${(e as Error).message}).`);
    }
  } else throw new Error(`unknown text experiment '${nameOrFile}'. Known: ${Object.keys(TEXT_EXPERIMENTS).join(', ')}; or pass a config .json file.`);
  if (opts.quick) config = quickTextConfig(config);
  resolveTextConfig(config);
  return config;
}

/** A loaded text task: a pool for k-shot sets and fixed, balanced validation and test sets. */
export interface TextTaskData {
  pool: TextDataset;
  validation: TextDataset;
  test: TextDataset;
  classNames: string[];
  description: string;
}

/** A balanced sample of about `total` texts, in seeded random order (as stratifiedSample for images). */
function balancedSample(ds: TextDataset, total: number, seed: number, name: string): TextDataset {
  const counts = textClassCounts(ds);
  const per = Math.min(Math.floor(total / ds.classNames.length), ...counts);
  if (per < 1) throw new Error(`cannot take ${total} texts over ${ds.classNames.length} classes from ${ds.name} (smallest class: ${Math.min(...counts)}).`);
  const k = textKShot(ds, per, seed);
  return textSubset(k, Array.from(permutation(k.count, seed + 1)), name);
}

/**
 * Load a text task: the fortunes split per class 60/10/30 into pool/validation/test with
 * a fixed seed, then balanced validation and test samples.
 *
 * @example
 * const task = loadTextTask({ dataset: 'fortunes' }, { testSize: 180 });
 * task.test.count; // 180 (30 per topic)
 */
export function loadTextTask(spec: TextTaskSpec, opts: { testSize?: number; validationSize?: number; splitSeed?: number } = {}): TextTaskData {
  if (spec?.dataset !== 'fortunes') throw new Error(`unknown text task data set '${String(spec?.dataset)}'. Use 'fortunes'.`);
  const all = loadFortunes({ topics: spec.topics });
  const seed = opts.splitSeed ?? 0;
  const s = textStratifiedSplit(all, { validation: 0.1, test: 0.3, seed });
  const test = balancedSample(s.test, opts.testSize ?? 180, seed, 'fortunes/test');
  const validation = balancedSample(s.validation, opts.validationSize ?? 60, seed + 7, 'fortunes/validation');
  return {
    pool: s.train, validation, test, classNames: all.classNames,
    description: `fortunes (${all.classNames.join(', ')}): pool ${s.train.count} texts, validation ${validation.count}, test ${test.count} (${all.classNames.length} classes, balanced held-out sets; from ${all.source})`,
  };
}

/**
 * Load the encoder a text experiment uses (its backbone, maxLength and token-table setting).
 *
 * @example
 * const encoder = await loadExperimentEncoder(TEXT_EXPERIMENTS['minilm-to-fortunes']);
 */
export async function loadExperimentEncoder(config: TextExperimentConfig): Promise<Net> {
  const r = resolveTextConfig(config);
  return loadTextEncoder(r.backbone, { maxLength: r.maxLength, trainTokenEmbeddings: r.trainTokenEmbeddings });
}

/** Options for {@link compareText}. */
export interface TextCompareOptions extends Omit<CompareOptions, 'backbone' | 'data'> {
  /** Use this encoder instead of loading `config.backbone` (not disposed). */
  encoder?: Net;
  /** Use this task data instead of loading `config.task`. */
  data?: TextTaskData;
}

/** Bump when a change to the runner changes the numbers of otherwise identical runs. */
const TEXT_RUNNER_VERSION = 1;

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Run a text sweep: every strategy x size x seed on its own seeded k-shot sample of the
 * texts, evaluated on the same test texts; resumable through `outDir/runs.jsonl`. Returns
 * the same CompareResult as `compare`, so `formatSummaryTable` and `writeReport` apply.
 *
 * @example
 * const result = await compareText(textExperimentConfig('minilm-to-fortunes', { quick: true }));
 * console.log(formatSummaryTable(result));
 */
export async function compareText(config: TextExperimentConfig, opts: TextCompareOptions = {}): Promise<CompareResult> {
  const t0 = Date.now();
  const r = resolveTextConfig(config);
  const data = opts.data ?? loadTextTask(config.task, { testSize: r.testSize, validationSize: r.validationSize, splitSeed: r.splitSeed });
  const encoder = opts.encoder ?? (await loadExperimentEncoder(config));
  try {
    getLayer(encoder.model, r.cutAt);
    const counts = textClassCounts(data.pool);
    const smallest = Math.min(...counts);
    const tooBig = r.sizes.filter((k) => k > smallest);
    if (tooBig.length) throw new Error(`experiment '${r.name}': sizes ${tooBig.join(', ')} ask for more labels per class than class '${data.classNames[counts.indexOf(smallest)]}' has in the pool (${smallest}). Fix: use sizes <= ${smallest}.`);
    const bHash = weightsHash(encoder);
    const runsFile = opts.outDir ? path.join(path.resolve(opts.outDir), 'runs.jsonl') : null;
    if (runsFile && opts.resume === false) fs.rmSync(runsFile, { force: true });
    const done = runsFile ? readRuns(runsFile) : new Map<string, RunRow>();
    if (runsFile) fs.mkdirSync(path.dirname(runsFile), { recursive: true });
    // A sweep killed mid-write leaves a torn last line: keep the whole runs only.
    if (runsFile && fs.existsSync(runsFile) && fs.statSync(runsFile).size > 0 && !fs.readFileSync(runsFile, 'utf8').endsWith('\n')) {
      writeAtomic(runsFile, [...done.values()].map((row) => JSON.stringify(row) + '\n').join(''));
    }
    const total = r.strategies.length * r.sizes.length * r.seeds.length;
    const detailStrategy: StrategyName = r.strategies.includes('fine-tune') ? 'fine-tune' : r.strategies[r.strategies.length - 1];
    const detail = { strategy: detailStrategy, size: r.sizes[r.sizes.length - 1], seed: r.seeds[0] };
    const rows: RunRow[] = [];
    let resumed = 0;
    let index = 0;
    for (const size of r.sizes) {
      for (const seed of r.seeds) {
        let trainSet: TextDataset | null = null;
        for (const strategy of r.strategies) {
          index++;
          const what = {
            v: TEXT_RUNNER_VERSION, bHash, cutAt: r.cutAt, task: r.task, testSize: r.testSize, validationSize: r.validationSize, splitSeed: r.splitSeed,
            batchSize: r.batchSize, epochs: r.epochs, learningRate: r.learningRates[strategy], head: strategy === 'linear-probe' ? null : r.head,
            targetAccuracy: r.targetAccuracy, curvePoints: r.curvePoints, topK: r.topK, maxLength: r.maxLength, trainTokenEmbeddings: r.trainTokenEmbeddings,
          };
          const hash = crypto.createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 12);
          const key = `${strategy}|k=${size}|seed=${seed}|${hash}`;
          const old = done.get(key);
          if (old) {
            rows.push(old);
            resumed++;
            opts.onRun?.({ index, total, row: old, resumed: true });
            continue;
          }
          trainSet ??= textKShot(data.pool, size, seed);
          const epochs = epochsFor(trainSet.count, r.epochs);
          opts.onStart?.({ index, total, strategy, size, seed, epochs });
          const isDetail = r.projectionPoints > 0 && strategy === detail.strategy && size === detail.size && seed === detail.seed;
          const out = await runTextStrategy(strategy, {
            encoder, cutAt: r.cutAt, train: trainSet, validation: data.validation, test: data.test, seed, epochs,
            batchSize: r.batchSize, learningRate: r.learningRates[strategy], head: r.head, curvePoints: r.curvePoints,
            featurePoints: isDetail && strategy !== 'linear-probe' ? r.projectionPoints : undefined,
          });
          const rep = classificationReport(out.probs, data.test.labels, data.classNames, r.topK);
          const hist = out.history.epochs.map((e) => ({ ...e }));
          const vals = hist.filter((e) => typeof e.valAcc === 'number');
          const row: RunRow = {
            key, configHash: hash, experiment: r.name, strategy, size, seed, trainImages: trainSet.count, epochs,
            accuracy: rep.accuracy, macroF1: round(rep.macroF1, 6), topK: rep.topK.k, topKAccuracy: rep.topK.accuracy,
            valAccuracy: vals.length ? (vals[vals.length - 1].valAcc as number) : null,
            wallSeconds: round(out.history.wallSeconds, 3), samplesSeen: out.history.samplesSeen, trainableParams: out.trainableParams,
            targetAccuracy: r.targetAccuracy, timeToTarget: timeToAccuracy(out.history, r.targetAccuracy),
            perClassF1: rep.perClass.map((c) => round(c.f1, 6)), confusion: rep.confusion,
            predictions: argmaxRows(out.probs, data.classNames.length),
            history: hist, events: out.history.events, finishedAt: new Date().toISOString(),
          };
          if (isDetail && out.features) {
            const first = textSubset(data.test, Array.from({ length: out.features.count }, (_, i) => i));
            const before = await extractTextFeatures(cut(encoder, r.cutAt), first, { cache: false });
            row.projection = {
              before: pca2d(before.features, before.count, before.dim, before.labels),
              after: pca2d(out.features.features, out.features.count, out.features.dim, out.features.labels),
            };
          }
          if (runsFile) fs.appendFileSync(runsFile, JSON.stringify(row) + '\n');
          rows.push(row);
          opts.onRun?.({ index, total, row, resumed: false });
        }
      }
    }
    const result: CompareResult = {
      experiment: r.name, config: config as unknown as CompareConfig, resolved: r,
      backbone: { name: r.backbone, origin: encoder.origin, weightsHash: bHash },
      task: { description: data.description, classNames: data.classNames, testImages: data.test.count, validationImages: data.validation.count },
      rows, cells: summarize(rows), resumedRuns: resumed, wallSeconds: round((Date.now() - t0) / 1000, 2), finishedAt: new Date().toISOString(),
    };
    if (opts.outDir) result.files = saveResults(result, opts.outDir);
    return result;
  } finally {
    if (!opts.encoder) disposeModels(encoder.model);
  }
}
