/**
 * Wall times of the project's long jobs, against their budgets: the main job
 * (`npm start`: the fashion-to-digits experiment) and each notebook in full mode.
 *
 * By default the bench reads what the last runs recorded (`reports/<experiment>/results.json`,
 * `out/notebooks/<name>-result.json`), with when and in which mode they ran; `runJobs`
 * (`transfer-lab bench --jobs`) runs them afresh first.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../environment';

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
    job: 'main', wall_s: mainWall, budget_s: JOB_BUDGETS_S.main,
    within_budget: mainWall === null ? null : mainWall <= JOB_BUDGETS_S.main,
    finished_at: typeof main?.finishedAt === 'string' ? main.finishedAt : null, source: main ? path.relative(root, mainFile) : null,
  });
  const nbDir = path.join(root, 'notebooks');
  const names = fs.existsSync(nbDir) ? fs.readdirSync(nbDir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  for (const nb of names) {
    const stem = nb.replace(/\.ipynb$/, '');
    const file = path.join(root, 'out', 'notebooks', `${stem}-result.json`);
    const r = readJson(file);
    const wall = typeof r?.seconds === 'number' ? r.seconds : null;
    const quick = typeof r?.quick === 'boolean' ? r.quick : undefined;
    out.push({
      job: `notebook:${stem}`, wall_s: wall, budget_s: JOB_BUDGETS_S.notebook,
      within_budget: wall === null || quick !== false ? null : wall <= JOB_BUDGETS_S.notebook,
      finished_at: typeof r?.finished_at === 'string' ? r.finished_at : null, quick, source: r ? path.relative(root, file) : null,
    });
  }
  return out;
}

/**
 * Run the main job and every notebook in full mode now (sequentially: ~15-20 minutes),
 * so that {@link recordedJobTimes} reads fresh numbers. Throws when a job fails.
 *
 * @example
 * runJobs((l) => console.error(l));
 */
export function runJobs(log: (line: string) => void = () => undefined, root = projectRoot()): void {
  const env = { ...process.env };
  delete env.TRANSFER_LAB_QUICK;
  const steps: [string, string, string[]][] = [
    // --fresh: a resumed sweep would record only the time to read back its finished runs.
    ['main job', process.execPath, [path.join(root, 'dist', 'cli.js'), 'main', '--fresh']],
    ['notebooks (full mode)', path.join(root, '.venv', 'bin', 'python'), [path.join(root, 'scripts', 'run_notebooks.py'),
      ...fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f))]],
  ];
  for (const [what, cmd, args] of steps) {
    log(`${what}: running`);
    const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench --jobs: the ${what} failed (exit ${r.status ?? r.signal}). Fix: run it by hand to see why: ${cmd} ${args.join(' ')}`);
  }
}
