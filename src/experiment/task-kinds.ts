/**
 * The registry of task kinds: which adapter (src/experiment/modality.ts) serves a config's
 * `task.dataset`. The one place that decides a config's data kind ("is this a text
 * experiment?"): the sweep, the config checks and the CLI ask here.
 */
import { TaskKind } from './modality';
import { IMAGE_TASKS } from './task';
import { FORTUNES_TASK } from '../text/task';
import { SENTIMENT_TASK } from '../text/sentiment-task';
import { IMAGE_FOLDER_TASK, TEXT_FILE_TASK } from './own-data';
import type { ExperimentConfig } from './results';

// A TaskKind of any data kind (the sweep handles its examples only through its modality).
type AnyTaskKind = TaskKind;

const KINDS: AnyTaskKind[] = [IMAGE_TASKS, FORTUNES_TASK, SENTIMENT_TASK, IMAGE_FOLDER_TASK, TEXT_FILE_TASK];

/**
 * The `task.dataset` names the registry knows, in registration order.
 *
 * @example
 * taskDatasets(); // ['mnist', 'fashion-mnist', 'fortunes']
 */
export function taskDatasets(): string[] {
  return KINDS.flatMap((k) => [...k.datasets]);
}

/**
 * Add a task kind (an adapter) to the registry, e.g. from a notebook or a plug-in module.
 *
 * @throws Error when one of its dataset names is taken
 * @example
 * registerTaskKind({ ...IMAGE_TASKS, datasets: ['my-folder'], load: (task, opts) => myLoader(opts) });
 */
export function registerTaskKind(kind: AnyTaskKind): void {
  if (!kind || !Array.isArray(kind.datasets) || kind.datasets.length === 0 || !kind.modality)
    throw new Error(
      'registerTaskKind: expected a TaskKind {modality, datasets, defaults, resolve, load, loadBackbone, quick, runnerVersion}. Fix: see src/experiment/task.ts for one.',
    );
  const taken = kind.datasets.filter((d) => taskDatasets().includes(d));
  if (taken.length) throw new Error(`registerTaskKind: dataset name(s) ${taken.join(', ')} are taken. Fix: choose other names.`);
  KINDS.push(kind);
}

/**
 * The task kind of a config (by `task.dataset`), or undefined for an unknown data set.
 *
 * @example
 * taskKindOf({ task: { dataset: 'fortunes' } })?.modality.name; // 'text'
 */
export function taskKindOf(config: Pick<ExperimentConfig, 'task'> | undefined): AnyTaskKind | undefined {
  const dataset = (config?.task as { dataset?: unknown } | undefined)?.dataset;
  return KINDS.find((k) => k.datasets.includes(dataset as string));
}

/**
 * The data kind of a config: 'image', 'text', ... (undefined for an unknown data set).
 *
 * @example
 * modalityOf(EXPERIMENTS['minilm-to-fortunes']); // 'text'
 */
export function modalityOf(config: Pick<ExperimentConfig, 'task'> | undefined): string | undefined {
  return taskKindOf(config)?.modality.name;
}
