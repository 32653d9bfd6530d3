/**
 * Finding 4 of the adversarial probe (issue 26): JSON nesting bombs. Every JSON body is checked
 * for its nesting depth before it is parsed: deeper than `server.maxJsonDepth` is a 400 in the
 * route's own error shape, and nothing of the message is stored.
 *
 * Before: a `POST /registry/search` whose header.meta nested 150,000 levels answered 500 and left
 * its transaction `rcvd`; 9,000 levels through the signature canonicaliser overflowed the stack.
 */
import t from 'tap';
import { ed25519Pair, message, signEnvelope, startDciGateway, startSim, uniqueId, type DciGateway } from '../dci/harness.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { authHeaders } from '../support/tokens.js';

let target: OdooTarget;
let gw: DciGateway;
const spmis = ed25519Pair();

/** `{"a":{"a":...}}` `levels` deep, built as text (a JS object that deep could not be stringified). */
const nested = (levels: number, leaf = '1') => `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
/** A DCI async search message whose header.meta holds `levels` of nesting. */
function deepMessage(levels: number, transactionId: string, signed = false): string {
  const envelope = message(
    [{ query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value: 'x' } }],
    signed ? { sender_id: 'signed-spmis' } : {},
  );
  envelope.message.transaction_id = transactionId;
  // Signed as the sender would sign it without the nesting: the gateway must canonicalise the body to check it.
  const text = JSON.stringify({
    ...(signed ? { signature: signEnvelope(envelope, { senderId: 'signed-spmis', keyId: 'k1', key: spmis.privateKey }) } : {}),
    ...envelope,
  });
  return text.replace('"is_msg_encrypted":false', `"is_msg_encrypted":false,"meta":${nested(levels)}`);
}

t.before(async () => {
  target = await startSim();
  gw = await startDciGateway(t, target, { senders: { 'signed-spmis': { publicKeys: { k1: spmis.publicPem }, requireSignature: true } } });
});
t.teardown(async () => {
  await target?.close();
});

t.test('DCI async search, 150,000 levels in header.meta: the DCI error acknowledgement, nothing stored', async (t) => {
  const transactionId = uniqueId('deep-txn');
  const answer = await gw.post('/registry/search', deepMessage(150_000, transactionId));
  t.equal(answer.status, 400, answer.text.slice(0, 200));
  t.equal(answer.body?.message?.ack_status, 'ERR', 'the standard acknowledgement, ERR');
  t.match(answer.body.message.error.message, /deeper than 64 levels/);
  const stored = await gw.app.services.dci!.store.findTransactions('test-spmis', { transactionId });
  t.same(stored, [], 'no transaction was recorded for the refused message');
});

t.test('DCI sync search, signed, 9,000 levels: 400 before the signature canonicaliser runs', async (t) => {
  const answer = await gw.post('/registry/sync/search', deepMessage(9_000, uniqueId('deep-txn'), true));
  t.equal(answer.status, 400, answer.text.slice(0, 200));
  t.equal(answer.body?.message?.ack_status, 'ERR');
});

t.test('REST API: problem+json naming the body', async (t) => {
  const answer = await gw.request('POST', '/api/v1/individuals', {
    body: `{"given_name":"Deep","family_name":"Body","notes":${nested(100_000)}}`,
    headers: authHeaders('both'),
  });
  t.equal(answer.status, 400);
  t.match(answer.contentType, /application\/problem\+json/);
  t.same(answer.body.errors, [{ field: 'body', message: 'nests objects and arrays deeper than 64 levels' }]);
});

t.test('compat routes: FastAPI-style detail, 400', async (t) => {
  const answer = await gw.request('POST', '/api/v1/registry/individual', { body: nested(5_000), headers: authHeaders('both') });
  t.equal(answer.status, 400, answer.text.slice(0, 200));
  t.ok(answer.body?.detail, 'the compat error shape');
});

t.test('the limit counts brackets outside strings only, and a body at the limit is parsed', async (t) => {
  const inString = await gw.request('POST', '/api/v1/individuals', {
    body: { given_name: '[[[[{{{{'.repeat(20), family_name: 'Brackets' },
    headers: authHeaders('both'),
  });
  t.not(inString.status, 400, 'brackets in a string are text');
  const atLimit = await gw.request('POST', '/api/v1/individuals', {
    body: `{"given_name":"At","family_name":"Limit","notes":${nested(63)}}`,
    headers: authHeaders('both'),
  });
  t.equal(atLimit.status, 400);
  t.notMatch(atLimit.text, /deeper than/, 'refused by the schema (unknown field), not by the depth check');
});
