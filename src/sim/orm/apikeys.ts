import { randomBytes } from 'node:crypto';
import { userError } from '../exceptions.js';
import type { SimUser } from './user.js';
import type { CallEnv } from './env.js';
import type { Orm } from './orm.js';

/**
 * Odoo 17's way to create and revoke an API key over RPC (web-session.json apikey_*):
 * description wizard -> make_key -> identity check (password) -> run_check -> the key. The
 * key is added to / removed from the user's `apiKeys`, which the wire layer checks.
 */
const identityCheckAction = (id: number) => ({
  type: 'ir.actions.act_window',
  res_model: 'res.users.identitycheck',
  res_id: id,
  name: 'Security Control',
  target: 'new',
  views: [[false, 'form']],
});

interface PendingRequest {
  kind: 'make_key' | 'remove';
  ids: number[];
}

export class ApiKeyFlows {
  private readonly keyValues = new Map<number, string>();

  constructor(
    private readonly orm: Orm,
    private readonly user: (uid: number) => SimUser | undefined,
  ) {}

  /** res.users.apikeys.description.make_key: asks for the password first. */
  makeKey(env: CallEnv, ids: number[]): unknown {
    this.orm.ensureExist(env, 'res.users.apikeys.description', ids);
    return this.identityCheck(env, { kind: 'make_key', ids });
  }

  /** res.users.apikeys.remove: asks for the password first. */
  remove(env: CallEnv, ids: number[]): unknown {
    this.orm.ensureExist(env, 'res.users.apikeys', ids);
    return this.identityCheck(env, { kind: 'remove', ids });
  }

  /** res.users.identitycheck.run_check: checks the password written on the wizard, then acts. */
  runCheck(env: CallEnv, ids: number[]): unknown {
    this.orm.ensureExist(env, 'res.users.identitycheck', ids);
    const wizard = this.orm.row('res.users.identitycheck', ids[0]!)!;
    const user = this.user(env.uid);
    if (!user || !wizard.password || wizard.password !== user.password) {
      throw userError('Incorrect Password, try again or click on Forgot Password to reset your password.');
    }
    this.orm.table('res.users.identitycheck').update(wizard.id, { password: null });
    const request = JSON.parse(wizard.request as string) as PendingRequest;
    if (request.kind === 'make_key') {
      const description = this.orm.row('res.users.apikeys.description', request.ids[0]!)!;
      const key = randomBytes(20).toString('hex');
      const [keyId] = this.orm.create({ ...env, groups: undefined }, 'res.users.apikeys', [{ name: description.name, user_id: env.uid, scope: false }]);
      this.keyValues.set(keyId!, key);
      user.apiKeys.push(key);
      return {
        type: 'ir.actions.act_window',
        res_model: 'res.users.apikeys.show',
        name: 'API Key Ready',
        views: [[false, 'form']],
        target: 'new',
        context: { default_key: key },
      };
    }
    for (const id of request.ids) {
      const owner = this.user(this.orm.row('res.users.apikeys', id)?.user_id as number);
      const key = this.keyValues.get(id);
      if (owner && key) owner.apiKeys = owner.apiKeys.filter((k) => k !== key);
      this.keyValues.delete(id);
    }
    this.orm.unlink({ ...env, groups: undefined }, 'res.users.apikeys', request.ids);
    return { type: 'ir.actions.act_window_close' };
  }

  private identityCheck(env: CallEnv, request: PendingRequest): unknown {
    const [id] = this.orm.create(env, 'res.users.identitycheck', [{ request: JSON.stringify(request) }]);
    return identityCheckAction(id!);
  }
}
