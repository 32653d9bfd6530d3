/**
 * A queued answer is sealed the way its own request came, not the way the sender's latest
 * message came: an async search sent encrypted and signed as a compact JWS is answered on its
 * callback encrypted and signed as a compact JWS even when the same sender sends a clear message
 * in the signature-string form while the search waits (the job may be worked later, after a
 * restart, or on another replica). Checked by the test SP-MIS (sp-mis.ts: no gateway code), on
 * the in-memory pool and on BullMQ in a real redis-server. Simulator only: the search is held by
 * the simulator's fault injection so the clear message lands while it waits.
 */
import t from 'tap';
import { simulatorOnly } from '../support/odoo-target.js';
import { expression, queueBackends, startDciGateway, startSim } from './harness.js';
import { keyPair, SpMis } from './sp-mis.js';

const skip = simulatorOnly('fault injection (the search is held while another message comes)');
const REGISTRY = 'partner-test-registry';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gatewayKeys = { ed: keyPair('EdDSA'), rsa: keyPair('RS256'), enc: keyPair('RS256') };

let sim: Awaited<ReturnType<typeof startSim>>;
t.before(async () => {
  if (skip) return;
  sim = await startSim(10);
});
t.teardown(async () => {
  await sim?.close();
});

const backends = queueBackends(t, 'encrypted-callbacks');

for (const backend of backends) {
  t.test(`${backend.name}: an encrypted async search is answered encrypted, whatever the sender sent since`, { skip: skip || backend.skip }, async (t) => {
    const partner = new SpMis({ senderId: 'mixed-spmis', form: 'compact-jws', algorithm: 'RS256' });
    await partner.start();
    t.teardown(() => partner.stop());
    const gw = await startDciGateway(
      t,
      sim,
      {
        registryId: REGISTRY,
        signingKey: gatewayKeys.ed.privatePem,
        keyId: 'gw-ed',
        additionalSigningKeys: { 'gw-rsa': gatewayKeys.rsa.privatePem },
        decryptionKey: gatewayKeys.enc.privatePem,
        decryptionKeyId: 'gw-enc',
        senders: {
          [partner.senderId]: {
            publicKeys: { [partner.keyId]: partner.signing.publicPem },
            answerKeyId: 'gw-rsa',
            encryptionKey: partner.encryption.publicPem,
            callbackUrl: partner.callbackUrl,
          },
        } as never,
      },
      await backend.redis(),
    );
    await partner.trust(`${gw.origin}/.well-known/jwks.json`);
    t.teardown(() => sim.sim!.faults.clear());

    await sim.sim!.faults.outage('hang');
    const search = {
      transaction_id: `txn-${Date.now()}`,
      search_request: [{ reference_id: 'ref-1', timestamp: new Date().toISOString(), search_criteria: expression('Member', { family_name: { $eq: 'Zoë' } }) }],
    };
    const ack = await gw.post('/registry/search', await partner.envelope('search', search, {}, { encryptTo: partner.gatewayEncryptionKey() }));
    t.equal(ack.status, 200);
    const correlationId: string = (await partner.open(ack.body)).message?.correlation_id;
    t.type(correlationId, 'string', 'acknowledged');

    // While the search is held: a clear message from the same sender, in the signature-string form.
    const status = {
      transaction_id: 'status-1',
      txnstatus_request: { reference_id: 's-1', txn_type: 'search', attribute_type: 'correlation_id', attribute_value: correlationId },
    };
    // Sent until the search is under way (held in Odoo), so the last one comes after the job started.
    let clearAnswer: Awaited<ReturnType<SpMis['open']>> | undefined;
    for (let i = 0; i < 200; i++) {
      const clear = await gw.post('/registry/sync/txn/status', await partner.envelope('txn-status', status, {}, { plain: true, sign: { form: 'string' } }));
      clearAnswer = await partner.open(clear.body);
      if (clearAnswer.message?.txnstatus_response?.txn_status?.search_response?.[0]?.status === 'pdng') break;
      await sleep(25);
    }
    t.same(
      [clearAnswer!.encrypted, clearAnswer!.form, clearAnswer!.signatureValid],
      [false, 'string', true],
      'the clear message is answered in the clear, in its form',
    );
    t.equal(clearAnswer!.message?.txnstatus_response?.txn_status?.search_response?.[0]?.status, 'pdng', 'while the search is under way');

    await sleep(100);
    await sim.sim!.faults.clear();
    const callback = await partner.waitFor('/spmis/registry/on-search', (c) => c.message?.correlation_id === correlationId, 30_000);
    t.same(
      [callback.encrypted, callback.form, callback.algorithm, callback.signatureValid],
      [true, 'compact-jws', 'RS256', true],
      "the on-search is encrypted to the sender's key and signed as its search was",
    );
    t.equal(callback.message?.search_response?.[0]?.status, 'succ', 'decrypted: the search answer');
  });
}
