// Multicast and broadcast through socket options, on a real (virtual)
// interface: IPv4 and IPv6 multicast join/loop/leave and IPv4 broadcast in
// a network namespace the test creates (a veth pair; needs root, skipped
// with the reason otherwise). Loopback-only multicast and broadcast are in
// options.spec.ts.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

import { checkLeaksAtEnd } from './helpers'

checkLeaksAtEnd(test)

/** Why the namespace test cannot run here, or null. */
function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'Linux network namespaces only'
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace'
  for (const tool of ['/usr/bin/unshare', '/usr/sbin/ip', '/usr/sbin/sysctl']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr', ''))) return `needs ${tool}`
  }
  return null
}

// A fresh network namespace (unshare --net: gone when the child exits) with
// a veth pair; mc0 gets 10.42.0.1/24 and fd42::1/64 (no duplicate address
// detection, so the addresses are usable at once).
const NETNS_SETUP = `
set -e
ip link set lo up
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip link add mc0 type veth peer name mc1
ip addr add 10.42.0.1/24 brd + dev mc0
ip -6 addr add fd42::1/64 dev mc0 nodad
ip link set mc1 up
ip link set mc0 up
export MC_IFINDEX=$(ip -o link show mc0 | cut -d: -f1)
exec "$@"
`

const noNetns = netnsUnavailable()
const netnsTitle = 'in a new network namespace: IPv4 and IPv6 multicast join/loop/leave, IPv4 broadcast'
if (noNetns !== null) console.log(`multicast.spec: skipping "${netnsTitle}": ${noNetns}`)

;(noNetns === null ? test : test.skip)(noNetns === null ? netnsTitle : `${netnsTitle} (skipped: ${noNetns})`, async (t) => {
  const fixture = join(__dirname, 'fixtures', 'multicast-netns.ts')
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      'unshare',
      ['--net', 'sh', '-c', NETNS_SETUP, 'sh', process.execPath, '--import', 'tsx', fixture],
      { cwd: join(__dirname, '..'), timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    )
  })
  const result = JSON.parse(out)
  t.log(`mc0 is interface ${result.ifindex} in the namespace`)
  t.deepEqual(result.ipv4Multicast, {
    join: [true],
    options: [['10.42.0.1'], [1], [true]],
    joined: { text: 'v4 group', from: '10.42.0.1' },
    loopOff: { err: 'timeout' },
    drop: [true],
    dropped: { err: 'timeout' },
  })
  t.deepEqual(result.ipv6Multicast, {
    join: [true],
    options: [[result.ifindex], [1], [true]],
    joined: { text: 'v6 group', fromLinkLocal: true },
    drop: [true],
    dropped: { err: 'timeout' },
  })
  t.deepEqual(result.ipv4Broadcast, {
    default: [false],
    withoutOption: 'access_denied',
    set: [true],
    after: [true],
    received: { text: 'to all', from: '10.42.0.1' },
  })
  t.is(result.open, 0, 'the fixture closed every socket')
})
