/**
 * Text experiments through the one sweep driver (src/experiment/sweep.ts): the named text
 * experiments (a view of the experiment registry), their configs, and `compareText`, a
 * thin wrapper over `runSweep` that takes the encoder as `encoder`. The text adapter
 * (data kind and task) is ./task.ts.
 */
import * as fs from 'fs';
import { Net } from '../transfer/net';
import { ExperimentResult, ResolvedConfig } from '../experiment/results';
import { resolveConfig } from '../experiment/config';
import { EXPERIMENTS, experimentConfig, experimentModality } from '../experiment/experiments';
import { modalityOf } from '../experiment/task-kinds';
import { runSweep, SweepOptions } from '../experiment/sweep';
import { TextDataset } from './dataset';
import { FORTUNES_TASK, TextExperimentConfig, TextTaskData } from './task';

export { TextExperimentConfig, TextTaskSpec, TextTaskData, loadTextTask } from './task';
export { TEXT_LEARNING_RATES } from '../experiment/experiments';

/**
 * The text experiments known by name (the text entries of the experiment registry).
 *
 * @example
 * Object.keys(TEXT_EXPERIMENTS); // ['minilm-to-fortunes']
 */
export const TEXT_EXPERIMENTS: Record<string, TextExperimentConfig> = Object.fromEntries(
  Object.entries(EXPERIMENTS).filter(([, c]) => modalityOf(c) === 'text'),
) as Record<string, TextExperimentConfig>;

/**
 * Whether a name (or a config file) is a text experiment.
 *
 * @example
 * isTextExperiment('minilm-to-fortunes'); // true
 */
export function isTextExperiment(nameOrFile: string): boolean {
  return experimentModality(nameOrFile) === 'text';
}

/**
 * The smoke-test version of a text config: 1 and 4 labels per class, one seed, few epochs,
 * 120 test texts, stored apart (`<name>-quick`).
 *
 * @example
 * const cfg = quickTextConfig(TEXT_EXPERIMENTS['minilm-to-fortunes']);
 */
export function quickTextConfig(config: TextExperimentConfig): TextExperimentConfig {
  return FORTUNES_TASK.quick(config) as TextExperimentConfig;
}

/**
 * Defaults and checks of a text config (as resolveConfig, with the text defaults:
 * cutAt 'pool', maxLength 32, a fixed token table).
 *
 * @throws Error naming the field and the fix
 * @example
 * resolveTextConfig(TEXT_EXPERIMENTS['minilm-to-fortunes']).maxLength; // 32
 */
export function resolveTextConfig(config: TextExperimentConfig): ResolvedConfig & { maxLength: number; trainTokenEmbeddings: boolean } {
  if (modalityOf(config) !== 'text')
    throw new Error(`text experiment '${config?.name ?? '?'}': task.dataset must be 'fortunes', got ${JSON.stringify(config?.task?.dataset)}.`);
  return resolveConfig(config) as ResolvedConfig & { maxLength: number; trainTokenEmbeddings: boolean };
}

/**
 * A named text experiment's config, or one read from a JSON file.
 *
 * @throws Error naming the known experiments, or the file's problem
 * @example
 * const cfg = textExperimentConfig('minilm-to-fortunes', { quick: true });
 */
export function textExperimentConfig(nameOrFile: string, opts: { quick?: boolean } = {}): TextExperimentConfig {
  const known = EXPERIMENTS[nameOrFile] ? !!TEXT_EXPERIMENTS[nameOrFile] : /\.json$/i.test(nameOrFile) || fs.existsSync(nameOrFile);
  if (!known) {
    throw new Error(`unknown text experiment '${nameOrFile}'. Known: ${Object.keys(TEXT_EXPERIMENTS).join(', ')}; or pass a config .json file.`);
  }
  const config = experimentConfig<TextExperimentConfig>(nameOrFile, opts);
  resolveTextConfig(config);
  return config;
}

/**
 * Load the encoder a text experiment uses (its backbone, maxLength and token-table setting).
 *
 * @example
 * const encoder = await loadExperimentEncoder(TEXT_EXPERIMENTS['minilm-to-fortunes']);
 */
export async function loadExperimentEncoder(config: TextExperimentConfig): Promise<Net> {
  return FORTUNES_TASK.loadBackbone(resolveTextConfig(config));
}

/** Options for {@link compareText}. */
export interface TextCompareOptions extends Omit<SweepOptions<TextDataset>, 'backbone' | 'data'> {
  /** Use this encoder instead of loading `config.backbone` (not disposed). */
  encoder?: Net;
  /** Use this task data instead of loading `config.task`. */
  data?: TextTaskData;
}

/**
 * Run a text sweep: every strategy x size x seed on its own seeded k-shot sample of the
 * texts, evaluated on the same test texts; resumable through `outDir/runs.jsonl`. The
 * same sweep as `compare`, so `formatSummaryTable` and `writeReport` apply.
 *
 * @example
 * const result = await compareText(textExperimentConfig('minilm-to-fortunes', { quick: true }));
 * console.log(formatSummaryTable(result));
 */
export async function compareText(config: TextExperimentConfig, opts: TextCompareOptions = {}): Promise<ExperimentResult<TextExperimentConfig, TextDataset>> {
  resolveTextConfig(config);
  const { encoder, ...rest } = opts;
  return (await runSweep<TextDataset>(config, { ...rest, backbone: encoder })) as ExperimentResult<TextExperimentConfig, TextDataset>;
}
