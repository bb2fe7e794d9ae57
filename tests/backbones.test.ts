import * as assert from 'assert';
import { loadBackbone } from '../src/backbone/zoo';
import { readNetMeta } from '../src/transfer/io';
import { modelsDir, RECIPES } from '../src/backbone/pretrain';
import { loadFashionMnist } from '../src/data/fashion';
import { selectClasses } from '../src/data/split';
import { imageSource } from '../src/train/source';
import { evaluateSource } from '../src/train/loop';
import { expectNoLeakedTensors } from './helpers';
import * as path from 'path';

describe('bundled backbones (models/)', () => {
  for (const name of Object.keys(RECIPES)) {
    it(`${name} reaches its recorded test accuracy on the real test set`, async () => {
      const dir = path.join(modelsDir(), name);
      const info = readNetMeta(dir).info as { testAccuracy: number; recipe: unknown; epochs: number; seed: number; data: { classes: number[] | 'all' } };
      assert.deepStrictEqual(info.recipe, RECIPES[name], 'the committed weights were trained with the current recipe');
      assert.strictEqual(info.seed, RECIPES[name].seed);
      const net = await loadBackbone(name);
      let test = loadFashionMnist('test');
      if (info.data.classes !== 'all') test = selectClasses(test, info.data.classes);
      const { valAcc } = await expectNoLeakedTensors(() => evaluateSource(net, imageSource(test, net.preprocessing)), 'evaluation');
      assert.ok(Math.abs(valAcc - info.testAccuracy) < 1e-9, `measured ${valAcc}, recorded ${info.testAccuracy}`);
      net.model.dispose();
    });
  }

  it('fashion-cnn meets the 0.92 test-accuracy target on all of Fashion-MNIST', () => {
    const info = readNetMeta(path.join(modelsDir(), 'fashion-cnn')).info as { testAccuracy: number };
    assert.ok(info.testAccuracy >= 0.92, `recorded test accuracy ${info.testAccuracy}`);
  });
});
