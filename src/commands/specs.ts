/**
 * Every command's arguments, options and help, in one light module: the CLI prints help
 * from here without loading TensorFlow, and each command parses with its own entry.
 * The experiment list comes from the experiment registries when they load.
 */
import { CommandSpec, OptionSpec } from './command';

/** The options of a sweep that `run` and `main` share: worker processes and sharding. */
const SWEEP_OPTIONS: Record<string, OptionSpec> = {
  workers: {
    type: 'string',
    value: 'N',
    help: 'run on N worker processes (TensorFlow threads: cores / N each; rows can differ from one process in the last digits)',
  },
  shard: {
    type: 'string',
    value: 'i/n|auto',
    help: 'run shard i (from 0) of n of the plan into --out (auto: SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX); join with transfer-lab merge',
  },
  out: { type: 'string', value: 'DIR', help: 'the shared results folder of a sharded sweep (with --shard)' },
};

/**
 * The experiment names the registries know (image experiments, then text ones), or the
 * reason they could not be listed (loading them loads the native backend).
 *
 * @example
 * experimentNames().names; // ['fashion-to-digits', 'fashion-a-to-b', 'minilm-to-fortunes']
 */
export function experimentNames(): { names: string[]; error?: string } {
  try {
    const image = require('../experiment/experiments') as { EXPERIMENTS: Record<string, unknown> };

    const text = require('../text/experiment') as { TEXT_EXPERIMENTS: Record<string, unknown> };
    return { names: [...new Set([...Object.keys(image.EXPERIMENTS), ...Object.keys(text.TEXT_EXPERIMENTS)])] };
  } catch (e) {
    return { names: [], error: (e as Error).message.split('\n')[0] };
  }
}

function experimentNotes(): string[] {
  const { names, error } = experimentNames();
  return error
    ? [`experiments: (could not list them: ${error})`]
    : ['experiments:', ...names.map((n) => `  ${n}`), 'or a config .json file (an experiment\'s fields; see README "Experiments").'];
}

/** `transfer-lab doctor`. */
export const DOCTOR: CommandSpec = {
  name: 'doctor',
  summary: 'Check the installation: backend, versions, Python/Jupyter/tslab, data sets.',
  description: 'Exits 1 when a check fails, with the fix.',
  options: { json: { type: 'boolean', help: 'print the report as JSON' } },
};

/** `transfer-lab datasets`. */
export const DATASETS: CommandSpec = {
  name: 'datasets',
  summary: 'The data sets available, from where, with counts per split and class.',
  options: {
    json: { type: 'boolean', help: 'print as JSON' },
    check: { type: 'string', value: 'NAME', help: 'exit 0 if NAME is available, 1 if not (fashion-mnist, mnist, mnist-idx)' },
    fetch: { type: 'string', value: 'NAME', help: 'download NAME (fashion-mnist) into the user cache, SHA-256 checked' },
  },
  notes: () => ['downloads go to ~/.cache/transfer-lab (or $TRANSFER_LAB_CACHE).'],
};

/** `transfer-lab bench`. */
export const BENCH: CommandSpec = {
  name: 'bench',
  summary: 'Training/inference throughput against Keras 3 and PyTorch.',
  description:
    'The reference CNN on tfjs-node vs Keras 3 on the same TensorFlow (and PyTorch when installed), median of N runs; writes bench/results/latest.json.',
  options: {
    json: { type: 'boolean', help: 'print only the result JSON' },
    quick: { type: 'boolean', help: 'small sizes, one run (smoke test)' },
    jobs: { type: 'boolean', help: 'also time the main job from scratch (main --fresh)' },
    runs: { type: 'string', value: 'N', help: 'measure N times and report medians (default 3; 1 with --quick)' },
    only: {
      type: 'string',
      value: 'CASE',
      help: "only this case, once, nothing written: 'lite0' (EfficientNet-Lite0 vs the peers) or 'text' (all-MiniLM-L6-v2 vs PyTorch)",
    },
    out: { type: 'string', value: 'DIR', help: 'write the results into DIR instead of bench/results' },
  },
};

/** `transfer-lab pretrain`. */
export const PRETRAIN: CommandSpec = {
  name: 'pretrain',
  summary: 'Reproduce a bundled backbone (models/<name>) from its recipe.',
  description: 'Resumes from its last epoch checkpoint unless --fresh.',
  args: '<name...|all>',
  maxPositionals: Infinity,
  options: {
    epochs: { type: 'string', value: 'N', help: "train N epochs instead of the recipe's" },
    fresh: { type: 'boolean', help: 'start over instead of resuming' },
    quick: { type: 'boolean', help: 'the smoke-test recipe (a few hundred images), into <name>-quick' },
    'models-dir': { type: 'string', value: 'DIR', help: 'write into DIR instead of models/' },
  },
};

/** `transfer-lab run`. */
export const RUN: CommandSpec = {
  name: 'run',
  summary: 'Run an experiment (strategies x labels per class x seeds) and write its report.',
  description:
    'Reports: reports/<name>/index.html and reports/latest/summary.json under the current directory. Finished runs are kept in runs.jsonl and not redone.',
  args: '<name|config.json>',
  maxPositionals: Infinity, // the command says which one it wanted when given two
  options: {
    json: { type: 'boolean', help: 'print only the summary JSON on stdout' },
    quick: { type: 'boolean', help: 'the smoke-test version (fewer sizes, seeds and epochs)' },
    fresh: { type: 'boolean', help: 'redo every run instead of resuming' },
    backbone: { type: 'string', value: 'NAME|DIR', help: "use this backbone (zoo name or folder) instead of the experiment's" },
    'reports-dir': { type: 'string', value: 'DIR', help: 'write reports into DIR (default ./reports, or $TRANSFER_LAB_REPORTS)' },
    ...SWEEP_OPTIONS,
  },
  notes: experimentNotes,
};

/** `transfer-lab main`. */
export const MAIN: CommandSpec = {
  name: 'main',
  summary: 'The main job of `npm start`: the headline experiment with its report.',
  description: 'Runs fashion-to-digits (does the Fashion-MNIST backbone beat training from scratch on few digits?) on its defaults.',
  options: {
    json: { type: 'boolean', help: 'print only the summary JSON on stdout' },
    quick: { type: 'boolean', help: 'the smoke-test version' },
    fresh: { type: 'boolean', help: 'redo every run instead of resuming' },
    backbone: { type: 'string', value: 'NAME|DIR', help: 'use this backbone instead of fashion-cnn' },
    ...SWEEP_OPTIONS,
  },
};

/** `transfer-lab merge`. */
export const MERGE: CommandSpec = {
  name: 'merge',
  summary: 'The table and report of a sharded sweep, from every shard in its shared folder.',
  description: 'Lists the runs no shard finished and exits 1 (with the commands that redo them), unless --partial.',
  args: '<folder>',
  maxPositionals: Infinity, // the command says which one it wanted when given two
  options: {
    json: { type: 'boolean', help: 'print the merged summary as JSON' },
    partial: { type: 'boolean', help: 'write the table and report of what there is, even with runs missing' },
  },
};

/** `transfer-lab backend`. */
export const BACKEND: CommandSpec = {
  name: 'backend',
  summary: 'Install native TensorFlow for tfjs-node (for a project that installed transfer-lab from npm).',
  description:
    "No install script needed: tfjs-node's own download of libtensorflow where Google's storage host answers, else a build of its addon against the PyPI tensorflow-cpu wheel.",
  options: {
    source: { type: 'string', value: 'auto|download|wheel', help: 'where libtensorflow comes from (default auto, or $TRANSFER_LAB_TF_SOURCE)' },
    python: { type: 'string', value: 'PY', help: 'the Python 3.11-3.13 used to make the venv for the wheel (default python3)' },
    check: { type: 'boolean', help: 'only report whether the native backend loads (exit 0) or not (exit 1)' },
  },
  notes: () => [
    'the wheel path installs tensorflow-cpu into $TRANSFER_LAB_VENV, else <package>/.venv when it exists,',
    'else ~/.cache/transfer-lab/venv; it needs make and g++ and keeps the addon linked to that venv.',
  ],
};

/** The commands, in the order the usage lists them. */
/** `transfer-lab export`. */
export const EXPORT: CommandSpec = {
  name: 'export',
  summary: 'A saved net as a web page: a plain-tfjs model, a local tf.min.js, pick or draw an image.',
  description:
    "Writes <out-dir> with model/, net.json, tf.min.js, index.html and app.js; checks that plain @tensorflow/tfjs gives the library's probabilities first.",
  args: '<net-dir>',
  maxPositionals: 1,
  options: {
    web: { type: 'string', value: 'DIR', help: 'the folder to write the page into (required)' },
    title: { type: 'string', value: 'TEXT', help: "the page title (default: the net's origin)" },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
};

export const SPECS: CommandSpec[] = [MAIN, RUN, MERGE, DOCTOR, DATASETS, BENCH, PRETRAIN, BACKEND, EXPORT];
