/**
 * The Slurm example against a real Slurm (Debian's slurmctld, slurmd, slurm-client, munge):
 * scripts/slurm-cluster starts a private one-node cluster (its own slurm.conf, munge key and
 * socket, ports, pid/spool/log folders), examples/slurm/submit.sh submits a quick experiment
 * as an array job of 2 shards plus the dependent merge job, and the merged table must equal a
 * single-process run's. The after-hook stops the cluster even when a test fails, and the last
 * test checks that no daemon of it is left.
 *
 * Needs root with apt (to install the packages on first use, ~15 s) or the packages installed;
 * otherwise it skips, saying why, except under CI (CI=true), where it fails instead.
 * Needs `npm run build` (dist/) to be current. About 1-2 minutes.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from './helpers';
import { comparableRows, runCli } from './sweep-helpers';

const ROOT = path.resolve(__dirname, '..');
const CLUSTER = path.join(ROOT, 'scripts', 'slurm-cluster');
const EXPERIMENT = 'fashion-a-to-b';
/** The folder name of its quick version (reports, results). */
const QUICK_DIR = `${EXPERIMENT}-quick`;

/** Pids of live processes whose command line names the cluster's folder (daemons) or that carry its marker. */
function clusterProcesses(dir: string): string[] {
  const out: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const env = fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      if (/slurmctld|slurmd|slurmstepd|munged/.test(cmd) && (cmd.includes(dir) || env.includes(`TRANSFER_LAB_SLURM_CLUSTER=${dir}`)))
        out.push(`${p}: ${cmd.trim()}`);
      else if (env.includes(`TRANSFER_LAB_SLURM_CLUSTER=${dir}`)) out.push(`${p}: ${cmd.trim()}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

describe('Slurm: the example array job on a one-node cluster', function () {
  this.timeout(15 * 60 * 1000);
  const dir = tmpDir('transfer-lab-slurm-');
  const env = { ...process.env, SLURM_CLUSTER_DIR: dir, SLURM_CONF: path.join(dir, 'etc', 'slurm.conf') };
  let started = false;

  before(function () {
    const r = spawnSync(CLUSTER, ['start'], { env, encoding: 'utf8' });
    if (r.status === 3 && process.env.CI !== 'true') {
      console.log(`      skipped: no Slurm here and it cannot be installed: ${r.stderr.trim().split('\n').pop()}`);
      this.skip();
    }
    started = true;
    assert.strictEqual(r.status, 0, `scripts/slurm-cluster start failed (exit ${r.status}):\n${r.stderr}`);
  });

  after(function () {
    if (!started) return;
    const r = spawnSync(CLUSTER, ['stop'], { env, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, `scripts/slurm-cluster stop failed:\n${r.stderr}`);
    const left = clusterProcesses(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepStrictEqual(left, [], 'no Slurm or MUNGE process of the test cluster is left');
  });

  it('runs 2 shards as an array job, merges them in a dependent job, and gets the single-process table', async () => {
    const sinfo = spawnSync('sinfo', ['-h', '-N', '-o', '%N %t %c'], { env, encoding: 'utf8' });
    assert.match(sinfo.stdout, /idle 2|idle \d+/, `sinfo: ${sinfo.stdout}${sinfo.stderr}`);
    const results = path.join(dir, 'results');
    const work = path.join(dir, 'work');
    fs.mkdirSync(work, { recursive: true });
    const submit = spawnSync(path.join(ROOT, 'examples', 'slurm', 'submit.sh'), [], {
      cwd: work,
      encoding: 'utf8',
      env: {
        ...env,
        RESULTS: results,
        SHARDS: '2',
        EXPERIMENT,
        RUN_ARGS: '--quick',
        MERGE_ARGS: '--json',
        TRANSFER_LAB: `${process.execPath} ${path.join(ROOT, 'dist', 'cli.js')}`,
      },
    });
    assert.strictEqual(submit.status, 0, `submit.sh: ${submit.stderr}`);
    const [arrayId, mergeId] = submit.stdout.trim().split(/\s+/);
    assert.match(arrayId, /^\d+$/);
    assert.match(mergeId, /^\d+$/);

    // Meanwhile, the same experiment in one process (the reference), at the tasks' thread count
    // (sweep.sbatch: --cpus-per-task=1): rows are bit-identical at equal thread counts (README).
    const ref = path.join(dir, 'single');
    await runCli(['run', EXPERIMENT, '--quick', '--fresh', '--json', '--reports-dir', ref], { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' });

    const t0 = Date.now();
    for (;;) {
      const q = spawnSync('squeue', ['-h', '-j', `${arrayId},${mergeId}`, '-o', '%i %T'], { env, encoding: 'utf8' });
      if (!q.stdout.trim()) break;
      assert.ok(Date.now() - t0 < 10 * 60 * 1000, `jobs still queued after 10 minutes:\n${q.stdout}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const outputs = fs
      .readdirSync(work)
      .filter((f) => f.endsWith('.out'))
      .sort();
    const show = () => outputs.map((f) => `--- ${f}\n${fs.readFileSync(path.join(work, f), 'utf8').slice(-1500)}`).join('\n');
    assert.deepStrictEqual(
      outputs.map((f) => f.replace(/\d+/g, 'N')),
      ['tl-merge-N.out', 'tl-sweep-N_N.out', 'tl-sweep-N_N.out'],
      show(),
    );
    const log = show();
    assert.match(log, /shard 0\/2 on /);
    assert.match(log, /shard 1\/2 on /);
    const shards = fs
      .readdirSync(results)
      .filter((f) => /^runs-\d-of-2\.jsonl$/.test(f))
      .sort();
    assert.deepStrictEqual(shards, ['runs-0-of-2.jsonl', 'runs-1-of-2.jsonl'], log);

    const merged = JSON.parse(fs.readFileSync(path.join(results, 'results.json'), 'utf8'));
    const single = JSON.parse(fs.readFileSync(path.join(ref, QUICK_DIR, 'results.json'), 'utf8'));
    assert.ok(single.rows.length > 2);
    assert.deepStrictEqual(comparableRows(merged.rows), comparableRows(single.rows), 'merged table = single-process table');
    assert.ok(fs.existsSync(path.join(results, QUICK_DIR, 'index.html')), 'the merge wrote the report');
    const merge = fs.readFileSync(path.join(work, outputs[0]), 'utf8');
    assert.match(merge, /"missing": \[\]/, 'the merge job found every run');
  });
});
