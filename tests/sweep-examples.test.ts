/**
 * Shards of a sweep's plan (pure functions: no TensorFlow) and the structure of the cluster
 * examples. The Kubernetes manifests cannot run here (no cluster): they are parsed as YAML and
 * checked field by field (an Indexed Job whose completions equal SHARD_COUNT, the index passed
 * to --shard, a shared volume claimed ReadWriteMany and mounted where --out and merge point).
 * The Slurm example runs for real in tests/cluster.test.ts.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseShard, shardFromEnv, shardOf, shardFileName, SHARD_FILE } from '../src/sweep/shard';

const ROOT = path.resolve(__dirname, '..');

// js-yaml comes with mocha (a dev dependency); it has no bundled types.

const yaml = require('js-yaml') as { loadAll(text: string): unknown[] };

describe('sweep shards', () => {
  it('parses i/n and rejects what is not a shard, naming the fix', () => {
    assert.deepStrictEqual(parseShard('2/8'), { index: 2, count: 8 });
    assert.deepStrictEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 });
    for (const bad of ['8/8', '-1/4', '1/0', '1', 'a/b', '1/2/3', '']) {
      assert.throws(() => parseShard(bad), /Fix:/, bad);
    }
  });

  it('reads Slurm and Kubernetes array indices from the environment', () => {
    assert.deepStrictEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 3, count: 4 });
    // --array=1-4: ids 1..4, min 1
    assert.deepStrictEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' }), { index: 3, count: 4 });
    assert.deepStrictEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '2', TRANSFER_LAB_SHARD_COUNT: '3' }), { index: 2, count: 3 });
    assert.deepStrictEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 5), { index: 0, count: 5 });
    assert.deepStrictEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' }), { index: 1, count: 2 });
    assert.throws(() => shardFromEnv({}), /neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX.*Fix: pass --shard/);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' }), /TRANSFER_LAB_SHARD_COUNT/);
    assert.throws(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '2' }), /not in 0\.\.1/);
    assert.throws(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }), /whole numbers/);
  });

  it('splits a plan into disjoint round-robin shares that cover it, in plan order', () => {
    const plan = Array.from({ length: 23 }, (_, i) => `run-${i}`);
    for (const n of [1, 2, 3, 7, 23, 30]) {
      const shares = Array.from({ length: n }, (_, i) => shardOf(plan, { index: i, count: n }));
      assert.deepStrictEqual(shares.flat().sort(), [...plan].sort(), `n=${n}: every key in one shard`);
      for (const s of shares) {
        assert.deepStrictEqual(
          s,
          plan.filter((k) => s.includes(k)),
          'plan order kept',
        );
        assert.ok(s.length <= Math.ceil(plan.length / n) && s.length >= Math.floor(plan.length / n), 'balanced');
      }
    }
    assert.deepStrictEqual(shardOf(['a', 'b', 'c', 'd', 'e'], { index: 1, count: 2 }), ['b', 'd']);
    assert.throws(() => shardOf(plan, { index: 2, count: 2 }), /Fix:/);
  });

  it('names one results file per shard, recognisable in the shared folder', () => {
    assert.strictEqual(shardFileName({ index: 3, count: 8 }), 'runs-3-of-8.jsonl');
    assert.deepStrictEqual(SHARD_FILE.exec('runs-3-of-8.jsonl')?.slice(1), ['3', '8']);
    assert.ok(SHARD_FILE.test('runs.jsonl'));
    assert.ok(!SHARD_FILE.test('runs-3-of-8.jsonl.123.tmp'));
  });
});

describe('cluster examples', () => {
  it('Slurm: the batch scripts are valid bash and pass the array index as --shard into one shared folder', () => {
    for (const f of ['sweep.sbatch', 'merge.sbatch', 'submit.sh']) {
      const file = path.join(ROOT, 'examples', 'slurm', f);
      const r = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, `${f}: ${r.stderr}`);
      assert.ok(fs.statSync(file).mode & 0o100, `${f} is executable`);
    }
    const sweep = fs.readFileSync(path.join(ROOT, 'examples', 'slurm', 'sweep.sbatch'), 'utf8');
    assert.match(sweep, /^#SBATCH --array=/m);
    assert.match(sweep, /SLURM_ARRAY_TASK_ID - \$\{SLURM_ARRAY_TASK_MIN:-0\}\)\)\/\$\{SLURM_ARRAY_TASK_COUNT\}/);
    assert.match(sweep, /run "\$EXPERIMENT" --shard "\$shard" --out "\$RESULTS"/);
    assert.match(fs.readFileSync(path.join(ROOT, 'examples', 'slurm', 'merge.sbatch'), 'utf8'), /merge "\$RESULTS"/);
    assert.match(fs.readFileSync(path.join(ROOT, 'examples', 'slurm', 'submit.sh'), 'utf8'), /--dependency="afterok:\$array"/);
  });

  it('Kubernetes: an Indexed Job of SHARD_COUNT completions on a shared volume, then a merge Job (structure only: no cluster here)', () => {
    type Obj = Record<string, any>;
    const docs = yaml.loadAll(fs.readFileSync(path.join(ROOT, 'examples', 'kubernetes', 'sweep-job.yaml'), 'utf8')) as Obj[];
    const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');
    const job = docs.find((d) => d.kind === 'Job');
    assert.ok(pvc && job, 'a PersistentVolumeClaim and a Job');
    assert.strictEqual(job.apiVersion, 'batch/v1');
    assert.deepStrictEqual(pvc.spec.accessModes, ['ReadWriteMany'], 'every pod writes the shared volume');
    assert.strictEqual(job.spec.completionMode, 'Indexed');
    assert.ok(Number.isInteger(job.spec.completions) && job.spec.completions >= 1);
    assert.ok(job.spec.parallelism >= 1 && job.spec.parallelism <= job.spec.completions);
    const pod = job.spec.template.spec;
    assert.strictEqual(pod.restartPolicy, 'Never');
    assert.strictEqual(pod.containers.length, 1);
    const c = pod.containers[0];
    const env = Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value]));
    assert.strictEqual(Number(env.SHARD_COUNT), job.spec.completions, 'SHARD_COUNT = completions');
    const cmd = [...c.command, ...c.args].join(' ');
    assert.match(cmd, /dist\/cli\.js run "\$EXPERIMENT"/);
    assert.match(cmd, /--shard "\$JOB_COMPLETION_INDEX\/\$SHARD_COUNT"/);
    const vol = (pod.volumes as Obj[]).find((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    assert.ok(vol, 'the pod mounts the claim');
    const mount = (c.volumeMounts as Obj[]).find((m) => m.name === vol.name);
    assert.ok(mount);
    assert.match(cmd, new RegExp(`--out ${mount.mountPath}/`), '--out is on the shared volume');

    const [merge] = yaml.loadAll(fs.readFileSync(path.join(ROOT, 'examples', 'kubernetes', 'merge-job.yaml'), 'utf8')) as Obj[];
    assert.strictEqual(merge.kind, 'Job');
    const mc = merge.spec.template.spec.containers[0];
    const mvol = (merge.spec.template.spec.volumes as Obj[]).find((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    assert.ok(mvol, 'the merge mounts the same claim');
    const mmount = (mc.volumeMounts as Obj[]).find((m) => m.name === mvol.name);
    assert.strictEqual(mmount.mountPath, mount.mountPath);
    assert.match([...mc.command, ...mc.args].join(' '), new RegExp(`dist/cli\\.js merge ${mount.mountPath}/"\\$EXPERIMENT"`));
    const menv = Object.fromEntries((mc.env as Obj[]).map((e) => [e.name, e.value]));
    assert.strictEqual(menv.EXPERIMENT, env.EXPERIMENT, 'the merge reads the folder the sweep wrote');
  });
});
