/**
 * The bench result: its JSON shape, the table printed for people, and the files
 * written under `bench/results/` (atomically: temp name, then rename).
 */
import * as fs from 'fs';
import * as path from 'path';
import { PeerResult } from './peers';
import { JobTime } from './jobs';
import { writeAtomic } from '../util/atomic';

/** A peer named with its throughput: the best of the run for one phase. */
export interface BestPeer {
  name: string;
  sps: number;
}

/** Sizes of a bench run (the tfjs side and every peer use the same). */
export interface BenchConfig {
  batch: number;
  /** Batches per timed training repeat. */
  train_steps: number;
  /** Batches per timed inference repeat. */
  infer_steps: number;
  /** Timed repeats per phase; the median is reported. */
  repeats: number;
  /** Training batches run untimed first. */
  warmup_steps: number;
  seed: number;
  model: string;
  optimizer: string;
  loss: string;
  /** Set when the tfjs side ran smaller sizes than the peers (the pure-JS backend). */
  tfjs_reduced?: { batch: number; train_steps: number; infer_steps: number; repeats: number; warmup_steps: number };
}

/**
 * One model case of a bench run (`lite0`, `text`): the library's full fine-tuning and
 * inference against each peer on the same model; `W` names the weights it could load.
 *
 * @example
 * const c: ModelCaseResult<'pretrained' | 'random'> | null | undefined = result.text;
 * if (c) console.log(c.tfjs_train_sps / (c.best_peer_train?.sps ?? NaN));
 */
export interface ModelCaseResult<W extends string> {
  batch: number;
  weights: W;
  params: number;
  engine: 'graph' | 'eager';
  tfjs_train_sps: number;
  tfjs_infer_sps: number;
  tfjs_train_times_s: number[];
  tfjs_infer_times_s: number[];
  best_peer_train: BestPeer | null;
  best_peer_infer: BestPeer | null;
  peers: PeerResult[];
}

/**
 * One bench run, as written to `bench/results/latest.json`. Ratios are tfjs / best peer
 * (> 1 means tfjs is faster); `keras_*` are the best Keras configuration of the run.
 * New bench cases (issue 8: fine-tuning, cached features, notebook wall times) add
 * fields; existing ones keep their meaning. `schema` changes if one ever must.
 */
export interface BenchResult {
  schema: 1;
  date: string;
  quick: boolean;
  /** Active tfjs backend: `tensorflow` (native) or `cpu` (pure-JS fallback, labelled). */
  backend: string;
  /** Empty for native; otherwise a warning label repeated beside every number. */
  backend_label: string;
  tf_version: string | null;
  tfjs_version: string;
  /** TF_ENABLE_ONEDNN_OPTS as seen by the tfjs process (read when TensorFlow loaded). */
  tfjs_onednn: boolean | null;
  /**
   * The library's training throughput on the reference CNN: `train()` (the compiled graph
   * step when supported, see `loop_engine`); `model.fit` on the pure-JS backend or when
   * the cases are skipped.
   */
  tfjs_train_sps: number;
  /** The library's inference throughput (`predictor`: the compiled forward graph when supported). */
  tfjs_infer_sps: number;
  /** Stock tfjs `model.fit` on the same model and data (what a tfjs user gets without the library). */
  tfjs_fit_train_sps: number;
  /** Stock tfjs `model.predict`. */
  tfjs_predict_sps: number;
  keras_train_sps: number | null;
  keras_infer_sps: number | null;
  /** tfjs_train_sps / best_peer_train.sps, or null when no peer ran (with `runs` > 1: the median over runs). */
  train_ratio: number | null;
  /** tfjs_infer_sps / best_peer_infer.sps (with `runs` > 1: the median over runs). */
  infer_ratio: number | null;
  /** tfjs_fit_train_sps / best_peer_train.sps: stock tfjs. */
  fit_train_ratio: number | null;
  /** tfjs_predict_sps / best_peer_infer.sps: stock tfjs. */
  predict_ratio: number | null;
  /** How the library loop ran its steps: 'graph' (compiled) or 'eager'; null when not measured. */
  loop_engine: 'graph' | 'eager' | null;
  best_peer_train: BestPeer | null;
  best_peer_infer: BestPeer | null;
  tfjs: { train_times_s: number[]; infer_times_s: number[]; fit_times_s: number[]; predict_times_s: number[]; params: number; wall_s: number };
  peers: PeerResult[];
  /** The library's training loop (`train`) on the reference CNN, samples/s; null when the cases were skipped. */
  tfjs_loop_train_sps: number | null;
  /** tfjs_loop_train_sps / best_peer_train.sps (= train_ratio when the cases ran). */
  loop_train_ratio: number | null;
  /** Full fine-tuning of the bundled backbone: library loop vs Keras on the same architecture. */
  finetune: { backbone: string; params: number; tfjs_sps: number; tfjs_times_s: number[]; best_peer: BestPeer | null; peers: PeerResult[] } | null;
  /** finetune.tfjs_sps / finetune.best_peer.sps. */
  finetune_train_ratio: number | null;
  /** The same model's head trained on cached features, samples/s per epoch. */
  cached_head_sps: number | null;
  /** One-off feature extraction of the same images, samples/s. */
  feature_extract_sps: number | null;
  /** cached_head_sps / finetune.tfjs_sps: how much faster an epoch is with a frozen, cached body. */
  cache_head_speedup: number | null;
  /**
   * EfficientNet-Lite0 (ImageNet backbone + 10-way head) at `size`x`size`: full fine-tuning
   * (BatchNorm in inference mode, Adam 1e-4) and inference, library vs PyTorch (the reference
   * model) and Keras (the same architecture); null when not run (e.g. --quick).
   */
  lite0?: ({ size: number } & ModelCaseResult<'imagenet' | 'random'>) | null;
  /** lite0.tfjs_train_sps / lite0.best_peer_train.sps. */
  lite0_train_ratio?: number | null;
  /** lite0.tfjs_infer_sps / lite0.best_peer_infer.sps. */
  lite0_infer_ratio?: number | null;
  /**
   * all-MiniLM-L6-v2 + a 6-way head, batch 16, length 64: full fine-tuning (Adam 2e-5,
   * dropout on) and inference, library vs PyTorch (transformers' BertModel, same weights);
   * null when not run (e.g. --quick).
   */
  text?: ({ length: number } & ModelCaseResult<'pretrained' | 'random'>) | null;
  /** text.tfjs_train_sps / text.best_peer_train.sps. */
  text_train_ratio?: number | null;
  /** text.tfjs_infer_sps / text.best_peer_infer.sps. */
  text_infer_ratio?: number | null;
  /** The library's native fast paths active during the run (see src/fast-kernels.ts). */
  fast_kernels: string[];
  /** Recorded wall times of the main job and notebooks, with budgets (see src/bench/jobs.ts). */
  jobs: JobTime[];
  config: BenchConfig;
  machine: { cpus: number; cpu_model: string; node: string; platform: string; loadavg_start: number[]; loadavg_end: number[] };
  git_commit: string | null;
  wall_s: number;
  /**
   * Each run's ratios when the bench ran several times (`--runs N`); the top-level ratios
   * are then their medians and every other field comes from the last run.
   */
  runs?: RunRatios[];
}

/** The ratios of one run of a multi-run bench. */
export interface RunRatios {
  date: string;
  loadavg_start: number[];
  tfjs_train_sps: number;
  tfjs_infer_sps: number;
  best_peer_train: BestPeer | null;
  best_peer_infer: BestPeer | null;
  train_ratio: number | null;
  infer_ratio: number | null;
  fit_train_ratio: number | null;
  predict_ratio: number | null;
  loop_train_ratio: number | null;
  finetune_train_ratio: number | null;
  cache_head_speedup: number | null;
  lite0_train_ratio?: number | null;
  lite0_infer_ratio?: number | null;
  text_train_ratio?: number | null;
  text_infer_ratio?: number | null;
}

/** Where {@link writeResults} put the files. */
export interface WrittenResults {
  latest: string;
  /** The dated copy, or null when not written (quick runs). */
  dated: string | null;
}

/**
 * The dated file name of a result: `<ISO date-time, no colons>-<commit>.json`.
 *
 * @example
 * datedName(result); // '2025-06-01T23-30-05Z-e597b2f.json'
 */
export function datedName(result: Pick<BenchResult, 'date' | 'git_commit'>): string {
  const stamp = result.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}-${result.git_commit ?? 'nogit'}.json`;
}

/**
 * Write `latest.json` (git-ignored) and, unless `dated` is false, a dated copy that
 * may be committed. Both atomically.
 *
 * @param result the run
 * @param dir the results folder (created if missing)
 * @param opts `dated`: write the dated copy too (default true)
 * @example
 * const files = writeResults(result, 'bench/results');
 */
export function writeResults(result: BenchResult, dir: string, opts: { dated?: boolean } = {}): WrittenResults {
  fs.mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(result, null, 2) + '\n';
  const latest = path.join(dir, 'latest.json');
  writeAtomic(latest, text);
  let dated: string | null = null;
  if (opts.dated ?? true) {
    dated = path.join(dir, datedName(result));
    writeAtomic(dated, text);
  }
  return { latest, dated };
}

const fmt = (v: number | null | undefined, digits?: number) => (v === null || v === undefined ? '-' : v.toFixed(digits ?? (Math.abs(v) < 10 ? 2 : 0)));
const onednnLabel = (v: boolean | null) => (v === null ? 'TF default' : v ? 'oneDNN on' : 'oneDNN off');

/**
 * The human-readable table of a run.
 *
 * @example
 * process.stdout.write(formatTable(result) + '\n');
 */
export function formatTable(r: BenchResult): string {
  const c = r.config;
  const warn = r.backend_label ? `  <-- ${r.backend_label.toUpperCase()}: NOT NATIVE TENSORFLOW` : '';
  const rows: [string, string, string][] = [
    [`transfer-lab train()/predictor (${r.loop_engine ?? 'fit'})`, fmt(r.tfjs_train_sps), fmt(r.tfjs_infer_sps)],
    [`tfjs-node model.fit/predict (${onednnLabel(r.tfjs_onednn)})`, fmt(r.tfjs_fit_train_sps), fmt(r.tfjs_predict_sps)],
    ...r.peers.map((p): [string, string, string] =>
      p.available
        ? [`${p.name} (${onednnLabel(p.onednn)})`, fmt(p.train_sps), fmt(p.infer_sps)]
        : [`${p.name}`, p.failed ? 'FAILED' : 'absent', (p.reason ?? '').split('\n')[0].slice(0, 60)],
    ),
  ];
  const w0 = Math.max(34, ...rows.map((x) => x[0].length)) + 2;
  const line = (a: string, b: string, cc: string) => `  ${a.padEnd(w0)}${b.padStart(18)}  ${cc.padStart(18)}`;
  const best = (b: BestPeer | null) => (b ? `${b.name} ${fmt(b.sps)}` : '-');
  const out = [
    `transfer-lab bench${r.quick ? ' --quick' : ''}: reference CNN, batch ${c.batch}, Adam; median of ${c.repeats} repeats` +
      ` (${c.train_steps} train / ${c.infer_steps} predict batches each)`,
    `  backend ${r.backend}${warn}`,
    `  TensorFlow ${r.tf_version ?? '-'}, tfjs ${r.tfjs_version}, node ${r.machine.node}, ${r.machine.cpus} CPUs, ` +
      `load ${r.machine.loadavg_start.map((x) => x.toFixed(1)).join(' ')}`,
    '',
    line('samples/s', 'train', 'predict'),
    ...rows.map(([a, b, cc]) => (b === 'absent' || b === 'FAILED' ? `  ${a.padEnd(w0)}${b.padStart(18)}  ${cc}` : line(a, b, cc))),
    line('best peer', best(r.best_peer_train), best(r.best_peer_infer)),
    line(`ratio library / best peer${r.runs ? ` (median of ${r.runs.length})` : ''}`, fmt(r.train_ratio, 2), fmt(r.infer_ratio, 2)),
    line('ratio stock tfjs / best peer', fmt(r.fit_train_ratio, 2), fmt(r.predict_ratio, 2)),
  ];
  if (r.finetune) {
    out.push('', `  full fine-tuning of ${r.finetune.backbone} (${r.finetune.params} params, BatchNorm in inference mode, Adam 1e-4):`);
    out.push(line('tfjs library loop', fmt(r.finetune.tfjs_sps), ''));
    for (const p of r.finetune.peers)
      out.push(
        p.available
          ? line(p.name, fmt(p.train_sps), '')
          : `  ${p.name.padEnd(w0)}${(p.failed ? 'FAILED' : 'absent').padStart(18)}  ${(p.reason ?? '').split('\n')[0].slice(0, 60)}`,
      );
    out.push(line(`ratio tfjs / best peer${r.runs ? ` (median of ${r.runs.length})` : ''}`, fmt(r.finetune_train_ratio, 2), ''));
    out.push(line('head on cached features', fmt(r.cached_head_sps), ''), line('cache_head_speedup (per epoch)', fmt(r.cache_head_speedup, 1), ''));
  }
  if (r.lite0) {
    const l = r.lite0;
    out.push(
      '',
      `  efficientnet-lite0 ${l.size}x${l.size}, batch ${l.batch} (${l.params} trainable params, ${l.weights} weights; full fine-tuning, BatchNorm in inference mode, Adam 1e-4):`,
    );
    out.push(line(`transfer-lab train()/predictor (${l.engine})`, fmt(l.tfjs_train_sps), fmt(l.tfjs_infer_sps)));
    for (const p of l.peers)
      out.push(
        p.available
          ? line(p.name, fmt(p.train_sps), fmt(p.infer_sps))
          : `  ${p.name.padEnd(w0)}${(p.failed ? 'FAILED' : 'absent').padStart(18)}  ${(p.reason ?? '').split('\n')[0].slice(0, 60)}`,
      );
    out.push(line(`ratio library / best peer${r.runs ? ` (median of ${r.runs.length})` : ''}`, fmt(r.lite0_train_ratio, 2), fmt(r.lite0_infer_ratio, 2)));
  }
  if (r.text) {
    const t = r.text;
    out.push(
      '',
      `  all-minilm-l6-v2 + 6-way head, batch ${t.batch}, length ${t.length} (${t.params} trainable params, ${t.weights} weights; full fine-tuning, Adam 2e-5, dropout on):`,
    );
    out.push(line(`transfer-lab train()/predictor (${t.engine})`, fmt(t.tfjs_train_sps, 1), fmt(t.tfjs_infer_sps, 1)));
    for (const p of t.peers)
      out.push(
        p.available
          ? line(p.name, fmt(p.train_sps, 1), fmt(p.infer_sps, 1))
          : `  ${p.name.padEnd(w0)}${(p.failed ? 'FAILED' : 'absent').padStart(18)}  ${(p.reason ?? '').split('\n')[0].slice(0, 60)}`,
      );
    out.push(line(`text ratio library / best peer${r.runs ? ` (median of ${r.runs.length})` : ''}`, fmt(r.text_train_ratio, 2), fmt(r.text_infer_ratio, 2)));
  }
  if (r.jobs.length) {
    out.push('', '  job wall times (recorded; budget):');
    for (const j of r.jobs) {
      const v =
        j.wall_s === null ? 'not run' : `${j.wall_s.toFixed(0)} s${j.quick ? ' (quick mode)' : j.quick === undefined && j.job !== 'main' ? ' (mode?)' : ''}`;
      const ok = j.within_budget === null ? '' : j.within_budget ? 'ok' : 'OVER';
      out.push(`  ${j.job.padEnd(w0)}${v.padStart(18)}  ${`${ok} (${j.budget_s} s)`.padStart(18)}`);
      if (j.workers)
        out.push(
          `    --workers: ${j.workers.tried.map((t) => `${t.workers}: ${t.wall_s.toFixed(0)} s`).join(', ')}; best ${j.workers.best.workers} (x${j.workers.best.speedup.toFixed(2)} on ${j.workers.cpus} CPUs)`,
        );
    }
  }
  if (r.runs && r.runs.length > 1) {
    out.push('', '  runs (train / infer / fine-tune ratios, load at start):');
    r.runs.forEach((x, i) =>
      out.push(
        `    ${i + 1}. ${fmt(x.train_ratio, 2)} / ${fmt(x.infer_ratio, 2)} / ${fmt(x.finetune_train_ratio, 2)}   (library ${fmt(x.tfjs_train_sps)} / ${fmt(x.tfjs_infer_sps)} samples/s vs ${x.best_peer_train?.name ?? '-'} ${fmt(x.best_peer_train?.sps)} / ${x.best_peer_infer?.name ?? '-'} ${fmt(x.best_peer_infer?.sps)}; load ${x.loadavg_start[0].toFixed(1)})`,
      ),
    );
  }
  if (c.tfjs_reduced) out.push(`  (tfjs ran reduced sizes on the ${r.backend} backend: ${JSON.stringify(c.tfjs_reduced)})`);
  if (r.quick) out.push('  (--quick: short, noisy; use a full run for numbers you keep)');
  if (r.machine.loadavg_start[0] > r.machine.cpus * 0.5) {
    out.push(`  (machine busy: load ${r.machine.loadavg_start[0].toFixed(1)} on ${r.machine.cpus} CPUs; re-measure when idle)`);
  }
  return out.join('\n');
}
