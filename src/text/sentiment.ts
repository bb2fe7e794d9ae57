/**
 * Real human-labelled sentiment: the four ground-truth sets of Hutto & Gilbert (VADER,
 * ICWSM 2014), shipped in the source distribution of PyPI `vaderSentiment` 3.3.2 as
 * `additional_resources/hutto_ICWSM_2014.tar.gz`. `scripts/sentiment-data` (run by set-up)
 * fetches that sdist with pip, checks its SHA-256 and puts the archive in the data cache.
 *
 * Each line is `id<TAB>mean rating<TAB>text`; the rating is the mean of 20 trained raters
 * on a -4..+4 scale. Binarisation: rating > margin is `positive`, rating < -margin is
 * `negative`, anything in [-margin, margin] is excluded (margin 0 excludes exactly-neutral
 * means only). Splits and k-shot samples are the text ones (`textStratifiedSplit`,
 * `textKShot`): seeded, stratified.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from '../data/fashion';
import { readTar } from '../data/tar';
import { TextDataset, textDataset, textClassCounts } from './dataset';

/**
 * The environment variable naming a folder that holds `hutto_ICWSM_2014.tar.gz`.
 *
 * @example
 * process.env[SENTIMENT_ENV] = '/data/vader'; // searched before the data cache
 */
export const SENTIMENT_ENV = 'TRANSFER_LAB_SENTIMENT';

/** The archive's name inside the sdist and in the data cache. */
export const SENTIMENT_ARCHIVE = 'hutto_ICWSM_2014.tar.gz';

/** Class names of the binarised sets, indexed by label. */
export const SENTIMENT_CLASSES = ['negative', 'positive'];

/** One ground-truth set: its file in the archive, its checksum and line count, and VADER's numbers in the paper (Table 4). */
export interface SentimentSetInfo {
  file: string;
  sha256: string;
  lines: number;
  description: string;
  /** Hutto & Gilbert 2014, Table 4, VADER row: Pearson r with the mean rating, and 3-class F1 (thresholds +-0.05). */
  paper: { r: number; f1: number };
}

/**
 * The four sets, by short name.
 *
 * @example
 * SENTIMENT_SETS.movies.lines; // 10605
 */
export const SENTIMENT_SETS: Record<'movies' | 'amazon' | 'nyt' | 'tweets', SentimentSetInfo> = {
  movies: {
    file: 'movieReviewSnippets_GroundTruth.txt',
    sha256: 'c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350',
    lines: 10605,
    description: 'sentences of rottentomatoes.com movie reviews (Pang & Lee 2004)',
    paper: { r: 0.451, f1: 0.61 },
  },
  amazon: {
    file: 'amazonReviewSnippets_GroundTruth.txt',
    sha256: '11a9807a0974a2506a2d3b4851eaf69b3d6d20688ce4923adda2312a4f6dd6c2',
    lines: 3708,
    description: 'sentences of Amazon product reviews (Hu & Liu 2004)',
    paper: { r: 0.565, f1: 0.63 },
  },
  nyt: {
    file: 'nytEditorialSnippets_GroundTruth.txt',
    sha256: '7d8fbcce7dde5d716da53e78f4ef4be6b706e9ef1e1d51887e6d0ad4b69cc27e',
    lines: 5190,
    description: 'sentences of New York Times opinion editorials',
    paper: { r: 0.492, f1: 0.55 },
  },
  tweets: {
    file: 'tweets_GroundTruth.txt',
    sha256: 'dfbe7102e2f92579ed8b19df9a3822491880697c67adf712fb66e520cc05102f',
    lines: 4200,
    description: 'tweet-like texts (4,000 from the public timeline, 200 contrived)',
    paper: { r: 0.881, f1: 0.96 },
  },
};

/** A name of {@link SENTIMENT_SETS}. */
export type SentimentSetName = keyof typeof SENTIMENT_SETS;

/** The set names, in order. */
export const SENTIMENT_SET_NAMES = Object.keys(SENTIMENT_SETS) as SentimentSetName[];

/** A binarised sentiment set: a TextDataset plus each kept text's mean rating and id. */
export interface SentimentDataset extends TextDataset {
  /** Mean human rating (-4..+4) of each kept text. */
  ratings: Float32Array;
  /** The line ids of the kept texts. */
  ids: string[];
  /** Texts excluded as neutral (|rating| <= margin). */
  excluded: number;
  margin: number;
}

/** One parsed line of a ground-truth file. */
export interface RatedText {
  id: string;
  rating: number;
  text: string;
}

/**
 * Where the archive is looked for (the environment variable first, then the data cache).
 *
 * @example
 * sentimentSearchPath(); // ['~/.cache/transfer-lab/sentiment']
 */
export function sentimentSearchPath(): string[] {
  const env = process.env[SENTIMENT_ENV];
  return [...(env ? [env] : []), path.join(cacheDir(), 'sentiment')];
}

/**
 * The archive's path, or null when it is in none of {@link sentimentSearchPath}.
 *
 * @example
 * locateSentiment(); // '~/.cache/transfer-lab/sentiment/hutto_ICWSM_2014.tar.gz'
 */
export function locateSentiment(): string | null {
  for (const d of sentimentSearchPath()) {
    const f = path.join(d, SENTIMENT_ARCHIVE);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

const FIX = 'Fix: run scripts/sentiment-data (set-up runs it; it fetches vadersentiment==3.3.2 with pip and checks it)';

/**
 * Parse a ground-truth file: one `id<TAB>rating<TAB>text` per line (CRLF or LF).
 *
 * @param name used in error messages
 * @throws Error naming the first malformed line
 * @example
 * parseGroundTruth('1\t2.5\tGreat film.\r\n2\t-1\tDull.'); // [{ id: '1', rating: 2.5, text: 'Great film.' }, ...]
 */
export function parseGroundTruth(content: string, name = 'ground truth'): RatedText[] {
  if (typeof content !== 'string') throw new Error(`parseGroundTruth: expected the file's text, got ${typeof content}.`);
  const out: RatedText[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line === '' && i === lines.length - 1) return;
    const tab1 = line.indexOf('\t');
    const tab2 = tab1 < 0 ? -1 : line.indexOf('\t', tab1 + 1);
    const rating = tab2 < 0 ? NaN : Number(line.slice(tab1 + 1, tab2));
    const text = tab2 < 0 ? '' : line.slice(tab2 + 1).trim();
    if (tab1 <= 0 || !Number.isFinite(rating) || rating < -4 || rating > 4 || !text) {
      throw new Error(`${name}, line ${i + 1}: not 'id<TAB>mean rating (-4..4)<TAB>text' (got '${line.slice(0, 80)}'). ${FIX}.`);
    }
    out.push({ id: line.slice(0, tab1), rating, text });
  });
  return out;
}

/**
 * Binarise rated texts: rating > margin is positive (1), rating < -margin negative (0),
 * the rest is dropped.
 *
 * @throws Error when margin is not a number in [0, 4)
 * @example
 * binarizeSentiment('toy', [{ id: '1', rating: 2, text: 'good' }, { id: '2', rating: 0.1, text: 'meh' }], 0.5).count; // 1
 */
export function binarizeSentiment(name: string, rows: readonly RatedText[], margin = 0, source = 'memory'): SentimentDataset {
  if (!(typeof margin === 'number' && margin >= 0 && margin < 4))
    throw new Error(`sentiment margin must be a number in [0, 4), got ${margin}. Fix: pass e.g. { margin: 0.5 } (0 drops only exactly-neutral means).`);
  const kept = rows.filter((r) => r.rating > margin || r.rating < -margin);
  const ds = textDataset(
    name,
    kept.map((r) => r.text),
    kept.map((r) => (r.rating > 0 ? 1 : 0)),
    SENTIMENT_CLASSES,
    source,
  );
  return { ...ds, ratings: Float32Array.from(kept.map((r) => r.rating)), ids: kept.map((r) => r.id), excluded: rows.length - kept.length, margin };
}

/** Options for {@link loadSentiment} and {@link readSentimentRatings}. */
export interface SentimentOptions {
  /** Exclude texts whose mean rating is within +-margin of 0. Default 0 (only exactly 0). */
  margin?: number;
  /** The archive (hutto_ICWSM_2014.tar.gz) or a folder holding it. Default: {@link locateSentiment}. */
  archive?: string;
}

const archiveMemory = new Map<string, Map<string, Buffer>>();

function archivePath(archive?: string): string {
  let file = archive ?? locateSentiment();
  if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, SENTIMENT_ARCHIVE);
  if (!file || !fs.existsSync(file)) {
    throw new Error(
      `the sentiment data is not installed (${SENTIMENT_ARCHIVE} not found in ${archive ?? sentimentSearchPath().join(', ')}). ${FIX}, or set ${SENTIMENT_ENV} to a folder holding ${SENTIMENT_ARCHIVE}.`,
    );
  }
  return file;
}

/**
 * Every line of one ground-truth set, neutral ones included (for correlations with the
 * mean rating). The file's SHA-256 is checked against {@link SENTIMENT_SETS}.
 *
 * @throws Error naming the missing archive, a missing or corrupt file, and the fix
 * @example
 * readSentimentRatings('tweets').length; // 4200
 */
export function readSentimentRatings(set: SentimentSetName, opts: Pick<SentimentOptions, 'archive'> = {}): RatedText[] {
  const info = SENTIMENT_SETS[set];
  if (!info) throw new Error(`unknown sentiment set '${String(set)}'. Fix: use one of ${SENTIMENT_SET_NAMES.join(', ')}.`);
  const file = archivePath(opts.archive);
  const stat = fs.statSync(file);
  const key = `${path.resolve(file)}|${stat.size}|${stat.mtimeMs}`;
  let files = archiveMemory.get(key);
  if (!files) {
    try {
      files = readTar(file, (p) => p.endsWith('_GroundTruth.txt'));
    } catch (err) {
      throw new Error(`${(err as Error).message}. ${FIX} (delete the corrupt file first).`);
    }
    archiveMemory.clear();
    archiveMemory.set(key, files);
  }
  const entry = [...files.entries()].find(([p]) => path.basename(p) === info.file);
  if (!entry) throw new Error(`${file} has no ${info.file} (not the Hutto & Gilbert archive?). ${FIX}.`);
  const sha = crypto.createHash('sha256').update(entry[1]).digest('hex');
  if (sha !== info.sha256)
    throw new Error(`${file}: ${info.file} has SHA-256 ${sha}, expected ${info.sha256} (corrupt or altered). ${FIX} (delete the archive first).`);
  const rows = parseGroundTruth(entry[1].toString('utf8'), `${file}:${info.file}`);
  if (rows.length !== info.lines) throw new Error(`${info.file}: ${rows.length} lines, expected ${info.lines}. ${FIX}.`);
  return rows;
}

/**
 * Load one set, binarised (see the module comment), classes `negative`, `positive`.
 *
 * @param set `movies` (10,605 sentences), `amazon`, `nyt` or `tweets`
 * @throws Error naming the missing archive, a corrupt file, or a bad margin, and the fix
 * @example
 * const movies = loadSentiment('movies');
 * const { train, test } = textStratifiedSplit(movies, { validation: 0.1, test: 0.2, seed: 0 });
 */
export function loadSentiment(set: SentimentSetName, opts: SentimentOptions = {}): SentimentDataset {
  const margin = opts.margin ?? 0;
  if (!(typeof margin === 'number' && margin >= 0 && margin < 4))
    throw new Error(`sentiment margin must be a number in [0, 4), got ${margin}. Fix: pass e.g. { margin: 0.5 } (0 drops only exactly-neutral means).`);
  const rows = readSentimentRatings(set, opts);
  return binarizeSentiment(`sentiment-${set}`, rows, margin, `${archivePath(opts.archive)}:${SENTIMENT_SETS[set].file}`);
}

/** What `transfer-lab datasets` shows for a sentiment set (the catalogue's shape, counting texts). */
export interface SentimentSetSummary {
  name: string;
  available: boolean;
  source: string | null;
  searched: string[];
  classNames: string[];
  splits: Record<string, { count: number; perClass: number[] }>;
  /** What is counted. */
  unit: 'texts';
  fix?: string;
}

/**
 * Class balance of every set (margin 0): texts per class, for `transfer-lab datasets`.
 *
 * @example
 * describeSentimentSets()[0].splits.all.perClass; // [negative, positive] counts of movies
 */
export function describeSentimentSets(): SentimentSetSummary[] {
  const archive = locateSentiment();
  return SENTIMENT_SET_NAMES.map((set) => {
    const s: SentimentSetSummary = {
      name: `sentiment-${set}`,
      available: false,
      source: archive,
      searched: sentimentSearchPath(),
      classNames: SENTIMENT_CLASSES.slice(),
      splits: {},
      unit: 'texts',
    };
    if (!archive) {
      s.fix = 'run scripts/sentiment-data (pip download of vadersentiment==3.3.2, SHA-256 checked)';
      return s;
    }
    try {
      const ds = loadSentiment(set);
      s.splits = { all: { count: ds.count, perClass: textClassCounts(ds) } };
      s.available = true;
    } catch (err) {
      s.fix = (err as Error).message;
    }
    return s;
  });
}
