// HTML escaping for the report: every value that came from a template, a caller or a receiver
// goes through escapeHtml before it is placed in the page (text and attribute values alike).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  const textValue = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  return textValue.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

/** A number for people: up to 4 significant digits, "—" for none. */
export function formatValue(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

/** "2026-12-01 10:05:03Z" from an ISO instant (the input when it is not one). */
export function formatInstant(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return match === null ? iso : `${match[1]} ${match[2]}Z`;
}
