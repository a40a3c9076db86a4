// The replicas benchmark's template: the load benchmark's metrics and rules, with steps short enough
// that healthy analyses promote during the run (so adapter calls happen before and after a takeover):
// set-weight 50 at creation, promote to 100 after minDuration, complete after another.

import { benchTemplateYaml } from './daemon-load/template.js';

export const REPLICAS_TEMPLATE = 'bench-replicas';

/** A third of the measured window (at least two intervals): one promote before the kill, the complete after it. */
export function replicasMinDurationSeconds(intervalSeconds: number, windowSeconds: number): number {
  return Math.max(2 * intervalSeconds, Math.round(windowSeconds / 3));
}

export function replicasTemplateYaml(intervalSeconds: number, minDurationSeconds: number): string {
  const minDuration = `${minDurationSeconds}s`;
  const text = benchTemplateYaml(intervalSeconds)
    .replace(/name: bench-web\n/, `name: ${REPLICAS_TEMPLATE}\n`)
    .replace(/description: .*\n/, 'description: Replicas benchmark template (promotes after minDuration).\n')
    .replace('stepDefaults: { minDuration: 30m, maxDuration: 1h }', `stepDefaults: { minDuration: ${minDuration}, maxDuration: 1h }`);
  if (!text.includes(`name: ${REPLICAS_TEMPLATE}`) || !text.includes(`minDuration: ${minDuration}`)) {
    throw new Error('the load benchmark template changed: update daemon-replicas-template.ts');
  }
  return text;
}
