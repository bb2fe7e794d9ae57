import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { tf, backendInfo } from '../src/backend';
import { environmentReport } from '../src/environment';
import { expectNoLeakedTensors } from './helpers';

const root = path.resolve(__dirname, '..');

describe('backend', () => {
  it('runs on native TensorFlow (the tensorflow backend), not the pure-JS fallback', () => {
    assert.strictEqual(tf.getBackend(), 'tensorflow', 'the active backend must be native TensorFlow; run npm run setup');
    const info = backendInfo();
    assert.strictEqual(info.native, true);
    assert.strictEqual(info.label, '');
    assert.match(info.tfVersion ?? '', /^2\.\d+\.\d+/);
    assert.strictEqual(info.tfjsVersion, '4.22.0');
  });

  it('trains a conv layer natively (gradients of conv2d exist and are finite)', async () => {
    await expectNoLeakedTensors(() => {
      const g = tf.tidy(() => {
        const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1);
        const k = tf.variable(tf.randomNormal([3, 3, 1, 4], 0, 1, 'float32', 2));
        const grads = tf.grads((kk: tf.Tensor) =>
          tf
            .conv2d(x, kk as tf.Tensor4D, 1, 'same')
            .square()
            .mean(),
        )([k]);
        const s = grads[0].abs().sum().dataSync()[0];
        k.dispose();
        return s;
      });
      assert.ok(Number.isFinite(g) && g > 0);
    }, 'a conv2d gradient');
  });

  it('the pure-JS backend runs only when opted into, and is labelled', () => {
    const out = execFileSync(process.execPath, ['-e', "const b=require('./dist/backend'); console.log(JSON.stringify(b.backendInfo()))"], {
      cwd: root,
      env: { ...process.env, TRANSFER_LAB_BACKEND: 'cpu' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = JSON.parse(out.trim());
    assert.strictEqual(info.backend, 'cpu');
    assert.strictEqual(info.native, false);
    assert.match(info.label, /pure-JS/);
  });

  it('rejects an unknown backend name with a clear error', () => {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'doctor'], { cwd: root, env: { ...process.env, TRANSFER_LAB_BACKEND: 'webgl' }, encoding: 'utf8' });
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /TRANSFER_LAB_BACKEND='webgl' is not a backend/);
  });
});

describe('doctor', () => {
  it('reports a complete installation', () => {
    const env = environmentReport();
    const failed = env.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    assert.deepStrictEqual(failed, []);
    assert.ok(env.ok);
  });

  it('--json prints the backend, versions and data sets', () => {
    const out = execFileSync(process.execPath, ['dist/cli.js', 'doctor', '--json'], { cwd: root, encoding: 'utf8' });
    const env = JSON.parse(out);
    assert.strictEqual(env.backend.backend, 'tensorflow');
    assert.ok(env.tslabKernel);
    assert.ok(env.datasets.find((d: { name: string; source: string | null }) => d.name === 'fashion-mnist' && d.source));
  });

  it('an unknown option is an error that lists the known ones', () => {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'doctor', '--jsn'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /unknown option '--jsn' \(known: --json\)/);
  });
});
