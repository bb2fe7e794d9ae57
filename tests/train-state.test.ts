/**
 * A run's saved state must hold every dropout call counter, or a resumed run draws other
 * masks than an uninterrupted one. The text encoder's attention dropout (SelfAttention)
 * counts its calls like SeededDropout does; a checkpoint that kept only SeededDropout's
 * counters resumed text fine-tuning with the attention masks of step 0.
 */
import * as assert from 'assert';
import { tf } from '../src/backend';
import { train } from '../src/train/loop';
import { BatchSource } from '../src/train/source';
import type { TrainState } from '../src/train/history';
import { hasCallCounter, seededDropouts } from '../src/train/state';
import { buildTextEncoder, BertConfig } from '../src/text/encoder';
import { SelfAttention } from '../src/text/layers';
import { withHead } from '../src/transfer/head';
import { Net } from '../src/transfer/net';
import { rng } from '../src/random';
import { expectNoLeakedTensors } from './helpers';
import { restore, snapshot } from './fixtures';

const CONFIG: BertConfig = {
  vocabSize: 60,
  hiddenSize: 16,
  numLayers: 1,
  numHeads: 2,
  intermediateSize: 32,
  maxPositions: 16,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenDropout: 0,
  attentionDropout: 0.3,
  padId: 0,
};
const LENGTH = 8;

function toySource(n: number, seed: number): BatchSource {
  const r = rng(seed);
  const ids = new Int32Array(n * LENGTH);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const len = 3 + Math.floor(r.next() * (LENGTH - 3));
    for (let t = 0; t < len; t++) ids[i * LENGTH + t] = t === 0 ? 1 : 2 + ((labels[i] * 25 + Math.floor(r.next() * 30)) % 58);
  }
  return {
    count: n,
    labels,
    numClasses: 2,
    inputShape: [LENGTH],
    batch(indices) {
      const idx = Array.from(indices);
      const out = new Int32Array(idx.length * LENGTH);
      idx.forEach((j, k) => out.set(ids.subarray(j * LENGTH, (j + 1) * LENGTH), k * LENGTH));
      return {
        xs: tf.tensor2d(out, [idx.length, LENGTH], 'int32'),
        ys: tf.tensor1d(
          idx.map((j) => labels[j]),
          'int32',
        ),
      };
    },
  };
}

const net = (): Net => withHead(buildTextEncoder(CONFIG, { maxLength: LENGTH, seed: 4 }), { classes: 2, seed: 4 });

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, v] of a) {
    const w = b.get(k)!;
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] - w[i]));
  }
  return m;
}

describe('training state: dropout call counters', () => {
  it("counts the text encoder's attention dropout among the layers whose counters a checkpoint keeps", () => {
    const n = net();
    const counted = seededDropouts(n.model);
    const attention = n.model.layers.filter((l) => l instanceof SelfAttention);
    assert.ok(attention.length > 0, 'the encoder has SelfAttention layers');
    for (const l of attention) assert.ok(counted.includes(l as never), `${l.name} is counted`);
    assert.ok(counted.every(hasCallCounter));
    n.model.dispose();
  });

  for (const engine of ['eager', 'graph'] as const) {
    it(`resumes text fine-tuning with attention dropout exactly (${engine})`, async function () {
      this.timeout(120000);
      const data = toySource(32, 1);
      const opts = { batchSize: 8, learningRate: 3e-3, seed: 2, engine };
      const full = net();
      const start = snapshot(full.model);
      await train(full, data, { ...opts, epochs: 4 });
      const want = snapshot(full.model);
      full.model.dispose();

      const first = net();
      restore(first.model, start);
      let state: TrainState | null = null;
      await train(first, data, { ...opts, epochs: 2, callbacks: [{ onEpochEnd: async (_e, _l, _n, ctx) => void (state = await ctx.trainState()) }] });
      const half = snapshot(first.model);
      first.model.dispose();
      const st = state as unknown as TrainState;
      assert.ok(st, 'a state was captured');
      const attentionNames = Object.keys(st.dropoutCalls).filter((k) => st.dropoutCalls[k] > 0);
      assert.ok(attentionNames.length > 0, `the state holds advanced counters: ${JSON.stringify(st.dropoutCalls)}`);

      // A fresh net (counters at 0) with the half-way weights, resumed from the state.
      const resumed = net();
      restore(resumed.model, half);
      await expectNoLeakedTensors(() => train(resumed, data, { ...opts, epochs: 2, initialEpoch: 2, scheduleFrom: 0, trainState: st }), `resume (${engine})`);
      const diff = maxDiff(want, snapshot(resumed.model));
      resumed.model.dispose();
      assert.ok(diff < 1e-5, `resumed ${engine} run differs from the uninterrupted one by ${diff}`);
    });
  }
});
