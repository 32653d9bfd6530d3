/**
 * The JSON the standard's signature digest is taken over: Python's
 * json.dumps(sort_keys=True, separators=(",", ":")), written from the dci README. Imports
 * nothing, so a partner-side test module (the callback receiver) stays free of gateway code.
 */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Python's json.dumps(sort_keys=True, separators=(",", ":")) with ensure_ascii on (its default) or off. */
export function pythonJson(value: unknown, ensureAscii = true): string {
  const text = sortedJson(value);
  return ensureAscii ? text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}
