import fastifyJwt, { type FastifyJWTOptions } from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IssuerConfig } from '../../config/auth.js';
import type { Config } from '../../config/load.js';
import { outboundDispatcher } from '../../outbound/http-agent.js';
import type { Principal } from '../principal.js';
import { HttpProblem } from '../problem.js';
import { rolesFromClaims, ruleGrants } from './claims.js';
import { scopeGrants } from './field-scopes.js';
import { JwksFetchError, JwksKeyStore } from './jwks.js';
import { invalidToken, issuerKeysUnavailable } from './problems.js';
import type { Authenticator } from './types.js';

/** What `app.jwt[namespace]` offers; @fastify/jwt's own types do not know our namespaces. */
interface NamespacedJwt {
  verify(token: string, options?: { key?: string }): unknown;
}

interface TokenParts {
  header: { alg?: unknown; kid?: unknown };
  payload: Record<string, unknown>;
}

/** Decodes a JWS compact token without trusting it: only to pick the issuer and the key. */
export function decodeUnverified(token: string): TokenParts | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload };
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Library errors (fast-jwt's, as wrapped by @fastify/jwt), turned into reasons a caller may read. */
function reasonFor(err: unknown): string {
  const { code, message = '' } = err as { code?: string; message?: string };
  switch (code) {
    case 'FAST_JWT_EXPIRED':
    case 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED':
      return 'the token has expired';
    case 'FAST_JWT_INACTIVE':
      return 'the token is not valid yet (nbf)';
    case 'FAST_JWT_INVALID_ALGORITHM':
      return 'the token algorithm is not accepted';
    case 'FAST_JWT_MISSING_SIGNATURE':
    case 'FAST_JWT_MISSING_SIGNATURE_ERROR':
      return 'the token is not signed';
    case 'FAST_JWT_MALFORMED':
    case 'FAST_JWT_INVALID_PAYLOAD':
    case 'FAST_JWT_INVALID_TYPE':
      return 'the token is malformed';
  }
  if (/signature|key/i.test(message)) return 'the token signature does not verify';
  // fast-jwt's claim messages name the claim only ("The aud claim value is not allowed."), never its value.
  if (/claim/.test(message) && message.length < 120) return message.replace(/\.$/, '').replace(/^The /, 'the ');
  return 'the token cannot be verified';
}

function isSignatureFailure(err: unknown): boolean {
  return reasonFor(err) === 'the token signature does not verify';
}

/**
 * Principals of tokens that verified, until the token's `exp`: a client sends the same token
 * with every request, and decoding it, the library's own cache look-up (which hashes the token)
 * and mapping its claims to roles were a tenth of the gateway's CPU per GET. Refusals are never
 * kept. Bounded: when full, the oldest entry goes.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; expiresAtMs: number }>();
  constructor(private readonly maxEntries: number) {}

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Date.now() < entry.expiresAtMs) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  remember(token: string, principal: Principal, exp: unknown): void {
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { principal: Object.freeze(principal), expiresAtMs: exp * 1000 });
  }
}

const MAX_VERIFIED_TOKENS = 10_000;

/** The token being verified, handed to @fastify/jwt (which would otherwise parse the header again). */
const tokenOfRequest = new WeakMap<FastifyRequest, string>();

/**
 * One trusted issuer: its own @fastify/jwt namespace (keys, algorithms, `iss`, `aud`, skew),
 * and nothing of the other issuers'. Verified tokens are cached by the library until their
 * `exp`, so a client reusing its token does not pay for the signature check every time.
 */
class IssuerVerifier {
  constructor(
    readonly issuer: IssuerConfig,
    private readonly namespace: NamespacedJwt,
    private readonly verifyRequest: (request: FastifyRequest) => Promise<unknown>,
  ) {}

  async verify(request: FastifyRequest, token: string, header: TokenParts['header']): Promise<Record<string, unknown>> {
    if (typeof header.alg !== 'string' || !(this.issuer.algorithms as string[]).includes(header.alg)) {
      throw invalidToken(`the token algorithm ${typeof header.alg === 'string' ? header.alg.slice(0, 10) : '(none)'} is not accepted`);
    }
    tokenOfRequest.set(request, token);
    try {
      return (await this.verifyRequest(request)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      const others = this.issuer.publicKeys?.slice(1) ?? [];
      if (isSignatureFailure(err) && others.length > 0) return this.verifyWithOtherKeys(token, others);
      throw invalidToken(reasonFor(err));
    }
  }

  /** Further PEM keys of the issuer (during a manual key rollover), tried in turn. */
  private verifyWithOtherKeys(token: string, keys: string[]): Record<string, unknown> {
    let reason = 'the token signature does not verify';
    for (const key of keys) {
      try {
        return this.namespace.verify(token, { key }) as Record<string, unknown>;
      } catch (err) {
        reason = reasonFor(err);
        if (!isSignatureFailure(err)) break;
      }
    }
    throw invalidToken(reason);
  }
}

/** The key a JWKS issuer signed a token with, or the refusal when it does not publish it. */
async function jwksKey(store: JwksKeyStore, header: { kid?: unknown; alg?: unknown }): Promise<string> {
  let key: string | undefined;
  try {
    key = await store.keyFor({ kid: typeof header.kid === 'string' ? header.kid : undefined, alg: typeof header.alg === 'string' ? header.alg : undefined });
  } catch (err) {
    if (err instanceof JwksFetchError) throw issuerKeysUnavailable();
    throw err;
  }
  if (!key) throw invalidToken('the token was signed with a key the issuer does not publish');
  return key;
}

/**
 * Bearer JWTs from the configured issuers. The issuer is picked by the token's unverified
 * `iss`; only that issuer's keys and algorithms are then tried. Each issuer is its own
 * @fastify/jwt namespace, so `iss`, `aud`, `exp`, `nbf` and the algorithm list are enforced
 * by the library with that issuer's settings.
 */
export async function createBearerAuthenticator(app: FastifyInstance, config: Config): Promise<Authenticator> {
  const verifiers = new Map<string, IssuerVerifier>();
  const skewMs = config.auth.clockSkewSeconds * 1000;
  for (const [index, issuer] of config.auth.issuers.entries()) {
    const namespace = `issuer${index}`;
    const firstPublicKey = issuer.publicKeys?.[0];
    const store = issuer.jwksUrl
      ? new JwksKeyStore({
          url: issuer.jwksUrl,
          dispatcher: outboundDispatcher(config.outbound),
          cacheTtlMs: config.auth.jwksCacheTtlMs,
          minRefetchIntervalMs: config.auth.jwksMinRefetchIntervalMs,
        })
      : undefined;
    await app.register(fastifyJwt, {
      namespace,
      // Verify-only: the gateway never signs. A JWKS issuer's key is looked up per token.
      secret:
        issuer.secret ??
        (firstPublicKey !== undefined
          ? { public: firstPublicKey }
          : // At run time @fastify/jwt calls a key function with (request, decoded token); its types say otherwise.
            (((_request: FastifyRequest, decoded: { header: TokenParts['header'] }) =>
              jwksKey(store!, decoded.header)) as unknown as FastifyJWTOptions['secret'])),
      decode: { complete: true },
      verify: {
        algorithms: issuer.algorithms,
        allowedIss: issuer.issuer,
        allowedAud: issuer.audience,
        clockTolerance: skewMs,
        requiredClaims: ['exp', 'iss', 'aud'],
        cache: true,
        // Refusals are not cached: a token refused for its nbf becomes good a moment later.
        errorCacheTTL: () => -skewMs - 1,
        extractToken: (request: FastifyRequest) => tokenOfRequest.get(request),
      },
      messages: { authorizationTokenInvalid: (err: Error) => err.message },
    });
    const jwt = (app.jwt as unknown as Record<string, NamespacedJwt>)[namespace]!;
    const verifyName = `${namespace}JwtVerify`;
    const verifyRequest = (request: FastifyRequest) => (request as unknown as Record<string, () => Promise<unknown>>)[verifyName]!();
    verifiers.set(issuer.issuer, new IssuerVerifier(issuer, jwt, verifyRequest));
  }

  const verified = new VerifiedTokens(MAX_VERIFIED_TOKENS);
  const grants = scopeGrants(config);
  return {
    scheme: 'Bearer',
    known: (token) => verified.get(token),
    async authenticate(request, token): Promise<Principal> {
      const known = verified.get(token);
      if (known) return known;
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw invalidToken('the token is not a JWT');
      const parts = decodeUnverified(token);
      if (!parts) throw invalidToken('the token is not a JWT');
      const verifier = typeof parts.payload.iss === 'string' ? verifiers.get(parts.payload.iss) : undefined;
      if (!verifier) throw invalidToken('the token issuer (iss) is not trusted');
      const claims = await verifier.verify(request, token, parts.header);
      // The library checks iat only against a maximum age: a token dated ahead of our clock (beyond the skew) is forged or from a broken issuer clock.
      if (typeof claims.iat === 'number' && claims.iat * 1000 > Date.now() + skewMs) throw invalidToken('the token was issued in the future (iat)');
      const clientId = stringClaim(claims.client_id) ?? stringClaim(claims.azp);
      const fieldScopes = grants.ofToken(claims, verifier.issuer.issuer, clientId);
      const principal: Principal = {
        sub: stringClaim(claims.sub) ?? clientId ?? '(unknown)',
        ...(clientId !== undefined ? { clientId } : {}),
        roles: rolesFromClaims(claims, config.roles, config.auth.postImpliesGet),
        via: 'jwt',
        issuer: verifier.issuer.issuer,
        scopes: new Set(typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : []),
        ...(config.auth.administrators.some((rule) => ruleGrants(claims, rule)) ? { administrator: true } : {}),
        ...(fieldScopes.length > 0 ? { fieldScopes } : {}),
      };
      verified.remember(token, principal, claims.exp);
      return principal;
    },
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
