/**
 * Files written whole or not at all: a temporary file in the same folder, then a rename.
 * A reader (or a sweep started again after a crash) never sees half a file.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A temporary name beside `file` (same folder, so the rename is atomic). */
export function tempNameFor(file: string): string {
  return `${path.resolve(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Write a file atomically: a temporary file in the same folder, then a rename.
 *
 * @returns the absolute path written
 * @throws Error naming the file and the fix when the folder is not writable
 * @example
 * writeAtomic('reports/x/results.json', JSON.stringify(result));
 */
export function writeAtomic(file: string, data: string | Uint8Array): string {
  const abs = path.resolve(file);
  const tmp = tempNameFor(abs);
  try {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, abs);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* its folder cannot exist */
    }
    throw new Error(`could not write ${abs}: ${(e as Error).message}. Fix: check that the folder is writable.`, { cause: e });
  }
  return abs;
}

/**
 * Put a finished folder in place of `target` whole: the old folder (if any) moves aside,
 * `tmp` is renamed to `target`, and the old one is removed, or put back if the rename failed.
 *
 * @example
 * swapInFolder('models/x.tmp-123', 'models/x');
 */
export function swapInFolder(tmp: string, target: string): void {
  let old: string | null = null;
  if (fs.existsSync(target)) {
    old = `${target}.old-${process.pid}-${Date.now()}`;
    fs.renameSync(target, old);
  }
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    if (old) fs.renameSync(old, target);
    throw e;
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
}
