import * as assert from 'assert';
import { constant, cosine, oneCycle, slantedTriangular, resolveSchedule } from '../src/train/schedule';
import { expectError } from './helpers';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} != ${b}`);

describe('learning-rate schedules', () => {
  it('constant is 1 everywhere', () => {
    for (const s of [0, 5, 99]) assert.strictEqual(constant()(s, 100), 1);
  });

  it('cosine starts at 1, halves mid-way, ends at the floor', () => {
    close(cosine()(0, 101), 1, 'start');
    close(cosine()(50, 101), 0.5, 'middle');
    close(cosine()(100, 101), 0, 'end');
    close(cosine(0.1)(100, 101), 0.1, 'floor');
  });

  it('one-cycle warms up from 1/25 to the peak at 25%, then anneals to 1/(25*1e4)', () => {
    const s = oneCycle();
    close(s(0, 100), 1 / 25, 'start');
    close(s(25, 100), 1, 'peak');
    assert.ok(s(10, 100) > s(0, 100) && s(10, 100) < 1, 'rising');
    close(s(100, 100), 1 / (25 * 1e4), 'end');
  });

  it('slanted triangular follows ULMFiT eq. 3 (cut_frac 0.1, ratio 32)', () => {
    const s = slantedTriangular();
    close(s(0, 100), 1 / 32, 'start');
    close(s(10, 100), 1, 'peak at cut = 10');
    close(s(5, 100), (1 + 0.5 * 31) / 32, 'half-way up');
    close(s(55, 100), (1 + 0.5 * 31) / 32, 'half-way down: p = 1 - 45/90');
    close(s(100, 100), 1 / 32, 'end');
    for (let t = 0; t <= 16; t++) assert.ok(s(t, 16) >= 1 / 32 - 1e-12, `never below the floor when total * cutFrac is not whole (t=${t}: ${s(t, 16)})`);
  });

  it('resolves names and rejects unknown ones', async () => {
    close(resolveSchedule('cosine')(0, 10), 1, 'cosine by name');
    assert.strictEqual(resolveSchedule(undefined)(3, 10), 1);
    await expectError(() => resolveSchedule('linear' as 'cosine'), /unknown learning-rate schedule 'linear'/, /slanted-triangular/);
  });
});
