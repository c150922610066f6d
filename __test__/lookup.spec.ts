// lookup() resolves off the event loop: a name whose DNS answer takes
// 500 ms does not stall other sockets. The DNS server is our own, in a
// network and mount namespace the test creates (`unshare --net --mount`,
// which needs root; skipped with the reason otherwise), where
// /etc/resolv.conf is bind-mounted to name it. Both namespaces vanish with
// the child process: nothing to clean up on the host.

import { execFile } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

import { checkLeaksAtEnd, tempDir } from './helpers'

checkLeaksAtEnd(test)

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'Linux network namespaces only'
  if (process.getuid?.() !== 0) return 'needs root to create network and mount namespaces'
  const missing = ['unshare', 'mount', 'ip'].find((tool) => !['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((dir) => existsSync(join(dir, tool))))
  return missing === undefined ? null : `needs the ${missing} tool`
}

// In the child: loopback up, our resolv.conf over the real one (the mount
// namespace is private, so the host's file is untouched), then the fixture.
const SETUP = `
set -e
ip link set lo up
mount --bind "$1" /etc/resolv.conf
shift
exec "$@"
`

const reason = whyNot()
const title = 'a lookup (or a connect by name) waiting 500 ms for DNS does not stall TCP round trips on other sockets'
if (reason !== null) console.log(`lookup.spec: skipping "${title}": ${reason}`)

;(reason === null ? test : test.skip)(reason === null ? title : `${title} (skipped: ${reason})`, async (t) => {
  const resolv = join(tempDir(t), 'resolv.conf')
  writeFileSync(resolv, 'nameserver 127.0.0.1\noptions timeout:5 attempts:1\n')
  const fixture = join(__dirname, 'fixtures', 'slow-dns.ts')
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      'unshare',
      ['--net', '--mount', 'sh', '-c', SETUP, 'sh', resolv, process.execPath, '--import', 'tsx', fixture],
      { cwd: join(__dirname, '..'), timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    )
  })
  const result = JSON.parse(out)
  t.log(
    `lookup took ${(result.lookup.elapsed * 1000).toFixed(0)} ms; ${result.roundTripsDuringLookup} TCP round trips meanwhile, longest gap ${result.maxGapMs.toFixed(1)} ms; connect by name: ${result.roundTripsDuringConnect} round trips meanwhile`,
  )
  t.deepEqual(result.queries.slice(0, 1), ['slow.test'], 'the lookup asked our DNS server')
  t.is(result.lookup.ip, '127.0.0.42')
  t.true(result.lookup.elapsed >= 0.45, 'the answer came after the server delay')
  // Counts, not clocks: a lookup on the event loop would allow no round
  // trip at all while it waits (and a busy machine can stretch any gap).
  t.true(result.roundTripsDuringLookup >= 10, 'TCP kept going while the lookup waited')
  t.deepEqual(result.queries.slice(0, 2), ['slow.test', 'slow.test'], 'connect() asked our DNS server too')
  t.true(result.connect.elapsed >= 0.45, `connect() by name waited for the answer: ${JSON.stringify(result.connect)}`)
  t.true(result.roundTripsDuringConnect >= 10, 'TCP kept going while connect() resolved the name')
  t.is(result.open, 0)
})
