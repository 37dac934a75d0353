/**
 * What counts as loopback, for the listeners that are open only to local callers (the gateway
 * without API keys, the codec server) and for the platform URLs that may skip TLS.
 */

/** A bind address or URL host on this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

/** The names a browser on this machine puts in `Host` for a loopback listener. */
const LOOPBACK_HOST_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when a `Host` header names a loopback listener on `port`. A page on another site that
 * rebinds its DNS name to 127.0.0.1 still sends its own name in `Host`, so this refuses it. The
 * port may be left out only for port 80, as browsers do.
 */
export function isLoopbackHostHeader(header: string | undefined, port: number | undefined): boolean {
  const match = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec((header ?? '').trim().toLowerCase());
  if (!match || !LOOPBACK_HOST_NAMES.has(match[1]!)) return false;
  const givenPort = match[2] === undefined ? 80 : Number(match[2]);
  return port === undefined || givenPort === port;
}
