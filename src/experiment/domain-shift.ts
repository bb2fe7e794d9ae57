/**
 * Domain shift as a seam of the sweep (issue 19: train on movie reviews, test on Amazon
 * reviews and tweets): every run trains on labelled examples of a SOURCE task joined with a
 * few labels of the TARGET task, and is scored on the target's test set.
 *
 * Design. A config's `task.source = { dataset, perClass, ...that task's own fields }` names
 * a task of the registry (src/experiment/task-kinds.ts) of the same data kind and the same
 * class names as the target. A run of size k and seed s trains on
 * - `perClass` examples per class of the source task's pool, drawn with `kShotIndices(pool,
 *   perClass, s)`: the same examples at every size and for every strategy of seed s, so the
 *   sizes of one seed differ only in their target labels; followed by
 * - k examples per class of the target's pool, the k-shot sample a plain sweep draws
 *   (`kShotIndices(pool, k, s)`); k = 0 means source labels only, the out-of-domain score.
 * The union is one set of the modality (its `concat`), so the runner, the baselines (TF-IDF
 * fits the union; VADER ignores it), the epochs rule (counted on the union) and the tables
 * see an ordinary training set. Nothing here knows the data kind: an image task pair with
 * the same classes and image shape works the same way (`imageModality.concat`).
 *
 * Sizes may be 0 only with a source. The source spec is part of `task`, so it is hashed
 * into every run key, together with {@link DOMAIN_SHIFT_VERSION}; runs of a config
 * without a source keep their keys.
 */
import { LabelledSet, classCounts, kShotIndices } from '../data/split';
import { Modality, TaskData, TaskKind } from './modality';
import { DomainSourceSpec, ExperimentConfig, ResolvedConfig } from './results';
import { taskKindOf, taskDatasets } from './task-kinds';

/**
 * Bump when a change to how domain-shift runs build their training sets changes their
 * numbers (hashed into the run key of every config with `task.source`).
 *
 * @example
 * DOMAIN_SHIFT_VERSION; // 1
 */
export const DOMAIN_SHIFT_VERSION = 1;

/** Source examples per class of the quick (smoke-test) version of a domain-shift config. */
const QUICK_SOURCE_PER_CLASS = 16;

/** A loaded source domain: its pool and how many of its examples per class each run takes. */
export interface DomainSource<D extends LabelledSet = LabelledSet> {
  /** The source task's pool (its held-out sets are not used). */
  pool: D;
  perClass: number;
  /** One line for reports, e.g. `256 per class of movies (pool 7,398)`. */
  description: string;
}

/**
 * The source spec of a config, or undefined without one.
 *
 * @example
 * sourceOf({ task: { dataset: 'sentiment-amazon', source: { dataset: 'sentiment-movies', perClass: 256 } } })?.perClass; // 256
 */
export function sourceOf(config: Pick<ExperimentConfig, 'task'> | undefined): DomainSourceSpec | undefined {
  return (config?.task as { source?: DomainSourceSpec } | undefined)?.source;
}

/**
 * Check a config's `task.source` against its (target) task kind; errors go through `bad`
 * (resolveConfig's, which names the experiment). Runs the source kind's own field checks.
 *
 * @example
 * checkDomainSource(config, taskKindOf(config)!, (msg) => { throw new Error(msg); });
 */
export function checkDomainSource(config: ExperimentConfig, kind: TaskKind, bad: (msg: string) => never): void {
  const src = sourceOf(config) as unknown;
  if (src === undefined) return;
  const s = src as Partial<DomainSourceSpec> & Record<string, unknown>;
  if (!s || typeof s !== 'object' || Array.isArray(s) || typeof s.dataset !== 'string')
    bad(
      `task.source must be {"dataset": name, "perClass": n}, got ${JSON.stringify(src)}. Fix: e.g. "source": {"dataset": "sentiment-movies", "perClass": 256}, or leave it out.`,
    );
  if (!Number.isInteger(s.perClass) || (s.perClass as number) < 1)
    bad(`task.source.perClass must be a positive integer (source examples per class in every run), got ${JSON.stringify(s.perClass)}. Fix: e.g. 256.`);
  if (s.source !== undefined) bad('task.source has a source of its own. Fix: one source domain per experiment; remove task.source.source.');
  if (s.dataset === config.task.dataset)
    bad(`task.source.dataset is the target itself ('${s.dataset}'). Fix: name another data set, or leave task.source out and use sizes for in-domain labels.`);
  const srcKind = taskKindOf({ task: s as DomainSourceSpec });
  if (!srcKind) bad(`task.source.dataset must be one of ${taskDatasets().join(', ')}, got ${JSON.stringify(s.dataset)}. Fix: name a known data set.`);
  const sk = srcKind as TaskKind;
  if (sk.modality.name !== kind.modality.name)
    bad(
      `task.source.dataset '${s.dataset}' is ${sk.modality.name} data, the target '${config.task.dataset}' ${kind.modality.name}. Fix: use a source of the same kind.`,
    );
  if (!kind.modality.concat)
    bad(`the ${kind.modality.name} data kind cannot join a source domain to its training sets (its modality has no concat). Fix: leave task.source out.`);
  sk.resolve({ ...config, task: s as DomainSourceSpec }, (msg) => bad(`task.source: ${msg}`));
}

/**
 * Load the source domain of a (resolved) config and check it against the target's data:
 * the same class names, at least `perClass` examples of each class in its pool.
 *
 * @returns undefined when the config has no `task.source`
 * @throws Error naming the mismatch and the fix
 * @example
 * const source = loadDomainSource(resolveConfig(config), data);
 */
export function loadDomainSource<D extends LabelledSet>(r: ResolvedConfig, target: TaskData<D>): DomainSource<D> | undefined {
  const spec = sourceOf(r);
  if (!spec) return undefined;
  const kind = taskKindOf({ task: spec }) as unknown as TaskKind<D> | undefined;
  if (!kind) throw new Error(`experiment '${r.name}': task.source.dataset '${spec.dataset}' is unknown. Fix: check the config with resolveConfig first.`);
  const { pool } = kind.load(spec, { splitSeed: r.splitSeed });
  if (pool.classNames.join('\n') !== target.classNames.join('\n'))
    throw new Error(
      `experiment '${r.name}': the source '${spec.dataset}' has classes ${pool.classNames.join(', ')}, the target ${target.classNames.join(', ')}. Fix: use a source with the target's classes, in the same order.`,
    );
  const counts = classCounts(pool);
  const smallest = Math.min(...counts);
  if (spec.perClass > smallest)
    throw new Error(
      `experiment '${r.name}': task.source.perClass ${spec.perClass} is more than class '${pool.classNames[counts.indexOf(smallest)]}' of '${spec.dataset}' has in its pool (${smallest}). Fix: use perClass <= ${smallest}.`,
    );
  return { pool, perClass: spec.perClass, description: `${spec.perClass} per class of ${spec.dataset} (pool ${pool.count})` };
}

/** A run's training set and how many of its examples came from the source domain. */
export interface TrainingSet<D extends LabelledSet = LabelledSet> {
  set: D;
  /** Source-domain examples at the start of `set` (0 without a source). */
  sourceCount: number;
}

/**
 * The training set of one run: the k-shot sample of the target pool, preceded by the
 * source domain's fixed-size sample when there is one (both drawn with `seed`).
 *
 * @throws Error for size 0 without a source, or a modality without concat
 * @example
 * const { set } = trainingSet(textModality, task.pool, source, 16, 0); // 512 movie + 32 Amazon texts
 */
export function trainingSet<D extends LabelledSet>(
  modality: Modality<D>,
  pool: D,
  source: DomainSource<D> | undefined,
  size: number,
  seed: number,
): TrainingSet<D> {
  if (!source) return { set: modality.subset(pool, kShotIndices(pool, size, seed), `${pool.name}[${size}-shot]`), sourceCount: 0 };
  if (!modality.concat) throw new Error(`trainingSet: the ${modality.name} data kind cannot join a source domain (no concat). Fix: leave task.source out.`);
  const src = modality.subset(source.pool, kShotIndices(source.pool, source.perClass, seed), `${source.pool.name}[${source.perClass}-shot]`);
  if (size === 0) return { set: src, sourceCount: src.count };
  const own = modality.subset(pool, kShotIndices(pool, size, seed), `${pool.name}[${size}-shot]`);
  return { set: modality.concat([src, own], `${src.name}+${own.name}`), sourceCount: src.count };
}

/**
 * The quick (smoke-test) version of a domain-shift config after its task kind's `quick`:
 * sizes 0 and the kind's smallest quick size, at most 16 source examples per class.
 * A config without a source is returned as it is.
 *
 * @example
 * const q = quickDomainShift(EXPERIMENTS['minilm-movies-to-amazon'], SENTIMENT_TASK.quick(EXPERIMENTS['minilm-movies-to-amazon']));
 * q.sizes; // [0, 4]
 */
export function quickDomainShift<C extends ExperimentConfig>(original: C, quick: C): C {
  const spec = sourceOf(original);
  if (!spec || typeof spec !== 'object') return quick;
  const positive = quick.sizes.filter((k) => k > 0);
  return {
    ...quick,
    sizes: [0, ...(positive.length ? [Math.min(...positive)] : [])],
    task: { ...quick.task, source: { ...spec, perClass: Math.min(spec.perClass, QUICK_SOURCE_PER_CLASS) } },
  };
}
