// The standard normal distribution to double precision.
//
// The CDF follows W. J. Cody's rational Chebyshev approximations of erf/erfc ("Rational Chebyshev
// approximations for the error function", Math. Comp. 1969; ACM TOMS algorithm 715), the same
// scheme R's pnorm uses, so tail probabilities keep full relative precision (a table lookup such as
// simple-statistics' cumulativeStdNormalProbability is good to ~1e-4 only). The quantile starts
// from P. J. Acklam's rational approximation (relative error 1.15e-9) and takes one Halley step
// against that CDF, which brings it to a few ulps.

const SQRT_32 = 5.656854249492380195206754896838;
const ONE_OVER_SQRT_2PI = 0.398942280401432677939946059934;
const SQRT_2PI = 2.506628274631000502415765284811;
const HALF_EPSILON = Number.EPSILON * 0.5;

// |x| <= 0.67448975 (≈ qnorm(3/4))
const A = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249, 0.065682337918207449113];
const B = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956];
// 0.67448975 < |x| <= sqrt(32)
const C = [
  0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226, 2494.5375852903726711, 6848.1904505362823326,
  11602.651437647350124, 9842.7148383839780218, 1.0765576773720192317e-8,
];
const D = [
  22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755, 18615.571640885098091, 34900.952721145977266, 38912.003286093271411,
  19685.429676859990727,
];
// sqrt(32) < |x| < 37.5193
const P = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303];
const Q = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244, 7.29751555083966205e-5];

const coef = (values: readonly number[], index: number): number => values[index] as number;

interface Tails {
  /** P[X <= x] */
  lower: number;
  /** P[X > x] */
  upper: number;
}

/**
 * exp(-x²/2)·factor without the cancellation of squaring x directly: x is split into a part with
 * few bits (exact square) and a small remainder (Cody's trick).
 */
function gaussianTail(x: number, factor: number): number {
  const head = Math.trunc(x * 16) / 16;
  const remainder = (x - head) * (x + head);
  return Math.exp(-head * head * 0.5) * Math.exp(-remainder * 0.5) * factor;
}

const CENTRAL_LIMIT = 0.67448975;

/** Φ(x) − 0.5 for |x| <= CENTRAL_LIMIT, with full relative precision near 0. */
function centralOffset(x: number): number {
  let numerator = 0;
  let denominator = 0;
  if (Math.abs(x) > HALF_EPSILON) {
    const xsq = x * x;
    numerator = coef(A, 4) * xsq;
    denominator = xsq;
    for (let i = 0; i < 3; i += 1) {
      numerator = (numerator + coef(A, i)) * xsq;
      denominator = (denominator + coef(B, i)) * xsq;
    }
  }
  return (x * (numerator + coef(A, 3))) / (denominator + coef(B, 3));
}

function normalTails(x: number): Tails {
  if (Number.isNaN(x)) return { lower: NaN, upper: NaN };
  const y = Math.abs(x);
  if (y <= CENTRAL_LIMIT) {
    const offset = centralOffset(x);
    return { lower: 0.5 + offset, upper: 0.5 - offset };
  }
  let small: number;
  if (y <= SQRT_32) {
    let numerator = coef(C, 8) * y;
    let denominator = y;
    for (let i = 0; i < 7; i += 1) {
      numerator = (numerator + coef(C, i)) * y;
      denominator = (denominator + coef(D, i)) * y;
    }
    small = gaussianTail(y, (numerator + coef(C, 7)) / (denominator + coef(D, 7)));
  } else if (y < 37.5193) {
    const xsq = 1 / (x * x);
    let numerator = coef(P, 5) * xsq;
    let denominator = xsq;
    for (let i = 0; i < 4; i += 1) {
      numerator = (numerator + coef(P, i)) * xsq;
      denominator = (denominator + coef(Q, i)) * xsq;
    }
    const temp = (xsq * (numerator + coef(P, 4))) / (denominator + coef(Q, 4));
    small = gaussianTail(y, (ONE_OVER_SQRT_2PI - temp) / y);
  } else {
    small = 0;
  }
  return x > 0 ? { lower: 1 - small, upper: small } : { lower: small, upper: 1 - small };
}

/** P[X <= x] for a standard normal X, with full relative precision in the lower tail. */
export function normalCdf(x: number): number {
  return normalTails(x).lower;
}

/** P[X > x] = 1 − normalCdf(x), computed without cancellation (full relative precision in the upper tail). */
export function normalSurvival(x: number): number {
  return normalTails(x).upper;
}

// Acklam's coefficients.
const QA = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const QB = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const QC = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const QD = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const ACKLAM_LOW = 0.02425;

function acklamLowerHalf(p: number): number {
  if (p < ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((coef(QC, 0) * q + coef(QC, 1)) * q + coef(QC, 2)) * q + coef(QC, 3)) * q + coef(QC, 4)) * q + coef(QC, 5)) /
      ((((coef(QD, 0) * q + coef(QD, 1)) * q + coef(QD, 2)) * q + coef(QD, 3)) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((coef(QA, 0) * r + coef(QA, 1)) * r + coef(QA, 2)) * r + coef(QA, 3)) * r + coef(QA, 4)) * r + coef(QA, 5)) * q) /
    (((((coef(QB, 0) * r + coef(QB, 1)) * r + coef(QB, 2)) * r + coef(QB, 3)) * r + coef(QB, 4)) * r + 1)
  );
}

/** Quantile for 0 < p <= 0.5 (x <= 0), refined by one Halley step on the lower tail. */
function lowerHalfQuantile(p: number): number {
  const x = acklamLowerHalf(p);
  // Near the median Φ(x) − p cancels; p − 0.5 is exact there (Sterbenz), so compare offsets instead.
  const error = Math.abs(x) <= CENTRAL_LIMIT ? centralOffset(x) - (p - 0.5) : normalCdf(x) - p;
  const u = error * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * The x with P[X <= x] = p for a standard normal X. normalQuantile(0) = −∞, normalQuantile(1) = +∞;
 * NaN for p outside [0, 1] or NaN (like Math functions).
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // 1 − p is exact for p in [0.5, 1], so the upper half loses nothing by symmetry.
  return p < 0.5 ? lowerHalfQuantile(p) : -lowerHalfQuantile(1 - p);
}
