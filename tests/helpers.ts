/** Shared test helpers. */
import * as assert from 'assert';
import { tf } from '../src/backend';

/**
 * Run `fn` and assert that it leaves no tensors behind (tf.memory().numTensors back
 * to its value before the call). Returns what `fn` returned.
 */
export async function expectNoLeakedTensors<T>(fn: () => T | Promise<T>, what = 'the call'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  assert.strictEqual(after, before, `${what} leaked ${after - before} tensor(s) (numTensors ${before} -> ${after})`);
  return out;
}

/** Assert that `fn` throws (or rejects) with a message matching every pattern. */
export async function expectError(fn: () => unknown, ...patterns: RegExp[]): Promise<Error> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `expected an Error, got ${err === undefined ? 'no error' : String(err)}`);
  for (const p of patterns) assert.match((err as Error).message, p);
  return err as Error;
}

/** A fresh temporary folder, removed by the caller's after() hook if wanted. */
export function tmpDir(prefix = 'transfer-lab-test-'): string {
  const fs = require('fs') as typeof import('fs');

  const os = require('os') as typeof import('os');

  const path = require('path') as typeof import('path');
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
