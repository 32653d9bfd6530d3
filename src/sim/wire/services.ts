import { accessDenied, missingError, nameError, OdooSimError, typeError, userError, valueError } from '../exceptions.js';
import type { SimDatabase } from '../orm/database.js';
import type { SimUser } from '../orm/user.js';
import { PyFloat } from '../pyvalues.js';
import { versionInfo } from './version.js';
import { XmlRpcBinary, XmlRpcDateTime } from './xmlrpc.js';

/**
 * The `common` and `object` RPC services (odoo/service/common.py and model.py), shared by
 * XML-RPC and /jsonrpc. They throw OdooSimError exactly where the real dispatchers raise.
 */

export function unknownDatabase(db: unknown): OdooSimError {
  return new OdooSimError(
    'psycopg2.OperationalError',
    `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${String(db)}" does not exist\n`,
  );
}

function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** Python's int(x) as the object dispatcher applies it to the uid. */
export function pythonInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'object' && value !== null && 'value' in value && typeof (value as { value: unknown }).value === 'number') {
    return Math.trunc((value as { value: number }).value);
  }
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  if (typeof value === 'string') throw valueError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
  throw typeError(
    `int() argument must be a string, a bytes-like object or a real number, not '${value === null ? 'NoneType' : Array.isArray(value) ? 'list' : 'dict'}'`,
  );
}

/** Password or API key check for the RPC services (API keys are accepted there, unlike the web login). */
export function credentialsMatch(user: SimUser, password: unknown, allowApiKey: boolean): boolean {
  if (!user.active || typeof password !== 'string' || password === '') return false;
  return password === user.password || (allowApiKey && user.apiKeys.includes(password));
}

/**
 * Odoo's @check_identity methods (and the wizard that completes them) need an interactive web
 * session: over execute / execute_kw (XML-RPC, /jsonrpc) the real server refuses them with these.
 */
const IDENTITY_CHECKED: Record<string, (message: string) => OdooSimError> = {
  'res.users.apikeys.description.make_key': userError,
  'res.users.apikeys.remove': userError,
  'res.users.identitycheck.run_check': (message) => new OdooSimError('builtins.AssertionError', message),
};

export class RpcServices {
  constructor(private readonly database: SimDatabase) {}

  checkDatabase(db: unknown): void {
    if (db !== this.database.name) throw unknownDatabase(db);
  }

  /** res.users.check(): AccessDenied for a bad uid/password, MissingError for an unknown uid. */
  checkUser(uid: number, password: unknown): SimUser {
    if (uid <= 0) throw accessDenied('Access Denied');
    const user = this.database.userById(uid);
    if (!user) throw missingError(`Record does not exist or has been deleted.\n(Record: res.users(${uid},), User: ${uid})`);
    if (!credentialsMatch(user, password, true)) throw accessDenied('Access Denied');
    return user;
  }

  /** uid for a login/password pair, or false. */
  authenticate(db: unknown, login: unknown, password: unknown): number | false {
    this.checkDatabase(db);
    const user = typeof login === 'string' ? this.database.findUserByLogin(login) : undefined;
    if (!user || !credentialsMatch(user, password, true)) return false;
    return user.id;
  }

  common(method: string, params: unknown[]): unknown {
    switch (method) {
      case 'version':
        return versionInfo();
      case 'login':
        requireArity('exp_login', ['db', 'login', 'password'], params);
        return this.authenticate(params[0], params[1], params[2]);
      case 'authenticate':
        requireArity('exp_authenticate', ['db', 'login', 'password', 'user_agent_env'], params);
        return this.authenticate(params[0], params[1], params[2]);
      default:
        throw new OdooSimError('builtins.Exception', `Method not found: ${method}`);
    }
  }

  /** The object service: credentials, database, then execute / execute_kw. */
  object(method: string, params: unknown[]): unknown {
    const [db, rawUid, password] = params;
    const uid = pythonInt(rawUid);
    this.checkDatabase(db);
    this.checkUser(uid, password);
    let model: unknown;
    let objectMethod: unknown;
    let args: unknown;
    let kwargs: unknown;
    if (method === 'execute') {
      [model, objectMethod] = params.slice(3, 5);
      args = params.slice(5);
      kwargs = {};
    } else if (method === 'execute_kw') {
      if (params.length < 6) {
        const missing = ['obj', 'method', 'args'].slice(params.length - 3);
        throw typeError(`execute_kw() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${quoteList(missing)}`);
      }
      [model, objectMethod, args, kwargs] = params.slice(3, 7);
    } else {
      throw nameError(`Method not available ${method}`);
    }
    const httpOnly = IDENTITY_CHECKED[`${String(model)}.${String(objectMethod)}`];
    if (httpOnly) throw httpOnly('This method can only be accessed over HTTP');
    return this.execute(uid, model, objectMethod, args, kwargs);
  }

  execute(uid: number, model: unknown, method: unknown, args: unknown, kwargs: unknown): unknown {
    const argList = Array.isArray(args) ? args : args === null || args === undefined ? [] : [args];
    const kw = kwargs && typeof kwargs === 'object' && !Array.isArray(kwargs) ? (kwargs as Record<string, unknown>) : {};
    prepareArguments(argList);
    prepareArguments(kw);
    return this.database.execute(uid, String(model), String(method), argList, kw);
  }
}

/**
 * Turns decoded wire values into what the ORM takes: floats become plain numbers, binary
 * values (bytes in Python) their base64 text. Python hands xmlrpc.client.DateTime objects to
 * the ORM unchanged and field conversion then fails with a TypeError, so that is raised here.
 */
function plainArgument(value: unknown): unknown {
  if (value instanceof PyFloat) return value.value;
  if (value instanceof XmlRpcBinary) return value.data.toString('base64');
  if (value instanceof XmlRpcDateTime) throw typeError("object of type 'DateTime' has no len()");
  prepareArguments(value);
  return value;
}

function prepareArguments(value: unknown): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plainArgument(value[i]);
  } else if (value && typeof value === 'object' && value.constructor === Object) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = plainArgument(record[key]);
  }
}

/** Python's "'a', 'b', and 'c'" list in missing-argument TypeErrors. */
export function quoteList(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

function requireArity(fn: string, names: string[], params: unknown[]): void {
  if (params.length < names.length) {
    const missing = names.slice(params.length);
    throw typeError(`${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${quoteList(missing)}`);
  }
  if (params.length > names.length) {
    throw typeError(`${fn}() takes ${names.length} positional arguments but ${params.length} were given`);
  }
}
