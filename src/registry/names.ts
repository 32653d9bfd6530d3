/**
 * OpenG2P builds an individual's `name` from its parts in the web form only (an onchange), as
 * "FAMILY, GIVEN ADDL" in upper case; over RPC nobody does, so the gateway does it.
 */
export function individualName(parts: { family_name?: string | null; given_name?: string | null; addl_name?: string | null }): string {
  const family = clean(parts.family_name);
  const rest = [clean(parts.given_name), clean(parts.addl_name)].filter(Boolean).join(' ');
  const name = family && rest ? `${family}, ${rest}` : family || rest;
  return name.toUpperCase();
}

const clean = (value: string | null | undefined): string => (value ?? '').trim().replace(/\s+/g, ' ');
