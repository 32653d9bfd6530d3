import t from 'tap';
import { basic, CLERK, startCompatStack } from '../support/compat.js';
import { startGateway } from '../support/gateway.js';

/**
 * The module's list routes answer every match in one response. Past `api.maxPageSize` matches
 * the gateway streams that array chunk by chunk (docs/scale.md): the answer must be the very
 * same as when it fits in one chunk, byte for byte once parsed, on either backend.
 */
t.test('GET /individual and /group with more matches than api.maxPageSize: streamed, the same answer', async (t) => {
  const stack = await startCompatStack(t);
  const tag = stack.runTag.slice(0, 6);
  const individuals: number[] = [];
  for (const suffix of ['D', 'B', 'E', 'A', 'C']) {
    individuals.push(await stack.odoo.create('res.partner', { name: `STREAM ${tag} ${suffix}`, given_name: suffix, is_registrant: true, is_group: false }));
  }
  for (const suffix of ['B', 'C', 'A']) {
    await stack.odoo.create('res.partner', {
      name: `STREAM ${tag} GROUP ${suffix}`,
      is_registrant: true,
      is_group: true,
      kind: stack.reference.household,
      group_membership_ids: [[0, 0, { individual: individuals[suffix.charCodeAt(0) - 65]! }]],
    });
  }
  const small = await startGateway(t, { odoo: stack.target, listen: true, config: { api: { maxPageSize: 2 } } });
  const get = async (origin: string, path: string) => {
    const response = await fetch(`${origin}${stack.app.config.compat.prefix}${path}`, { headers: { authorization: basic(CLERK) } });
    return { status: response.status, type: response.headers.get('content-type'), json: JSON.parse(await response.text()) };
  };
  for (const path of [
    `/individual?name=${encodeURIComponent(`STREAM ${tag}`)}`,
    `/group?name=${encodeURIComponent(`STREAM ${tag} GROUP`)}`,
    `/group?name=${encodeURIComponent(`STREAM ${tag} GROUP`)}&include_members_full=true`,
  ]) {
    const whole = await get(stack.origin, path);
    const streamed = await get(small.origin, path);
    t.equal(whole.status, 200, `${path}: one chunk answers 200`);
    t.equal(streamed.status, 200, `${path}: streamed answers 200`);
    t.match(streamed.type, /^application\/json/, `${path}: streamed as JSON`);
    t.ok(Array.isArray(streamed.json) && streamed.json.length > 2, `${path}: more records than one chunk of 2`);
    t.same(streamed.json, whole.json, `${path}: the same records, in the same order, with the same values`);
  }
});
