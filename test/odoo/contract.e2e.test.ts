/**
 * The Odoo client's contract with the server, over every transport and every kind of account
 * (password, API key, a login with only the REST API groups, one without registry rights):
 * against the real Odoo + OpenG2P when G2P_E2E_ODOO_* is set, otherwise against the simulator,
 * with the same assertions. It creates only individuals whose family name carries a unique run
 * tag and archives every one of them at the end (nothing is destroyed).
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { createOdooConnection, OdooError, type OdooClient } from '../../src/odoo/index.js';
import { backendName, startOdooTarget, type OdooTarget } from '../support/odoo-target.js';
import { rejectionOf } from '../support/thrown.js';

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, OdooError);

let target: OdooTarget;
t.before(async () => {
  target = await startOdooTarget({ households: 2 });
});
t.teardown(() => target?.close());

{
  const runTag = `E2E-${randomBytes(4).toString('hex')}`;

  for (const protocol of ['jsonrpc', 'xmlrpc', 'call_kw'] as const) {
    t.test(`${protocol}: contract with the ${backendName()}`, async (t) => {
      const { url, db, login, password } = target;
      const connection = createOdooConnection({ url, db, protocol, timeoutMs: 30_000 });
      const client: OdooClient = connection.as({ login, secret: password });
      const family = `${runTag}-${protocol}`;
      t.teardown(async () => {
        const leftovers = await client.search('res.partner', [['family_name', '=', family]], { context: { active_test: false } });
        if (leftovers.length) await client.write('res.partner', leftovers, { active: false });
        await connection.close();
      });

      t.ok((await client.uid()) > 0, 'logs in');
      const version = await client.version();
      t.type(version.server_version, 'string', `server ${version.server_version}`);

      const name = `${family.toUpperCase()}, Åsa Ñúñez 李雷 🙂`;
      const id = await client.create('res.partner', { name, given_name: 'Åsa', family_name: family, is_registrant: true, is_group: false });
      t.type(id, 'number', 'create returns the id');
      const ids = await client.createMany('res.partner', [
        { name: `${family}, B`, family_name: family, is_registrant: true },
        { name: `${family}, C`, family_name: family, is_registrant: true },
      ]);
      t.equal(ids.length, 2, 'create with a list returns every id');

      const [read] = await client.read('res.partner', [id], ['name', 'given_name', 'birthdate']);
      t.equal(read!.name, name, 'non-ASCII name round-trips');
      t.equal(read!.birthdate, false, 'unset date reads as false');
      t.same(await client.search('res.partner', [['family_name', '=', family]], { order: 'id asc' }), [id, ...ids], 'search');
      t.equal(await client.searchCount('res.partner', [['family_name', '=', family]]), 3, 'search_count');
      const page = await client.searchRead('res.partner', [['family_name', '=', family]], ['name'], { limit: 2, order: 'id asc' });
      t.same(
        page.map((r) => r.id),
        [id, ids[0]],
        'search_read with limit and order',
      );

      t.equal(await client.write('res.partner', [id], { given_name: 'Changed', birthdate: null }), true, 'write');
      t.equal((await client.read('res.partner', [id], ['given_name']))[0]!.given_name, 'Changed');

      if (await client.supportsWebRead()) {
        const web = await client.webSearchRead(
          'res.partner',
          [['family_name', '=', family]],
          { name: {}, reg_ids: { fields: { value: {} } } },
          { limit: 1, order: 'id asc' },
        );
        t.equal(web.length, 3, 'web_search_read counts');
        t.equal(web.records[0]!.id, id);
        t.same((await client.webRead('res.partner', [id], { given_name: {} }))[0], { id, given_name: 'Changed' }, 'web_read');
      }

      t.equal(await client.write('res.partner', [ids[1]!], { active: false }), true, 'archive');
      t.same(await client.search('res.partner', [['family_name', '=', family]], { order: 'id asc' }), [id, ids[0]], 'archived records are not found');
      t.equal(await client.searchCount('res.partner', [['family_name', '=', family]], { context: { active_test: false } }), 3, 'unless active_test is false');

      t.equal((await rejection(client.read('res.partner', [id], ['no_such_field']))).kind, 'server_error', 'unknown field: server_error');
      t.equal((await rejection(client.write('res.partner', [999_999_999], { name: 'x' }))).kind, 'missing', 'missing record');
      const future = await rejection(client.write('res.partner', [id], { registration_date: '2999-01-01' }));
      t.equal(future.kind, protocol === 'xmlrpc' ? 'user_error' : 'validation', 'future registration date refused');
      t.match(future.message, /Registration date/);
      t.equal((await rejection(connection.as({ login, secret: `${password}-wrong` }).search('res.partner', []))).kind, 'access_denied', 'wrong password');
    });
  }
}

/**
 * The accounts a deployment gives the gateway: an API key in place of the password (Odoo's
 * own wizard makes it), and per-role logins. What each may do is Odoo's access rules, which
 * the simulator must mirror: the REST API groups alone open registrants, nothing more.
 */
for (const protocol of ['jsonrpc', 'xmlrpc', 'call_kw'] as const) {
  t.test(`${protocol}: API keys and per-role accounts on the ${backendName()}`, async (t) => {
    const connection = createOdooConnection({ url: target.url, db: target.db, protocol, timeoutMs: 30_000 });
    t.teardown(() => connection.close());
    await target.ensureUser('rest_both', ['g2p_registry_rest_api.group_g2p_rest_api_get', 'g2p_registry_rest_api.group_g2p_rest_api_post']);
    const key = await target.createApiKey('rest_both', 'rest_both');
    t.match(key, /^[0-9a-f]{40}$/, 'the wizard shows a 40-hex key');

    const byKey = connection.as({ login: 'rest_both', secret: key });
    const byPassword = connection.as({ login: 'rest_both', secret: 'rest_both' });
    t.equal(await byKey.uid(), await byPassword.uid(), 'the key logs in as its user');
    t.equal(await connection.authenticate({ login: 'rest_both', secret: key }), await byPassword.uid(), 'authenticate accepts the key');
    t.type(await byKey.searchCount('res.partner', [['is_registrant', '=', true]]), 'number', 'the key reads registrants');
    t.equal(await byKey.executeKw('res.users', 'has_group', ['g2p_registry_rest_api.group_g2p_rest_api_post']), true, 'has_group answers for the calling user');
    t.equal(await byKey.executeKw('res.users', 'has_group', ['g2p_registry_base.group_g2p_admin']), false, 'and says no to a group it lacks');
    const oldShape = await rejection(byKey.executeKw('res.users', 'has_group', [[await byKey.uid()], 'g2p_registry_rest_api.group_g2p_rest_api_get']));
    t.equal(oldShape.kind, 'server_error', 'has_group([uid], xmlid) is refused as Odoo 17 refuses it');
    t.equal(
      (await rejection(connection.as({ login: 'rest_both', secret: 'f'.repeat(40) }).search('res.partner', []))).kind,
      'access_denied',
      'a wrong key: access_denied',
    );

    const noaccess = connection.as({ login: 'noaccess', secret: 'noaccess' });
    t.ok((await noaccess.uid()) > 0, 'a login without registry rights still logs in');
    t.equal(await noaccess.executeKw('res.users', 'has_group', ['g2p_registry_rest_api.group_g2p_rest_api_get']), false, 'without the REST API groups');
  });
}
