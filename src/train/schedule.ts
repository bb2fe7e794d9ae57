/**
 * Learning-rate schedules: functions from (step, totalSteps) to a multiplier of the
 * base learning rate. Steps count optimizer updates from 0.
 */

/** A learning-rate schedule: the multiplier of the base rate at `step` of `total`. */
export type Schedule = (step: number, total: number) => number;

/** Names accepted where a schedule is expected. */
export type ScheduleName = 'constant' | 'cosine' | 'one-cycle' | 'slanted-triangular';

/**
 * Constant rate.
 * @example constant()(10, 100); // 1
 */
export function constant(): Schedule {
  return () => 1;
}

/**
 * Cosine decay from 1 to `floor` over the run.
 * @param floor final multiplier. Default 0.
 * @example cosine()(50, 100); // 0.5
 */
export function cosine(floor = 0): Schedule {
  if (!(floor >= 0 && floor <= 1))
    throw new Error(`cosine: floor ${floor} is not a multiplier in [0, 1]. Fix: pass e.g. cosine(0.1), or cosine() to decay to 0.`);
  return (step, total) => floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, step / Math.max(1, total - 1))));
}

/**
 * One-cycle (Smith 2018, fastai's default): cosine warm-up from 1/divFactor to 1 over
 * `pctStart` of the run, then cosine annealing to 1/(divFactor*finalDiv).
 * @param pctStart fraction of steps spent warming up. Default 0.25.
 * @param divFactor start = 1/divFactor. Default 25.
 * @param finalDiv end = 1/(divFactor*finalDiv). Default 1e4.
 * @example oneCycle()(25, 100); // 1 (the peak)
 */
export function oneCycle(pctStart = 0.25, divFactor = 25, finalDiv = 1e4): Schedule {
  if (!(pctStart > 0 && pctStart < 1) || !(divFactor >= 1 && Number.isFinite(divFactor)) || !(finalDiv >= 1 && Number.isFinite(finalDiv))) {
    throw new Error(
      `oneCycle(${pctStart}, ${divFactor}, ${finalDiv}): needs 0 < pctStart < 1, divFactor >= 1 and finalDiv >= 1. Fix: use the defaults, oneCycle(0.25, 25, 1e4).`,
    );
  }
  return (step, total) => {
    const peak = Math.max(1, Math.round(pctStart * total));
    const cosAnneal = (a: number, b: number, t: number) => b + ((a - b) * (1 + Math.cos(Math.PI * t))) / 2;
    if (step < peak) return cosAnneal(1 / divFactor, 1, step / peak);
    return cosAnneal(1, 1 / (divFactor * finalDiv), (step - peak) / Math.max(1, total - peak));
  };
}

/**
 * Slanted triangular (Howard & Ruder 2018, ULMFiT eq. 3): a short linear increase for
 * `cutFrac` of the steps, then a long linear decay; `ratio` is how much smaller the
 * lowest rate is than the peak.
 * @param cutFrac fraction of steps increasing. Default 0.1.
 * @param ratio peak / lowest rate. Default 32.
 * @example slantedTriangular()(10, 100); // 1 (the peak, at step cut = 10)
 */
export function slantedTriangular(cutFrac = 0.1, ratio = 32): Schedule {
  if (!(cutFrac > 0 && cutFrac < 1) || !(ratio >= 1 && Number.isFinite(ratio))) {
    throw new Error(`slantedTriangular(${cutFrac}, ${ratio}): needs 0 < cutFrac < 1 and ratio >= 1. Fix: use the ULMFiT defaults, slantedTriangular(0.1, 32).`);
  }
  return (step, total) => {
    const cut = Math.max(1, Math.floor(total * cutFrac));
    // ULMFiT writes the decay as (t - cut) / (cut * (1/cut_frac - 1)), which is total - cut
    // only when total * cutFrac is whole; use total - cut itself so p ends at 0, never below.
    const p = step < cut ? step / cut : 1 - (step - cut) / Math.max(1, total - cut);
    return (1 + Math.min(1, Math.max(0, p)) * (ratio - 1)) / ratio;
  };
}

/**
 * A schedule from its name, or the schedule itself.
 * @example resolveSchedule('cosine');
 */
export function resolveSchedule(s: Schedule | ScheduleName | undefined): Schedule {
  if (s === undefined) return constant();
  if (typeof s === 'function') return s;
  switch (s) {
    case 'constant':
      return constant();
    case 'cosine':
      return cosine();
    case 'one-cycle':
      return oneCycle();
    case 'slanted-triangular':
      return slantedTriangular();
    default:
      throw new Error(
        `unknown learning-rate schedule '${String(s)}'. Use one of: constant, cosine, one-cycle, slanted-triangular, or a function (step, total) => multiplier.`,
      );
  }
}
