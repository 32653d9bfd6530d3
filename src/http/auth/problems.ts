import type { Role } from '../../config/auth.js';
import { HttpProblem } from '../problem.js';

export const REALM = 'g2p-gateway';

/** RFC 6750 §3: a quoted-string may not hold `"` or `\`, and descriptions are plain ASCII. */
function quoted(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]|["\\]/g, ' ')}"`;
}

/** 401 for a request without credentials: a challenge per accepted scheme, no error code (RFC 6750 §3.1). */
export function credentialsMissing(schemes: string[]): HttpProblem {
  return new HttpProblem({
    status: 401,
    detail: 'This operation needs a bearer token: send "Authorization: Bearer <token>".',
    headers: { 'www-authenticate': schemes.map((s) => `${s} realm="${REALM}"`).join(', ') },
  });
}

/** 401 for credentials that were given but do not hold: the reason is safe to show and never echoes the token. */
export function invalidToken(reason: string): HttpProblem {
  return new HttpProblem({
    status: 401,
    detail: `The bearer token was refused: ${reason}.`,
    headers: { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description=${quoted(reason)}` },
  });
}

/** 403 naming the role the caller lacks (extension member `missing_role`). */
export function roleMissing(role: Role, bearer: boolean): HttpProblem {
  return new HttpProblem({
    status: 403,
    detail: `This operation needs the role "${role}", which the caller does not have.`,
    extensions: { missing_role: role },
    ...(bearer ? { headers: { 'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", error_description=${quoted(`needs ${role}`)}` } } : {}),
  });
}

/** 503 when a token cannot be checked because its issuer's keys cannot be fetched. */
export function issuerKeysUnavailable(): HttpProblem {
  return new HttpProblem({
    status: 503,
    detail: "The token issuer's signing keys cannot be fetched right now; retry later.",
    headers: { 'retry-after': '5' },
  });
}
