/**
 * How a compatibility route appears in the gateway's OpenAPI document: tagged, summarised, with
 * HTTP Basic besides bearer tokens. Only metadata: the routes validate their input themselves, so
 * that refusals keep the module's `{"detail": ...}` shapes (a schema here would answer them as
 * problem+json).
 */
export const compatOperation = (summary: string) =>
  ({
    tags: ['OpenG2P REST compatibility (g2p_registry_rest_api)'],
    summary,
    description:
      'The same route, parameters and JSON as OpenG2P\'s own REST module; errors as `{"detail": ...}` like the module\'s. See docs/compatibility.md.',
    security: [{ bearer: [] }, { basic: [] }],
  }) as const;
