import * as assert from 'assert';
import type * as tfn from '@tensorflow/tfjs-node';
import { tf, toyImages, tinyNet, snapshot, changed, pretrainedTiny } from './fixtures';
import { expectError, expectNoLeakedTensors } from './helpers';
import { transplant } from '../src/transfer/transplant';
import { scratch } from '../src/transfer/finetune';
import { withHead } from '../src/transfer/head';
import { trainableGroups } from '../src/transfer/freeze';
import { Net } from '../src/transfer/net';
import { disposeModels } from '../src/experiment/strategies';
import { buildSmallCnn, SMALL_CNN_GROUPS } from '../src/backbone/architectures';
import { imageSource } from '../src/train/source';
import { train } from '../src/train/loop';

const data = toyImages(48, 3, 5);

/** Names of the weights ('layer/weight') of the layers of some groups. */
function weightsOf(net: Net, groups: string[]): string[] {
  const layers = new Set(net.groups.filter((g) => groups.includes(g.name)).flatMap((g) => g.layers));
  return net.model.weights.map((w) => w.originalName).filter((n) => layers.has(n.split('/')[0]));
}

function sameValues(a: Map<string, Float32Array>, b: Map<string, Float32Array>, names: string[]): boolean {
  return names.every((n) => {
    const x = a.get(n)!;
    const y = b.get(n)!;
    return x.length === y.length && x.every((v, i) => v === y[i]);
  });
}

describe('transplant: copy the first n layer groups into a fresh net (Yosinski et al. 2014)', () => {
  it('copies the first n groups bit for bit and re-initialises the rest exactly as scratch(net, seed)', async () => {
    const source = await pretrainedTiny();
    const src = snapshot(source.model);
    await expectNoLeakedTensors(async () => {
      for (const n of [0, 1, 2, 3, 5]) {
        const t = await transplant(source, { groups: n, seed: 4 });
        const ref = await scratch(source, 4);
        const got = snapshot(t.model);
        const fresh = snapshot(ref.model);
        const copiedNames = source.groups.slice(0, n).map((g) => g.name);
        const restNames = source.groups.slice(n).map((g) => g.name);
        const copied = weightsOf(t, copiedNames);
        const rest = weightsOf(t, restNames);
        assert.strictEqual(copied.length + rest.length, t.model.weights.length);
        assert.ok(sameValues(got, src, copied), `n=${n}: the copied groups hold the source's weights (BatchNorm statistics included)`);
        assert.ok(sameValues(got, fresh, rest), `n=${n}: the other groups hold scratch(net, 4)'s fresh weights`);
        if (rest.length) assert.ok(!sameValues(got, src, rest), `n=${n}: the fresh groups differ from the source`);
        assert.deepStrictEqual(
          Object.values(trainableGroups(t)),
          t.groups.map(() => true),
          'not frozen by default',
        );
        assert.match(t.origin, n ? new RegExp(`^transplant\\(tiny\\(seed=11\\): ${copiedNames.join('\\+')}, seed=4\\)$`) : /: nothing, seed=4\)$/);
        disposeModels(t.model, ref.model);
      }
    }, 'transplant n=0..5 and disposing the nets');
  });

  it('freezes the copied groups on request; training leaves them and the source untouched', async () => {
    const source = await pretrainedTiny();
    const before = snapshot(source.model);
    await expectNoLeakedTensors(async () => {
      const t = await transplant(source, { groups: 2, seed: 1, freeze: true });
      assert.deepStrictEqual(trainableGroups(t), { block1: false, block2: false, block3: true, embed: true, head: true });
      assert.match(t.origin, /, frozen\)$/);
      const start = snapshot(t.model);
      await train(t, imageSource(data, t.preprocessing), { epochs: 2, batchSize: 16, learningRate: 1e-2, seed: 0 });
      const moved = changed(start, snapshot(t.model));
      const frozen = weightsOf(t, ['block1', 'block2']);
      assert.deepStrictEqual(
        moved.filter((n) => frozen.includes(n)),
        [],
        'frozen copied weights and statistics are bit-identical after training',
      );
      assert.ok(moved.some((n) => n.startsWith('block3_conv')) && moved.some((n) => n.startsWith('logits')), 'the fresh groups trained');
      disposeModels(t.model);
    }, 'a frozen transplant trained and disposed');
    await expectNoLeakedTensors(async () => {
      const t = await transplant(source, { groups: 5, seed: 2 });
      await train(t, imageSource(data, t.preprocessing), { epochs: 1, batchSize: 16, learningRate: 1e-2, seed: 0 });
      disposeModels(t.model);
    }, 'a full copy trained and disposed');
    assert.deepStrictEqual(changed(before, snapshot(source.model)), [], 'the source net never changes');
  });

  it('copies named groups, is reproducible by seed, and builds into another head', async () => {
    const source = await pretrainedTiny();
    const src = snapshot(source.model);
    await expectNoLeakedTensors(async () => {
      const a = await transplant(source, { groups: ['block1', 'block3'], seed: 7, freeze: true });
      const b = await transplant(source, { groups: ['block1', 'block3'], seed: 7 });
      const c = await transplant(source, { groups: ['block1', 'block3'], seed: 8 });
      assert.deepStrictEqual(trainableGroups(a), { block1: false, block2: true, block3: false, embed: true, head: true });
      assert.ok(sameValues(snapshot(a.model), src, weightsOf(a, ['block1', 'block3'])));
      const rest = weightsOf(a, ['block2', 'embed', 'head']);
      assert.ok(sameValues(snapshot(a.model), snapshot(b.model), rest), 'same seed, same fresh weights');
      assert.ok(!sameValues(snapshot(a.model), snapshot(c.model), rest), 'another seed, other fresh weights');
      // A 4-class head on the same body: the body groups transplant, the new head is fresh.
      const body = tinyNet(3, 11);
      const into = withHead(body, { cutAt: 'features', classes: 4, seed: 0 });
      const d = await transplant(source, { groups: 4, seed: 3, into });
      assert.deepStrictEqual(d.model.outputs[0].shape, [null, 4]);
      assert.deepStrictEqual(
        d.groups.map((g) => g.name),
        ['block1', 'block2', 'block3', 'embed', 'head'],
      );
      assert.ok(sameValues(snapshot(d.model), src, weightsOf(d, ['block1', 'block2', 'block3', 'embed'])));
      disposeModels(a.model, b.model, c.model, d.model, into.model, body.model);
    }, 'named groups and another head');
  });

  it('gives clear errors for unknown groups, bad counts and mismatched architectures, and builds nothing then', async () => {
    const source = await pretrainedTiny();
    const other: Net = {
      model: buildSmallCnn({ inputShape: [12, 12, 1], classes: 3, filters: [4, 5, 8], embedUnits: 12, seed: 0, name: 'other' }),
      groups: Object.entries(SMALL_CNN_GROUPS).map(([name, layers]) => ({ name, layers: [...layers] })),
      classNames: ['a', 'b', 'c'],
      preprocessing: { height: 12, width: 12, channels: 1 },
      origin: 'other',
    };
    const same = tinyNet(3, 0);
    const noEmbed: Net = { ...same, groups: same.groups.filter((g) => g.name !== 'embed') };
    await expectNoLeakedTensors(async () => {
      await expectError(
        () => transplant(source, { groups: ['block1', 'block9'] }),
        /unknown layer group 'block9'/,
        /Known groups: block1, block2, block3, embed, head/,
      );
      await expectError(() => transplant(source, { groups: 6 }), /groups must be a whole number from 0 to 5/, /Fix: pass e\.g\. groups: 2/);
      await expectError(() => transplant(source, { groups: 1.5 }), /whole number/);
      await expectError(() => transplant(source, { groups: -1 }), /whole number/);
      await expectError(() => transplant(source, { groups: 'block1' as unknown as string[] }), /a number or a list of group names/);
      await expectError(
        () => transplant(source, { groups: 2, into: other }),
        /layer 'block2_conv' of group 'block2' has weights of shapes \[\[3,3,4,6\]\] in the source but \[\[3,3,4,5\]\] in the target/,
        /mismatched architectures/,
        /Fix:/,
      );
      await expectError(() => transplant(source, { groups: 4, into: noEmbed }), /target architecture has no layer group 'embed'/, /Fix:/);
      await expectError(() => transplant(source.model as unknown as Net, { groups: 1 }), /transplant expects a Net/, /not net\.model/);
      await expectError(() => transplant(source, undefined as unknown as { groups: number }), /options are required/, /Fix:/);
      await expectError(() => transplant(source, { groups: 1, seed: -2 }), /seed must be a non-negative integer/);
      // One layer fewer in the target: the mismatch names the missing layer.
      const input = tf.input({ shape: [12, 12, 1], name: 'input' });
      const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'block1_conv' }).apply(input) as tfn.SymbolicTensor;
      const flat = tf.layers.flatten({ name: 'flatten' }).apply(conv) as tfn.SymbolicTensor;
      const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'logits' }).apply(flat) as tfn.SymbolicTensor;
      const small: Net = {
        model: tf.model({ inputs: input, outputs: out, name: 'small' }),
        groups: [
          { name: 'block1', layers: ['block1_conv'] },
          { name: 'head', layers: ['flatten', 'logits'] },
        ],
        classNames: ['a', 'b', 'c'],
        preprocessing: other.preprocessing,
        origin: 'small',
      };
      await expectError(
        () => transplant(source, { groups: 1, into: small }),
        /layer 'block1_bn' of group 'block1' is not in the target architecture 'small'/,
        /mismatched architectures/,
      );
      disposeModels(small.model);
    }, 'failed transplants');
    disposeModels(other.model, same.model);
  });
});
