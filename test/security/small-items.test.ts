/**
 * The smaller findings of the adversarial probe (issue 26), each refused now:
 * - `If-Match: W/"..."` was accepted; RFC 9110 compares If-Match strongly (a weak tag never
 *   matches): now 412 saying so.
 * - `Expect: 100-continue` was answered 100 before authentication, inviting an anonymous upload:
 *   now an unauthenticated request gets its 401 without a 100.
 * - Odoo's AccessError text (its models and security groups) reached the caller, saying "the
 *   gateway's Odoo account" even to Basic callers acting as themselves: now a fixed detail.
 * - `birthdate: 0000-01-01` was accepted: dates before 1900-01-01 or in the future are a field error.
 */
import { connect } from 'node:net';
import t from 'tap';
import { startGateway, startOdoo } from '../support/gateway.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { testToken } from '../support/tokens.js';

const token = testToken('both');
// One Odoo for the file: none of the items changes its users, and on the real server each start
// resets the standard users (seconds of password hashing).
let odoo: OdooTarget;
t.before(async () => {
  odoo = await startOdoo(t, { households: 1 });
});

t.test('If-Match with a weak entity tag is refused (412), the strong one is taken', async (t) => {
  const gw = await startGateway(t, { odoo, token });
  const id = (await gw.request('GET', '/api/v1/individuals?limit=1')).body.items[0].id;
  const read = await gw.request('GET', `/api/v1/individuals/${id}`);
  const etag = read.headers.get('etag')!;
  t.match(etag, /^"/);
  const weak = await gw.request('PATCH', `/api/v1/individuals/${id}`, { body: { birth_place: 'Kisumu' }, headers: { 'if-match': `W/${etag}` } });
  t.equal(weak.status, 412, weak.text);
  t.match(weak.contentType, /application\/problem\+json/);
  t.match(weak.body.detail, /weak tag/);
  const strong = await gw.request('PATCH', `/api/v1/individuals/${id}`, { body: { birth_place: 'Kisumu' }, headers: { 'if-match': `W/"other", ${etag}` } });
  t.equal(strong.status, 200, 'a strong tag beside a weak one still matches');
});

t.test('birthdates before 1900-01-01 or in the future are refused with a field error', async (t) => {
  const gw = await startGateway(t, { odoo, token });
  const id = (await gw.request('GET', '/api/v1/individuals?limit=1')).body.items[0].id;
  const tomorrowAnywhere = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);
  for (const birthdate of ['0000-01-01', '1899-12-31', tomorrowAnywhere]) {
    const answer = await gw.request('PATCH', `/api/v1/individuals/${id}`, { body: { birthdate } });
    t.equal(answer.status, 400, `${birthdate}: ${answer.text}`);
    t.same(
      answer.body.errors.map((e: { field: string }) => e.field),
      ['body.birthdate'],
    );
    t.match(answer.body.errors[0].message, /1900-01-01 to today/);
  }
  t.equal((await gw.request('PATCH', `/api/v1/individuals/${id}`, { body: { birthdate: '1900-01-01' } })).status, 200);
  t.equal((await odoo.admin.read('res.partner', [id], ['birthdate']))[0]!.birthdate, '1900-01-01');
  // The compatibility surface: a member's birthdate in POST /group.
  const compat = await gw.request('POST', '/api/v1/registry/group', {
    body: { name: 'Birthdate Household', kind: 'Household', is_partial_group: false, members: [{ name: 'ZERO, YEAR', birthdate: '0000-01-01' }] },
  });
  t.not(compat.status, 200, compat.text);
  t.ok(compat.status >= 400 && compat.status < 500);
  t.match(compat.text, /birthdate/);
  t.match(compat.text, /1900-01-01 to today/);
});

t.test("Odoo's AccessError text does not reach the caller", async (t) => {
  const id = (await odoo.admin.search('res.partner', [['is_registrant', '=', true]], { limit: 1 }))[0]!;
  const gw = await startGateway(t, { odoo: { ...odoo, login: 'noaccess', password: 'noaccess' }, token });
  const answer = await gw.request('GET', `/api/v1/individuals/${id}`);
  t.equal(answer.status, 403, answer.text);
  t.match(answer.body.detail, /account this request acts as lacks the access rights/);
  t.notMatch(answer.text, /gateway's|res\.partner|not allowed|group|administrator/i, "none of Odoo's own text");
});

/** Sends the headers of a request with `Expect: 100-continue` and no body; the first status line the server answers. */
function firstStatusLine(port: number, headers: string[]): Promise<{ line: string; sendBody: (body: string) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let onMore: (() => void) | undefined;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      onMore?.();
      const end = received.indexOf('\r\n');
      if (end >= 0 && !onMore) {
        const line = received.slice(0, end);
        resolve({
          line,
          sendBody: (body) =>
            new Promise((done) => {
              onMore = () => {
                if (/\r\n\r\n[\s\S]*\}/.test(received.slice(received.indexOf('\r\n\r\n') + 4))) {
                  socket.destroy();
                  done(received);
                }
              };
              socket.write(body);
            }),
        });
        if (!line.includes(' 100 ')) socket.destroy();
      }
    });
    socket.write(
      [
        'POST /api/v1/individuals HTTP/1.1',
        'Host: gateway',
        'Content-Type: application/json',
        'Content-Length: 2',
        'Expect: 100-continue',
        ...headers,
        '',
        '',
      ].join('\r\n'),
    );
  });
}

t.test('Expect: 100-continue is answered only after authentication', async (t) => {
  const gw = await startGateway(t, { odoo, listen: true });
  const port = Number(new URL(gw.origin).port);
  const anonymous = await firstStatusLine(port, []);
  t.match(anonymous.line, /^HTTP\/1\.1 401 /, 'no 100 Continue before the 401');
  const forged = await firstStatusLine(port, ['Authorization: Bearer not-a-token']);
  t.match(forged.line, /^HTTP\/1\.1 401 /);
  const authenticated = await firstStatusLine(port, [`Authorization: Bearer ${token}`]);
  t.match(authenticated.line, /^HTTP\/1\.1 100 Continue/, 'an authenticated caller is invited to send the body');
  const rest = await authenticated.sendBody('{}');
  t.match(rest, /HTTP\/1\.1 (400|422) /, 'and its body is then read and judged');
});
