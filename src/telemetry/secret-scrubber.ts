// Replaces known secret values wherever they appear: in strings, nested objects, arrays and errors.

export const REDACTED = '[REDACTED]';

export interface SecretScrubber {
  /** False when there is no secret to look for (then every method returns its input). */
  readonly active: boolean;
  scrubString(text: string): string;
  /** A copy of `value` with every secret replaced; values without a secret are returned as they are. */
  scrub(value: unknown): unknown;
  scrubRecord(record: Record<string, unknown>): Record<string, unknown>;
  /** For an already serialized JSON line: replaces raw and JSON-escaped forms of each secret. */
  scrubSerialized(line: string): string;
}

const MAX_DEPTH = 8;

export function createSecretScrubber(secrets: readonly string[]): SecretScrubber {
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  const serializedForms = [...new Set(values.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]))].sort((a, b) => b.length - a.length);

  const replaceAll = (text: string, forms: readonly string[]): string => {
    let result = text;
    for (const form of forms) {
      if (result.includes(form)) result = result.split(form).join(REDACTED);
    }
    return result;
  };

  const scrubString = (text: string): string => replaceAll(text, values);

  const scrubDeep = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value) || depth > MAX_DEPTH) return value;
    seen.add(value);
    if (value instanceof Error) return scrubError(value, depth, seen);
    if (Array.isArray(value)) {
      const items = value.map((item: unknown) => scrubDeep(item, depth + 1, seen));
      return items.some((item, index) => item !== value[index]) ? items : value;
    }
    if (!isPlainObject(value)) return value;
    let changed = false;
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const scrubbed = scrubDeep(field, depth + 1, seen);
      if (scrubbed !== field) changed = true;
      copy[key] = scrubbed;
    }
    return changed ? copy : value;
  };

  const scrubError = (error: Error, depth: number, seen: WeakSet<object>): Error => {
    const message = scrubString(error.message);
    const stack = error.stack === undefined ? undefined : scrubString(error.stack);
    const cause = 'cause' in error ? scrubDeep(error.cause, depth + 1, seen) : undefined;
    if (message === error.message && stack === error.stack && cause === error.cause) return error;
    // Same prototype, so the error keeps its class name in the log's `type`.
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
    for (const [key, field] of Object.entries(error)) {
      (copy as unknown as Record<string, unknown>)[key] = scrubDeep(field, depth + 1, seen);
    }
    Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
    if (stack !== undefined) Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true });
    if (cause !== undefined) Object.defineProperty(copy, 'cause', { value: cause, writable: true, configurable: true });
    if (Object.hasOwn(error, 'name')) copy.name = error.name;
    return copy;
  };

  if (values.length === 0) {
    return {
      active: false,
      scrubString: (text) => text,
      scrub: (value) => value,
      scrubRecord: (record) => record,
      scrubSerialized: (line) => line,
    };
  }
  return {
    active: true,
    scrubString,
    scrub: (value) => scrubDeep(value, 0, new WeakSet()),
    scrubRecord: (record) => scrubDeep(record, 0, new WeakSet()) as Record<string, unknown>,
    scrubSerialized: (line) => replaceAll(line, serializedForms),
  };
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
