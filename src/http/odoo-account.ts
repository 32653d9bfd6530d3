import type { FastifyRequest } from 'fastify';
import { ROLE_GET } from '../config/auth.js';
import type { OdooClient } from '../odoo/types.js';
import { HttpProblem } from './problem.js';

/**
 * The Odoo account a request acts as. Basic callers act as themselves; token callers act
 * through the account configured for the route's role (falling back to the default one), so
 * Odoo's own access rules apply as a second wall behind the gateway's role check.
 */
export function odooClientFor(request: FastifyRequest): OdooClient {
  const { config, odoo } = request.server;
  const principal = request.principal;
  if (principal?.odooCredentials) return odoo.as(principal.odooCredentials);
  const accounts = config.odoo?.accounts;
  if (!accounts) throw new HttpProblem({ status: 503, title: 'Service Unavailable', detail: 'No Odoo account is configured.' });
  const access = request.routeOptions.config.access;
  const account = (access === ROLE_GET ? accounts.read : accounts.write) ?? accounts.default;
  return odoo.as({ login: account.login, secret: account.password });
}
