/**
 * The fortune-cookie topics as a text classification task: Debian's `fortunes` package
 * (/usr/share/games/fortunes) keeps human-curated topic files (computers, food, love,
 * politics, science, sports, ...), one fortune per entry, entries separated by a line
 * holding `%`. Each topic file is a class. See datasets/README.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TextDataset, textDataset } from './dataset';

/**
 * The environment variable that points to a fortunes folder.
 *
 * @example
 * process.env[FORTUNES_ENV] = '/opt/homebrew/share/games/fortunes';
 */
export const FORTUNES_ENV = 'TRANSFER_LAB_FORTUNES';

/**
 * The topics of the fortunes task by default: six human-curated topic files with 148 to
 * 1,050 fortunes each.
 *
 * @example
 * FORTUNE_TOPICS.length; // 6
 */
export const FORTUNE_TOPICS = ['computers', 'food', 'love', 'politics', 'science', 'sports'];

/**
 * Where fortunes are looked for (the environment variable first).
 *
 * @example
 * fortunesSearchPath()[0]; // '/usr/share/games/fortunes' unless TRANSFER_LAB_FORTUNES is set
 */
export function fortunesSearchPath(): string[] {
  const env = process.env[FORTUNES_ENV];
  return [...(env ? [env] : []), '/usr/share/games/fortunes', '/usr/share/fortune', '/usr/local/share/games/fortunes', '/opt/homebrew/share/games/fortunes'];
}

/**
 * The folder of the fortune files, or null when none is installed.
 *
 * @example
 * locateFortunes(); // '/usr/share/games/fortunes'
 */
export function locateFortunes(): string | null {
  return fortunesSearchPath().find((d) => fs.existsSync(path.join(d, 'computers'))) ?? null;
}

/**
 * Replay a line written for a printing terminal: a backspace moves back one column, and a
 * character printed over another overstrikes it (`_` under a letter underlines it: the
 * letter is kept). `*_____\b\b\b\b\bfriends*` becomes `*friends*`.
 */
function unstrike(line: string): string {
  if (!line.includes('\b')) return line;
  const cells: string[] = [];
  let col = 0;
  for (const ch of line) {
    if (ch === '\b') {
      col = Math.max(0, col - 1);
      continue;
    }
    const old = cells[col];
    cells[col] = old === undefined || old === '_' ? ch : ch === '_' ? old : ch;
    col++;
  }
  return cells.join('');
}

/**
 * Split a fortune file into entries: `%` lines separate them; backspace overstriking
 * (`_\bX`, old terminals' underline) is replayed and surrounding blank lines trimmed.
 *
 * @example
 * parseFortunes('one\n%\ntwo\n%\n'); // ['one', 'two']
 */
export function parseFortunes(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  const flush = () => {
    const e = cur.map(unstrike).join('\n').trim();
    if (e) out.push(e);
    cur = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '%') flush();
    else cur.push(line);
  }
  flush();
  return out;
}

/** Options for {@link loadFortunes}. */
export interface FortunesOptions {
  /** Topic files to use as classes, in this order. Default {@link FORTUNE_TOPICS}. */
  topics?: string[];
  /** Folder of the fortune files. Default: the first of {@link fortunesSearchPath} that exists. */
  dir?: string;
}

/**
 * Load fortunes labelled by topic file. Entries that appear in more than one chosen topic
 * are dropped (their label would be ambiguous); repeats within a topic are kept once.
 *
 * @throws Error saying how to install the package, or which topic file is missing
 * @example
 * const ds = loadFortunes();               // 6 topics
 * const two = loadFortunes({ topics: ['love', 'computers'] });
 */
export function loadFortunes(opts: FortunesOptions = {}): TextDataset {
  const dir = opts.dir ?? locateFortunes();
  if (!dir || !fs.existsSync(dir)) {
    throw new Error(
      `the fortunes are not installed (looked in ${opts.dir ?? fortunesSearchPath().join(', ')}). Fix: apt-get install fortunes (npm run setup does this as root), or set ${FORTUNES_ENV} to a folder of fortune files.`,
    );
  }
  const topics = opts.topics ?? FORTUNE_TOPICS;
  if (topics.length < 2) throw new Error(`loadFortunes needs at least 2 topics, got ${topics.length}.`);
  if (new Set(topics).size !== topics.length) throw new Error(`loadFortunes: topics ${topics.join(', ')} repeat a topic. Fix: list each once.`);
  const byTopic = topics.map((t) => {
    const file = path.join(dir, t);
    if (!/^[\w-]+$/.test(t) || !fs.existsSync(file)) {
      const have = fs
        .readdirSync(dir)
        .filter((f) => !/\.(dat|u8)$/.test(f))
        .sort();
      throw new Error(`there is no fortune topic '${t}' in ${dir}. Known topics: ${have.join(', ')}.`);
    }
    return [...new Set(parseFortunes(fs.readFileSync(file, 'utf8')))];
  });
  const seen = new Map<string, number>();
  byTopic.forEach((entries) => entries.forEach((e) => seen.set(e, (seen.get(e) ?? 0) + 1)));
  const texts: string[] = [];
  const labels: number[] = [];
  byTopic.forEach((entries, c) =>
    entries.forEach((e) => {
      if (seen.get(e) === 1) {
        texts.push(e);
        labels.push(c);
      }
    }),
  );
  return textDataset('fortunes', texts, labels, topics, dir);
}
