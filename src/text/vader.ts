/**
 * VADER (Hutto & Gilbert 2014), the lexicon-and-rules sentiment analyser, as a baseline
 * that needs no training: the reference Python implementation itself, run from the
 * vaderSentiment 3.3.2 source distribution that `scripts/sentiment-data` unpacks next to
 * the ground-truth archive (pure Python, no dependencies; its `requests` use is only in
 * a demo under `__main__`). One Python process scores a whole list of texts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { sentimentSearchPath } from './sentiment';

/** The folder (holding `vaderSentiment/`) the Python code is imported from, inside the sentiment folder. */
export const VADER_DIR = 'vaderSentiment-3.3.2';

/** Options for {@link vaderScores}. */
export interface VaderOptions {
  /** A folder holding the `vaderSentiment` package. Default: `vaderSentiment-3.3.2` in the first of `sentimentSearchPath()` that has it. */
  dir?: string;
  /** The Python interpreter. Default: the project's .venv Python, else `python3`. */
  python?: string;
}

/** VADER's four scores of one text (`compound` in -1..1; the others are proportions). */
export interface VaderScore {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}

/**
 * Where the VADER package is, or null.
 *
 * @example
 * locateVader(); // '~/.cache/transfer-lab/sentiment/vaderSentiment-3.3.2'
 */
export function locateVader(): string | null {
  for (const d of sentimentSearchPath()) {
    const dir = path.join(d, VADER_DIR);
    if (fs.existsSync(path.join(dir, 'vaderSentiment', 'vaderSentiment.py'))) return dir;
  }
  return null;
}

function defaultPython(): string {
  // The project folder, two levels above src/text or dist/text (not environment.ts: it loads TensorFlow).
  const venv = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

const SCRIPT = [
  'import sys, json',
  'from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer',
  'a = SentimentIntensityAnalyzer()',
  'texts = json.load(sys.stdin)',
  'json.dump([a.polarity_scores(t) for t in texts], sys.stdout)',
].join('\n');

/**
 * VADER's scores of each text, from the reference Python implementation.
 *
 * @throws Error when the package or Python is missing (naming the fix) or Python fails
 * @example
 * vaderScores(['What a great film!', 'Dull and far too long.']).map((s) => s.compound); // [0.6588, -0.4019]
 */
export function vaderScores(texts: readonly string[], opts: VaderOptions = {}): VaderScore[] {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string'))
    throw new Error('vaderScores: expected an array of strings. Fix: pass the texts, e.g. ds.texts.');
  if (texts.length === 0) return [];
  const dir = opts.dir ?? locateVader();
  if (!dir || !fs.existsSync(path.join(dir, 'vaderSentiment', 'vaderSentiment.py'))) {
    throw new Error(
      `VADER is not installed (no vaderSentiment/vaderSentiment.py in ${
        opts.dir ??
        sentimentSearchPath()
          .map((d) => path.join(d, VADER_DIR))
          .join(', ')
      }). Fix: run scripts/sentiment-data (it unpacks the checked vaderSentiment 3.3.2 source distribution).`,
    );
  }
  const python = opts.python ?? defaultPython();
  const res = spawnSync(python, ['-c', SCRIPT], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONPATH: dir, PYTHONIOENCODING: 'utf-8' },
  });
  if (res.error) throw new Error(`vaderScores: cannot run ${python} (${res.error.message}). Fix: install Python 3 or pass { python: '/path/to/python3' }.`);
  if (res.status !== 0)
    throw new Error(
      `vaderScores: ${python} failed (exit ${res.status}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}. Fix: re-run scripts/sentiment-data.`,
    );
  const out = JSON.parse(res.stdout) as VaderScore[];
  if (out.length !== texts.length) throw new Error(`vaderScores: got ${out.length} scores for ${texts.length} texts.`);
  return out;
}

/**
 * VADER's scores as two-class probabilities `[(1 - c) / 2, (1 + c) / 2]` per text (c the
 * compound score), in the layout the metrics read (row-major, negative first), so VADER
 * sits in the same tables as the trained models. argmax is the sign of c; a text with
 * no sentiment words (c = 0) counts as negative, the first class.
 *
 * @example
 * classificationReport(vaderProbs(test.texts), test.labels, test.classNames).accuracy;
 */
export function vaderProbs(texts: readonly string[], opts: VaderOptions = {}): Float32Array {
  const scores = vaderScores(texts, opts);
  const out = new Float32Array(texts.length * 2);
  scores.forEach((s, i) => {
    out[2 * i] = (1 - s.compound) / 2;
    out[2 * i + 1] = (1 + s.compound) / 2;
  });
  return out;
}
