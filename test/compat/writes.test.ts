import t from 'tap';
import type { OdooClient } from '../../src/odoo/index.js';
import { basic, CLERK, startCompatStack, type CompatStack } from '../support/compat.js';

/**
 * What the compatibility routes write to and read from Odoo, with the same assertions on the
 * simulator and on a real Odoo (module-parity.test.ts compares the same with OpenG2P's module
 * itself, on the real server only): the partner's phone, the photo, a group's IDs and phones,
 * empty strings, the module's list order and its rule for get_individual_ids.
 */

let stack: CompatStack;
let odoo: OdooClient;
let tag: string;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';

t.before(async () => {
  stack = await startCompatStack(t);
  odoo = stack.odoo;
  tag = stack.runTag.toUpperCase();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${stack.base}${path}`, {
    method,
    headers: { authorization: basic(CLERK), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const readPartner = async (id: number, fields: string[]) => (await odoo.read('res.partner', [id], fields))[0]!;
const phonesOf = async (id: number) => {
  const ids = (await readPartner(id, ['phone_number_ids'])).phone_number_ids as number[];
  return odoo.read(
    'g2p.phone.number',
    ids.sort((a, b) => a - b),
    ['phone_no', 'date_collected'],
  );
};
const regIdsOf = async (id: number) => {
  const ids = (await readPartner(id, ['reg_ids'])).reg_ids as number[];
  return odoo.read(
    'g2p.reg.id',
    ids.sort((a, b) => a - b),
    ['value', 'status', 'expiry_date', 'description'],
  );
};

t.test('POST /individual: phone from the first number, photo stored and returned, empty strings as not given', async (t) => {
  const created = await call('POST', '/individual', {
    name: `WRITES ${tag}, ONE`,
    given_name: 'One',
    family_name: '',
    addl_name: '',
    gender: '',
    birthdate: '',
    birth_place: '',
    email: '',
    address: '',
    registration_date: '',
    image_1920: PNG,
    ids: [{ id_type: 'National ID', value: `W-${tag}-1`, expiry_date: '', status: 'valid', description: '' }],
    phone_numbers: [
      { phone_no: '', date_collected: '' },
      { phone_no: '+254712345621', date_collected: '' },
      { phone_no: '+254712345622', date_collected: '2024-01-02' },
    ],
  });
  t.equal(created.status, 200, JSON.stringify(created.json));
  t.equal(created.json.image_1920, PNG, 'the photo comes back as stored');
  t.match(created.json, {
    family_name: null,
    gender: null,
    birthdate: null,
    email: null,
    address: null,
    registration_date: new Date().toISOString().slice(0, 10),
  });
  const partner = await readPartner(created.json.id, ['phone', 'image_1920', 'family_name', 'email', 'gender']);
  t.match(partner, { phone: '+254712345621', image_1920: PNG, family_name: false, email: false, gender: false });
  t.same(
    (await phonesOf(created.json.id)).map((p) => [p.phone_no, p.date_collected]),
    [
      ['+254712345621', false],
      ['+254712345622', '2024-01-02'],
    ],
    'no blank phone; no collection date unless given',
  );
  t.same(
    (await regIdsOf(created.json.id)).map((r) => [r.value, r.status, r.expiry_date, r.description]),
    [[`W-${tag}-1`, 'valid', false, false]],
  );
  const read = await call('GET', `/individual/${created.json.id}`);
  t.equal(read.json.image_1920, PNG);
});

t.test("a photo that is no image is refused with Odoo's words, nothing stored", async (t) => {
  for (const [image, words] of [
    ['bm90IGFuIGltYWdl', 'This file could not be decoded as an image file.'],
    ['!!!notbase64', 'Image is not encoded in base64.'],
  ] as const) {
    const name = `WRITES ${tag}, BADIMAGE`;
    const refused = await call('POST', '/individual', { name, given_name: 'Bad', gender: null, image_1920: image });
    t.equal(refused.status, 400, image);
    t.same(refused.json, { detail: words });
    t.same(await odoo.search('res.partner', [['name', '=', name]], { context: { active_test: false } }), []);
  }
});

t.test("PUT /update_individual: phone from the update's first number; an ID of the same type updated, unsent status cleared", async (t) => {
  const created = await call('POST', '/individual', {
    name: `WRITES ${tag}, TWO`,
    given_name: 'Two',
    gender: null,
    ids: [{ id_type: 'National ID', value: `W-${tag}-2`, status: 'valid', description: 'card' }],
    phone_numbers: [{ phone_no: '+254712345623' }],
  });
  t.equal(created.status, 200);
  const updated = await call('PUT', '/update_individual?id_type=National%20ID', [
    {
      updateId: `W-${tag}-2`,
      name: null,
      given_name: '',
      gender: null,
      ids: [{ id_type: 'National ID', value: `W-${tag}-2`, expiry_date: '2030-01-01' }],
      phone_numbers: [{ phone_no: '+254712345624' }, { phone_no: '+254712345623', date_collected: '2024-05-05' }],
      image_1920: PNG,
    },
  ]);
  t.equal(updated.status, 200, JSON.stringify(updated.json));
  t.match(updated.json, [{ given_name: 'Two', image_1920: PNG }], 'an empty given_name leaves it as it was');
  t.equal((await readPartner(created.json.id, ['phone'])).phone, '+254712345624');
  t.same(
    (await regIdsOf(created.json.id)).map((r) => [r.value, r.status, r.expiry_date, r.description]),
    [[`W-${tag}-2`, false, '2030-01-01', false]],
  );
  t.same(
    (await phonesOf(created.json.id)).map((p) => [p.phone_no, p.date_collected]),
    [
      ['+254712345624', false],
      ['+254712345623', '2024-05-05'],
    ],
    'a number sent again is updated, not repeated, and the numbers read in the order sent (phone is the first)',
  );
});

t.test('POST /group: IDs and phone numbers stored on the group, its phone from the first, and listed', async (t) => {
  const created = await call('POST', '/group', {
    name: `WRITES ${tag} HOUSEHOLD`,
    kind: 'Household',
    is_partial_group: null,
    registration_date: '2024-01-01',
    email: '',
    address: null,
    ids: [{ id_type: 'National ID', value: `WG-${tag}`, status: 'valid' }],
    phone_numbers: [{ phone_no: '+254712345625' }, { phone_no: '+254712345626' }],
    members: [
      {
        name: `WRITES ${tag}, HEAD`,
        given_name: 'Head',
        gender: 'Female',
        email: null,
        address: null,
        birth_place: null,
        kind: [{ name: 'Head' }],
        phone_numbers: [{ phone_no: '+254712345627' }],
      },
    ],
  });
  t.equal(created.status, 200, JSON.stringify(created.json));
  t.match(created.json, {
    reg_ids: [{ id_type_as_str: 'National ID', value: `WG-${tag}` }],
    phone_number_ids: [{ phone_no: '+254712345625' }, { phone_no: '+254712345626' }],
    group_membership_ids: [{ kind: [{ name: 'Head' }], individual: { name: `WRITES ${tag}, HEAD`, phone_number_ids: [{ phone_no: '+254712345627' }] } }],
  });
  t.match(await readPartner(created.json.id, ['phone', 'email', 'is_partial_group']), { phone: '+254712345625', email: false, is_partial_group: false });
  const head = created.json.group_membership_ids[0].individual.id as number;
  t.equal((await readPartner(head, ['phone'])).phone, '+254712345627', "the member's phone too");
});

t.test("GET /individual and GET /group list in Odoo's default order (name, then newest first)", async (t) => {
  const made: number[] = [];
  for (const suffix of ['C', 'A', 'B', 'A']) {
    made.push(await odoo.create('res.partner', { name: `WRITES ${tag} ORDER ${suffix}`, given_name: suffix, is_registrant: true, is_group: false }));
  }
  const list = await call('GET', `/individual?name=${encodeURIComponent(`WRITES ${tag} ORDER`)}`);
  t.equal(list.status, 200);
  t.same(
    list.json.map((i: { id: number }) => i.id),
    [made[3], made[1], made[2], made[0]],
  );
  const groups: number[] = [];
  for (const suffix of ['B', 'A'])
    groups.push(await odoo.create('res.partner', { name: `WRITES ${tag} GROUPS ${suffix}`, is_registrant: true, is_group: true }));
  const listed = await call('GET', `/group?name=${encodeURIComponent(`WRITES ${tag} GROUPS`)}`);
  t.same(
    listed.json.map((g: { id: number }) => g.id),
    [groups[1], groups[0]],
  );
});

t.test("GET /get_individual_ids: the module's rule, each value once", async (t) => {
  const { nationalId: nid, taxId: tax } = stack.reference;
  const digits = String(parseInt(stack.runTag, 16)).padStart(9, '0').slice(-9);
  const person = (suffix: string, regIds: Array<Record<string, unknown>>) =>
    odoo.create('res.partner', {
      name: `WRITES ${tag} IDS ${suffix}`,
      given_name: suffix,
      is_registrant: true,
      is_group: false,
      reg_ids: regIds.map((r) => [0, 0, r]),
    });
  await person('valid', [{ id_type: nid, value: `WI-${tag}-valid`, status: 'valid' }]);
  await person('repeat', [{ id_type: nid, value: `WI-${tag}-valid`, status: 'valid' }]);
  await person('nostatus', [{ id_type: nid, value: `WI-${tag}-nostatus` }]);
  await person('other', [
    { id_type: nid, value: `WI-${tag}-other` },
    { id_type: tax, value: digits, status: 'valid' },
  ]);
  const archived = await person('archived', [{ id_type: nid, value: `WI-${tag}-archived`, status: 'valid' }]);
  await odoo.write('res.partner', [archived], { active: false });
  const ours = (values: string[]) => values.filter((v) => v.startsWith(`WI-${tag}-`)).sort();
  const all = await call('GET', '/get_individual_ids?include_id_type=National%20ID');
  t.equal(all.status, 200);
  t.same(ours(all.json), [`WI-${tag}-other`, `WI-${tag}-valid`], 'valid, or held with another valid ID; archived and status-less ones left out');
  t.equal(new Set(all.json).size, all.json.length, 'no value twice');
  const excluded = await call('GET', '/get_individual_ids?include_id_type=National%20ID&exclude_id_type=Tax%20ID');
  t.same(ours(excluded.json), [`WI-${tag}-valid`], 'holders of a Tax ID left out');
  const caseDiffers = await call('GET', '/get_individual_ids?include_id_type=national%20id');
  t.same(caseDiffers.json, [], 'type names match exactly, as in the module');
});
