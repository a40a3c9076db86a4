// Test helpers: a minimal valid template, and the line:col of a piece of text found by plain search
// (independent of the code under test).

export const MINIMAL_TEMPLATE = `apiVersion: canaryd.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: minimal
spec:
  args:
    - name: service
  interval: 1m
  steps:
    - weight: 50
    - weight: 100
  metrics:
    - name: errors
      query: sum(rate(errors_total{service="{{ args.service }}",track="{{ variant }}"}[{{ window }}]))
  rules:
    promote:
      - id: ok
        when: errors.change < 10%
`;

/** `line:col` (1-based) of the `occurrence`-th (1-based) appearance of `needle` in `text`, plus `shift` characters. */
export function positionOf(text: string, needle: string, occurrence = 1, shift = 0): string {
  let offset = -1;
  for (let seen = 0; seen < occurrence; seen += 1) {
    offset = text.indexOf(needle, offset + 1);
    if (offset === -1) throw new Error(`"${needle}" occurs fewer than ${occurrence} times`);
  }
  offset += shift;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${line}:${column}`;
}
