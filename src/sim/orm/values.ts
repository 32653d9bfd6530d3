import { OdooSimError, valueError } from '../exceptions.js';
import { pyRepr } from './pyrepr.js';

const DATETIME_FORMAT = '%Y-%m-%d %H:%M:%S';
const DIRECTIVE_PATTERNS: Record<string, string> = {
  '%Y': '(\\d{4})',
  '%m': '(\\d{1,2})',
  '%d': '(\\d{1,2})',
  '%H': '(\\d{1,2})',
  '%M': '(\\d{1,2})',
  '%S': '(\\d{1,2})',
};

/**
 * Python's datetime.strptime for the prefixes of Odoo's DATETIME_FORMAT that Odoo uses
 * (Datetime.to_datetime takes DATETIME_FORMAT[:len(value)-2], Date.to_date '%Y-%m-%d'), with
 * the same error texts.
 */
const compiledFormats = new Map<string, RegExp>();

function strptime(value: string, format: string): number[] {
  let regex = compiledFormats.get(format);
  if (!regex) compiledFormats.set(format, (regex = compileFormat(format)));
  const match = regex.exec(value);
  if (!match) throw valueError(`time data ${pyRepr(value)} does not match format ${pyRepr(format)}`);
  if (match[0].length < value.length) throw valueError(`unconverted data remains: ${value.slice(match[0].length)}`);
  const parts = match.slice(1).map(Number);
  const [year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0] = parts;
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    throw valueError(`time data ${pyRepr(value)} does not match format ${pyRepr(format)}`);
  }
  if (day > 28 && new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) throw valueError('day is out of range for month');
  if (hour > 23 || minute > 59 || second > 61) throw valueError(`time data ${pyRepr(value)} does not match format ${pyRepr(format)}`);
  return [year, month, day, hour, minute, second];
}

function compileFormat(format: string): RegExp {
  let pattern = '';
  for (let i = 0; i < format.length; i++) {
    const directive = format.slice(i, i + 2);
    if (DIRECTIVE_PATTERNS[directive]) {
      pattern += DIRECTIVE_PATTERNS[directive];
      i++;
    } else if (format[i] === '%') {
      throw valueError(`stray % in format ${pyRepr(format)}`);
    } else {
      pattern += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${pattern}`);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** fields.Date.to_date: the first 10 characters parsed as '%Y-%m-%d'; stored as "YYYY-MM-DD". */
export function parseDate(value: unknown): string | null {
  if (value === false || value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new OdooSimError('builtins.TypeError', `strptime() argument 1 must be str, not ${pyTypeName(value)}`);
  const [y, m, d] = strptime(value.slice(0, 10), '%Y-%m-%d');
  return `${pad(y!, 4)}-${pad(m!)}-${pad(d!)}`;
}

/** fields.Datetime.to_datetime: parsed with DATETIME_FORMAT[:len(value)-2]; stored as "YYYY-MM-DD HH:MM:SS". */
export function parseDatetime(value: unknown): string | null {
  if (value === false || value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new OdooSimError('builtins.TypeError', `object of type '${pyTypeName(value)}' has no len()`);
  const format = DATETIME_FORMAT.slice(0, Math.max(0, value.length - 2));
  const [y, m, d, hh, mm, ss] = strptime(value, format);
  return `${pad(y!, 4)}-${pad(m!)}-${pad(d!)} ${pad(hh!)}:${pad(mm!)}:${pad(ss!)}`;
}

export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Date) return 'DateTime';
  return 'dict';
}

/**
 * The server clock. Timestamps keep microseconds internally (as PostgreSQL does) and are read
 * back truncated to seconds; each call gets a stamp strictly greater than the previous one,
 * from the real clock, never going backwards, so that ordering on (write_date, id) is stable.
 */
export class SimClock {
  private lastMicros = 0;

  stamp(): string {
    let micros = Date.now() * 1000;
    if (micros <= this.lastMicros) micros = this.lastMicros + 1;
    this.lastMicros = micros;
    const ms = Math.floor(micros / 1000);
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${pad(micros % 1_000_000, 6)}`;
  }

  private cachedSecond = -1;
  private cachedNow = '';

  today(): string {
    return this.nowSeconds().slice(0, 10);
  }

  /** "YYYY-MM-DD HH:MM:SS" now (formatted once per second: it is asked for on every create). */
  nowSeconds(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.cachedSecond) {
      const iso = new Date(second * 1000).toISOString();
      this.cachedSecond = second;
      this.cachedNow = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    }
    return this.cachedNow;
  }
}

/** Stored datetimes may carry microseconds; the wire shows seconds. */
export const datetimeOut = (stored: string): string => stored.slice(0, 19);
