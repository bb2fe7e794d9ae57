/**
 * Shards of a sweep: a deterministic share of its plan (the ordered run keys) for one of `n`
 * processes that may run on different machines (a Slurm array task, a Kubernetes Indexed Job
 * pod, a CI matrix entry). Shard `i` of `n` takes the runs at plan positions `i, i+n, i+2n, ...`:
 * round-robin, so every shard gets a mix of strategies and sizes (similar wall times), and the
 * same plan always splits the same way.
 */

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Where {@link shardFromEnv} looks; defaults to `process.env`. */
export type ShardEnv = Record<string, string | undefined>;

function whole(s: string | undefined): number | null {
  return s !== undefined && /^\d+$/.test(s.trim()) ? Number(s.trim()) : null;
}

function check(index: number, count: number, what: string): Shard {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`${what}: the shard count must be a whole number >= 1, got ${count}. Fix: use e.g. 0/4 (shard 0 of 4).`);
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new Error(
      `${what}: shard index ${index} is not in 0..${count - 1} (shards are numbered from 0). Fix: use an index from 0 to ${count - 1}, e.g. ${Math.min(Math.max(index, 0), count - 1)}/${count}.`,
    );
  return { index, count };
}

/**
 * The shard given by the environment of a job array: Slurm's `SLURM_ARRAY_TASK_ID` (less
 * `SLURM_ARRAY_TASK_MIN`) of `SLURM_ARRAY_TASK_COUNT`, else a Kubernetes Indexed Job's
 * `JOB_COMPLETION_INDEX` of `count` (or `TRANSFER_LAB_SHARD_COUNT`: Kubernetes does not
 * pass the completions count to the pod). Throws naming what is missing when neither is set.
 *
 * @example
 * shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '8' }); // { index: 3, count: 8 }
 * shardFromEnv({ JOB_COMPLETION_INDEX: '1' }, 4);                        // { index: 1, count: 4 }
 */
export function shardFromEnv(env: ShardEnv = process.env, count?: number): Shard {
  const id = whole(env.SLURM_ARRAY_TASK_ID);
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const n = whole(env.SLURM_ARRAY_TASK_COUNT);
    const min = whole(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    if (id === null || n === null)
      throw new Error(
        `shard from Slurm: SLURM_ARRAY_TASK_ID='${env.SLURM_ARRAY_TASK_ID}' and SLURM_ARRAY_TASK_COUNT='${env.SLURM_ARRAY_TASK_COUNT ?? ''}' must both be whole numbers. Fix: submit with sbatch --array=0-<N-1> (Slurm >= 18 sets both), or pass --shard i/n.`,
      );
    return check(id - min, count ?? n, 'shard from Slurm (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT)');
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const i = whole(env.JOB_COMPLETION_INDEX);
    const n = count ?? whole(env.TRANSFER_LAB_SHARD_COUNT);
    if (i === null)
      throw new Error(
        `shard from Kubernetes: JOB_COMPLETION_INDEX='${env.JOB_COMPLETION_INDEX}' is not a whole number. Fix: run in an Indexed Job (completionMode: Indexed), or pass --shard i/n.`,
      );
    if (n === null)
      throw new Error(
        'shard from Kubernetes: JOB_COMPLETION_INDEX is set but not the number of shards. Fix: set TRANSFER_LAB_SHARD_COUNT to the Job\'s completions, or pass --shard "$JOB_COMPLETION_INDEX/<completions>".',
      );
    return check(i, n, 'shard from Kubernetes (JOB_COMPLETION_INDEX)');
  }
  throw new Error(
    'no shard in the environment: neither SLURM_ARRAY_TASK_ID (a Slurm array job) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set. Fix: pass --shard i/n (e.g. --shard 0/4), or run inside an array job.',
  );
}

/**
 * Parse a shard: `i/n` (shard `i`, from 0, of `n`), or `auto` / `env` for
 * {@link shardFromEnv}. Bad text throws an Error naming the form expected.
 *
 * @example
 * parseShard('2/8');  // { index: 2, count: 8 }
 * parseShard('auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' }); // { index: 0, count: 2 }
 */
export function parseShard(text: string, env: ShardEnv = process.env): Shard {
  if (typeof text !== 'string') throw new Error(`parseShard: expected text such as '0/4', got ${text === null ? 'null' : typeof text}.`);
  const t = text.trim();
  if (t === 'auto' || t === 'env') return shardFromEnv(env);
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(t);
  if (!m)
    throw new Error(
      `--shard '${text}' is not i/n. Fix: use e.g. --shard 0/4 (shard 0 of 4; shards are numbered from 0), --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT", or --shard auto (from a Slurm or Kubernetes job array's environment).`,
    );
  return check(Number(m[1]), Number(m[2]), `--shard '${text}'`);
}

/**
 * The keys of a plan that belong to one shard, in plan order: positions `index, index+count, ...`.
 * Every key is in exactly one shard.
 *
 * @example
 * shardOf(['a', 'b', 'c', 'd', 'e'], { index: 1, count: 2 }); // ['b', 'd']
 */
export function shardOf<K>(plan: readonly K[], shard: Shard): K[] {
  if (!Array.isArray(plan))
    throw new Error(
      `shardOf: expected the sweep's plan (an array of run keys), got ${plan === null ? 'null' : typeof plan}. Fix: pass sweep.plan (or its keys).`,
    );
  const s = check(shard?.index, shard?.count, 'shardOf');
  return plan.filter((_, p) => p % s.count === s.index);
}

/**
 * The results file of a shard inside a shared results folder: `runs-<i>-of-<n>.jsonl`.
 *
 * @example
 * shardFileName({ index: 0, count: 4 }); // 'runs-0-of-4.jsonl'
 */
export function shardFileName(shard: Shard): string {
  const s = check(shard?.index, shard?.count, 'shardFileName');
  return `runs-${s.index}-of-${s.count}.jsonl`;
}

/** Matches the results files {@link shardFileName} names (and plain `runs.jsonl`). */
export const SHARD_FILE = /^runs(?:-(\d+)-of-(\d+))?\.jsonl$/;
