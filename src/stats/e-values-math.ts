// Numerics shared by the e-value code: log-gamma, log-sum-exp and the beta-binomial kernel.
// Counts may be real numbers (Prometheus' increase() extrapolates), so everything is written for
// real arguments through the gamma function rather than factorials.

// Lanczos approximation with g = 671/128 and 14 terms (Numerical Recipes, 3rd ed., gammln):
// relative error below 1e-15 for every x > 0, which the differences of large log-gammas below need.
const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4,
  0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3,
  0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4, -0.261908384015814087e-4,
  0.368991826595316234e-5,
];
const SQRT_TWO_PI = 2.5066282746310005;

/** ln Γ(x) for x > 0 (NaN otherwise). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let y = x;
  const shifted = x + 5.2421875;
  const head = (x + 0.5) * Math.log(shifted) - shifted;
  let series = 0.999999999999997092;
  for (const coefficient of LANCZOS) series += coefficient / ++y;
  return head + Math.log((SQRT_TWO_PI * series) / x);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ln Σ exp(values[i]) without overflow; −∞ for an empty list. */
export function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (const value of values) sum += Math.exp(value - max);
  return max + Math.log(sum);
}

/** x·ln(p) with the convention 0·ln(0) = 0. */
function xLogY(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

/**
 * The log-likelihood of `successes` out of `trials` under a beta-binomial with mean `theta` and
 * intra-class correlation `psi` (variance trials·θ(1−θ)·(1 + (trials − 1)·ψ)), WITHOUT the binomial
 * coefficient: every e-value here is a ratio of likelihoods of the same data, where it cancels.
 * psi = 0 is the binomial. Real-valued counts are allowed (0 ≤ successes ≤ trials).
 */
export function betaBinomialLogKernel(successes: number, trials: number, theta: number, psi: number): number {
  const failures = trials - successes;
  if (psi <= 0) return xLogY(successes, theta) + xLogY(failures, 1 - theta);
  const precision = (1 - psi) / psi;
  const alpha = theta * precision;
  const beta = (1 - theta) * precision;
  let value = logGamma(precision) - logGamma(trials + precision);
  if (successes > 0) value += logGamma(successes + alpha) - logGamma(alpha);
  if (failures > 0) value += logGamma(failures + beta) - logGamma(beta);
  return value;
}
