/**
 * The one layout of a training run's optimizer state ({@link TrainState}), and the two
 * conversions every step engine shares: per-group slot values in and out of the flat
 * `TrainState`, and the dropout call counters (SeededDropout, SelfAttention). The eager and the compiled engines both
 * capture and restore through these, so a checkpoint from one resumes in the other.
 */
import type * as tfn from '@tensorflow/tfjs-node';
import type { TrainState } from './history';

/** The optimizer of a run: Adam (tfjs defaults) or SGD with momentum 0.9. */
export type OptimizerKind = 'adam' | 'sgd';

/** A layer group's trainable variables and its multiplier of the base learning rate. */
export interface ParamGroup {
  name: string;
  multiplier: number;
  vars: tfn.Variable[];
}

/** One group's optimizer state: step count, Adam's beta powers, slot values (tfjs's order: all m, then all v; or the accumulations). */
export interface GroupSlots {
  iterations: number;
  accBeta?: [number, number];
  slots: { shape: number[]; values: Float32Array }[];
}

/** A layer that draws its dropout masks from a call counter that training advances (SeededDropout, the text encoder's SelfAttention). */
export type CallCounted = tfn.layers.Layer & { calls: number };

/** Whether a layer draws its dropout masks from a call counter (see {@link CallCounted}). */
export function hasCallCounter(l: tfn.layers.Layer): l is CallCounted {
  return 'calls' in l && typeof (l as { calls?: unknown }).calls === 'number';
}

/**
 * The layers of a model whose call counters pick the dropout masks: SeededDropout and the
 * text encoder's SelfAttention (attention dropout). A resumed run must put back every one,
 * or its masks differ from an uninterrupted run's.
 */
export function seededDropouts(model: tfn.LayersModel): CallCounted[] {
  return model.layers.filter(hasCallCounter);
}

/** Pack per-group slots and the model's dropout counters into a TrainState. */
export function packTrainState(model: tfn.LayersModel, kind: OptimizerKind, groups: ParamGroup[], slots: GroupSlots[]): TrainState {
  const out: TrainState = {
    optimizer: kind,
    groups: [],
    dropoutCalls: {},
    values: new Float32Array(slots.reduce((n, g) => n + g.slots.reduce((m, s) => m + s.values.length, 0), 0)),
  };
  let off = 0;
  slots.forEach((g, i) => {
    const entry: TrainState['groups'][number] = { name: groups[i].name, iterations: g.iterations, shapes: [] };
    if (g.accBeta) entry.accBeta = g.accBeta;
    for (const s of g.slots) {
      entry.shapes.push(s.shape.slice());
      out.values.set(s.values, off);
      off += s.values.length;
    }
    out.groups.push(entry);
  });
  for (const l of seededDropouts(model)) out.dropoutCalls[l.name] = l.calls;
  return out;
}

/**
 * Check a TrainState against this run (optimizer, groups, slot shapes) and split it into
 * per-group slots; also puts back the dropout counters it recorded.
 *
 * @throws when the state was saved by a different net, grouping or optimizer
 */
export function unpackTrainState(model: tfn.LayersModel, kind: OptimizerKind, groups: ParamGroup[], st: TrainState): GroupSlots[] {
  const bad = (what: string): never => {
    throw new Error(
      `trainState does not fit this run: ${what}. Fix: resume with the same net, layer groups, trainable layers and optimizer as the run that saved it, or start without trainState.`,
    );
  };
  if (st.optimizer !== kind) bad(`it is for '${st.optimizer}', this run uses '${kind}'`);
  if (st.groups.length !== groups.length || st.groups.some((g, i) => g.name !== groups[i].name))
    bad(`groups ${st.groups.map((g) => g.name).join(', ')} vs ${groups.map((g) => g.name).join(', ')}`);
  let off = 0;
  const out = st.groups.map((sg, i): GroupSlots => {
    const g = groups[i];
    const slots: GroupSlots['slots'] = [];
    if (sg.shapes.length === 0) return { iterations: sg.iterations, accBeta: sg.accBeta, slots }; // saved before its first step
    const need = sg.shapes.reduce((n, sh) => n + sh.reduce((a, b) => a * b, 1), 0);
    if (off + need > st.values.length) bad(`it holds ${st.values.length} values, fewer than its slots need`);
    const per = sg.shapes.length / g.vars.length;
    if (per !== Math.round(per) || sg.shapes.some((s, j) => s.join() !== g.vars[j % g.vars.length].shape.join()))
      bad(`the slots of group '${g.name}' do not match its trainable weights`);
    for (const shape of sg.shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      slots.push({ shape, values: st.values.subarray(off, off + n) });
      off += n;
    }
    return { iterations: sg.iterations, accBeta: sg.accBeta, slots };
  });
  if (off !== st.values.length) bad(`it holds ${st.values.length} values, the slots need ${off}`);
  for (const l of seededDropouts(model)) if (l.name in st.dropoutCalls) l.calls = st.dropoutCalls[l.name];
  return out;
}
