/**
 * Whether compiled graphs may run here: the one check the compiled training step and
 * compiled inference share (native backend, and TRANSFER_LAB_GRAPH not `0`).
 */
import { tf } from '../backend';

/** Environment variable: `0` turns compiled graphs off (eager loop and `model.predict` everywhere). */
export const GRAPH_ENV = 'TRANSFER_LAB_GRAPH';

/**
 * Why compiled graphs cannot run in this process (`null` when they can).
 *
 * @example
 * graphDisabled(); // null on tfjs-node, "the 'cpu' backend" on the pure-JS one
 */
export function graphDisabled(): string | null {
  if (tf.getBackend() !== 'tensorflow') return `the '${tf.getBackend()}' backend`;
  if (process.env[GRAPH_ENV] === '0') return `${GRAPH_ENV}=0`;
  return null;
}
