// Brent's root finder exactly as R's uniroot runs it (R_zeroin2 in src/library/stats/src/zeroin.c,
// after G. Forsythe, M. Malcolm, C. Moler, "Computer methods for mathematical computations").
//
// wilcox.test finds its confidence limits and its Hodges–Lehmann estimate as roots of a *step*
// function of the shift. Where that function is exactly zero on a whole interval, which point comes
// back depends on the iterates, so this follows R's iteration step for step (same swaps, same
// interpolation tests, same tolerance) instead of using any other bracketing method.

/** R's uniroot default tolerance, .Machine$double.eps^0.25. */
export const UNIROOT_TOLERANCE = 2 ** -13;
const UNIROOT_MAX_ITERATIONS = 1000;

/**
 * A root of f in [lower, upper], given f(lower) and f(upper) of opposite signs (or one of them zero).
 * Returns the last approximation if maxIterations is exhausted (R warns and does the same).
 */
export function zeroin(
  f: (x: number) => number,
  lower: number,
  upper: number,
  fLower: number,
  fUpper: number,
  tolerance: number = UNIROOT_TOLERANCE,
  maxIterations: number = UNIROOT_MAX_ITERATIONS,
): number {
  let a = lower;
  let b = upper;
  let fa = fLower;
  let fb = fUpper;
  let c = a;
  let fc = fa;

  if (fa === 0) return a;
  if (fb === 0) return b;

  for (let remaining = maxIterations + 1; remaining > 0; remaining -= 1) {
    const previousStep = b - a;

    if (Math.abs(fc) < Math.abs(fb)) {
      // Make b the best approximation.
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const actualTolerance = 2 * Number.EPSILON * Math.abs(b) + tolerance / 2;
    let newStep = (c - b) / 2;

    if (Math.abs(newStep) <= actualTolerance || fb === 0) return b;

    if (Math.abs(previousStep) >= actualTolerance && Math.abs(fa) > Math.abs(fb)) {
      // Interpolation may be tried: linear with two distinct points, inverse quadratic with three.
      let p: number;
      let q: number;
      const cb = c - b;
      if (a === c) {
        const t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        const qa = fa / fc;
        const t1 = fb / fc;
        const t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
        q = (qa - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;

      if (p < 0.75 * cb * q - Math.abs(actualTolerance * q) / 2 && p < Math.abs((previousStep * q) / 2)) {
        newStep = p / q;
      }
    }

    if (Math.abs(newStep) < actualTolerance) newStep = newStep > 0 ? actualTolerance : -actualTolerance;

    a = b;
    fa = fb;
    b += newStep;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}
