// Shared test helpers: leak checks and small socket utilities.

import { spawn } from 'node:child_process'
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { ExecutionContext, TestFn } from 'ava'

import * as socket from '../index'
import { driverName } from '../src/native'

/**
 * True when these tests run as compiled JavaScript rather than through tsx:
 * the Windows run under Wine (`scripts/test-windows.sh`), whose Windows
 * Node has no esbuild binary for tsx.
 */
export const compiled = __filename.endsWith('.js')

/** The Node arguments that load TypeScript: `--import tsx`, none when compiled. */
export const tsxArgs: string[] = compiled ? [] : ['--import', 'tsx']

/** The code a worker thread runs first to load TypeScript: tsx, nothing when compiled. */
export function tsxPrelude(): string {
  return compiled ? '' : `require(${JSON.stringify(require.resolve('tsx/cjs'))}); `
}

/** `fixtures/<name>` (named `x.ts`), or its compiled `x.js`. */
export function fixturePath(name: string): string {
  return join(__dirname, 'fixtures', compiled ? name.replace(/\.ts$/, '.js') : name)
}

/**
 * Windows under Wine (`scripts/test-windows.sh` sets `SOCKET2_WINE=1`):
 * where Wine's Winsock differs from Windows' (each difference reproduced
 * without our code by `scripts/wine/repro.c`), a test skips that part there
 * and still runs it on real Windows.
 */
export const underWine = process.platform === 'win32' && process.env.SOCKET2_WINE === '1'

/** Windows, where Unix sockets, raw sockets and some options are not offered (README, platforms). */
export const windows = process.platform === 'win32'

/** Windows offers no Unix sockets: opening one is `not_supported`. */
export const NO_UNIX_ON_WINDOWS = windows && "the Windows build offers no Unix sockets (tcp('unix') is not_supported)"

/**
 * `test(title, fn)`, or when `reason` is a string, `test.skip` with the
 * reason in its title (and on the console, as raw.spec.ts does).
 */
export function skipIf(
  reason: string | false | null,
  options: { serial?: boolean } = {},
): (title: string, fn: (t: ExecutionContext) => unknown) => void {
  // Loaded here, not at the top: fixtures import this file outside ava.
  const test = (require('ava') as { default: TestFn }).default
  return (title, fn) => {
    if (!reason) return void (options.serial ? test.serial : test)(title, fn)
    console.log(`skipping "${title}": ${reason}`)
    test.skip(`${title} (skipped: ${reason})`, fn)
  }
}

/** Open file descriptors of this process (Linux: /proc/self/fd; -1 where there is none). */
export function openFds(): number {
  // Under Wine, Z:\proc\self\fd is the Linux directory of Wine's own process.
  if (process.platform === 'win32') return -1
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

/**
 * What each open fd of this process is (`/proc/self/fd` link targets such as
 * `socket:[123]`, `pipe:[45]`, `anon_inode:[eventpoll]`), by fd number; empty
 * where there is no `/proc`.
 */
function fdTargets(): Map<string, string> {
  const targets = new Map<string, string>()
  if (process.platform === 'win32') return targets
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        targets.set(fd, readlinkSync(`/proc/self/fd/${fd}`))
      } catch {
        // Closed between the listing and the read (the listing's own fd is).
      }
    }
  } catch {
    // No /proc.
  }
  return targets
}

/** The fds open now that were not (or were something else) in `before`, as `fd → target`. */
function newFds(before: Map<string, string>): string {
  const added: string[] = []
  for (const [fd, target] of fdTargets()) if (before.get(fd) !== target) added.push(`${fd} → ${target}`)
  return added.join(', ')
}

/**
 * How many fds the event-loop driver keeps open once started: the poller's
 * epoll fd; the poller-thread driver (`SOCKET2_DRIVER=poller-thread`) adds
 * two dups of it (one the shared poller keeps for threads that join it, one
 * this thread registers its sockets through while the poller thread waits)
 * and the eventfd that wakes that thread.
 */
export function driverFds(): number {
  const driver = driverName() ?? (process.env.SOCKET2_DRIVER === 'poller-thread' ? 'poller-thread' : 'libuv')
  return driver === 'poller-thread' ? 4 : 1
}

/**
 * Registers a last test (run serially, after every other test of the file)
 * that checks nothing leaked: the fd count is back where it started, no
 * socket is open and no coroutine is waiting.
 */
/**
 * The Unix socket files in the repository's root. A test makes files only
 * in a temporary directory it removes; a socket file here is one that
 * bound a relative path (such as a host name given to a Unix socket).
 */
function socketFilesInRoot(): string[] {
  const root = join(__dirname, '..')
  return readdirSync(root).filter((name) => {
    try {
      return lstatSync(join(root, name)).isSocket()
    } catch {
      return false
    }
  })
}

export function checkLeaksAtEnd(test: TestFn): void {
  const fdsBefore = openFds()
  const targetsBefore = fdTargets()
  const socketFilesBefore = new Set(socketFilesInRoot())
  test.after.always('nothing left in the repository root: no Unix socket files', () => {
    const left = socketFilesInRoot().filter((name) => !socketFilesBefore.has(name))
    if (left.length > 0) throw new Error(`Unix socket file(s) left in the repository root (a relative path was bound): ${left.join(', ')}`)
  })
  test.after.always('nothing leaked: fds, sockets, waiting coroutines', async () => {
    // Sockets closed by GC finalizers and async closes settle in a tick;
    // a terminated worker's poller, or a child's pipes, may take longer on a
    // loaded machine. A leak never comes back: look again for up to 3 s.
    let errors: string[] = []
    for (const started = Date.now(); ; ) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      const stats = socket.stats()
      errors = []
      if (stats.sockets !== 0) errors.push(`${stats.sockets} socket(s) still open`)
      if (stats.waiting !== 0) errors.push(`${stats.waiting} coroutine(s) still waiting`)
      const fdsAfter = openFds()
      if (fdsBefore >= 0 && fdsAfter > fdsBefore + driverFds()) {
        errors.push(`fd count grew from ${fdsBefore} to ${fdsAfter} (new: ${newFds(targetsBefore)})`)
      }
      if (errors.length === 0 || Date.now() - started > 3000) break
    }
    if (errors.length > 0) throw new Error(errors.join('; '))
  })
}

/** A TCP listener on 127.0.0.1 with an OS-chosen port. */
export async function listener(t: ExecutionContext): Promise<{ server: socket.TcpSocket; port: number }> {
  const [server, err] = socket.tcp()
  if (err) throw new Error(err)
  t.teardown(() => server.close())
  const [, lerr] = await server.listen('127.0.0.1', 0)
  if (lerr) throw new Error(lerr)
  const [addr, aerr] = server.localAddr()
  if (aerr) throw new Error(aerr)
  return { server, port: addr.port()! }
}

/** A UDP socket closed when the test ends, bound to `host` (any port) unless `host` is null. */
export async function boundUdp(
  t: ExecutionContext,
  family: 'inet' | 'inet6' = 'inet',
  host: string | null = null,
): Promise<socket.UdpSocket> {
  const s = ok(socket.udp(family))
  t.teardown(() => s.close())
  if (host !== null) ok(await s.bind(host, 0))
  return s
}

/** The port a socket is bound to. */
export function portOf(s: socket.Socket): number {
  return ok(s.localAddr()).port()!
}

/** A connected TCP pair on loopback: [client, server side]. */
export async function pair(t: ExecutionContext): Promise<[socket.TcpSocket, socket.TcpSocket]> {
  const { server, port } = await listener(t)
  const [client, err] = socket.tcp()
  if (err) throw new Error(err)
  t.teardown(() => client.close())
  const accepted = server.accept()
  const [, cerr] = await client.connect('127.0.0.1', port)
  if (cerr) throw new Error(cerr)
  const [conn, aerr] = await accepted
  if (aerr) throw new Error(aerr)
  t.teardown(() => conn.close())
  server.close()
  return [client, conn]
}

/** The value of a success tuple; throws an Error naming the failure otherwise. */
export function ok<T>(result: socket.Result<T>): T {
  if (result[1] !== undefined) throw new Error(`expected success, got ${result[1]} (code ${result[2]})`)
  return result[0]
}

/** Checks a `sendall`/`recvall` result: throws an Error naming the failure and the count moved. */
export function whole(result: socket.Transferred): void {
  if (result[1] !== undefined) throw new Error(`expected all bytes through, got ${result[1]} after ${result[3]}`)
}

/** Sends all of `buf[0..len]`, however many calls it takes. */
export async function sendAll(s: socket.TcpSocket, buf: Uint8Array, len = buf.length): Promise<void> {
  for (let off = 0; off < len; ) off += ok(await s.send(buf.subarray(off, len)))
}

/** Receives exactly `len` bytes into `buf` (default all of it); throws on EOF or error. */
export async function recvExactly(
  s: socket.TcpSocket,
  buf: Uint8Array,
  len = buf.length,
  expires?: number,
): Promise<void> {
  for (let off = 0; off < len; ) {
    const n = ok(await s.recv(buf.subarray(off, len), undefined, expires))
    if (n === 0) throw new Error(`peer closed after ${off} of ${len} bytes`)
    off += n
  }
}

/** What a child process did. */
export interface ChildOutcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** True when we killed it because `timeoutMs` passed. */
  killed: boolean
}

/**
 * Runs `node --import tsx [nodeArgs] <fixture> [args]` (no tsx for a `.js`
 * fixture, or when the tests run compiled) from the repo root and
 * waits for it, killing it (SIGKILL) after `timeoutMs`, or `killAfterOutputMs`
 * after its first output on stdout.
 */
export function runFixture(
  fixture: string,
  options: {
    args?: string[]
    nodeArgs?: string[]
    /** The node binary that runs it (default: this one); only for a plain .js fixture, which needs no loader. */
    node?: string
    /** Variables added to (or, when undefined, removed from) this process's environment. */
    env?: NodeJS.ProcessEnv
    timeoutMs?: number
    killAfterOutputMs?: number
  } = {},
): Promise<ChildOutcome> {
  const { args = [], nodeArgs = [], node = process.execPath, env = {}, timeoutMs = 10_000, killAfterOutputMs } = options
  const file = fixturePath(fixture)
  return new Promise((resolve, reject) => {
    // A plain .js fixture runs as users run the compiled package: no loader.
    const loader = file.endsWith('.js') ? [] : tsxArgs
    const child = spawn(node, [...loader, ...nodeArgs, file, ...args], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let killed = false
    let timer: NodeJS.Timeout | undefined
    const killIn = (ms: number): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        killed = true
        child.kill('SIGKILL')
      }, ms)
    }
    killIn(timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      // The first output says the child is set up: from then on give it
      // only `killAfterOutputMs` (start-up time varies a lot on a busy machine).
      if (stdout === '' && killAfterOutputMs !== undefined) killIn(killAfterOutputMs)
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, killed })
    })
  })
}

/**
 * Runs `fixtures/idle-cpu.ts` (an idle server waiting in accept for a
 * second) and checks it used under 100 ms of CPU meanwhile: no busy polling.
 */
export async function checkIdleCpu(t: ExecutionContext, env?: NodeJS.ProcessEnv): Promise<void> {
  const child = await runFixture('idle-cpu.ts', { env, timeoutMs: 15_000 })
  t.is(child.code, 0, child.stderr)
  const { user, system, wall, acceptErr } = JSON.parse(child.stdout) as Record<string, number | string>
  t.is(acceptErr, 'closed')
  const cpuMs = ((user as number) + (system as number)) / 1000
  t.log(`idle ${Math.round(wall as number)} ms: ${cpuMs.toFixed(1)} ms of CPU`)
  t.true(cpuMs < 100, `used ${cpuMs} ms of CPU while idle`)
}

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'socket2-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
