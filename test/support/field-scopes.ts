/**
 * What the field-scope suites share: the roles file they declare scopes in (through the same
 * parser and start-up check as a deployment's), and the reading of the Odoo wire that shows
 * which fields the gateway asked for.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import type { OdooCallMessage } from '../../src/odoo/index.js';

export const ROLES_YAML = `
roles:
  Rest API GET:
    - claim: realm_access.roles
      includes: registry-reader
  Rest API POST:
    - claim: realm_access.roles
      includes: registry-writer
fieldScopes:
  payments:
    individuals: [name, phone_numbers.phone_no, bank_accounts]
    groups: [name]
    memberships: [group, individual]
    grantedTo:
      claims:
        - claim: scope
          includes: registry:payments
      clients: [payments-platform]
      basicLogins: [fs_payments]
  statistics:
    individuals: [gender, birthdate, registration_date, updated_at]
    groups: [kind, members.kinds]
    memberships: [kinds]
    grantedTo:
      claims:
        - claim: scope
          includes: registry:statistics
  id-types:
    individuals: [reg_ids.id_type]
    grantedTo:
      claims:
        - claim: scope
          includes: registry:id-types
`;

/** Every field name a specification asks Odoo for, nested ones as `relation.field`. */
export function specFields(spec: unknown, prefix = ''): string[] {
  if (!spec || typeof spec !== 'object') return [];
  return Object.entries(spec as Record<string, { fields?: unknown }>).flatMap(([name, sub]) => [
    `${prefix}${name}`,
    ...specFields(sub?.fields, `${prefix}${name}.`),
  ]);
}

/**
 * The res.partner fields these calls asked Odoo for (web_read / web_search_read specifications,
 * read / search_read field lists); with `id`, only the calls naming that record (the change
 * detector reads changed partners in the background meanwhile).
 */
export function partnerFieldsAsked(calls: OdooCallMessage[], id?: number): Set<string> {
  const asked = new Set<string>();
  const names = (call: OdooCallMessage) => {
    if (id === undefined) return true;
    const text = JSON.stringify([call.args, call.kwargs.domain ?? null]);
    return text.includes(`["id","in",[${id}]]`) || text.includes(`["id","=",${id}]`) || text.includes(`[[${id}]`);
  };
  for (const call of calls) {
    if (call.model !== 'res.partner' || !names(call)) continue;
    if (call.method === 'web_search_read' || call.method === 'web_read') {
      const spec = call.kwargs.specification ?? call.args.find((a) => a && typeof a === 'object' && !Array.isArray(a));
      for (const field of specFields(spec)) asked.add(field);
    } else if (call.method === 'read' || call.method === 'search_read') {
      for (const field of (call.kwargs.fields as string[] | undefined) ?? []) asked.add(field);
    }
  }
  return asked;
}

/** The Odoo fields behind the payments scope (name, phone numbers' numbers, bank accounts). */
export const PAYMENTS_ODOO_FIELDS = (field: string): boolean =>
  ['name', 'phone_number_ids', 'phone_number_ids.phone_no', 'bank_ids'].includes(field) || field.startsWith('bank_ids.');

/** What the change detector reads of every changed registrant: its dates and archived flag (the event's type tells the flag anyway). */
export const DETECTOR_FIELDS = ['active', 'write_date', 'create_date'];

/** A DCI sender's callback server on a loopback port (closed at the end of `t`): every body posted to it, parsed, in arrival order. */
export async function collectCallbacks(t: Test, path: string): Promise<{ bodies: Array<Record<string, any>>; url: string }> {
  const bodies: Array<Record<string, any>> = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, any>);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}` };
}
