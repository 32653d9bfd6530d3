import type { LoggerOptions } from 'pino';

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

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Requests are logged by the audit hook in one line with what operators need; the
    // default req/res serializers would log query strings, which may carry names.
    serializers: {
      req: (req: { method?: string; routeOptions?: { url?: string }; id?: string }) => ({ method: req.method, route: req.routeOptions?.url, id: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
