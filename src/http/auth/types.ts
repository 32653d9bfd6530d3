import type { FastifyRequest } from 'fastify';
import type { Principal } from '../principal.js';

/**
 * One way of proving who is calling, chosen by the `Authorization` scheme. Bearer JWTs are
 * one; HTTP Basic against Odoo (roles from group membership) plugs in the same way.
 * `authenticate` resolves to the principal or throws an HttpProblem (401, or 503 when the
 * proof cannot be checked right now).
 */
export interface Authenticator {
  /** The scheme as written in challenges (`Bearer`, `Basic`); matched case-insensitively. */
  scheme: string;
  authenticate(request: FastifyRequest, credentials: string): Promise<Principal>;
  /** The identity a failed attempt with these credentials counts against (a login), besides the client address. */
  identityOf?(credentials: string): string | undefined;
  /** The principal of credentials verified moments ago, without any check or I/O (accepted even while the address is blocked). */
  known?(credentials: string): Principal | undefined;
}
