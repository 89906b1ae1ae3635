/**
 * Is this host a loopback address, reachable only from this machine? The embedded relay binds
 * loopback unless the user opts in to a network address, and then it must say what that
 * exposes (see relay/relay.ts).
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
