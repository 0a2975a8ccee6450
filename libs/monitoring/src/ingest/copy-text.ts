/**
 * PostgreSQL COPY text format: tab-separated columns, `\N` for NULL, and
 * backslash escapes for the characters that would break a row. NUL cannot be
 * stored in PostgreSQL text at all, so it becomes U+FFFD rather than poisoning
 * the batch.
 */
const NEEDS_ESCAPE = /[\\\n\r\t\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\uFFFD' };

export function copyValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t\0]/g, (c) => ESCAPES[c]) : value;
}

export function copyRow(values: Array<string | number | null | undefined>): string {
  let line = copyValue(values[0]);
  for (let i = 1; i < values.length; i++) line += '\t' + copyValue(values[i]);
  return line + '\n';
}

/**
 * JSON for a jsonb column. jsonb rejects `\u0000` and lone surrogates, which
 * JSON.stringify emits for such strings; those (rare) values are cleaned first.
 */
export function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(value);
  return /\\u0000|\\ud[89a-f]/i.test(json) ? JSON.stringify(cleanStrings(value)) : json;
}

function cleanStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\0/g, '\uFFFD').toWellFormed();
  if (Array.isArray(value)) return value.map(cleanStrings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanStrings(k), cleanStrings(v)]));
  }
  return value;
}
