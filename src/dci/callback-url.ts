/**
 * Where an async answer may be sent. A request names its callback in `header.sender_uri`, but
 * the gateway only ever posts under the callback URL an administrator configured for that
 * sender: same scheme, host and port, and a path at or below the configured one, compared on
 * parsed and normalised URLs (`..`, `%2e%2e`, default ports, case of the host), so no
 * request can point the gateway at a host of its choosing.
 */
export type CallbackResolution = { ok: true; base: string } | { ok: false; reason: string };

export function resolveCallbackBase(senderUri: string | undefined, configured: string | undefined): CallbackResolution {
  if (configured === undefined) return { ok: false, reason: 'No callback URL is configured for this sender, so no async answer can be delivered.' };
  const allowed = new URL(configured);
  if (senderUri === undefined || senderUri.trim() === '') return { ok: true, base: withoutTrailingSlash(allowed.href) };
  let asked: URL;
  try {
    asked = new URL(senderUri.trim());
  } catch {
    return { ok: false, reason: 'header.sender_uri is not an absolute URL.' };
  }
  if (asked.username !== '' || asked.password !== '') return { ok: false, reason: 'header.sender_uri must not carry a user or password.' };
  if (asked.search !== '' || asked.hash !== '') return { ok: false, reason: 'header.sender_uri must not carry a query or fragment.' };
  const allowedPath = withoutTrailingSlash(allowed.pathname);
  const askedPath = withoutTrailingSlash(asked.pathname);
  const under = askedPath === allowedPath || askedPath.startsWith(`${allowedPath}/`);
  if (asked.protocol !== allowed.protocol || asked.hostname !== allowed.hostname || asked.port !== allowed.port || !under) {
    return { ok: false, reason: 'header.sender_uri is not under the callback URL registered for this sender.' };
  }
  return { ok: true, base: `${asked.origin}${askedPath}` };
}

function withoutTrailingSlash(text: string): string {
  return text.replace(/\/+$/, '');
}
