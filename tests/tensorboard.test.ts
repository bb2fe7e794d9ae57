import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { toyImages, tinyNet } from './fixtures';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';
import { imageSource } from '../src/train/source';
import { train } from '../src/train/loop';
import { freezeTo } from '../src/transfer/freeze';
import { tensorBoard } from '../src/train/tensorboard';
import { readRun } from './tfevents';

const ROOT = path.resolve(__dirname, '..');

describe('tensorBoard: scalars through tfjs-node summary writer', () => {
  let dir: string;
  before(() => {
    dir = tmpDir('tl-tensorboard-');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes epoch loss/accuracy (train and validation) and per-group learning rates that read back as the history', async () => {
    const net = tinyNet(3, 2);
    freezeTo(net, -2); // embed + head trainable
    const src = imageSource(toyImages(48, 3, 1), net.preprocessing);
    const val = imageSource(toyImages(24, 3, 2), net.preprocessing);
    const run = path.join(dir, 'run1');
    const cb = tensorBoard(run, { updateFreq: 'batch', rates: { lrDivisor: 2 } });
    const h = await train(net, src, { epochs: 3, batchSize: 16, learningRate: 4e-3, lrDivisor: 2, validation: val, callbacks: [cb] });
    // a second call continues the same run (the writers are reused: no new tensors)
    const h2 = await expectNoLeakedTensors(
      () => train(net, src, { epochs: 1, batchSize: 16, learningRate: 4e-3, lrDivisor: 2, initialEpoch: 3, validation: val, callbacks: [cb] }),
      'train with tensorBoard',
    );
    const got = readRun(run);
    assert.deepStrictEqual(Object.keys(got).sort(), ['train', 'validation']);
    const series = (sub: string, tag: string) => got[sub].filter((p) => p.tag === tag).map((p) => [p.step, p.value]);
    const epochs = [...h.epochs, ...h2.epochs];
    const close = (a: number[][], b: number[][]) => {
      assert.strictEqual(a.length, b.length);
      a.forEach(([s, v], i) => {
        assert.strictEqual(s, b[i][0]);
        assert.ok(Math.abs(v - b[i][1]) < 1e-6 * Math.max(1, Math.abs(v)), `${v} vs ${b[i][1]}`);
      });
    };
    close(
      series('train', 'epoch_loss'),
      epochs.map((e) => [e.epoch, e.loss]),
    );
    close(
      series('train', 'epoch_accuracy'),
      epochs.map((e) => [e.epoch, e.acc]),
    );
    close(
      series('validation', 'epoch_accuracy'),
      epochs.map((e) => [e.epoch, e.valAcc!]),
    );
    close(
      series('train', 'learning_rate/head'),
      epochs.map((e) => [e.epoch, 4e-3]),
    );
    close(
      series('train', 'learning_rate/embed'),
      epochs.map((e) => [e.epoch, 2e-3]),
    );
    assert.deepStrictEqual(series('train', 'learning_rate/block1'), [], 'frozen groups have no rate');
    assert.strictEqual(series('train', 'batch_loss').length, 4 * 3, 'one point per step (48 / 16 = 3 per epoch)');
    net.model.dispose();
  });

  it('is read the same by TensorBoard itself (EventAccumulator from .venv)', function () {
    const py = path.join(ROOT, '.venv', 'bin', 'python');
    if (!fs.existsSync(py) || spawnSync(py, ['-c', 'import tensorboard']).status !== 0) {
      console.log("      (TensorBoard is not installed in .venv: run 'npm run setup'; the event files were read back by tests/tfevents.ts above)");
      this.skip();
    }
    const run = path.join(dir, 'run1', 'train');
    const out = execFileSync(
      py,
      [
        '-c',
        [
          'import sys, json',
          'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
          'a = EventAccumulator(sys.argv[1]); a.Reload()',
          'print(json.dumps({t: [[e.step, e.value] for e in a.Scalars(t)] for t in a.Tags()["scalars"]}))',
        ].join('\n'),
        run,
      ],
      { encoding: 'utf8' },
    );
    const tb = JSON.parse(out) as Record<string, [number, number][]>;
    const mine = readRun(path.join(dir, 'run1'))
      .train.filter((p) => p.tag === 'epoch_loss')
      .map((p) => [p.step, p.value]);
    assert.deepStrictEqual(tb.epoch_loss, mine);
    assert.ok('learning_rate/head' in tb);
  });

  it('rejects bad arguments', async () => {
    await expectError(() => tensorBoard(''), /the log folder must be a path/, /Fix: pass e\.g\. tensorBoard\('logs\/my-run'\)/);
    await expectError(() => tensorBoard(path.join(dir, 'x'), { updateFreq: 'step' as 'batch' }), /updateFreq 'step'/, /Fix:/);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    await expectError(() => tensorBoard(path.join(dir, 'file')), /is a file, not a folder/, /Fix:/);
  });
});
