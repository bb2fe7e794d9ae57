/** Helpers of the sweep tests (workers, shards, merge, Slurm): the CLI as a child process, and rows without timings. */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

/** A started `transfer-lab` process, its output so far, and its end. */
export interface CliProc {
  child: ChildProcess;
  out: string;
  err: string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `node dist/cli.js ...args` (not waited for). */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): CliProc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: CliProc = { child, out: '', err: '', done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  child.stdout!.on('data', (d: Buffer) => {
    p.out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    p.err += d.toString();
  });
  return p;
}

/** Run `node dist/cli.js ...args` to its end; rejects with its stderr when it fails. */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliProc> {
  const p = startCli(args, env);
  const { code, signal } = await p.done;
  if (code !== 0) throw new Error(`transfer-lab ${args.join(' ')} exited ${signal ?? code}:\n${p.err.slice(-3000)}`);
  return p;
}

/** A run row (from results.json or runs.jsonl) without what depends on timing or on when it ran. */
export function comparableRows(rows: Record<string, unknown>[]): unknown[] {
  return rows.map((r) => {
    const {
      wallSeconds: _w,
      finishedAt: _f,
      timeToTarget,
      history,
      ...rest
    } = r as Record<string, unknown> & { timeToTarget: Record<string, unknown> | null; history: Record<string, unknown>[] };
    return {
      ...rest,
      timeToTarget: timeToTarget ? { ...timeToTarget, wallSeconds: undefined } : null,
      history: (history ?? []).map(({ seconds: _s, wallSeconds: _ws, ...e }) => e),
    };
  });
}
