/**
 * The compiled step's optimizer update, with tfjs's formulas and constants (Adam
 * 0.9/0.999/1e-7 with running beta powers, as TensorFlow's fused ResourceApplyAdam with
 * its epsilon rescaled to tfjs's formula; momentum 0.9): one learning-rate feed per layer
 * group, the slots as session variables in tfjs's order (all m, then all v; or the
 * accumulations).
 */
import type * as tfn from '@tensorflow/tfjs-node';
import { GraphBuilder, Ref, ResourceVar } from './builder';
import { F, T } from './registry';
import { SessionWeight } from './forward';

/** Optimizer of the compiled step (tfjs's defaults: Adam 0.9/0.999/1e-7, momentum 0.9). */
export type GraphOptimizer = 'adam' | 'sgd';

/** One group's optimizer in the graph. */
export interface GroupOptimizer {
  /** Placeholder of the group's learning rate. */
  lr: string;
  /** Slot variables in tfjs's order. */
  slots: ResourceVar[];
  /** Adam's running beta powers. */
  betaPowers?: [ResourceVar, ResourceVar];
  /** Assignments of fresh state, made in the graph: zero slots, beta powers at beta1/beta2. */
  fresh: Ref[];
}

/**
 * Emit the update of every trained weight of `numGroups` groups.
 *
 * @returns the update operations (the step runs them) and each group's feeds and slots
 * @example
 * const { updates, groups } = emitOptimizer(g, weights.all, grads, 2, 'adam');
 */
export function emitOptimizer(
  g: GraphBuilder,
  weights: SessionWeight[],
  grads: Map<tfn.Variable, Ref>,
  numGroups: number,
  optimizer: GraphOptimizer,
): { updates: Ref[]; groups: GroupOptimizer[] } {
  const updates: Ref[] = [];
  const groups: GroupOptimizer[] = [];
  const eps = g.scalar(1e-7, 'adam_eps');
  const b1 = g.scalar(0.9),
    b2 = g.scalar(0.999),
    one = g.scalar(1);
  const mom = g.scalar(0.9, 'momentum');
  const assign = (v: Ref, value: Ref, name: string, control: Ref[] = []) => g.op('AssignVariableOp', [v, value], { dtype: F }, name, control);
  for (let gi = 0; gi < numGroups; gi++) {
    const lr = g.placeholder(`lr${gi}`, 'float', []);
    const negLr = g.op('Neg', [lr], T, `neg_lr${gi}`);
    const members = weights.filter((w) => w.role.role === 'trained' && w.role.group === gi);
    const groupUpdates: Ref[] = [];
    const betaPowers: [ResourceVar, ResourceVar] | undefined =
      optimizer === 'adam' ? [g.variable(`g${gi}_acc_beta1`, []), g.variable(`g${gi}_acc_beta2`, [])] : undefined;
    const omAcc = betaPowers?.map((a) => g.op('Sub', [one, a.read], T));
    const adamEps = omAcc && g.op('Mul', [eps, g.op('Sqrt', [omAcc[1]], T)], T, `g${gi}_adam_eps`);
    const names = optimizer === 'adam' ? ['m', 'v'] : ['acc'];
    const slotsByK = names.map((k) => members.map((w) => g.variable(`w${weights.indexOf(w)}_${k}`, w.variable.shape)));
    members.forEach((w, j) => {
      const grad = grads.get(w.variable);
      if (!grad) throw new Error(`compiled step: no gradient for weight '${w.variable.name}'`);
      const i = weights.indexOf(w);
      if (omAcc && betaPowers && adamEps) {
        const m = slotsByK[0][j],
          s = slotsByK[1][j];
        // One fused kernel per weight (TensorFlow's ResourceApplyAdam: a single multi-threaded
        // pass over weight, m and v instead of a dozen element-wise ops, each writing a new
        // buffer: for the 11.7 M-weight token table of MiniLM that was most of the update).
        // Its formula, w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps'), is tfjs's
        // w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) when eps' = eps sqrt(1 - b2^t).
        groupUpdates.push(
          g.op(
            'ResourceApplyAdam',
            [w.handle, m.handle, s.handle, betaPowers[0].read, betaPowers[1].read, lr, b1, b2, adamEps, grad],
            { T: F, use_locking: { b: false }, use_nesterov: { b: false } },
            `w${i}_adam`,
          ),
        );
      } else {
        const a = slotsByK[0][j];
        const accNew = g.op('AddV2', [g.op('Mul', [mom, a.read], T), grad], T, `w${i}_acc_new`);
        const wNew = g.op('AddV2', [g.op('Mul', [negLr, accNew], T), w.read], T, `w${i}_new`);
        groupUpdates.push(assign(a.handle, accNew, `w${i}_assign_acc`), assign(w.handle, wNew, `w${i}_assign`));
      }
    });
    if (betaPowers) {
      // The running beta powers advance after the group's update read them.
      const [a1, a2] = betaPowers;
      groupUpdates.push(
        assign(a1.handle, g.op('Mul', [a1.read, b1], T), `g${gi}_assign_acc_beta1`, groupUpdates.slice()),
        assign(a2.handle, g.op('Mul', [a2.read, b2], T), `g${gi}_assign_acc_beta2`, groupUpdates.slice()),
      );
    }
    updates.push(...groupUpdates);
    const fill = (v: ResourceVar, shape: number[], value: number) =>
      assign(
        v.handle,
        shape.length ? g.op('Fill', [g.ints(shape), g.scalar(value)], { T: F, index_type: { type: 'int32' } }) : g.scalar(value),
        `${v.handle}_fresh`,
      );
    const fresh = slotsByK.flatMap((vs) => vs.map((v, j) => fill(v, members[j].variable.shape, 0)));
    if (betaPowers) fresh.push(fill(betaPowers[0], [], 0.9), fill(betaPowers[1], [], 0.999));
    groups.push({ lr, slots: slotsByK.flat(), betaPowers, fresh });
  }
  return { updates, groups };
}
