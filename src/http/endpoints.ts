import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_GET, ROLE_POST } from '../config/auth.js';
import { ConfigError } from '../config/yaml.js';
import {
  checkEndpoints,
  scopeNeeds,
  type CompiledEndpoint,
  type CustomEndpoints,
  type CompiledParam,
  type OutputTree,
  type ScopeNeed,
} from '../endpoints/index.js';
import { shows } from '../registry/field-scope.js';
import { HttpProblem } from './problem.js';
import type { ValueType } from '../endpoints/catalog.js';
import { customFieldSchema } from '../registry/custom-fields.js';
import { storableString } from '../registry/text.js';
import { answerVersioned, conditionalHeaders, cursorQuery, ifMatchOf, limitQuery, queryBoolean, responses } from './routes/support.js';

/**
 * Routes for the endpoints declared in YAML, under `api.prefix`. At start-up the declarations
 * are compiled against Odoo's fields (fields_get, asked once); any problem stops start-up with
 * the file, line and reason. Each route is first-class: zod schemas derived from its
 * declaration (validation, serialisation, OpenAPI), its role checked before Odoo, audited and
 * rate-limited like every route, errors as problem+json.
 */
async function customEndpoints(app: FastifyInstance): Promise<void> {
  const { config, services } = app;
  if (config.endpoints.length === 0) return;
  let compiled;
  try {
    compiled = await checkEndpoints({
      declarations: config.endpoints,
      sources: config.endpointSources,
      client: services.readAccount(),
      prefix: config.api.prefix,
      routeExists: (method, url) => app.hasRoute({ method: method as 'GET', url }),
      signal: AbortSignal.timeout(config.odoo!.timeoutMs * 4),
    });
  } catch (err) {
    throw new ConfigError([
      `endpoints: cannot read Odoo's fields to check the declared endpoints (${(err as Error).message}); Odoo must be reachable at start-up when endpoints are declared`,
    ]);
  }
  if (compiled.problems.length) throw new ConfigError(compiled.problems);
  await app.register(
    async (scope) => {
      for (const endpoint of compiled.endpoints)
        registerEndpoint(scope, services.customEndpoints, endpoint, scopeNeeds(config.endpoints[endpoint.index]!, config.api.customFields));
    },
    { prefix: config.api.prefix },
  );
}

/**
 * 403 for a caller holding field scopes that do not show every API field the endpoint reaches
 * (`needs`; null: a field no scope can name, so only callers holding no scope may call it).
 */
function requireCovered(request: FastifyRequest, needs: ScopeNeed[] | null): void {
  const scopes = request.principal?.fieldScopes;
  if (!scopes || scopes.length === 0) return;
  const view = request.server.services.registry.core.views.of(scopes);
  if (!view) return;
  if (!needs) {
    throw new HttpProblem({
      status: 403,
      detail: `This endpoint reaches fields no field scope names; a caller holding field scopes (${scopes.join(', ')}) may not call it.`,
    });
  }
  const outside = needs.filter((need) => view[need.resource] !== undefined && !shows(view[need.resource]!, need.path)).map((n) => `${n.resource} ${n.path}`);
  if (outside.length > 0) {
    throw new HttpProblem({
      status: 403,
      detail: `This endpoint reaches ${outside.join(', ')}, outside your field scopes (${scopes.join(', ')}).`,
    });
  }
}

function registerEndpoint(app: FastifyInstance, runner: CustomEndpoints, endpoint: CompiledEndpoint, needs: ScopeNeed[] | null): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const natural = endpoint.kind === 'update' ? ROLE_POST : ROLE_GET;
  const access = endpoint.roles.includes(natural) ? natural : endpoint.roles[0]!;
  const pathParams = endpoint.params.filter((p) => p.in === 'path');
  const queryParams = endpoint.params.filter((p) => p.in === 'query');
  const params = pathParams.length ? z.object(Object.fromEntries(pathParams.map((p) => [p.name, paramSchema(p)]))).strict() : undefined;
  const listing = endpoint.kind === 'list' ? { limit: limitQuery, cursor: cursorQuery } : {};
  const querystring = z
    .object({ ...listing, ...Object.fromEntries(queryParams.map((p) => [p.name, p.required ? paramSchema(p) : paramSchema(p).optional()])) })
    .strict();
  const answer = answerSchema(endpoint.output);
  const common = {
    config: { access, anyRole: endpoint.roles },
    preHandler: async (request: FastifyRequest) => requireCovered(request, needs),
    schema: {
      tags: ['custom endpoints'],
      summary: endpoint.summary,
      description: `Declared in the gateway's configuration (${endpoint.kind}). Callable with the role ${endpoint.roles.map((r) => `"${r}"`).join(' or ')}.`,
      ...(params ? { params } : {}),
      querystring,
    },
  };
  const values = (request: FastifyRequest) => ({ ...(request.params as object), ...(request.query as object) }) as Record<string, unknown>;

  switch (endpoint.kind) {
    case 'list':
      r.get(endpoint.url, {
        ...common,
        schema: { ...common.schema, response: responses({ 200: pageSchema(answer) }) },
        handler: async (request) => {
          const { limit, cursor } = request.query as { limit?: number; cursor?: string };
          const page = await runner.list(request.actor, endpoint, { params: values(request), limit, cursor });
          request.auditIds = page.items.map((item) => item.id);
          return page;
        },
      });
      return;
    case 'get':
      r.get(endpoint.url, {
        ...common,
        schema: { ...common.schema, response: responses({ 200: answer }) },
        handler: async (request, reply) => {
          return answerVersioned(request, reply, await runner.get(request.actor, endpoint, values(request)));
        },
      });
      return;
    case 'count':
      r.get(endpoint.url, {
        ...common,
        schema: { ...common.schema, response: responses({ 200: z.object({ count: z.number().int() }) }) },
        handler: async (request) => runner.count(request.actor, endpoint, values(request)),
      });
      return;
    case 'aggregate':
      r.get(endpoint.url, {
        ...common,
        schema: { ...common.schema, response: responses({ 200: aggregateSchema(endpoint) }) },
        handler: async (request) => runner.aggregate(request.actor, endpoint, values(request)),
      });
      return;
    case 'update':
      r.patch(endpoint.url, {
        ...common,
        schema: { ...common.schema, headers: conditionalHeaders, body: bodySchema(endpoint), response: responses({ 200: answer }) },
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const updated = await runner.update(request.actor, endpoint, values(request), request.body as Record<string, unknown>, ifMatchOf(request));
          return answerVersioned(request, reply, updated);
        },
      });
  }
}

const INT4 = 2 ** 31 - 1;

/** One parameter's value as it arrives in a path or query (text), validated and typed. */
function paramSchema(param: CompiledParam): z.ZodType {
  const one = valueSchema(param);
  const schema = param.list
    ? z
        .string()
        .max(4000)
        .transform((text) => text.split(','))
        .pipe(
          z
            .array(one as z.ZodType<unknown, string>)
            .min(1)
            .max(100),
        )
    : one;
  return schema.describe(param.description);
}

function valueSchema(param: CompiledParam): z.ZodType<unknown, string> {
  switch (param.type) {
    case 'string':
      return param.values ? z.enum(param.values as [string, ...string[]]) : storableString().min(1).max(200);
    case 'integer':
      return z
        .string()
        .regex(/^-?\d{1,10}$/, 'a whole number')
        .transform(Number)
        .pipe(z.number().int().min(-INT4).max(INT4));
    case 'number':
      return z
        .string()
        .regex(/^-?\d{1,15}(\.\d{1,15})?$/, 'a decimal number')
        .transform(Number);
    case 'boolean':
      return queryBoolean;
    case 'date':
      return z.iso.date();
    case 'datetime':
      return z.iso.datetime({ offset: true });
  }
}

function outputValue(type: ValueType): z.ZodType {
  switch (type) {
    case 'boolean':
      return z.boolean();
    case 'integer':
      return z.number().int().nullable();
    case 'number':
      return z.number().nullable();
    case 'date':
      return z.string().nullable().describe('ISO 8601 date');
    case 'datetime':
      return z.string().nullable().describe('ISO 8601 UTC datetime');
    default:
      return z.string().nullable();
  }
}

/** The answer's shape, from the declared fields. */
function answerSchema(tree: OutputTree): z.ZodObject {
  const shape: Record<string, z.ZodType> = { id: z.number().int() };
  for (const [name, node] of Object.entries(tree)) {
    if (node.kind === 'scalar') {
      if (name !== 'id') shape[name] = outputValue(node.type);
      continue;
    }
    const child = answerSchema(node.children);
    shape[name] = node.many ? z.array(child) : child.nullable();
  }
  return z.object(shape);
}

function pageSchema(answer: z.ZodObject) {
  return z.object({
    items: z.array(answer),
    next_cursor: z.string().nullable(),
    total: z.number().int().optional(),
    resume_cursor: z.string().optional(),
  });
}

function aggregateSchema(endpoint: CompiledEndpoint) {
  const shape: Record<string, z.ZodType> = {};
  for (const group of endpoint.groupBy) {
    shape[group.key] =
      group.type === 'relation'
        ? z.object({ id: z.number().int(), name: z.string() }).nullable()
        : group.ageBands || group.type === 'date' || group.type === 'datetime'
          ? z.string().nullable()
          : outputValue(group.type);
  }
  for (const measure of endpoint.measures) shape[measure.key] = z.number();
  return z.object({ groups: z.array(z.object(shape)), total: z.number().int() });
}

/** PATCH body: only the declared writable fields, each with its type (unknown keys refused). */
function bodySchema(endpoint: CompiledEndpoint) {
  const shape: Record<string, z.ZodType> = {};
  for (const write of endpoint.writes) {
    const base =
      write.values && write.type === 'string'
        ? z.enum(write.values as [string, ...string[]]).nullable()
        : customFieldSchema({ name: write.name, odooField: write.odoo, type: write.type as 'string', readRole: ROLE_GET, writeRole: ROLE_POST });
    shape[write.name] = write.required ? base : base.optional();
  }
  return z.object(shape).strict();
}

/**
 * Last of the route plugins: the declared endpoints are checked against every built-in route for
 * clashes, so each plugin that adds routes is a dependency.
 */
export const customEndpointsPlugin = fp(customEndpoints, {
  name: 'custom-endpoints',
  dependencies: ['g2p-auth', 'g2p-ops', 'odoo-account', 'openapi', 'registry-routes', 'events', 'dci', 'compat'],
  decorators: { fastify: ['services', 'config'] },
});
