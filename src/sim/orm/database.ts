import { accessError, missingError, OdooSimError, typeError, valueError } from '../exceptions.js';
import { expandGroups } from './access.js';
import { ApiKeyFlows } from './apikeys.js';
import { callMethod } from './methods.js';
import { ManualFields } from './manual-fields.js';
import { MODELS } from './models.js';
import type { CallEnv } from './env.js';
import { Orm } from './orm.js';
import { seedDatabase } from '../seed/seed.js';
import type { SimUser } from './user.js';

export interface SimDatabaseOptions {
  /** database name, default 'g2p' */
  name?: string;
  /** demo data seed, default 1 */
  seed?: number;
  /** demo households; 0 = reference data and users only (default) */
  households?: number;
  /** password of uid 2 `admin`, default 'admin' */
  adminPassword?: string;
}

/** The superuser (uid 1) bypasses access rights, as in Odoo. */
export const SUPERUSER_ID = 1;

/**
 * One simulated Odoo database: the ORM store, its users and the RPC entry point. Every
 * execute() is one transaction: when it throws, the undo journal puts every touched row back.
 */
export class SimDatabase {
  readonly name: string;
  readonly orm = new Orm();
  private readonly manualFields = new ManualFields(this.orm, MODELS.keys());
  private readonly users = new Map<number, SimUser>();
  private readonly apiKeys = new ApiKeyFlows(this.orm, (uid) => this.users.get(uid));

  constructor(options: SimDatabaseOptions = {}) {
    this.name = options.name ?? 'g2p';
    seedDatabase(this, {
      seed: options.seed ?? 1,
      households: options.households ?? 0,
      adminPassword: options.adminPassword ?? 'admin',
    });
  }

  findUserByLogin(login: string): SimUser | undefined {
    for (const user of this.users.values()) if (user.login === login) return user;
    return undefined;
  }

  userById(id: number): SimUser | undefined {
    return this.users.get(id);
  }

  /** Adds a user with its partner and res.users record (as the superuser). */
  addUser(user: Omit<SimUser, 'id' | 'partnerId'> & { id?: number }): SimUser {
    if (user.id !== undefined && this.users.has(user.id)) throw new Error(`uid ${user.id} exists`);
    if (this.findUserByLogin(user.login)) throw new Error(`login ${user.login} exists`);
    const env = this.superEnv();
    this.orm.journal.begin();
    try {
      const [partnerId] = this.orm.create(env, 'res.partner', [{ name: user.name, company_id: user.companyId, active: user.active }]);
      const id = this.orm.table('res.users').allocateId(user.id);
      const users = this.orm.table('res.users');
      users.insert({
        id,
        login: user.login,
        partner_id: partnerId,
        company_id: user.companyId,
        active: user.active,
        create_uid: SUPERUSER_ID,
        write_uid: SUPERUSER_ID,
        create_date: env.stamp,
        write_date: env.stamp,
      });
      this.orm.journal.commit();
      const created: SimUser = { ...user, id, partnerId: partnerId!, groups: [...user.groups], apiKeys: [...user.apiKeys] };
      this.users.set(id, created);
      return created;
    } catch (error) {
      this.orm.journal.rollback();
      throw error;
    }
  }

  hasModel(model: string): boolean {
    return this.orm.hasModel(model);
  }

  /** Runs one ORM method as uid, atomically: when it throws, no change remains. Throws OdooSimError only. */
  execute(uid: number, model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
    if (typeof method === 'string' && method.startsWith('_')) {
      throw accessError(`Private methods (such as ${method}) cannot be called remotely.`);
    }
    const user = this.users.get(uid);
    if (!user) throw missingError(`Record does not exist or has been deleted.\n(Record: res.users(${uid},), User: ${uid})`);
    if (!this.orm.hasModel(model) && !ManualFields.handles(model)) throw new OdooSimError('odoo.exceptions.UserError', `Object ${model} doesn't exist`);
    const { context, ...rest } = kwargs ?? {};
    const env: CallEnv = {
      uid,
      groups: uid === SUPERUSER_ID ? undefined : this.groupsOf(user),
      companyId: user.companyId,
      context: context && typeof context === 'object' && !Array.isArray(context) ? (context as Record<string, unknown>) : {},
      stamp: this.orm.clock.stamp(),
    };
    this.orm.journal.begin();
    try {
      const argList = Array.isArray(args) ? args : [args];
      const result = ManualFields.handles(model)
        ? this.manualFields.call(env, model, method, argList, rest)
        : (this.apiKeyMethod(env, model, method, argList, rest) ?? callMethod(this.orm, env, model, method, argList, rest));
      this.orm.journal.commit();
      return result;
    } catch (error) {
      this.orm.journal.rollback();
      if (error instanceof OdooSimError) throw error;
      throw new OdooSimError('builtins.TypeError', error instanceof Error ? error.message : String(error));
    }
  }

  /** Environment of the superuser, for seeding. */
  superEnv(): CallEnv {
    return { uid: SUPERUSER_ID, groups: undefined, companyId: 1, context: {}, stamp: this.orm.clock.stamp() };
  }

  /** Expanded on every call, so that a change to user.groups takes effect at once. */
  private groupsOf(user: SimUser): ReadonlySet<string> {
    return expandGroups(user.groups);
  }

  /** The API key wizard methods (undefined for every other method). */
  private apiKeyMethod(env: CallEnv, model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
    const ids = Array.isArray(args[0]) ? (args[0] as number[]) : typeof args[0] === 'number' ? [args[0]] : [];
    if (model === 'res.users.apikeys.description' && method === 'make_key') return this.apiKeys.makeKey(env, ids);
    if (model === 'res.users.apikeys' && method === 'remove') return this.apiKeys.remove(env, ids);
    if (model === 'res.users.identitycheck' && method === 'run_check') return this.apiKeys.runCheck(env, ids);
    if (model === 'res.users' && method === 'has_group') return this.hasGroup(env, args, kwargs);
    return undefined;
  }

  /**
   * Odoo 17's public `res.users.has_group(group_ext_id)`, an `@api.model` method: over RPC it
   * takes the xml id alone (positionally or as `group_ext_id=`) and answers for the CALLER.
   * The older `has_group([[uid], xmlid])` shape gets the TypeError the real server raises (a
   * record list is passed as an extra positional argument). An xml id that names no group is
   * simply false; one that is not `module.name` fails as Odoo's own assertion / unpacking does.
   */
  private hasGroup(env: CallEnv, args: unknown[], kwargs: Record<string, unknown>): boolean {
    const given = args.length + ('group_ext_id' in kwargs ? 1 : 0);
    if (given > 1) {
      const extra = args.length > 1 ? `takes 2 positional arguments but ${args.length + 1} were given` : "got multiple values for argument 'group_ext_id'";
      throw typeError(`Users.has_group() ${extra}`);
    }
    if (given === 0) throw typeError("Users.has_group() missing 1 required positional argument: 'group_ext_id'");
    const groupExtId = args.length ? args[0] : kwargs.group_ext_id;
    if (!groupExtId || typeof groupExtId !== 'string' || !groupExtId.includes('.')) {
      throw new OdooSimError('builtins.AssertionError', `External ID '${pyStr(groupExtId)}' must be fully qualified`);
    }
    const parts = groupExtId.split('.');
    if (parts.length > 2) throw valueError('too many values to unpack (expected 2)');
    const user = this.users.get(env.uid);
    return user !== undefined && this.groupsOf(user).has(groupExtId);
  }

  /** Registers a user whose res.users row the seed inserted itself. */
  registerUser(user: SimUser): void {
    this.users.set(user.id, user);
  }
}

/** Python's str() of a JSON value, as `'%s' % value` prints it in Odoo's messages. */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
