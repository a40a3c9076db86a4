// Special functions for the burstiness model: digamma, trigamma and Gauss–Hermite quadrature.

const RECURRENCE_LIMIT = 8;

/** ψ(x) = d/dx ln Γ(x), for x > 0: recurrence up to x ≥ 8, then the asymptotic series. */
export function digamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let value = 0;
  let z = x;
  while (z < RECURRENCE_LIMIT) {
    value -= 1 / z;
    z += 1;
  }
  const inverse2 = 1 / (z * z);
  return value + Math.log(z) - 0.5 / z - inverse2 * (1 / 12 - inverse2 * (1 / 120 - inverse2 * (1 / 252 - inverse2 * (1 / 240))));
}

/** ψ₁(x) = d²/dx² ln Γ(x), for x > 0. */
export function trigamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let value = 0;
  let z = x;
  while (z < RECURRENCE_LIMIT) {
    value += 1 / (z * z);
    z += 1;
  }
  const inverse = 1 / z;
  const inverse2 = inverse * inverse;
  return value + inverse + inverse2 / 2 + inverse * inverse2 * (1 / 6 - inverse2 * (1 / 30 - inverse2 * (1 / 42 - inverse2 / 30)));
}

export interface QuadratureRule {
  nodes: number[];
  /** Weights for E[f(Z)], Z ~ N(0, 1): they sum to 1. */
  weights: number[];
}

/**
 * Gauss–Hermite nodes turned into a rule for the standard normal: E[f(Z)] ≈ Σ w_i f(z_i).
 * Roots of the Hermite polynomial by Newton's method from the usual starting guesses.
 */
export function normalQuadrature(order: number): QuadratureRule {
  const roots: number[] = new Array<number>(order).fill(0);
  const weights: number[] = new Array<number>(order).fill(0);
  const quarterPi = Math.PI ** -0.25;
  let z = 0;
  for (let i = 0; i < Math.floor((order + 1) / 2); i++) {
    if (i === 0) z = Math.sqrt(2 * order + 1) - 1.85575 * (2 * order + 1) ** (-1 / 6);
    else if (i === 1) z -= (1.14 * order ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * (roots[0] as number);
    else if (i === 3) z = 1.91 * z - 0.91 * (roots[1] as number);
    else z = 2 * z - (roots[i - 2] as number);
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = quarterPi;
      let p2 = 0;
      for (let j = 1; j <= order; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      derivative = Math.sqrt(2 * order) * p2;
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) <= 1e-14) break;
    }
    roots[i] = z;
    roots[order - 1 - i] = -z;
    weights[i] = 2 / (derivative * derivative);
    weights[order - 1 - i] = weights[i] as number;
  }
  const total = Math.sqrt(Math.PI);
  return { nodes: roots.map((root) => root * Math.SQRT2), weights: weights.map((weight) => weight / total) };
}
