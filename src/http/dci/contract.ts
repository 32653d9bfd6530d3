import contract from './dci-contract.json' with { type: 'json' };

/**
 * The DCI standard's request and response schemas of the routes the gateway serves (the DCI
 * routes and `/oauth2/client/token`), vendored from the standard's OpenAPI files by
 * scripts/vendor-dci-contract.mjs, put into the generated OpenAPI document: the DCI routes
 * validate envelopes themselves (refusals are the standard's ERR acknowledgements, not a
 * framework's 400), so their schemas are documentation, not the routes' validators.
 */
type Operation = { summary?: string; description?: string; tags?: string[]; requestBody?: unknown; responses?: Record<string, unknown> };
type Document = { paths?: Record<string, Record<string, Operation> | undefined>; components?: Record<string, Record<string, unknown> | undefined> };

const STANDARD = contract as {
  operations: Record<string, { summary?: string; description?: string; requestBody: unknown; responses: Record<string, unknown> }>;
  components: Record<string, Record<string, unknown>>;
};

/** `document` with the standard's schemas on each DCI operation it has, at `path` and under `prefix`. */
export function withDciContract<D>(document: D, prefix: string): D {
  const doc = document as Document;
  let used = false;
  for (const [path, standard] of Object.entries(STANDARD.operations)) {
    for (const served of new Set([path, `${prefix}${path}`])) {
      const operation = doc.paths?.[served]?.post;
      if (!operation) continue;
      used = true;
      operation.summary ??= standard.summary;
      operation.description ??= standard.description;
      operation.tags ??= [path.startsWith('/oauth2') ? 'DCI authorisation' : 'DCI Social Registry'];
      operation.requestBody = standard.requestBody;
      // The standard names most answers `default`; the gateway's success is a 200.
      const success = standard.responses['200'] ?? standard.responses.default;
      operation.responses = { ...(success ? { 200: success } : {}), ...standard.responses };
    }
  }
  if (used) {
    doc.components ??= {};
    for (const [section, entries] of Object.entries(STANDARD.components)) doc.components[section] = { ...doc.components[section], ...entries };
  }
  return document;
}
