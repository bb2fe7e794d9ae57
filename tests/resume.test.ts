/**
 * Interrupted work: `transfer-lab run` (a compare sweep) and `transfer-lab pretrain` are
 * started as child processes of the compiled CLI (dist/cli.js), killed with SIGKILL mid-way
 * (after some runs / after an epoch checkpoint is on disk), and started again. They must
 * resume (finished runs are not redone, the checkpoint's epoch is picked up), end with the
 * same numbers and weights as an uninterrupted run, and leave no temporary, torn or
 * unloadable files behind. Needs `npm run build` (dist/) to be current.
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadNet } from '../src/transfer/io';
import { disposeModels } from '../src/experiment/strategies';
import type { CompareResult, RunRow } from '../src/experiment/compare';
import { train } from '../src/train/loop';
import { imageSource } from '../src/train/source';
import type { TrainState } from '../src/train/history';
import { expectNoLeakedTensors, tmpDir } from './helpers';
import { snapshot, tinyNet, toyImages } from './fixtures';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, out: '', err: '', done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  child.stdout!.on('data', (d: Buffer) => {
    p.out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    p.err += d.toString();
  });
  return p;
}

/** Poll `ready` every 20 ms; fail if the process ends first or it takes too long. */
async function waitFor(p: Proc, what: string, ready: () => boolean, timeoutMs = 240_000): Promise<void> {
  const t0 = Date.now();
  let exited = false;
  void p.done.then(() => {
    exited = true;
  });
  while (!ready()) {
    if (exited) throw new Error(`the process ended before ${what}:\n${p.err}\n${p.out}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function finish(p: Proc, what: string): Promise<void> {
  const { code, signal } = await p.done;
  assert.strictEqual(code, 0, `${what} exited with ${code ?? signal}:\n${p.err.slice(-2000)}\n${p.out.slice(-1000)}`);
}

async function kill(p: Proc): Promise<void> {
  p.child.kill('SIGKILL');
  const { signal } = await p.done;
  assert.strictEqual(signal, 'SIGKILL');
}

/** Complete lines of a JSON-lines file that parse (a torn last line does not). */
function wholeLines(file: string): unknown[] {
  if (!fs.existsSync(file)) return [];
  const out: unknown[] = [];
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    try {
      out.push(JSON.parse(l));
    } catch {
      /* torn or empty */
    }
  }
  return out;
}

/** Every file under a folder, and a list of what is wrong with them (temporary names, unparseable JSON). */
function audit(dir: string): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (/\.tmp($|[-.])|\.old-/.test(e.name)) problems.push(`temporary leftover ${f}`);
      if (e.isDirectory()) {
        walk(f);
        continue;
      }
      files.push(path.relative(dir, f));
      const text = e.name.endsWith('.json') || e.name.endsWith('.jsonl') ? fs.readFileSync(f, 'utf8') : '';
      if (e.name.endsWith('.json')) {
        try {
          JSON.parse(text);
        } catch {
          problems.push(`${f} is not valid JSON`);
        }
      }
      if (e.name.endsWith('.jsonl')) {
        text.split('\n').forEach((l, i) => {
          if (l.trim()) {
            try {
              JSON.parse(l);
            } catch {
              problems.push(`${f}:${i + 1} is not a whole JSON line`);
            }
          }
        });
        if (text.length && !text.endsWith('\n')) problems.push(`${f} ends with a torn line`);
      }
      if (e.name.endsWith('.html') && !fs.readFileSync(f, 'utf8').trimEnd().endsWith('</html>')) problems.push(`${f} is cut off`);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return { files: files.sort(), problems };
}

/** The numbers of a run that must not depend on timing. */
function numbers(r: RunRow): unknown {
  return {
    key: r.key,
    accuracy: r.accuracy,
    macroF1: r.macroF1,
    topK: r.topKAccuracy,
    predictions: r.predictions,
    confusion: r.confusion,
    projection: r.projection ?? null,
    history: r.history.map((e) => [e.epoch, e.loss, e.acc, e.valLoss ?? null, e.valAcc ?? null, e.lr]),
  };
}

describe('interrupted work: SIGKILL mid-way, then run again', function () {
  let root: string;
  const timings: string[] = [];

  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing. Fix: npm run build`);
    root = tmpDir('tl-resume-');
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    console.log(`      ${timings.join('; ')}`);
  });

  it('train(): the state a checkpoint saves (optimizer moments, dropout counters) continues a run exactly, without leaks', async () => {
    const data = toyImages(48, 3, 2);
    const opts = { batchSize: 16, learningRate: 3e-3, schedule: 'cosine' as const, seed: 5 };
    const whole = tinyNet(3, 4);
    await train(whole, imageSource(data, whole.preprocessing), { ...opts, epochs: 3 });
    // The same run, stopped after epoch 1: weights and state go through their saved forms.
    const first = tinyNet(3, 4);
    let state: TrainState | undefined;
    await train(first, imageSource(data, first.preprocessing), {
      ...opts,
      epochs: 3,
      callbacks: [
        {
          onEpochEnd: async (e, _l, _n, ctx) => {
            if (e === 0) {
              state = await ctx!.trainState();
              return 'stop';
            }
          },
        },
      ],
    });
    const saved = { ...state!, values: new Float32Array(Float32Array.from(state!.values).buffer) };
    const second = tinyNet(3, 4);
    second.model.setWeights(first.model.getWeights());
    await expectNoLeakedTensors(
      () => train(second, imageSource(data, second.preprocessing), { ...opts, epochs: 2, initialEpoch: 1, scheduleFrom: 0, trainState: saved }),
      'a resumed train()',
    );
    assert.deepStrictEqual(snapshot(second.model), snapshot(whole.model), 'resumed weights equal the uninterrupted run');
    // Without the state, the same weights do not continue the same run.
    const fresh = tinyNet(3, 4);
    fresh.model.setWeights(first.model.getWeights());
    await train(fresh, imageSource(data, fresh.preprocessing), { ...opts, epochs: 2, initialEpoch: 1, scheduleFrom: 0 });
    assert.notDeepStrictEqual(snapshot(fresh.model), snapshot(whole.model));
    disposeModels(whole.model, first.model, second.model, fresh.model);
  });

  it('`transfer-lab run`: a killed sweep resumes without redoing finished runs and ends equal to an uninterrupted one', async () => {
    const t0 = Date.now();
    const config = {
      name: 'resume-sweep',
      backbone: 'fashion-cnn',
      task: { dataset: 'mnist' },
      strategies: ['head', 'fine-tune'],
      sizes: [1, 2],
      seeds: [0, 1],
      testSize: 100,
      validationSize: 50,
      epochs: 3,
      curvePoints: 2,
      projectionPoints: 30,
    };
    const cfgFile = path.join(root, 'sweep.json');
    fs.writeFileSync(cfgFile, JSON.stringify(config));
    const total = 8;
    const [fullDir, cutDir] = [path.join(root, 'reports-full'), path.join(root, 'reports-cut')];
    const runsFile = path.join(cutDir, config.name, 'runs.jsonl');

    // The reference runs alongside the interrupted one (numbers do not depend on timing).
    const full = start(['run', cfgFile, '--reports-dir', fullDir]);
    const first = start(['run', cfgFile, '--reports-dir', cutDir]);
    await waitFor(first, '3 finished runs', () => wholeLines(runsFile).length >= 3);
    await kill(first);
    const finished = wholeLines(runsFile).length;
    assert.ok(finished >= 3 && finished < total, `killed after ${finished} of ${total} runs`);
    assert.ok(!fs.existsSync(path.join(cutDir, config.name, 'results.json')), 'killed before the sweep wrote its results');

    const again = start(['run', cfgFile, '--reports-dir', cutDir]);
    await finish(again, 'the resumed sweep');
    await finish(full, 'the uninterrupted sweep');

    // Resumed: the finished runs were read back, only the others were trained.
    const resumedLines = again.err.split('\n').filter((l) => /: resumed \(test acc/.test(l));
    const trainedLines = again.err.split('\n').filter((l) => /\.\.\. test acc/.test(l));
    assert.strictEqual(resumedLines.length, finished, again.err);
    assert.strictEqual(trainedLines.length, total - finished, again.err);
    assert.match(again.out, new RegExp(`${total} runs \\(${finished} resumed\\)`));

    // The same numbers as the uninterrupted sweep, run for run.
    const read = (d: string): CompareResult => JSON.parse(fs.readFileSync(path.join(d, config.name, 'results.json'), 'utf8'));
    const [a, b] = [read(fullDir), read(cutDir)];
    assert.strictEqual(b.rows.length, total);
    assert.strictEqual(b.resumedRuns, finished);
    assert.deepStrictEqual(b.rows.map(numbers), a.rows.map(numbers));
    assert.deepStrictEqual(
      b.cells.map((c) => [c.strategy, c.size, c.accuracy.mean, c.macroF1.mean]),
      a.cells.map((c) => [c.strategy, c.size, c.accuracy.mean, c.macroF1.mean]),
    );
    const summary = (d: string) => JSON.parse(fs.readFileSync(path.join(d, config.name, 'summary.json'), 'utf8'));
    assert.deepStrictEqual(summary(cutDir).accuracy, summary(fullDir).accuracy);

    // Nothing torn, temporary or duplicated is left.
    const { files, problems } = audit(cutDir);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(files, audit(fullDir).files);
    const keys = wholeLines(runsFile).map((r) => (r as RunRow).key);
    assert.strictEqual(keys.length, total, 'runs.jsonl holds each run once');
    assert.strictEqual(new Set(keys).size, total);
    timings.push(`sweep: killed after ${finished}/${total} runs, resumed ${finished}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('`transfer-lab pretrain`: a killed run resumes from its epoch checkpoint and ends with the same weights', async () => {
    const t0 = Date.now();
    const args = (dir: string) => ['pretrain', 'fashion-a-cnn', '--quick', '--epochs', '3', '--models-dir', dir];
    const [fullDir, cutDir] = [path.join(root, 'models-full'), path.join(root, 'models-cut')];
    const name = 'fashion-a-cnn-quick';
    const ckptMeta = path.join(cutDir, `${name}.checkpoint`, 'net.json');
    const epochsDone = (): number => {
      try {
        return (JSON.parse(fs.readFileSync(ckptMeta, 'utf8')).info?.epochsDone as number) ?? 0;
      } catch {
        return 0;
      }
    };

    const full = start(args(fullDir));
    // Kill 1: right after the first epoch's checkpoint is on disk.
    const first = start(args(cutDir));
    await waitFor(first, 'the first epoch checkpoint', () => epochsDone() >= 1);
    await kill(first);
    const at = epochsDone();
    assert.ok(at >= 1 && at < 3, `killed after epoch ${at}`);
    assert.ok(!fs.existsSync(path.join(cutDir, name)), 'no final model yet');
    // Whatever was killed, the checkpoint on disk is whole and loads.
    const ck = await loadNet(path.join(cutDir, `${name}.checkpoint`));
    disposeModels(ck.model);

    // Kill 2: after the last epoch's checkpoint, before (or while) the final model is saved.
    const second = start(args(cutDir));
    await waitFor(second, 'the resumed run to start', () => second.out.includes('resuming from the checkpoint'));
    assert.match(second.out, new RegExp(`resuming from the checkpoint after epoch ${at}/3`));
    let lastKilled = false;
    await waitFor(second, 'the last epoch checkpoint', () => epochsDone() >= 3 || fs.existsSync(path.join(cutDir, name, 'net.json')));
    if (epochsDone() >= 3 && !fs.existsSync(path.join(cutDir, name, 'net.json'))) {
      await kill(second);
      lastKilled = true;
    } else {
      await finish(second, 'the resumed pretrain');
    }
    // The epochs before the kill were not trained again.
    for (let e = 1; e <= at; e++) assert.ok(!new RegExp(`^\\s+epoch ${e}/3\\s+loss`, 'm').test(second.out), `epoch ${e} was trained again:\n${second.out}`);

    if (lastKilled) {
      const third = start(args(cutDir));
      await finish(third, 'the pretrain resumed after its last epoch');
      assert.match(third.out, /resuming from the checkpoint after epoch 3\/3/);
      assert.ok(!/^\s+epoch \d\/3\s+loss/m.test(third.out), `no epoch is trained again:\n${third.out}`);
    }
    await finish(full, 'the uninterrupted pretrain');

    // Bit-identical weights and the same per-epoch record as the uninterrupted run.
    const bin = (d: string) => fs.readFileSync(path.join(d, name, 'weights.bin'));
    assert.ok(bin(cutDir).equals(bin(fullDir)), 'the resumed weights differ from the uninterrupted run');
    const info = (d: string) => JSON.parse(fs.readFileSync(path.join(d, name, 'net.json'), 'utf8')).info;
    const curve = (d: string) =>
      (info(d).history as { epoch: number; loss: number; acc: number; valAcc: number }[]).map((e) => [e.epoch, e.loss, e.acc, e.valAcc]);
    assert.deepStrictEqual(curve(cutDir), curve(fullDir));
    assert.strictEqual(info(cutDir).testAccuracy, info(fullDir).testAccuracy);

    // No checkpoint, temporary folder or unreadable file is left, and the model loads.
    const { files, problems } = audit(cutDir);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(files, [`${name}/model.json`, `${name}/net.json`, `${name}/weights.bin`]);
    await expectNoLeakedTensors(async () => {
      const net = await loadNet(path.join(cutDir, name));
      disposeModels(net.model);
    }, 'loading the resumed model');
    timings.push(
      `pretrain: killed after epoch ${at}/3${lastKilled ? ' and again after epoch 3/3' : ' (the second kill came too late: it had finished)'}, resumed, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  });
});
