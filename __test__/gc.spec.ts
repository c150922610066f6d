// Sockets dropped without close() must not exhaust descriptors: their
// native side reports its kernel buffers to V8 (so V8 collects them and
// their finalizers close them), and a socket() or accept() that runs out
// of descriptors first forces a collection and closes the unreachable ones
// (src/reclaim.ts). Each case runs `fixtures/fd-pressure.ts` in a child
// whose fd limit is lowered to 1024 with prlimit(1); before this, every
// mode failed with 'too_many_open_files' after about 1000 sockets (500
// connected pairs).

import { spawnSync } from 'node:child_process'

import test from 'ava'

import { runFixture } from './helpers'

const hasPrlimit = process.platform === 'linux' && spawnSync('prlimit', ['--version']).status === 0

interface Outcome {
  opened: number
  failure: { at: number; err: string } | null
  peak: number
  ms: number
}

const cases: Array<[mode: string, count: number, what: string, env?: NodeJS.ProcessEnv]> = [
  ['turn', 50_000, 'an event-loop turn between sockets: V8 collects them, finalizers close them'],
  ['microtask', 30_000, 'only `await null` between sockets: no loop turn, so the out-of-fds path reclaims them'],
  ['sync', 30_000, 'no await at all: the out-of-fds path reclaims them'],
  ['pairs', 10_000, 'connected loopback pairs (3 fds each), also through accept()'],
  ['turn', 20_000, 'under the poller-thread driver', { SOCKET2_DRIVER: 'poller-thread' }],
]

for (const [mode, count, what, env] of cases) {
  const title = `fd limit 1024: ${count} sockets opened and dropped, never closed (${mode}: ${what})`
  if (!hasPrlimit) {
    test.skip(`${title} (skipped: needs Linux and prlimit)`, (t) => t.pass())
    continue
  }
  test.serial(title, async (t) => {
    const child = await runFixture('fd-pressure.ts', {
      args: [String(count), mode, '1024'],
      env: env ?? { SOCKET2_DRIVER: undefined },
      timeoutMs: 120_000,
    })
    t.false(child.killed, `still running after 120 s: ${child.stderr}`)
    t.is(child.code, 0, child.stderr)
    const outcome = JSON.parse(child.stdout) as Outcome
    t.log(`opened ${outcome.opened}, at most ${outcome.peak} open at once, ${outcome.ms} ms`)
    t.is(outcome.failure, null, `failed at socket #${outcome.failure?.at}: ${outcome.failure?.err}`)
    t.is(outcome.opened, count)
    t.true(outcome.peak < 1024)
  })
}
