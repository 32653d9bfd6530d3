/**
 * Where an async answer may be sent. A request names its callback in `header.sender_uri` (the
 * standard's MsgHeader: "sender url to accept callbacks", the whole URL, e.g.
 * `https://spmis.example.org/{namespace}/callback/on-search`), but the gateway only ever posts
 * at or below the callback URL an administrator registered for that sender: same scheme, host
 * and port, and a path at or below the registered one, compared on parsed and normalised URLs
 * (`..`, `%2e%2e`, default ports, case of the host), so no request can point the gateway at a
 * host of its choosing.
 */
export type CallbackResolution = { ok: true; url: string } | { ok: false; reason: string };

/** `asked` (normalised) when it lies at or below `registered`. */
export function callbackUnder(asked: string, registered: string, field = 'header.sender_uri'): CallbackResolution {
  const allowed = new URL(registered);
  let url: URL;
  try {
    url = new URL(asked.trim());
  } catch {
    return { ok: false, reason: `${field} is not an absolute URL.` };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: `${field} must not carry a user or password.` };
  if (url.search !== '' || url.hash !== '') return { ok: false, reason: `${field} must not carry a query or fragment.` };
  const allowedPath = withoutTrailingSlash(allowed.pathname);
  const askedPath = withoutTrailingSlash(url.pathname);
  const under = askedPath === allowedPath || askedPath.startsWith(`${allowedPath}/`);
  if (url.protocol !== allowed.protocol || url.hostname !== allowed.hostname || url.port !== allowed.port || !under) {
    return { ok: false, reason: `${field} is not under the callback URL registered for this sender.` };
  }
  return { ok: true, url: `${url.origin}${url.pathname}` };
}

/**
 * The URL of one callback of a sender: its `sender_uri` as sent (when at or below the registered
 * URL), or, without one, the registered URL plus the standard's path of that callback
 * (`standardPath`, e.g. `/registry/on-search`).
 */
export function resolveCallbackUrl(senderUri: string | undefined, registered: string | undefined, standardPath: string): CallbackResolution {
  if (registered === undefined) return { ok: false, reason: 'No callback URL is configured for this sender, so no async answer can be delivered.' };
  if (senderUri === undefined || senderUri.trim() === '') return { ok: true, url: `${withoutTrailingSlash(new URL(registered).href)}${standardPath}` };
  return callbackUnder(senderUri, registered);
}

function withoutTrailingSlash(text: string): string {
  return text.replace(/\/+$/, '');
}
