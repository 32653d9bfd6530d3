import { accessError, OdooSimError, validationError } from '../exceptions.js';
import type { FieldAttributes } from './field-types.js';
import type { CallEnv } from './env.js';
import type { Orm } from './orm.js';

/**
 * The part of `ir.model` / `ir.model.fields` an administrator uses over RPC to add a custom
 * `x_` field to a model (what Odoo Studio or a deployment script does): find the model's id,
 * create the field, list the manual fields. Answers and messages are the real server's.
 */

const SYSTEM = 'base.group_system';
/** Who may read ir.model (Administration/Access Rights, which Settings implies, and OpenG2P's administrators and registrars). */
const MODEL_READERS = ['base.group_erp_manager', SYSTEM, 'g2p_registry_base.group_g2p_admin', 'g2p_registry_base.group_g2p_registrar'];
const modelAccessRefused = () =>
  accessError(
    "You are not allowed to access 'Models' (ir.model) records.\n\nThis operation is allowed for the following groups:\n\t- Administration/Access Rights\n\t- OpenG2P Module Access/Administrator\n\t- OpenG2P Module Access/Registrar\n\nContact your administrator to request access if necessary.",
  );
/** Field types a manual field may take here (scalar ones: relational manual fields are out of scope). */
const MANUAL_TYPES = new Set(['char', 'text', 'integer', 'float', 'boolean', 'date', 'datetime']);

interface ManualField {
  id: number;
  modelId: number;
  model: string;
  name: string;
  ttype: string;
  description: string;
}

export class ManualFields {
  private readonly fields: ManualField[] = [];
  /** ir.model ids, stable per model name (the real server numbers them at installation). */
  private readonly modelIds = new Map<string, number>();
  private nextFieldId = 5000;

  constructor(
    private readonly orm: Orm,
    modelNames: Iterable<string>,
  ) {
    let id = 1;
    for (const name of modelNames) this.modelIds.set(name, id++);
  }

  static handles(model: string): boolean {
    return model === 'ir.model' || model === 'ir.model.fields';
  }

  call(env: CallEnv, model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
    if (env.groups && !MODEL_READERS.some((group) => env.groups!.has(group))) throw modelAccessRefused();
    const domain = (args[0] ?? kwargs.domain ?? []) as unknown[];
    if (model === 'ir.model' && method === 'search') return this.searchModels(domain);
    if (model === 'ir.model.fields' && method === 'search_read') {
      return this.searchFields(domain).map((f) => ({
        id: f.id,
        name: f.name,
        model: f.model,
        ttype: f.ttype,
        field_description: f.description,
        state: 'manual',
      }));
    }
    if (model === 'ir.model.fields' && method === 'create')
      return this.create(env, (Array.isArray(args[0]) ? args[0][0] : (args[0] ?? kwargs.vals_list)) as Record<string, unknown>);
    throw new OdooSimError('builtins.AttributeError', `The method '${method}' does not exist on the model '${model}'`);
  }

  private searchModels(domain: unknown[]): number[] {
    const wanted = termValue(domain, 'model');
    return [...this.modelIds].filter(([name]) => wanted === undefined || name === wanted).map(([, id]) => id);
  }

  private searchFields(domain: unknown[]): ManualField[] {
    const model = termValue(domain, 'model');
    const name = termValue(domain, 'name');
    return this.fields.filter((f) => (model === undefined || f.model === model) && (name === undefined || f.name === name));
  }

  private create(env: CallEnv, vals: Record<string, unknown>): number {
    if (env.groups && !env.groups.has(SYSTEM)) {
      throw accessError(
        "You are not allowed to create 'Fields' (ir.model.fields) records.\n\nThis operation is allowed for the following groups:\n\t- Administration/Settings\n\nContact your administrator to request access if necessary.",
      );
    }
    const modelId = vals.model_id;
    const model = [...this.modelIds].find(([, id]) => id === modelId)?.[0];
    const name = vals.name;
    if (!model || typeof name !== 'string') throw validationError('The operation cannot be completed: a mandatory field is not set.');
    if (!name.startsWith('x_')) throw validationError("The operation cannot be completed: Custom fields must have a name that starts with 'x_'!");
    if (name in this.orm.model(model).fields) throw validationError('The operation cannot be completed: Field names must be unique per model.');
    const ttype = String(vals.ttype);
    if (!MANUAL_TYPES.has(ttype)) throw validationError(`The operation cannot be completed: field type ${ttype} is not available in this simulator.`);
    const description = typeof vals.field_description === 'string' ? vals.field_description : name;
    const attrs: FieldAttributes = { readonly: false, required: false, store: true, string: description, type: ttype };
    this.orm.addManualField(model, name, attrs);
    const field: ManualField = { id: this.nextFieldId++, modelId: modelId as number, model, name, ttype, description };
    this.fields.push(field);
    return field.id;
  }
}

/** The value of a `[field, '=', value]` term of a simple domain. */
function termValue(domain: unknown[], field: string): unknown {
  for (const term of domain) if (Array.isArray(term) && term[0] === field && term[1] === '=') return term[2];
  return undefined;
}
