import type { OdooClient } from '../odoo/types.js';
import { compileEndpoints, type CompileResult, type FieldsOf, type ModelFields } from './compile.js';
import type { DeclarationSource, EndpointDeclaration } from './declaration.js';

export { CustomEndpoints } from './run.js';
export type { CompiledEndpoint, CompiledParam, OutputTree } from './compile.js';
export { scopeNeeds, type ScopeNeed } from './scope-needs.js';

const FIELD_ATTRIBUTES = ['type', 'relation', 'selection', 'readonly', 'store'];

/**
 * `fields_get` of each model a declaration reaches, asked once per model and kept: start-up
 * (and check-config) ask Odoo a handful of calls, requests never do. A model the account
 * cannot read or Odoo lacks is `undefined` (the declaration naming it is refused).
 */
export function fieldsCache(client: OdooClient, signal?: AbortSignal): FieldsOf {
  const cache = new Map<string, Promise<ModelFields | undefined>>();
  return (model: string) => {
    let entry = cache.get(model);
    if (!entry) {
      entry = client.fieldsGet(model, FIELD_ATTRIBUTES, signal ? { signal } : {}).then(
        (fields) => fields as ModelFields,
        (err: unknown) => {
          // A missing model or one the account may not read is the declaration's problem; anything else (Odoo down) is not.
          const { kind, odooClass } = err as { kind?: string; odooClass?: string };
          if (kind === 'access_error' || kind === 'user_error' || kind === 'validation') return undefined;
          // /web/dataset/call_kw looks the model up before anything else: an unknown one is a KeyError there.
          if (kind === 'server_error' && odooClass === 'builtins.KeyError') return undefined;
          throw err;
        },
      );
      cache.set(model, entry);
    }
    return entry;
  };
}

export interface CheckEndpointsInput {
  declarations: readonly EndpointDeclaration[];
  sources?: ReadonlyArray<DeclarationSource | undefined>;
  client: OdooClient;
  prefix: string;
  routeExists: (method: string, url: string) => boolean;
  signal?: AbortSignal;
}

/** Compiles the declarations against the Odoo the client reaches. */
export function checkEndpoints(input: CheckEndpointsInput): Promise<CompileResult> {
  return compileEndpoints({
    declarations: input.declarations,
    sources: input.sources,
    fieldsOf: fieldsCache(input.client, input.signal),
    routeExists: input.routeExists,
    prefix: input.prefix,
  });
}
