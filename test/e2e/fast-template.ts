// The e2e tests' own analysis template: the demo's rules on a fast clock (1s ticks, 3 short
// steps) so a whole canary is judged in seconds against a real Prometheus scraping every second.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const FAST_TEMPLATE = 'e2e-fast';
export const FAST_STEPS = [10, 50, 100] as const;
export const ABORT_RULE = 'error-spike';
export const PROMOTE_RULE = 'healthy';

export interface FastTemplateOptions {
  name?: string;
  minDuration?: string;
  maxDuration?: string;
  consecutiveErrorLimit?: number;
  onError?: 'abort' | 'pause';
}

/**
 * Every rule reads the canary alone where it can, so a baseline that drains at weight 100 holds
 * nothing up. `error_rate` is unknown (0/0) before the canary gets traffic: no data never
 * promotes and never aborts, it only continues. The abort rule waits for 20 canary requests: on a
 * loaded machine the first tick can see a canary with a handful of requests, and one error in five
 * (a healthy 1% canary) is a 20% error rate (CI aborted a healthy canary so, at 8fdf072).
 */
export function fastTemplateYaml(options: FastTemplateOptions = {}): string {
  return `apiVersion: canaryd.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: ${options.name ?? FAST_TEMPLATE}
  description: End-to-end tests' template, judged every second.
spec:
  args:
    - name: service
  interval: 1s
  initialDelay: 2s
  lookback: 10s
  stepDefaults: { minDuration: ${options.minDuration ?? '3s'}, maxDuration: ${options.maxDuration ?? '60s'} }
  steps:
${FAST_STEPS.map((weight) => `    - { weight: ${weight} }`).join('\n')}
  onTimeout: abort
  consecutiveErrorLimit: ${options.consecutiveErrorLimit ?? 4}
  onError: ${options.onError ?? 'pause'}
  metrics:
    - name: requests
      query: sum(increase(http_requests_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))
    - name: error_rate
      query: >-
        sum(rate(http_requests_total{service="{{ args.service }}",track="{{ variant }}",code="500"}[{{ window }}]))
        / sum(rate(http_requests_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))
  rules:
    abort:
      - id: ${ABORT_RULE}
        when:
          - error_rate.canary > 10%
          - error_rate.change > 100%
          - requests.canary >= 20
    hold:
      - id: low-traffic
        when: requests.canary < 20
    promote:
      - id: ${PROMOTE_RULE}
        when: error_rate.canary <= 5%
`;
}

export async function writeFastTemplate(dir: string, options: FastTemplateOptions = {}): Promise<string> {
  const file = join(dir, `${options.name ?? FAST_TEMPLATE}.yaml`);
  await writeFile(file, fastTemplateYaml(options));
  return file;
}
