/**
 * Text without the Python reference: the WordPiece rules on a small vocabulary, the
 * fortunes loader, text splits and k-shot sampling (the same choices as for images), and
 * a small BERT encoder through the library's verbs (groups, freeze, the fixed token
 * table, train, scratch, save/load, leaks).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../src/backend';
import {
  withHead,
  freeze,
  unfreeze,
  freezeTo,
  train,
  scratch,
  saveNet,
  loadNet,
  trainableParams,
  trainableGroups,
  kShotIndices,
  ImageDataset,
  getLayer,
  NET_STRATEGY_NAMES,
} from '../src';
import {
  WordPieceTokenizer,
  parseFortunes,
  loadFortunes,
  FORTUNE_TOPICS,
  textDataset,
  textKShot,
  textStratifiedSplit,
  textSubset,
  textClassCounts,
  textSelectClasses,
  buildTextEncoder,
  setTokenEmbeddingsTrainable,
  textSource,
  embedTexts,
  BertConfig,
  FORTUNES_ENV,
  runTextStrategy,
} from '../src/text';
import { expectNoLeakedTensors, expectError, tmpDir } from './helpers';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'un',
  '##aff',
  '##able',
  'the',
  'cafe',
  '!',
  ',',
  "'",
  't',
  'don',
  '北',
  'run',
  '##ning',
  'a',
  '.',
];

describe('WordPiece tokenizer (small vocabulary)', () => {
  const tok = new WordPieceTokenizer(VOCAB);

  it('splits words into the longest pieces, marks continuations with ##, and unknown words as [UNK]', () => {
    assert.deepStrictEqual(tok.tokenize('unaffable running'), ['un', '##aff', '##able', 'run', '##ning']);
    assert.deepStrictEqual(tok.tokenize('unknownword the'), ['[UNK]', 'the']);
  });

  it('lower-cases, strips accents, isolates punctuation and CJK, keeps written special tokens', () => {
    assert.deepStrictEqual(tok.tokenize("CAFÉ, Don't!"), ['cafe', ',', 'don', "'", 't', '!']);
    assert.deepStrictEqual(tok.tokenize('the北the'), ['the', '北', 'the']);
    assert.deepStrictEqual(tok.tokenize('a [MASK] a'), ['a', '[MASK]', 'a']);
    assert.strictEqual(tok.normalize('A\tb\u0007c\u00a0'), 'a bc ');
  });

  it('adds [CLS]/[SEP], pads with [PAD] and truncates to maxLength', () => {
    assert.deepStrictEqual(tok.encode('the cafe', { maxLength: 6 }), { ids: [2, 8, 9, 3, 0, 0], length: 4, truncated: false });
    const b = tok.encodeBatch(['the the the the', 'a'], { maxLength: 4 });
    assert.deepStrictEqual(Array.from(b.ids), [2, 8, 8, 3, 2, 18, 3, 0]);
    assert.deepStrictEqual(Array.from(b.lengths), [4, 3]);
    assert.strictEqual(b.truncated, 1);
  });
});

describe('fortunes: the text task', () => {
  it('parses % separated entries and removes overstriking', () => {
    assert.deepStrictEqual(parseFortunes('one\n%\ntwo\nlines\n%\n\n%\n_\bX y\n%\n'), ['one', 'two\nlines', 'X y']);
  });

  it('loads the six default topics from the Debian package, each a class, no fortune in two classes', () => {
    const ds = loadFortunes();
    assert.deepStrictEqual(ds.classNames, FORTUNE_TOPICS);
    const counts = textClassCounts(ds);
    assert.ok(
      counts.every((c) => c >= 140),
      `counts ${counts}`,
    );
    assert.strictEqual(
      counts.reduce((a, b) => a + b, 0),
      ds.count,
    );
    assert.strictEqual(new Set(ds.texts).size, ds.count);
    assert.ok(ds.texts.every((t) => t.length > 0 && !t.includes('\b')));
  });

  it('names the missing package or an unknown topic', async () => {
    await expectError(() => loadFortunes({ dir: '/nonexistent/fortunes' }), /not installed/, /apt-get install fortunes/, new RegExp(FORTUNES_ENV));
    await expectError(() => loadFortunes({ topics: ['computers', 'no-such-topic'] }), /no fortune topic 'no-such-topic'/, /Known topics: .*love/);
  });
});

describe('text splits and k-shot sampling', () => {
  const texts = Array.from({ length: 60 }, (_, i) => `text ${i}`);
  const ds = textDataset(
    'toy',
    texts,
    texts.map((_, i) => i % 3),
    ['a', 'b', 'c'],
  );

  it('k-shot picks the same items as kShot on images with the same seed', () => {
    const k = textKShot(ds, 4, 7);
    const asImages: ImageDataset = {
      name: 'x',
      images: new Uint8Array(60),
      labels: ds.labels,
      count: 60,
      height: 1,
      width: 1,
      channels: 1,
      classNames: ds.classNames,
      source: '',
    };
    assert.deepStrictEqual(
      k.texts,
      kShotIndices(asImages, 4, 7).map((i) => texts[i]),
    );
    assert.deepStrictEqual(textClassCounts(k), [4, 4, 4]);
    assert.deepStrictEqual(textKShot(ds, 4, 7).texts, k.texts);
    assert.notDeepStrictEqual(textKShot(ds, 4, 8).texts, k.texts);
    k.texts.forEach((t, i) => assert.strictEqual(k.labels[i], Number(t.split(' ')[1]) % 3));
  });

  it('splits per class into disjoint parts that cover the data', () => {
    const s = textStratifiedSplit(ds, { validation: 0.2, test: 0.3, seed: 1 });
    assert.deepStrictEqual([s.train.count, s.validation.count, s.test.count], [30, 12, 18]);
    const all = [...s.train.texts, ...s.validation.texts, ...s.test.texts];
    assert.strictEqual(new Set(all).size, 60);
    assert.deepStrictEqual(textClassCounts(s.test), [6, 6, 6]);
  });

  it('selects classes with relabelling, and rejects bad indices and labels', async () => {
    const two = textSelectClasses(ds, ['c', 'a']);
    assert.deepStrictEqual(two.classNames, ['c', 'a']);
    assert.ok(two.texts.every((t, i) => (Number(t.split(' ')[1]) % 3 === 2 ? 0 : 1) === two.labels[i]));
    await expectError(() => textSubset(ds, [0, 60]), /index 60/);
    await expectError(() => textDataset('bad', ['x'], [3], ['a', 'b']), /label 3 of text 0/);
    await expectError(() => textKShot(ds, 21, 0), /fewer than k = 21/);
  });
});

describe('a small BERT encoder through the transfer verbs', function () {
  const config: BertConfig = {
    vocabSize: VOCAB.length,
    hiddenSize: 16,
    numLayers: 2,
    numHeads: 4,
    intermediateSize: 32,
    maxPositions: 16,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    hiddenDropout: 0.1,
    attentionDropout: 0.1,
    padId: 0,
  };
  let dir: string;
  let vocab: string;
  before(() => {
    dir = tmpDir();
    vocab = path.join(dir, 'vocab.txt');
    fs.writeFileSync(vocab, VOCAB.join('\n') + '\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const texts = ['the cafe', 'un affable', 'running', 'a the a', "don't", 'the run', 'cafe cafe', 'a.'];
  const data = () => textDataset('toy', texts, [0, 1, 0, 1, 0, 1, 0, 1], ['x', 'y']);

  it('has groups embeddings, layer_0, layer_1; freezes and unfreezes by group; fixes the token table on request', () => {
    const enc = buildTextEncoder(config, { maxLength: 8, vocab, seed: 1 });
    const net = withHead(enc, { cutAt: 'pool', classes: 2 });
    assert.deepStrictEqual(
      net.groups.map((g) => g.name),
      ['embeddings', 'layer_0', 'layer_1', 'head'],
    );
    const all = trainableParams(net.model);
    freeze(net);
    assert.strictEqual(trainableParams(net.model), 16 * 2 + 2);
    freezeTo(net, 1);
    assert.deepStrictEqual(trainableGroups(net), { embeddings: false, layer_0: true, layer_1: true, head: true });
    unfreeze(net);
    assert.strictEqual(trainableParams(net.model), all);
    setTokenEmbeddingsTrainable(net, false);
    assert.strictEqual(trainableParams(net.model), all - VOCAB.length * 16);
    assert.strictEqual(net.model.weights.length, new Set(net.model.weights.map((w) => w.name)).size);
    net.model.dispose();
  });

  it('trains with the library loop: the fixed token table and frozen groups do not move, the rest does; no leaks', async () => {
    const enc = buildTextEncoder(config, { maxLength: 8, vocab, seed: 2, trainTokenEmbeddings: false });
    const net = withHead(enc, { cutAt: 'pool', classes: 2, seed: 2 });
    freeze(net, 'layer_0');
    const emb = getLayer(net.model, 'embeddings');
    const before = emb.getWeights().map((w) => w.arraySync());
    const l0 = getLayer(net.model, 'layer_0_query').getWeights()[0].arraySync();
    const l1 = getLayer(net.model, 'layer_1_query').getWeights()[0].arraySync();
    const src = textSource(data(), net.preprocessing);
    await train(net, src, { epochs: 1, batchSize: 4 });
    const h = await expectNoLeakedTensors(() => train(net, src, { epochs: 3, batchSize: 4, learningRate: 1e-2 }), 'train on a text net');
    assert.ok(h.epochs.every((e) => Number.isFinite(e.loss)));
    const after = emb.getWeights().map((w) => w.arraySync());
    const names = emb.weights.map((w) => w.originalName.split('/').pop());
    assert.deepStrictEqual(after[names.indexOf('word_embeddings')], before[names.indexOf('word_embeddings')], 'token table moved');
    assert.notDeepStrictEqual(after[names.indexOf('position_embeddings')], before[names.indexOf('position_embeddings')], 'position table did not move');
    assert.deepStrictEqual(getLayer(net.model, 'layer_0_query').getWeights()[0].arraySync(), l0, 'frozen layer_0 moved');
    assert.notDeepStrictEqual(getLayer(net.model, 'layer_1_query').getWeights()[0].arraySync(), l1, 'layer_1 did not move');
    net.model.dispose();
  });

  it('scratch() gives the same architecture with fresh weights (embedding tables normal(0, 0.02))', async () => {
    const enc = buildTextEncoder(config, { maxLength: 8, vocab, seed: 3 });
    const fresh = await scratch(enc, 5);
    assert.deepStrictEqual(fresh.groups, enc.groups);
    const w = getLayer(fresh.model, 'embeddings').getWeights()[0];
    const std = tf.tidy(() => tf.moments(w).variance.sqrt().dataSync()[0]);
    assert.ok(std > 0.01 && std < 0.03, `std ${std}`);
    assert.notDeepStrictEqual(w.arraySync(), getLayer(enc.model, 'embeddings').getWeights()[0].arraySync());
    enc.model.dispose();
    fresh.model.dispose();
  });

  it('runs every strategy of the text runner and frees every tensor it made', async () => {
    const enc = buildTextEncoder(config, { maxLength: 8, vocab, seed: 6, trainTokenEmbeddings: false });
    const ds = data();
    const ctx = {
      encoder: enc,
      cutAt: 'pool',
      train: ds,
      validation: ds,
      test: ds,
      seed: 0,
      epochs: 2,
      batchSize: 4,
      learningRate: 1e-2,
      head: { dropout: 0.1 },
      curvePoints: 1,
    };
    for (const s of NET_STRATEGY_NAMES) {
      const out = await expectNoLeakedTensors(() => runTextStrategy(s, ctx), `runTextStrategy('${s}')`);
      assert.strictEqual(out.probs.length, ds.count * 2, s);
      assert.ok(out.history.epochs.length >= 1 && out.history.epochs.every((e) => Number.isFinite(e.loss)), s);
    }
    const withFeatures = await expectNoLeakedTensors(() => runTextStrategy('fine-tune', { ...ctx, featurePoints: 3 }), 'runTextStrategy with features');
    assert.strictEqual(withFeatures.features?.count, 3);
    enc.model.dispose();
  });

  it('saves and loads a text net (custom layers serialise) with the same outputs', async () => {
    const enc = buildTextEncoder(config, { maxLength: 8, vocab, seed: 4, dropout: 0 });
    const out = path.join(dir, 'net');
    await saveNet(enc, out);
    const back = await loadNet(out);
    const a = await embedTexts(enc, texts);
    const b = await expectNoLeakedTensors(() => embedTexts(back, texts), 'embedTexts');
    assert.deepStrictEqual(Array.from(b.data), Array.from(a.data));
    assert.deepStrictEqual(back.preprocessing, enc.preprocessing);
    enc.model.dispose();
    back.model.dispose();
  });
});
