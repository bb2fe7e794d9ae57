/**
 * Shared argument checks and number formatting: one wording for "must be a positive
 * integer" errors, and one rounding rule for the numbers written to tables and reports.
 */

/**
 * Throw unless `value` is an integer >= 1. The message is `[where: ]name must be a
 * positive integer, got value.[ Fix: fix]`.
 *
 * @example
 * checkPositiveInt(batchSize, 'batchSize', { where: 'predictProbs', fix: 'pass e.g. 256, or leave it out.' });
 */
export function checkPositiveInt(value: unknown, name: string, opts: { where?: string; fix?: string } = {}): asserts value is number {
  if (Number.isInteger(value) && (value as number) >= 1) return;
  throw new Error(`${opts.where ? `${opts.where}: ` : ''}${name} must be a positive integer, got ${String(value)}.${opts.fix ? ` Fix: ${opts.fix}` : ''}`);
}

/**
 * `x` rounded to `digits` decimals (half away from zero as Math.round does for positives).
 *
 * @example
 * roundTo(0.123456, 4); // 0.1235
 */
export function roundTo(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
