/**
 * The registry's pure parts: Odoo error -> problem mapping, cursors, names, the sync window,
 * the idempotency store. Everything that talks to Odoo is covered end to end in
 * test/e2e/registry-api.test.ts.
 */
import t from 'tap';
import { odooProblem } from '../../src/http/odoo-errors.js';
import { OdooError, type OdooErrorKind } from '../../src/odoo/errors.js';
import { decodeCursor, encodeCursor } from '../../src/registry/cursor.js';
import { RegistryError } from '../../src/registry/errors.js';
import { cursorAfter, cursorDomain, type CompiledQuery } from '../../src/registry/filters.js';
import { MemoryIdempotencyStore } from '../../src/registry/idempotency.js';
import { createRegistry } from '../../src/registry/index.js';
import { individualName } from '../../src/registry/names.js';
import { versionOf } from '../../src/registry/version.js';

t.test('every Odoo error kind maps to its status, with a safe detail', async (t) => {
  const cases: Array<[OdooErrorKind, string, number]> = [
    ['access_denied', 'Access Denied', 502],
    ['access_error', "You are not allowed to create 'Contact' (res.partner) records.", 403],
    ['missing', 'Record does not exist or has been deleted.\n(Record: res.partner(9,), User: 2)', 404],
    ['validation', 'Registration date must be less than the current date.', 422],
    ['user_error', 'Something is wrong', 422],
    ['validation', 'Duplication of Member is not allowed ', 409],
    ['validation', 'The operation cannot be completed: A registrant can have only one ID of each type.', 409],
    ['server_error', 'Odoo could not process the request', 502],
    ['session_expired', 'Session expired', 502],
    ['timeout', 'timed out', 504],
    ['unavailable', 'connect ECONNREFUSED', 503],
    ['bad_response', 'not JSON', 502],
  ];
  for (const [kind, message, status] of cases) {
    const problem = odooProblem(new OdooError({ kind, message, debug: 'Traceback (most recent call last):\n  File "/srv/odoo/x.py"' }));
    t.equal(problem?.status, status, `${kind} (${message.slice(0, 30)}) -> ${status}`);
    t.notMatch(problem?.detail ?? '', /Traceback|File "/, `${kind}: no traceback`);
  }
  t.match(odooProblem(new OdooError({ kind: 'access_error', message: 'You are not allowed' }))?.detail, /^Odoo refused/);
  t.equal(odooProblem(new OdooError({ kind: 'unavailable', message: 'x' }))?.headers?.['retry-after'], '10', 'Retry-After on 503');
  t.match(odooProblem(new OdooError({ kind: 'validation', message: 'End Date cannot be earlier than Start Date' }))?.detail, 'End Date cannot be earlier');
  t.notMatch(odooProblem(new OdooError({ kind: 'access_denied', message: 'Access Denied for login admin' }))?.detail, /admin/, 'no login echoed');
  t.equal(odooProblem(new Error('plain')), undefined, 'other errors are not ours to map');
  t.equal(odooProblem(new RegistryError('stale', 'x'))?.status, 412);
  t.equal(odooProblem(new RegistryError('bad_cursor', 'x'))?.status, 400);
  t.equal(odooProblem(new RegistryError('in_flight', 'x'))?.status, 409);
  t.equal(odooProblem(new RegistryError('idempotency_mismatch', 'x'))?.status, 422);
  t.same(odooProblem(new RegistryError('conflict', 'two', undefined, { candidates: [1, 2] }))?.extensions, { candidates: [1, 2] });
});

/** The kind of RegistryError a step throws ('none' when it does not throw). */
function kindOf(step: () => unknown): string {
  try {
    step();
    return 'none';
  } catch (err) {
    return err instanceof RegistryError ? err.kind : 'other';
  }
}

t.test('cursors are opaque, bound to their query, and refuse tampering', async (t) => {
  const id = encodeCursor({ order: 'id', after: 42, filter: 'f1' });
  t.same(decodeCursor(id, { order: 'id', filter: 'f1' }), { order: 'id', after: 42, filter: 'f1' });
  t.notMatch(id, /[+/=]/, 'base64url');
  t.equal(
    kindOf(() => decodeCursor(id, { order: 'id', filter: 'other' })),
    'bad_cursor',
    'another query',
  );
  t.equal(
    kindOf(() => decodeCursor(id, { order: '-id', filter: 'f1' })),
    'bad_cursor',
    'another order',
  );
  t.equal(
    kindOf(() => decodeCursor('not-a-cursor', { order: 'id', filter: 'f1' })),
    'bad_cursor',
  );
  t.equal(
    kindOf(() => decodeCursor(Buffer.from('{"o":"id","a":"1","f":"f1"}').toString('base64url'), { order: 'id', filter: 'f1' })),
    'bad_cursor',
  );
  const huge = Buffer.from(JSON.stringify({ o: 'u', w: '2026-01-01 00:00:00', s: [[1, 1e9]], f: 'f' })).toString('base64url');
  t.equal(
    kindOf(() => decodeCursor(huge, { order: 'updated_at', filter: 'f' })),
    'bad_cursor',
    'no unbounded id ranges',
  );

  const sync = encodeCursor({ order: 'updated_at', writeDate: '2026-11-28 09:02:53', seen: [5, 3, 4, 9, 10, 1], filter: 'f' });
  t.same(
    decodeCursor(sync, { order: 'updated_at', filter: 'f' }),
    { order: 'updated_at', writeDate: '2026-11-28 09:02:53', seen: [1, 3, 4, 5, 9, 10], filter: 'f' },
    'seen ids kept (as ranges)',
  );
  t.ok(
    encodeCursor({ order: 'updated_at', writeDate: '2026-11-28 09:02:53', seen: Array.from({ length: 1000 }, (_, i) => i + 1), filter: 'f' }).length < 120,
    'a batch of 1000 ids in one second stays small',
  );
});

t.test('the sync cursor treats a second as a bucket and remembers what it delivered in it', async (t) => {
  const compiled = { sort: 'updated_at', filter: 'f', cursor: undefined } as unknown as CompiledQuery;
  const first = cursorAfter(compiled, [
    { id: 7, write_date: '2026-11-28 09:00:00' },
    { id: 3, write_date: '2026-11-28 09:00:01' },
    { id: 9, write_date: '2026-11-28 09:00:01' },
  ]);
  t.same(first, { order: 'updated_at', writeDate: '2026-11-28 09:00:01', seen: [3, 9], filter: 'f' });
  t.same(cursorDomain(first!), ['&', ['write_date', '>=', '2026-11-28 09:00:01'], '|', ['write_date', '>=', '2026-11-28 09:00:02'], ['id', 'not in', [3, 9]]]);
  const second = cursorAfter({ ...compiled, cursor: first! }, [{ id: 2, write_date: '2026-11-28 09:00:01' }]);
  t.same(second, { order: 'updated_at', writeDate: '2026-11-28 09:00:01', seen: [3, 9, 2], filter: 'f' }, 'same second: the seen ids accumulate');
  t.same(cursorAfter({ ...compiled, cursor: first! }, []), first, 'an empty page resumes where it was');
  t.same(cursorDomain({ order: '-id', after: 10, filter: 'f' }), [['id', '<', 10]]);
});

t.test('names are built as OpenG2P builds them', async (t) => {
  t.equal(individualName({ family_name: 'Okafor', given_name: 'Chidi', addl_name: 'Emeka' }), 'OKAFOR, CHIDI EMEKA');
  t.equal(individualName({ family_name: 'Müller', given_name: 'Zoë' }), 'MÜLLER, ZOË');
  t.equal(individualName({ given_name: ' Ana  María ' }), 'ANA MARÍA');
  t.equal(individualName({ family_name: 'Diallo' }), 'DIALLO');
  t.equal(individualName({}), '');
});

t.test('versions change with any field, not only with write_date', async (t) => {
  const a = { id: 1, updated_at: '2026-11-28T09:00:00Z', occupation: 'Farmer', reg_ids: [{ id: 1, value: 'x' }] };
  t.equal(versionOf(a), versionOf({ ...a }), 'stable');
  t.equal(
    versionOf(a),
    versionOf({ reg_ids: [{ value: 'x', id: 1 }], occupation: 'Farmer', updated_at: '2026-11-28T09:00:00Z', id: 1 }),
    'key order does not matter',
  );
  t.not(versionOf(a), versionOf({ ...a, occupation: 'Teacher' }), 'a change within the same second is a new version');
});

t.test('idempotency store', async (t) => {
  let now = 1_000;
  const store = new MemoryIdempotencyStore(60_000, () => now);
  t.teardown(() => store.close());
  const response = { status: 201, body: { id: 5 }, headers: { location: '/x/5' } };

  t.same(await store.begin('k', 'fp'), { outcome: 'started' });
  const waiting = await store.begin('k', 'fp');
  t.equal(waiting.outcome, 'in_flight', 'a second request while the first runs');
  t.same(await store.begin('k', 'other'), { outcome: 'mismatch' }, 'other body');
  await store.complete('k', response);
  if (waiting.outcome === 'in_flight') await waiting.settled;
  t.same(await store.begin('k', 'fp'), { outcome: 'replay', response }, 'completed: replayed');

  t.same(await store.begin('u', 'fp'), { outcome: 'started' });
  await store.markUnknown('u');
  t.same(await store.begin('u', 'fp'), { outcome: 'unknown' }, 'unknown outcome: the retry must look first');
  t.equal((await store.begin('u', 'fp')).outcome, 'in_flight', 'and holds the key while it looks');
  await store.release('u');
  t.same(await store.begin('u', 'fp'), { outcome: 'started' }, 'released: runs afresh');

  now += 60_001;
  t.same(await store.begin('k', 'fp'), { outcome: 'started' }, 'expired keys are forgotten');
});

t.test('custom fields are checked at start-up', async (t) => {
  const base = { referenceCacheTtlMs: 1000, defaultPageSize: 10, maxPageSize: 20, countLimit: 100, maxBatchSize: 5, syncSettleMs: 0 };
  const field = (name: string, odooField: string) => ({
    name,
    odooField,
    type: 'string' as const,
    readRole: 'Rest API GET' as const,
    writeRole: 'Rest API POST' as const,
  });
  t.throws(() => createRegistry({ ...base, customFields: [field('gender', 'x_gender')] }), /clashes with a built-in field/);
  t.throws(() => createRegistry({ ...base, customFields: [field('owner', 'company_id')] }), /managed Odoo field "company_id"/);
  t.throws(() => createRegistry({ ...base, customFields: [field('x', 'x_a'), field('x', 'x_b')] }), /declared twice/);
  const registry = createRegistry({ ...base, customFields: [field('district_code', 'x_district_code')] });
  const parsed = registry.core.schemas.individualCreate.safeParse({ given_name: 'A', district_code: 'D-1' });
  t.ok(parsed.success, 'a declared custom field is accepted on input');
  t.notOk(registry.core.schemas.individualCreate.safeParse({ given_name: 'A', x_district_code: 'D-1' }).success, 'the raw Odoo name is not');
  t.notOk(registry.core.schemas.individualCreate.safeParse({ given_name: 'A', district_code: 5 }).success, 'typed');
});
