// Public entry of `canaryd/stats` (package.json exports "./stats"): a plain list of re-exports.

export { mannWhitney } from './mann-whitney.js';
export type { MannWhitneyOptions, MannWhitneyResult } from './mann-whitney.js';
export { normalCdf, normalQuantile, normalSurvival } from './normal.js';
export { classifyMannWhitney } from './kayenta.js';
export type { KayentaConfig, KayentaResult } from './kayenta.js';
