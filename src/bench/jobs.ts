/**
 * Wall times of the project's long jobs, against their budgets: the main job
 * (`npm start`: the fashion-to-digits experiment) and each notebook in full mode.
 *
 * The main job is also timed at several worker counts (`--workers N`, src/sweep/pool.ts).
 *
 * By default the bench reads what the last runs recorded (`reports/<experiment>/results.json`,
 * `out/notebooks/<name>-result.json`), with when and in which mode they ran; `runJobs`
 * (`transfer-lab bench --jobs`) runs them afresh first.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { projectRoot } from '../environment';
import { writeAtomic } from '../util/atomic';

/** Budgets in seconds: a notebook runs top to bottom in ~5 minutes; the main job in 10. */
export const JOB_BUDGETS_S = { main: 600, notebook: 300 } as const;

/** One job's recorded wall time. */
export interface JobTime {
  /** `main` or `notebook:<name>`. */
  job: string;
  /** Wall time in seconds, or null when never run here. */
  wall_s: number | null;
  budget_s: number;
  /** True when within budget; null when not measured, or measured only in quick mode. */
  within_budget: boolean | null;
  /** When it finished (ISO), as recorded. */
  finished_at: string | null;
  /** Notebooks: whether this was a quick-mode run (tests), which does not count for the budget; absent when not recorded. */
  quick?: boolean;
  /** Where the number was read from. */
  source: string | null;
  /**
   * The main job only, after `bench --jobs`: its wall time at each worker count tried
   * (`main --fresh --workers N`: 1, then 2, 4, ... up to the cores), and the fastest.
   */
  workers?: { tried: { workers: number; wall_s: number }[]; best: { workers: number; wall_s: number; speedup: number }; cpus: number; finished_at: string };
}

/** Where `runJobs` records the main job's wall time per worker count. */
export const WORKERS_FILE = path.join('reports', 'fashion-to-digits', 'workers.json');

/**
 * The worker counts `bench --jobs` times the main job at: 1, then powers of two up to `cpus`
 * (and `cpus` itself).
 *
 * @example
 * workerCounts(6); // [1, 2, 4, 6]
 */
export function workerCounts(cpus: number): number[] {
  if (!Number.isInteger(cpus) || cpus < 1) throw new Error(`workerCounts: cpus must be a whole number >= 1, got ${cpus}. Fix: pass os.cpus().length.`);
  const out = [1];
  for (let w = 2; w < cpus; w *= 2) out.push(w);
  if (cpus > 1) out.push(cpus);
  return out;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * The recorded wall times of the main job and of every notebook, with their budgets.
 *
 * @param root the project folder (default: this project)
 * @example
 * recordedJobTimes().filter((j) => j.within_budget === false); // jobs over budget
 */
export function recordedJobTimes(root = projectRoot()): JobTime[] {
  const out: JobTime[] = [];
  const mainFile = path.join(root, 'reports', 'fashion-to-digits', 'results.json');
  const main = readJson(mainFile);
  const mainWall = typeof main?.wallSeconds === 'number' ? main.wallSeconds : null;
  out.push({
    job: 'main',
    wall_s: mainWall,
    budget_s: JOB_BUDGETS_S.main,
    within_budget: mainWall === null ? null : mainWall <= JOB_BUDGETS_S.main,
    finished_at: typeof main?.finishedAt === 'string' ? main.finishedAt : null,
    source: main ? path.relative(root, mainFile) : null,
  });
  const w = readJson(path.join(root, WORKERS_FILE)) as JobTime['workers'] | null;
  if (w && Array.isArray(w.tried) && w.best) out[0].workers = w;
  const nbDir = path.join(root, 'notebooks');
  const names = fs.existsSync(nbDir)
    ? fs
        .readdirSync(nbDir)
        .filter((f) => f.endsWith('.ipynb'))
        .sort()
    : [];
  for (const nb of names) {
    const stem = nb.replace(/\.ipynb$/, '');
    const file = path.join(root, 'out', 'notebooks', `${stem}-result.json`);
    const r = readJson(file);
    const wall = typeof r?.seconds === 'number' ? r.seconds : null;
    const quick = typeof r?.quick === 'boolean' ? r.quick : undefined;
    out.push({
      job: `notebook:${stem}`,
      wall_s: wall,
      budget_s: JOB_BUDGETS_S.notebook,
      within_budget: wall === null || quick !== false ? null : wall <= JOB_BUDGETS_S.notebook,
      finished_at: typeof r?.finished_at === 'string' ? r.finished_at : null,
      quick,
      source: r ? path.relative(root, file) : null,
    });
  }
  return out;
}

/**
 * Run the main job (at each worker count of {@link workerCounts}, from scratch: `main --fresh
 * --workers N`, recording the wall times in reports/fashion-to-digits/workers.json, the
 * 1-worker run last so that results.json is the default job's) and every notebook in full mode
 * now (sequentially: ~20-30 minutes), so that {@link recordedJobTimes} reads fresh numbers.
 * Throws when a job fails.
 *
 * @example
 * runJobs((l) => console.error(l));
 */
export function runJobs(log: (line: string) => void = () => undefined, root = projectRoot()): void {
  const env = { ...process.env };
  delete env.TRANSFER_LAB_QUICK;
  const run = (what: string, cmd: string, args: string[]): number => {
    log(`${what}: running`);
    const t0 = Date.now();
    const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0)
      throw new Error(`bench --jobs: the ${what} failed (exit ${r.status ?? r.signal}). Fix: run it by hand to see why: ${cmd} ${args.join(' ')}`);
    return (Date.now() - t0) / 1000;
  };
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  const tried: { workers: number; wall_s: number }[] = [];
  // --fresh: a resumed sweep would record only the time to read back its finished runs.
  for (const w of [...workerCounts(cpus).slice(1), 1]) {
    const wall = run(`main job (${w} worker${w > 1 ? 's' : ''})`, process.execPath, [
      path.join(root, 'dist', 'cli.js'),
      'main',
      '--fresh',
      '--workers',
      String(w),
    ]);
    tried.push({ workers: w, wall_s: Math.round(wall * 10) / 10 });
  }
  tried.sort((a, b) => a.workers - b.workers);
  const best = tried.reduce((a, b) => (b.wall_s < a.wall_s ? b : a));
  const record = { tried, best: { ...best, speedup: Math.round((tried[0].wall_s / best.wall_s) * 100) / 100 }, cpus, finished_at: new Date().toISOString() };
  writeAtomic(path.join(root, WORKERS_FILE), JSON.stringify(record, null, 2) + '\n');
  log(`main job: ${tried.map((t) => `${t.workers} worker(s) ${t.wall_s} s`).join(', ')}; best ${best.workers} (x${record.best.speedup})`);
  run('notebooks (full mode)', path.join(root, '.venv', 'bin', 'python'), [
    path.join(root, 'scripts', 'run_notebooks.py'),
    ...fs
      .readdirSync(path.join(root, 'notebooks'))
      .filter((f) => f.endsWith('.ipynb'))
      .sort()
      .map((f) => path.join('notebooks', f)),
  ]);
}
