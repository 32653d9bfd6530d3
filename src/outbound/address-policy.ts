import ipaddr from 'ipaddr.js';
import { z } from 'zod';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Network = [Address, number];

/**
 * Names an operator may list in `outbound.allowedNetworks` instead of writing the ranges out
 * (proxy-addr's names for `server.trustProxy`, plus RFC 1918's `private`).
 */
const NAMED_NETWORKS: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  uniquelocal: ['fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/**
 * Where clouds answer instance metadata (credentials among it): AWS, GCP, Azure, OpenStack and
 * most others on 169.254.169.254, AWS's IPv6 endpoint, Alibaba's, Oracle's. They sit inside the
 * link-local and unique-local ranges, yet allowing `linklocal` or `uniquelocal` does not allow
 * them: only an entry written as an address or CIDR that contains one does.
 */
const METADATA_ADDRESSES = ['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254'].map((a) => ipaddr.parse(a));

/** An IPv4 address in its usual four-part form (not `10.1` or `0x7f.1`, which ipaddr.js also reads), an IPv6 address, or either with a /prefix. */
function isNetworkEntry(entry: string): boolean {
  const { IPv4, IPv6 } = ipaddr;
  return (
    entry in NAMED_NETWORKS || IPv4.isValidFourPartDecimal(entry) || IPv4.isValidCIDRFourPartDecimal(entry) || IPv6.isValid(entry) || IPv6.isValidCIDR(entry)
  );
}

/** The `outbound:` section: where the gateway may connect on its own (webhooks, DCI callbacks, JWKS). */
export const outboundSettingsSchema = z
  .object({
    /**
     * Non-public addresses the gateway may still connect to: addresses, CIDRs, or the names
     * loopback, private (RFC 1918), uniquelocal (fc00::/7), linklocal. Public unicast addresses
     * are always allowed; everything else (loopback, private, link-local, carrier-grade NAT,
     * unspecified, multicast, reserved, NAT64, cloud metadata) is refused unless listed here.
     */
    allowedNetworks: z
      .array(z.string().trim().refine(isNetworkEntry, 'must be an IP address, an address/prefix (CIDR) or loopback, private, uniquelocal, linklocal'))
      .default([]),
  })
  .strict();

export type OutboundSettings = z.output<typeof outboundSettingsSchema>;

/** Whether one resolved address may be connected to; a refusal says why in words that name no address. */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

export type AddressPolicy = (address: string) => AddressVerdict;

function parseNetwork(entry: string): Network {
  if (ipaddr.isValidCIDR(entry)) return ipaddr.parseCIDR(entry);
  const address = ipaddr.parse(entry);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address it carries: the socket reaches that one. */
function canonical(address: string): Address | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

function within(address: Address, [network, prefix]: Network): boolean {
  return address.kind() === network.kind() && address.match(network, prefix);
}

/**
 * The check every outbound connection's resolved address passes: public unicast addresses
 * (ipaddr.js's `unicast` range, i.e. none of its special ranges) are allowed, others only
 * inside `allowedNetworks`, and cloud metadata addresses only by an explicit address or CIDR.
 */
export function addressPolicy(settings: OutboundSettings): AddressPolicy {
  const named = settings.allowedNetworks.filter((entry) => entry in NAMED_NETWORKS).flatMap((entry) => NAMED_NETWORKS[entry]!.map(parseNetwork));
  const explicit = settings.allowedNetworks.filter((entry) => !(entry in NAMED_NETWORKS)).map(parseNetwork);
  return (text) => {
    const address = canonical(text);
    if (address === undefined) return { allowed: false, reason: 'the target did not resolve to an IP address' };
    if (explicit.some((network) => within(address, network))) return { allowed: true };
    if (METADATA_ADDRESSES.some((metadata) => metadata.kind() === address.kind() && metadata.toNormalizedString() === address.toNormalizedString())) {
      return { allowed: false, reason: "the target's address is a cloud metadata address" };
    }
    const range = address.range();
    if (range === 'unicast') return { allowed: true };
    if (named.some((network) => within(address, network))) return { allowed: true };
    // ipaddr.js names its ranges in camel case (linkLocal, carrierGradeNat): said in words.
    const words = range.replace(/([A-Z])/g, ' $1').toLowerCase();
    return { allowed: false, reason: `the target's address is a ${words} address, which outbound.allowedNetworks does not allow` };
  };
}
