import { stdSerializers, type LoggerOptions } from 'pino';

/**
 * Paths pino censors in every log line. Credentials in headers and bodies, and the personal
 * fields of registrants wherever a body is logged: logs travel to places the registry's data
 * must not.
 */
const PERSONAL_FIELDS = [
  'name',
  'given_name',
  'family_name',
  'addl_name',
  'birthdate',
  'birth_place',
  'email',
  'phone',
  'address',
  'reg_ids',
  'phone_numbers',
  'bank_accounts',
  'members',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.api_key',
  '*.apiKey',
  ...PERSONAL_FIELDS.map((field) => `body.${field}`),
  // Batch bodies are arrays of registrants.
  ...PERSONAL_FIELDS.map((field) => `body[*].${field}`),
];

const TRACEBACK_START = 'Traceback (most recent call last):';
/** Lines Python prints between the tracebacks of chained exceptions. */
const CHAIN_LINE = /^(During handling of the above exception|The above exception was the direct cause)/;
/** The line naming the exception: "psycopg2.errors.UniqueViolation: duplicate key ...". */
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*)(:.*)?$/;

/**
 * What Odoo sent along with a failure (`OdooError.debug`), made fit for a log. A traceback
 * keeps its frames (file, line, function, source: where it broke) and exception classes, but
 * not the exception messages: those quote the values the caller sent or the rows involved
 * ("Invalid number +2547…", "Key (value)=(NID-…) already exists"). Any other body (an HTML
 * page, a cut or malformed RPC answer) may hold registry records, so only its size is kept.
 */
export function redactOdooDebug(text: string): string {
  if (!text.includes(TRACEBACK_START)) return `[${text.length} characters withheld: a body from Odoo may hold registry data]`;
  const kept: string[] = [];
  let inFrames = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(TRACEBACK_START)) {
      inFrames = true;
      kept.push(line);
    } else if (CHAIN_LINE.test(line)) {
      inFrames = false;
      kept.push(line);
    } else if (inFrames && /^\s/.test(line)) {
      kept.push(line);
    } else if (inFrames) {
      // The first unindented line after the frames names the exception; its message (and
      // any continuation lines up to the next traceback) is dropped.
      inFrames = false;
      const match = EXCEPTION_LINE.exec(line);
      kept.push(match ? `${match[1]}${match[2] ? ': [message withheld]' : ''}` : '[message withheld]');
    }
  }
  return kept.join('\n');
}

/** pino's error serializer, with Odoo's `debug` text redacted: errors that reach a log carry it as an own property. */
function serializeError(err: Error): ReturnType<typeof stdSerializers.err> {
  const serialized = stdSerializers.err(err);
  if (typeof serialized.debug === 'string') serialized.debug = redactOdooDebug(serialized.debug);
  return serialized;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Requests are logged by the audit hook in one line with what operators need; the
    // default req/res serializers would log query strings, which may carry names.
    serializers: {
      req: (req: { method?: string; routeOptions?: { url?: string }; id?: string }) => ({ method: req.method, route: req.routeOptions?.url, id: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
  };
}
