/**
 * Measure the sentiment baselines and the pretrained MiniLM embeddings on Hutto &
 * Gilbert's ground-truth sets, with the library's public API only, and print markdown
 * tables (mean +- std over seeds). Writes every number to out/sentiment/<part>.json.
 *
 *   node_modules/.bin/tsx scripts/sentiment-measure.ts [vader] [tfidf] [probe] [cross] [finetune] [--quick]
 *
 * Protocol (fixed before measuring; nothing tuned on test texts):
 * - each set binarised at margin 0, split 70/10/20 stratified with seed 0 (textStratifiedSplit);
 *   every method is scored on the same 20% test texts;
 * - k labels per class drawn from the 70% training part with textKShot(train, k, seed);
 * - TF-IDF + LR: 1-2-grams, C = 1 (scikit-learn's default), 300 full-batch Adam steps;
 * - VADER: the sign of the compound score (no training), on the same test texts;
 * - probe: softmax regression on all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2
 *   normalised, 64 tokens), Adam 3e-2 (TEXT_LEARNING_RATES), batch 16, one-cycle,
 *   about 200 steps (epochs = max(5, round(200 / batches per epoch)));
 * - fine-tune: runTextStrategy('fine-tune') with the minilm-to-fortunes settings
 *   (head first, then all groups with discriminative rates; 32 tokens, fixed token table).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  tf,
  loadTextEncoder,
  extractTextFeatures,
  linearProbe,
  featureSource,
  predictProbs,
  classificationReport,
  meanStd,
  cut,
  textStratifiedSplit,
  textKShot,
  textDataset,
  TextDataset,
  FeatureSet,
  disposeModels,
  runTextStrategy,
  TEXT_LEARNING_RATES,
  Net,
} from '../src';
import { loadSentiment, SentimentSetName, SENTIMENT_SETS } from '../src/text/sentiment';
import { trainTfidfLogReg, tfidfPredict } from '../src/text/tfidf';
import { vaderProbs } from '../src/text/vader';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const parts = args.filter((a) => !a.startsWith('--'));
const SIZES = quick ? [4, 16] : [4, 16, 64, 256];
const SEEDS = quick ? [0] : [0, 1, 2];
const OUT = path.resolve(__dirname, '..', 'out', 'sentiment');
const splitCache = new Map<string, { train: TextDataset; test: TextDataset }>();

function splitOf(set: SentimentSetName): { train: TextDataset; test: TextDataset } {
  let s = splitCache.get(set);
  if (!s) {
    const parts3 = textStratifiedSplit(loadSentiment(set), { validation: 0.1, test: 0.2, seed: 0 });
    s = { train: parts3.train, test: quick ? textKShot(parts3.test, 100, 0) : parts3.test };
    splitCache.set(set, s);
  }
  return s;
}

/** The rows of a k-shot sample, as textKShot picks them (the choice depends on labels and seed only). */
function kShotRows(ds: TextDataset, k: number, seed: number): number[] {
  const stand = textDataset(
    ds.name,
    ds.texts.map((_, i) => String(i)),
    ds.labels,
    ds.classNames,
  );
  return textKShot(stand, k, seed).texts.map(Number);
}

function concat(a: FeatureSet, b: FeatureSet): FeatureSet {
  const features = new Float32Array((a.count + b.count) * a.dim);
  features.set(a.features);
  features.set(b.features, a.count * a.dim);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels.subarray(0, a.count));
  labels.set(b.labels.subarray(0, b.count), a.count);
  return { features, labels, count: a.count + b.count, dim: a.dim, classNames: a.classNames, key: `${a.key}+${b.key}` };
}

const acc = (probs: Float32Array, ds: { labels: Uint8Array; classNames: string[] }) => classificationReport(probs, ds.labels, ds.classNames).accuracy;
const fmt = (v: number[]) => {
  const s = meanStd(v);
  return v.length > 1 ? `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}` : s.mean.toFixed(3);
};

function save(part: string, data: unknown): void {
  fs.mkdirSync(OUT, { recursive: true });
  const f = path.join(OUT, `${part}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(`${f}.tmp`, JSON.stringify(data, null, 2));
  fs.renameSync(`${f}.tmp`, f);
}

async function probeAccuracy(trainF: FeatureSet, testF: FeatureSet, seed: number): Promise<number> {
  const batches = Math.ceil(trainF.count / 16);
  const { net } = await linearProbe(trainF, {
    epochs: Math.max(5, Math.round(200 / batches)),
    batchSize: 16,
    learningRate: TEXT_LEARNING_RATES['linear-probe'],
    schedule: 'one-cycle',
    seed,
  });
  try {
    return acc(await predictProbs(net, featureSource(testF)), testF);
  } finally {
    disposeModels(net.model);
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const log = (m: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`);
  const sets: SentimentSetName[] = ['movies', 'amazon', 'nyt', 'tweets'];

  if (parts.includes('vader')) {
    const res: Record<string, unknown> = {};
    console.log('\n| set | test texts | VADER accuracy (sign of compound) |\n| --- | --- | --- |');
    for (const s of sets) {
      const { test } = splitOf(s);
      const a = acc(vaderProbs(test.texts), test);
      res[s] = { testCount: test.count, accuracy: a, paper: SENTIMENT_SETS[s].paper };
      console.log(`| ${s} | ${test.count} | ${a.toFixed(3)} |`);
    }
    save('vader', res);
  }

  if (parts.includes('tfidf')) {
    const res: Record<string, Record<string, number[]>> = {};
    console.log(`\n| set | ${SIZES.map((k) => `${k}/class`).join(' | ')} | all train |\n| --- |${SIZES.map(() => ' --- |').join('')} --- |`);
    for (const s of (process.env.TFIDF_SETS?.split(',') as SentimentSetName[] | undefined) ?? sets) {
      const { train, test } = splitOf(s);
      res[s] = {};
      for (const k of SIZES) {
        res[s][k] = [];
        for (const seed of SEEDS) res[s][k].push(acc(tfidfPredict(await trainTfidfLogReg(textKShot(train, k, seed)), test.texts), test));
      }
      if (!quick) res[s].all = [acc(tfidfPredict(await trainTfidfLogReg(train), test.texts), test)];
      console.log(`| ${s} | ${SIZES.map((k) => fmt(res[s][k])).join(' | ')} | ${quick ? '-' : `${fmt(res[s].all)} (${train.count})`} |`);
      log(`tfidf ${s} done`);
      save('tfidf', res);
    }
  }

  if (!parts.some((p) => ['probe', 'cross', 'finetune'].includes(p))) return;
  const encoder = await loadTextEncoder('all-minilm-l6-v2', { maxLength: 64 });
  const body: Net = cut(encoder, 'pool');
  // Embeddings are computed once per text and only for the texts used (the machine is shared:
  // a full training split is not embedded unless asked for with --all-train).
  const memo = new Map<string, Map<number, Float32Array>>();
  const embedRows = async (set: SentimentSetName, part: 'train' | 'test', idx: number[]): Promise<FeatureSet> => {
    const ds = splitOf(set)[part];
    const key = `${set}/${part}`;
    const m = memo.get(key) ?? new Map<number, Float32Array>();
    memo.set(key, m);
    const missing = [...new Set(idx)].filter((i) => !m.has(i));
    if (missing.length) {
      const f = await extractTextFeatures(
        body,
        textDataset(
          key,
          missing.map((i) => ds.texts[i]),
          missing.map((i) => ds.labels[i]),
          ds.classNames,
        ),
        { cache: false },
      );
      missing.forEach((i, j) => m.set(i, f.features.slice(j * f.dim, (j + 1) * f.dim)));
      log(`embedded ${missing.length} ${key} texts`);
    }
    const dim = (m.get(idx[0]) as Float32Array).length;
    const features = new Float32Array(idx.length * dim);
    idx.forEach((i, j) => features.set(m.get(i) as Float32Array, j * dim));
    return { features, labels: Uint8Array.from(idx, (i) => ds.labels[i]), count: idx.length, dim, classNames: ds.classNames, key: `${key}:${idx.length}` };
  };
  const allRows = (ds: TextDataset) => Array.from({ length: ds.count }, (_, i) => i);
  const testOf = (set: SentimentSetName) => embedRows(set, 'test', allRows(splitOf(set).test));
  const shotOf = (set: SentimentSetName, k: number, seed: number) => embedRows(set, 'train', kShotRows(splitOf(set).train, k, seed));
  const allTrain = args.includes('--all-train');

  if (parts.includes('probe')) {
    const test = await testOf('movies');
    const res: Record<string, number[]> = {};
    for (const k of SIZES) {
      res[k] = [];
      for (const seed of SEEDS) res[k].push(await probeAccuracy(await shotOf('movies', k, seed), test, seed));
      log(`probe ${k}/class: ${fmt(res[k])}`);
    }
    if (allTrain) res.all = [await probeAccuracy(await embedRows('movies', 'train', allRows(splitOf('movies').train)), test, 0)];
    console.log(
      `\n| MiniLM probe, movies | ${SIZES.map((k) => `${k}/class`).join(' | ')} |${allTrain ? ' all train |' : ''}\n| --- |${SIZES.map(() => ' --- |').join('')}${allTrain ? ' --- |' : ''}`,
    );
    console.log(`| accuracy | ${SIZES.map((k) => fmt(res[k])).join(' | ')} |${allTrain ? ` ${fmt(res.all)} |` : ''}`);
    save('probe', res);
  }

  if (parts.includes('cross')) {
    // Source: the probe (and TF-IDF) trained on 256 movie reviews per class; targets: Amazon and tweets.
    const src = 256;
    const res: Record<string, Record<string, number[]>> = {};
    const inDomain = quick ? [4] : [4, 16, 64];
    for (const target of ['amazon', 'tweets'] as SentimentSetName[]) {
      const tTest = await testOf(target);
      const tsplit = splitOf(target);
      const r: Record<string, number[]> = { 'probe: movies only': [], 'tfidf: movies only': [] };
      for (const seed of SEEDS) {
        const mF = await shotOf('movies', src, seed);
        r['probe: movies only'].push(await probeAccuracy(mF, tTest, seed));
        const mTexts = textKShot(splitOf('movies').train, src, seed);
        r['tfidf: movies only'].push(acc(tfidfPredict(await trainTfidfLogReg(mTexts), tsplit.test.texts), tsplit.test));
        for (const k of inDomain) {
          const tF = await shotOf(target, k, seed);
          const tTexts = textKShot(tsplit.train, k, seed);
          for (const [name, v] of [
            [`probe: ${k}/class in-domain only`, await probeAccuracy(tF, tTest, seed)],
            [`probe: movies + ${k}/class in-domain`, await probeAccuracy(concat(mF, tF), tTest, seed)],
            [`tfidf: ${k}/class in-domain only`, acc(tfidfPredict(await trainTfidfLogReg(tTexts), tsplit.test.texts), tsplit.test)],
            [
              `tfidf: movies + ${k}/class in-domain`,
              acc(
                tfidfPredict(
                  await trainTfidfLogReg(textDataset('mix', [...mTexts.texts, ...tTexts.texts], [...mTexts.labels, ...tTexts.labels], mTexts.classNames)),
                  tsplit.test.texts,
                ),
                tsplit.test,
              ),
            ],
          ] as [string, number][])
            (r[name] ??= []).push(v);
        }
      }
      if (allTrain) r['probe: all in-domain train'] = [await probeAccuracy(await embedRows(target, 'train', allRows(tsplit.train)), tTest, 0)];
      res[target] = r;
      log(`cross ${target} done`);
    }
    console.log(`\n| trained on (evaluated on the target's test texts) | amazon | tweets |\n| --- | --- | --- |`);
    for (const name of Object.keys(res.amazon)) console.log(`| ${name} | ${fmt(res.amazon[name])} | ${fmt(res.tweets[name])} |`);
    save('cross', res);
  }

  if (parts.includes('finetune')) {
    const sizes = quick ? [4] : (process.env.FT_SIZES ?? '4,16,64').split(',').map(Number);
    const seeds = quick ? [0] : (process.env.FT_SEEDS ?? '0,1,2').split(',').map(Number);
    const ftEncoder = await loadTextEncoder('all-minilm-l6-v2', { maxLength: 32, trainTokenEmbeddings: false });
    const { train, test } = splitOf('movies');
    const validation = textKShot(train, 16, 99);
    const res: Record<string, { acc: number[]; seconds: number[] }> = {};
    for (const k of sizes) {
      res[k] = { acc: [], seconds: [] };
      for (const seed of seeds) {
        const tr = textKShot(train, k, seed);
        const epochs = Math.min(16, Math.max(4, Math.round(192 / tr.count)));
        const t1 = Date.now();
        const out = await runTextStrategy('fine-tune', {
          encoder: ftEncoder,
          cutAt: 'pool',
          train: tr,
          validation,
          test,
          seed,
          epochs,
          batchSize: 16,
          learningRate: TEXT_LEARNING_RATES['fine-tune'],
          head: { hidden: 0, dropout: 0.1 },
          curvePoints: 1,
        });
        res[k].acc.push(acc(out.probs, test));
        res[k].seconds.push((Date.now() - t1) / 1000);
        log(`fine-tune ${k}/class seed ${seed}: ${res[k].acc.slice(-1)[0].toFixed(3)} (${epochs} epochs, ${res[k].seconds.slice(-1)[0].toFixed(0)} s)`);
        save('finetune', res);
      }
    }
    console.log(`\n| fine-tune, movies | ${sizes.map((k) => `${k}/class`).join(' | ')} |\n| --- |${sizes.map(() => ' --- |').join('')}`);
    console.log(`| accuracy | ${sizes.map((k) => fmt(res[k].acc)).join(' | ')} |`);
    disposeModels(ftEncoder.model);
  }
  disposeModels(encoder.model);
  log(`done; tensors left: ${tf.memory().numTensors}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
