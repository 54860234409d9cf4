import { isIPv6 } from 'node:net';

/**
 * The block of addresses one client controls, as a throttle should count it: an IPv4 address
 * itself (an IPv4-mapped IPv6 address is its IPv4 address), but for IPv6 the /64 network, since a
 * single host is routinely given a whole /64 and could otherwise try from a fresh address each time.
 */
export function clientAddressBlock(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const groupsOf = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const [head = '', tail] = address.split('::');
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  const groups = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
