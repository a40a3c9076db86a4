// Prometheus-style durations ("90s", "1h30m", "500ms") to milliseconds and back.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION_PATTERN = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const PART_PATTERN = /(\d+)(ms|s|m|h|d|w|y)/g;

/** Milliseconds of a Prometheus duration, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!DURATION_PATTERN.test(trimmed)) return null;
  let total = 0;
  for (const match of trimmed.matchAll(PART_PATTERN)) {
    const amount = Number(match[1]);
    const unit = match[2] as string;
    total += amount * (UNIT_MS[unit] as number);
  }
  return total;
}

/** The shortest Prometheus duration for a whole number of milliseconds, e.g. 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let text = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit] as number;
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
}
