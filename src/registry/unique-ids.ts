import type { CallOptions, OdooClient } from '../odoo/types.js';
import { RegistryError } from './errors.js';
import type { RecordLease, RecordLocks } from './record-locks.js';
import type { ReferenceCache } from './reference.js';

/** A registrant ID a write would give someone, of a type that must be unique. */
interface Claim {
  typeId: number;
  typeName: string;
  value: string;
  /** Where it is in the request: `reg_ids[0].value`, `items[3].reg_ids[0].value`. */
  field: string;
}

/** The IDs a write sends, with the path of each list (`''`, `items[3].`). */
export interface SentIds {
  path: string;
  regIds: ReadonlyArray<{ id_type: string | number; value: string }> | undefined;
}

/**
 * IDs of the types in `api.uniqueIdTypes` (National ID by default) belong to one registrant.
 * OpenG2P itself lets two registrants hold the same value (deduplication finds them later), so
 * Odoo cannot be asked to refuse: the gateway checks before writing. Check and write run under
 * a lease per (type, value) from the same lock store as record writes (Redis with several
 * replicas), so two creates of the same ID on two replicas cannot both pass the check; every
 * Odoo write of the sequence is fenced by all the leases it holds.
 */
export class UniqueIds {
  constructor(
    private readonly locks: RecordLocks,
    private readonly refs: ReferenceCache,
  ) {}

  async holding<R>(
    client: OdooClient,
    uniqueTypes: readonly string[],
    sent: SentIds[],
    self: number | undefined,
    write: (fence: () => Promise<CallOptions>) => Promise<R>,
  ): Promise<R> {
    const claims = uniqueTypes.length === 0 ? [] : await this.claims(client, new Set(uniqueTypes), sent);
    if (claims.length === 0) return write(async () => ({}));
    const keys = [...new Set(claims.map(lockKey))].sort();
    const leases: RecordLease[] = [];
    const hold = async (i: number): Promise<R> => {
      if (i < keys.length) return this.locks.run(keys[i]!, (lease) => (leases.push(lease), hold(i + 1)));
      await refuseTaken(client, claims, self);
      return write(() => fenceAll(leases));
    };
    return hold(0);
  }

  private async claims(client: OdooClient, uniqueTypes: ReadonlySet<string>, sent: SentIds[]): Promise<Claim[]> {
    const claims: Claim[] = [];
    const seen = new Map<string, string>();
    for (const { path, regIds } of sent) {
      for (const [i, regId] of (regIds ?? []).entries()) {
        const field = `${path}reg_ids[${i}].value`;
        // An ID type that does not resolve is reported by the write's own validation.
        const type = await this.refs.resolve(client, 'idTypes', regId.id_type, field).catch(() => undefined);
        if (!type || !uniqueTypes.has(type.name)) continue;
        const claim = { typeId: type.id, typeName: type.name, value: regId.value, field };
        const earlier = seen.get(lockKey(claim));
        if (earlier !== undefined) {
          const message = `the ${type.name} "${regId.value}" is also given at ${earlier}; it must be unique`;
          throw new RegistryError('conflict', `${field}: ${message}`, [{ field, message }]);
        }
        seen.set(lockKey(claim), field);
        claims.push(claim);
      }
    }
    return claims;
  }
}

const lockKey = (claim: Pick<Claim, 'typeId' | 'value'>): string => `g2p.reg.id:${claim.typeId}:${claim.value}`;

/** One search per claim: an active registrant (individual or group) other than `self` holding it. */
async function refuseTaken(client: OdooClient, claims: Claim[], self: number | undefined): Promise<void> {
  for (const claim of claims) {
    const holders = await client.searchRead(
      'res.partner',
      [
        ['is_registrant', '=', true],
        [
          'reg_ids',
          'any',
          [
            ['id_type', '=', claim.typeId],
            ['value', '=', claim.value],
          ],
        ],
        ...(self === undefined ? [] : [['id', '!=', self]]),
      ] as never,
      ['is_group'],
      { limit: 1, order: 'id asc' },
    );
    const holder = holders[0];
    if (holder) {
      const kind = holder.is_group ? 'group' : 'individual';
      const message = `the ${claim.typeName} "${claim.value}" is already held by ${kind} ${holder.id as number}`;
      throw new RegistryError('conflict', `${claim.field}: ${message}`, [{ field: claim.field, message }], { holder: { id: holder.id, type: kind } });
    }
  }
}

/** Every lease confirmed before the write; the write is abandoned when the first of them ends. */
async function fenceAll(leases: RecordLease[]): Promise<CallOptions> {
  const options = await Promise.all(leases.map((lease) => lease.fence()));
  const signals = options.map((o) => o.signal).filter((s): s is AbortSignal => s !== undefined);
  return signals.length === 0 ? {} : { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) };
}
