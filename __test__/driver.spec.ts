// The event-loop drivers (crates/binding/src/driver). Node on Linux and macOS
// runs the libuv driver; Windows, and runtimes that do not export libuv (Bun,
// Deno), run the poller-thread driver. `SOCKET2_DRIVER=poller-thread` makes init act
// exactly as in a runtime without libuv, so the fallback is exercised here,
// each case in a child process (the driver is chosen once per environment).

import test from 'ava'

import { checkIdleCpu, checkLeaksAtEnd, runFixture } from './helpers'

checkLeaksAtEnd(test)

const THREAD = { SOCKET2_DRIVER: 'poller-thread' }
const DEFAULT = { SOCKET2_DRIVER: undefined }

interface EchoOutcome {
  driver: string
  intact: boolean
  stats: { sockets: number; waiting: number; threads: number }
  worker?: { outcome: Omit<EchoOutcome, 'worker'>; exitCode: number }
}

const nothingOpen = { sockets: 0, waiting: 0, threads: 0 }

test('the default driver here is libuv (the poller-thread driver only on Windows)', async (t) => {
  const child = await runFixture('driver-echo.ts', { env: DEFAULT, timeoutMs: 30_000 })
  t.false(child.killed, `still running after 30 s: ${child.stderr}`)
  t.is(child.code, 0, child.stderr)
  const outcome = JSON.parse(child.stdout) as EchoOutcome
  t.is(outcome.driver, process.platform === 'win32' ? 'poller-thread' : 'libuv')
  t.true(outcome.intact)
})

test('without libuv (SOCKET2_DRIVER=poller-thread) init takes the poller-thread fallback: a TCP echo in a child process', async (t) => {
  const child = await runFixture('driver-echo.ts', { env: THREAD, timeoutMs: 30_000 })
  t.false(child.killed, `still running after 30 s (the process should exit by itself): ${child.stderr}`)
  t.is(child.code, 0, child.stderr)
  const outcome = JSON.parse(child.stdout) as EchoOutcome
  t.is(outcome.driver, 'poller-thread')
  t.true(outcome.intact, 'every echoed byte came back unchanged')
  t.deepEqual(outcome.stats, nothingOpen)
})

test('poller-thread driver: a worker thread echoes, exits (its poller thread is stopped and joined), the main thread goes on', async (t) => {
  const child = await runFixture('driver-echo.ts', { args: ['worker'], env: THREAD, timeoutMs: 30_000 })
  t.false(child.killed, `still running after 30 s: ${child.stderr}`)
  t.is(child.code, 0, child.stderr)
  const outcome = JSON.parse(child.stdout) as EchoOutcome
  t.is(outcome.worker?.exitCode, 0)
  t.is(outcome.worker?.outcome.driver, 'poller-thread')
  t.true(outcome.worker?.outcome.intact)
  t.is(outcome.driver, 'poller-thread')
  t.true(outcome.intact)
})

test('an unknown SOCKET2_DRIVER is a clear error at the first socket', async (t) => {
  const child = await runFixture('driver-echo.ts', {
    args: ['init-error'],
    env: { SOCKET2_DRIVER: 'kqueue-please' },
  })
  t.is(child.code, 0, child.stderr)
  const { error } = JSON.parse(child.stdout) as { error?: string }
  t.regex(error ?? '', /SOCKET2_DRIVER must be 'auto', 'libuv' or 'poller-thread', not 'kqueue-please'/)
})

test('poller-thread driver: the process exits by itself when nothing is pending (the threadsafe function is unref’d)', async (t) => {
  const child = await runFixture('exit-when-idle.ts', { env: THREAD, timeoutMs: 10_000 })
  t.false(child.killed, `still running after 10 s; stdout: ${child.stdout}`)
  t.is(child.code, 0, child.stderr)
  t.regex(child.stdout, /^idle \{"sockets":1,"waiting":0/)
})

test('poller-thread driver: a thread waiting in accept keeps the process alive (ref’d while waiting)', async (t) => {
  const child = await runFixture('alive-in-accept.ts', { env: THREAD, timeoutMs: 15_000, killAfterOutputMs: 1000 })
  t.is(child.stdout, 'waiting\n', child.stderr)
  t.true(child.killed, `exited by itself with code ${child.code}: ${child.stderr}`)
})

test('poller-thread driver: an idle server waiting in accept uses no CPU (the poller thread blocks)', (t) =>
  checkIdleCpu(t, THREAD),
)

interface RaceOutcome {
  driver: string
  got: number
  total: number
  intact: boolean
  short: number
  error: string | null
}

for (const [name, env] of [
  ['libuv', DEFAULT],
  ['poller-thread', THREAD],
] as const) {
  test(`${name} driver: data arriving right after a short read wakes the next recv (the drained hint loses no edge)`, async (t) => {
    const child = await runFixture('short-read-race.ts', { env, timeoutMs: 60_000 })
    t.false(child.killed, `still running after 60 s: ${child.stderr}`)
    t.is(child.code, 0, child.stderr)
    const outcome = JSON.parse(child.stdout) as RaceOutcome
    if (process.platform !== 'win32') t.is(outcome.driver, name)
    t.is(outcome.error, null, 'no recv timed out waiting for bytes that had arrived')
    t.is(outcome.got, outcome.total)
    t.true(outcome.intact)
    // Each short read is one chance for the race (hundreds on a quiet
    // machine); on a loaded one the reader falls behind and fills its
    // buffer, and as few as 7 were seen. At least one must have happened.
    t.log(`${outcome.short} short reads`)
    t.true(outcome.short >= 1, `the drained hint was exercised (${outcome.short} short reads)`)
  })
}
