// Numerics shared by the e-value code: log-gamma, log-sum-exp and the beta-binomial kernel.
// Counts may be real numbers (Prometheus' increase() extrapolates), so everything is written for
// real arguments through the gamma function rather than factorials.

// ln Γ by Stirling's series for x ≥ 10 (error below 1e-16 relative with the terms up to 1/x⁹), and
// the recurrence Γ(x) = Γ(x + k) / (x(x+1)…(x+k−1)) below. Differences of large log-gammas (the
// beta-binomial below takes them at 10⁴ and more) need this accuracy; it is also cheaper than Lanczos.
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const STIRLING_SHIFT = 10;

/** ln Γ(x) for x > 0 (NaN otherwise). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let z = x;
  let product = 1;
  while (z < STIRLING_SHIFT) {
    product *= z;
    z += 1;
  }
  const inverse = 1 / z;
  const inverse2 = inverse * inverse;
  const series = inverse * (1 / 12 - inverse2 * (1 / 360 - inverse2 * (1 / 1260 - inverse2 * (1 / 1680 - inverse2 * (1 / 1188)))));
  const stirling = (z - 0.5) * Math.log(z) - z + HALF_LOG_TWO_PI + series;
  return product === 1 ? stirling : stirling - Math.log(product);
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

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  const high = Math.max(a, b);
  if (high === -Infinity) return high;
  return high + Math.log(Math.exp(a - high) + Math.exp(b - high));
}

/** A list of numbers, as e-process states read back from judge memory (JSON) must hold. */
export const isNumberArray = (value: unknown): value is number[] => Array.isArray(value) && value.every((item) => typeof item === 'number');

/** x·ln(p) with the convention 0·ln(0) = 0. */
function xLogY(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

/** 1/ψ − 1: the beta-binomial's α + β for intra-class correlation ψ in (0, 1). */
export function betaBinomialPrecision(psi: number): number {
  return (1 - psi) / psi;
}

/**
 * The log-likelihood of `successes` out of `trials` under a beta-binomial with mean `theta` and
 * intra-class correlation `psi` (variance trials·θ(1−θ)·(1 + (trials − 1)·ψ)), WITHOUT the binomial
 * coefficient: every e-value here is a ratio of likelihoods of the same data, where it cancels.
 * psi = 0 is the binomial. Real-valued counts are allowed (0 ≤ successes ≤ trials).
 */
export function betaBinomialLogKernel(successes: number, trials: number, theta: number, psi: number): number {
  if (psi <= 0) return xLogY(successes, theta) + xLogY(trials - successes, 1 - theta);
  const precision = betaBinomialPrecision(psi);
  return betaBinomialLogKernelFast(successes, trials, theta, precision, logGamma(precision) - logGamma(trials + precision));
}

/** The same for psi > 0, given precision = 1/ψ − 1 and lnΓ(precision) − lnΓ(trials + precision), shared across θ. */
export function betaBinomialLogKernelFast(successes: number, trials: number, theta: number, precision: number, trialsTerm: number): number {
  const failures = trials - successes;
  let value = trialsTerm;
  if (successes > 0) {
    const alpha = theta * precision;
    value += logGamma(successes + alpha) - logGamma(alpha);
  }
  if (failures > 0) {
    const beta = (1 - theta) * precision;
    value += logGamma(failures + beta) - logGamma(beta);
  }
  return value;
}
