import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAddressGuard, parseDottedQuad } from './address-guard.js';

const guard = createAddressGuard();

/** [address, expected range name or null]. First and last address of every range, plus neighbours. */
const IPV4_CASES: readonly (readonly [string, string | null])[] = [
  ['0.0.0.0', '"this network" 0.0.0.0/8'],
  ['0.255.255.255', '"this network" 0.0.0.0/8'],
  ['1.0.0.0', null],
  ['9.255.255.255', null],
  ['10.0.0.0', 'private (RFC 1918) 10.0.0.0/8'],
  ['10.255.255.255', 'private (RFC 1918) 10.0.0.0/8'],
  ['11.0.0.0', null],
  ['100.63.255.255', null],
  ['100.64.0.0', 'carrier-grade NAT (RFC 6598) 100.64.0.0/10'],
  ['100.127.255.255', 'carrier-grade NAT (RFC 6598) 100.64.0.0/10'],
  ['100.128.0.0', null],
  ['126.255.255.255', null],
  ['127.0.0.0', 'loopback 127.0.0.0/8'],
  ['127.0.0.1', 'loopback 127.0.0.0/8'],
  ['127.255.255.255', 'loopback 127.0.0.0/8'],
  ['128.0.0.0', null],
  ['169.253.255.255', null],
  ['169.254.0.0', 'link-local (incl. cloud metadata) 169.254.0.0/16'],
  ['169.254.169.254', 'link-local (incl. cloud metadata) 169.254.0.0/16'],
  ['169.255.0.0', null],
  ['172.15.255.255', null],
  ['172.16.0.0', 'private (RFC 1918) 172.16.0.0/12'],
  ['172.31.255.255', 'private (RFC 1918) 172.16.0.0/12'],
  ['172.32.0.0', null],
  ['191.255.255.255', null],
  ['192.0.0.0', 'IETF protocol assignments 192.0.0.0/24'],
  ['192.0.0.255', 'IETF protocol assignments 192.0.0.0/24'],
  ['192.0.1.0', null],
  ['192.0.2.0', 'documentation (TEST-NET-1) 192.0.2.0/24'],
  ['192.0.2.255', 'documentation (TEST-NET-1) 192.0.2.0/24'],
  ['192.0.3.0', null],
  ['192.167.255.255', null],
  ['192.168.0.0', 'private (RFC 1918) 192.168.0.0/16'],
  ['192.168.255.255', 'private (RFC 1918) 192.168.0.0/16'],
  ['192.169.0.0', null],
  ['198.17.255.255', null],
  ['198.18.0.0', 'benchmarking 198.18.0.0/15'],
  ['198.19.255.255', 'benchmarking 198.18.0.0/15'],
  ['198.20.0.0', null],
  ['198.51.99.255', null],
  ['198.51.100.0', 'documentation (TEST-NET-2) 198.51.100.0/24'],
  ['198.51.100.255', 'documentation (TEST-NET-2) 198.51.100.0/24'],
  ['198.51.101.0', null],
  ['203.0.112.255', null],
  ['203.0.113.0', 'documentation (TEST-NET-3) 203.0.113.0/24'],
  ['203.0.113.255', 'documentation (TEST-NET-3) 203.0.113.0/24'],
  ['203.0.114.0', null],
  ['223.255.255.255', null],
  ['224.0.0.0', 'multicast 224.0.0.0/4'],
  ['239.255.255.255', 'multicast 224.0.0.0/4'],
  ['240.0.0.0', 'reserved and broadcast 240.0.0.0/4'],
  ['255.255.255.255', 'reserved and broadcast 240.0.0.0/4'],
  // public addresses
  ['8.8.8.8', null],
  ['1.1.1.1', null],
  ['93.184.216.34', null],
  ['151.101.1.69', null],
];

const LOOPBACK_V4 = 'loopback 127.0.0.0/8';

const IPV6_CASES: readonly (readonly [string, string | null])[] = [
  ['::', 'unspecified ::/128'],
  ['0:0:0:0:0:0:0:0', 'unspecified ::/128'],
  ['::1', 'loopback ::1/128'],
  ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback ::1/128'],
  ['fc00::', 'unique local fc00::/7'],
  ['fd12:3456:789a::1', 'unique local fc00::/7'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local fc00::/7'],
  ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
  ['fe00::', null],
  ['fe80::', 'link-local fe80::/10'],
  ['fe80::1%eth0', 'link-local fe80::/10'],
  ['FE80::ABCD', 'link-local fe80::/10'],
  ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local fe80::/10'],
  ['fec0::1', 'site-local (deprecated) fec0::/10'],
  ['ff00::', 'multicast ff00::/8'],
  ['ff02::1', 'multicast ff00::/8'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast ff00::/8'],
  ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', null],
  ['2001:db8::', 'documentation 2001:db8::/32'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation 2001:db8::/32'],
  ['2001:db9::', null],
  // IPv4 embedded in IPv6: judged by the embedded address
  ['::ffff:127.0.0.1', `IPv4-mapped ::ffff:0:0/96 of ${LOOPBACK_V4}`],
  ['::ffff:7f00:1', `IPv4-mapped ::ffff:0:0/96 of ${LOOPBACK_V4}`],
  ['0:0:0:0:0:FFFF:7F00:0001', `IPv4-mapped ::ffff:0:0/96 of ${LOOPBACK_V4}`],
  ['::ffff:169.254.169.254', 'IPv4-mapped ::ffff:0:0/96 of link-local (incl. cloud metadata) 169.254.0.0/16'],
  ['::ffff:a00:1', 'IPv4-mapped ::ffff:0:0/96 of private (RFC 1918) 10.0.0.0/8'],
  ['::ffff:255.255.255.255', 'IPv4-mapped ::ffff:0:0/96 of reserved and broadcast 240.0.0.0/4'],
  ['::ffff:8.8.8.8', null],
  ['::ffff:808:808', null],
  // ipaddr.js reads the dotted spelling `::a.b.c.d` as IPv4-mapped; the verdict is the same.
  ['::127.0.0.1', `IPv4-mapped ::ffff:0:0/96 of ${LOOPBACK_V4}`],
  ['::7f00:1', `IPv4-compatible ::/96 of ${LOOPBACK_V4}`],
  ['::2', 'IPv4-compatible ::/96 of "this network" 0.0.0.0/8'],
  ['::8.8.8.8', null],
  ['64:ff9b::127.0.0.1', `NAT64 64:ff9b::/96 of ${LOOPBACK_V4}`],
  ['64:ff9b::c0a8:101', 'NAT64 64:ff9b::/96 of private (RFC 1918) 192.168.0.0/16'],
  ['64:ff9b::8.8.8.8', null],
  ['2002:7f00:1::', `6to4 2002::/16 of ${LOOPBACK_V4}`],
  ['2002:a9fe:a9fe::1', '6to4 2002::/16 of link-local (incl. cloud metadata) 169.254.0.0/16'],
  ['2002:808:808::1', null],
  // public addresses
  ['2606:4700:4700::1111', null],
  ['2001:4860:4860::8888', null],
  ['2a00:1450:4001:82a::200e', null],
];

/** inet_aton spellings the OS accepts for a host name; the guard must see through them. */
const ODD_IPV4_CASES: readonly (readonly [string, string | null])[] = [
  ['127.1', LOOPBACK_V4],
  ['0177.0.0.1', LOOPBACK_V4],
  ['0x7f.0.0.1', LOOPBACK_V4],
  ['2130706433', LOOPBACK_V4],
  ['0x0a.0.0.1', 'private (RFC 1918) 10.0.0.0/8'],
  // leading zero means octal, as getaddrinfo reads it: 010.0.0.1 is 8.0.0.1, a public address
  ['010.0.0.1', null],
  ['8.8.8.08', 'not an IP address'],
];

describe('address guard', () => {
  for (const [address, expected] of [...IPV4_CASES, ...IPV6_CASES, ...ODD_IPV4_CASES]) {
    it(`${address} → ${expected ?? 'allowed'}`, () => {
      assert.equal(guard.blockedRange(address), expected);
    });
  }

  it('fails closed for text that is not an address', () => {
    for (const text of ['', 'example.com', '1.2.3.4.5', '256.0.0.1', '::ffff:1.2.3', 'fe80::1::2']) {
      assert.equal(guard.blockedRange(text), 'not an IP address', text);
    }
  });

  it('parses canonical dotted quads on the fast path and refuses everything else', () => {
    assert.equal(parseDottedQuad('0.0.0.0'), 0);
    assert.equal(parseDottedQuad('255.255.255.255'), 0xffffffff);
    assert.equal(parseDottedQuad('93.184.216.34'), (93 * 2 ** 24) + (184 << 16) + (216 << 8) + 34);
    for (const text of ['', '1.2.3', '1.2.3.4.', '.1.2.3', '1..2.3', '01.2.3.4', '1.2.3.256', '1.2.3.4 ', '::1']) {
      assert.equal(parseDottedQuad(text), -1, text);
    }
  });

  it('keeps giving the same verdicts when its memo fills and is cleared', () => {
    const small = createAddressGuard({ memoEntries: 2 });
    for (let round = 0; round < 3; round++) {
      for (const [address, expected] of [...IPV4_CASES.slice(0, 10), ...IPV6_CASES.slice(0, 10)]) {
        assert.equal(small.blockedRange(address), expected, address);
      }
    }
  });

  it('guards are independent values with no shared state', () => {
    const other = createAddressGuard();
    assert.equal(other.blockedRange('10.1.2.3'), guard.blockedRange('10.1.2.3'));
    assert.notEqual(other, guard);
  });
});
