import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tf, toyImages } from './fixtures';
import { expectError, expectNoLeakedTensors, tmpDir } from './helpers';
import { netFromModel, loadModelAsNet, bodyHeadSplitter } from '../src/transfer/from-model';
import { freeze, trainableGroups } from '../src/transfer/freeze';
import { imageSource } from '../src/train/source';
import { train, evaluateSource } from '../src/train/loop';

/** A Keras-style functional CNN built with plain tfjs layers (no library layers). */
function kerasStyle(logits = false, seed = 0): import('@tensorflow/tfjs-node').LayersModel {
  const init = tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [12, 12, 1], name: 'input_1' });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'block1_conv1', kernelInitializer: init }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'block1_pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', name: 'block2_conv1', kernelInitializer: init }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 3, activation: logits ? 'linear' : 'softmax', name: 'predictions', kernelInitializer: init }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'keras_style' });
}

describe('netFromModel: any tfjs layers model as a Net', () => {
  it('splits body/head by default, infers preprocessing and class names, and trains through the verbs', async () => {
    const model = kerasStyle();
    const net = netFromModel(model, { classNames: ['a', 'b', 'c'] });
    assert.deepStrictEqual(net.groups, [
      { name: 'body', layers: ['block1_conv1', 'block1_pool', 'block2_conv1', 'flatten'] },
      { name: 'head', layers: ['predictions'] },
    ]);
    assert.deepStrictEqual(net.preprocessing, { height: 12, width: 12, channels: 1 });
    assert.strictEqual(net.model, model, 'shares the model');
    freeze(net);
    assert.deepStrictEqual(trainableGroups(net), { body: false, head: true });
    const src = imageSource(toyImages(48, 3, 1), net.preprocessing);
    const h = await expectNoLeakedTensors(() => train(net, src, { epochs: 2, batchSize: 16, learningRate: 1e-2, engine: 'graph' }), 'train');
    assert.strictEqual(h.engine, 'graph', `the compiled step runs on plain tfjs layers (${h.eagerReason})`);
    model.dispose();
  });

  it('takes groups as names, as split points, or from a splitter', () => {
    const model = kerasStyle();
    const a = netFromModel(model, { splitAt: ['block2_conv1', 'predictions'] });
    assert.deepStrictEqual(
      a.groups.map((g) => g.name),
      ['group1', 'group2', 'head'],
    );
    assert.deepStrictEqual(a.groups[1].layers, ['block2_conv1', 'flatten']);
    const b = netFromModel(model, { groups: { convs: ['block1_conv1', 'block1_pool', 'block2_conv1', 'flatten'], out: ['predictions'] } });
    assert.deepStrictEqual(
      b.groups.map((g) => g.name),
      ['convs', 'out'],
    );
    const c = netFromModel(model, { splitter: bodyHeadSplitter, classNames: [], preprocessing: { height: 12, width: 12, channels: 1, mean: 0.5, std: 0.25 } });
    assert.deepStrictEqual(c.classNames, []);
    assert.strictEqual(c.preprocessing.std, 0.25);
    model.dispose();
  });

  it('appends a softmax to a logits model when asked, and its predictions are softmax(logits)', async () => {
    const model = kerasStyle(true);
    await expectError(() => netFromModel(model), /does not end in a softmax/, /addSoftmax: true/);
    const net = netFromModel(model, { addSoftmax: true });
    assert.deepStrictEqual(net.groups.at(-1)!.layers, ['predictions', 'keras_style_softmax']);
    const x = tf.randomUniform([2, 12, 12, 1], 0, 1, 'float32', 3);
    const [p, l] = [net.model.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor];
    const diff = tf.tidy(() => p.sub(tf.softmax(l)).abs().max().dataSync()[0]);
    assert.ok(diff < 1e-6);
    tf.dispose([x, p, l]);
    await evaluateSource(net, imageSource(toyImages(9, 3, 1), net.preprocessing));
    model.dispose();
  });

  it('names unknown layers, loose layers and wrong class counts', async () => {
    const model = kerasStyle();
    await expectError(
      () => netFromModel(model, { groups: { body: ['conv9'], head: ['predictions'] } }),
      /names layer 'conv9', which model 'keras_style' does not have/,
      /Known layers: input_1, block1_conv1/,
    );
    await expectError(
      () => netFromModel(model, { groups: { head: ['predictions'] } }),
      /layers with weights block1_conv1, block2_conv1 are in no group/,
      /Fix: add them to a group/,
    );
    await expectError(() => netFromModel(model, { splitAt: ['predictions', 'block2_conv1'] }), /must be in model order/, /Fix: sort them/);
    await expectError(
      () => netFromModel(model, { classNames: ['a', 'b'] }),
      /2 class names for a model whose output has shape \[null,3\]/,
      /one name per output unit \(3\)/,
    );
    await expectError(() => netFromModel(model, { splitAt: [], groups: {} }), /give one of splitter, groups and splitAt/, /Fix:/);
    model.dispose();
  });

  it('loads a saved model.json as a Net, and names a layer class tfjs does not know', async () => {
    const dir = tmpDir('tl-from-model-');
    const model = kerasStyle();
    await model.save(`file://${dir}`);
    const net = await loadModelAsNet(path.join(dir, 'model.json'), { classNames: ['x', 'y', 'z'] });
    assert.deepStrictEqual(net.classNames, ['x', 'y', 'z']);
    assert.strictEqual(net.groups.at(-1)!.layers[0], 'predictions');
    net.model.dispose();
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    j.modelTopology.config.layers[2].class_name = 'MyAttention';
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(j));
    await expectNoLeakedTensors(() =>
      expectError(() => loadModelAsNet(dir), /uses layer class 'MyAttention', which tfjs does not know/, /tf\.serialization\.registerClass\(MyAttention\)/),
    );
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
