// The bench template: demo-web's three metrics and rules on a configurable interval, with a step
// that cannot end during the run (minDuration 30m), so every analysis keeps ticking while measured.

export const BENCH_TEMPLATE = 'bench-web';

export function benchTemplateYaml(intervalSeconds: number): string {
  return `apiVersion: canaryd.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: ${BENCH_TEMPLATE}
  description: Load benchmark template (demo-web's metrics and rules, analyses stay running).
spec:
  args:
    - name: service
  interval: ${intervalSeconds}s
  initialDelay: ${intervalSeconds}s
  lookback: 30s
  stepDefaults: { minDuration: 30m, maxDuration: 1h }
  steps:
    - { weight: 50 }
    - { weight: 100 }
  onTimeout: abort
  consecutiveErrorLimit: 4
  onError: pause
  metrics:
    - name: requests
      query: sum(increase(http_requests_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))
    - name: error_rate
      query: >-
        sum(rate(http_requests_total{service="{{ args.service }}",track="{{ variant }}",code="500"}[{{ window }}]))
        / sum(rate(http_requests_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))
    - name: p95_latency
      query: >-
        histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}])))
  rules:
    abort:
      - id: error-spike
        when:
          - error_rate.change > 100%
          - error_rate.canary > 2%
      - id: latency-spike
        when:
          - p95_latency.change > 50%
          - p95_latency.delta > 50ms
    hold:
      - id: low-traffic
        when: requests.canary < 30
      - id: telemetry-missing
        when: error_rate.missing or p95_latency.missing or requests.missing
    promote:
      - id: healthy
        when:
          - error_rate.canary <= 2% or error_rate.change < 50%
          - p95_latency.change < 25%
`;
}
