/**
 * `inspect`: a net's layers as a table (name, type, output shape, parameters, trainable,
 * group), for notebooks and the terminal.
 */
import { Net, checkNet } from './net';
import { groupOf } from './freeze';

/** One row of {@link inspect}. */
export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  trainable: boolean;
  group: string;
}

/**
 * Describe every layer of a net.
 *
 * @example
 * console.table(inspect(net));
 */
export function inspect(net: Net): LayerRow[] {
  checkNet(net, 'inspect');
  return net.model.layers.map((l) => {
    let shape: unknown;
    try {
      shape = l.outputShape;
    } catch {
      shape = '?';
    }
    return {
      name: l.name,
      type: l.getClassName(),
      outputShape: JSON.stringify(shape).replace(/null/g, 'N'),
      params: l.countParams(),
      trainable: l.trainable,
      group: groupOf(net, l.name)?.name ?? '-',
    };
  });
}

/**
 * The {@link inspect} table as fixed-width text, with totals.
 *
 * @example
 * console.log(formatInspect(net));
 */
export function formatInspect(net: Net): string {
  const rows = inspect(net);
  const head = ['layer', 'type', 'output', 'params', 'trainable', 'group'];
  const cells = rows.map((r) => [r.name, r.type, r.outputShape, String(r.params), r.trainable ? 'yes' : 'no', r.group]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ');
  const total = rows.reduce((n, r) => n + r.params, 0);
  const trainable = net.model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return [line(head), ...cells.map(line), `total params ${total}, trainable ${trainable}`].join('\n');
}
