// accept under overload: out of file descriptors, a server must not spin,
// must keep its timers and connections running, and must take every queued
// client by itself once descriptors are free again.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import * as net from 'node:net'
import { join } from 'node:path'

import test from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, listener, ok } from './helpers'

checkLeaksAtEnd(test)

const CLIENTS = 120
/** Low enough that accepted connections run out of descriptors well before CLIENTS. */
const FD_LIMIT = 80

interface Outcome {
  accepted: number
  errors: Record<string, number>
  cpuMs: number
  wallMs: number
  worstGapMs: number
  /** Failed accepts during the second out of descriptors. */
  failures: number
}

/**
 * Runs fixtures/accept-emfile.ts under `prlimit --nofile=FD_LIMIT`,
 * connects CLIENTS clients, checks that an accepted connection still
 * echoes while the server is out of descriptors, and returns what the
 * server reported.
 */
async function overload(mode: 'sockets' | 'files'): Promise<{ outcome: Outcome; echoedWhileOut: boolean; stderr: string }> {
  const fixture = join(__dirname, 'fixtures', 'accept-emfile.ts')
  const child = spawn(
    'prlimit',
    [`--nofile=${FD_LIMIT}:${FD_LIMIT}`, process.execPath, '--import', 'tsx', fixture, mode, String(CLIENTS)],
    { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const lines: string[] = []
  let waiting: ((line: string) => void) | null = null
  let buffered = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
      if (waiting !== null) {
        const w = waiting
        waiting = null
        w(line)
      } else lines.push(line)
    }
  })
  const exited = once(child, 'close')
  const nextLine = (): Promise<string> =>
    lines.length > 0
      ? Promise.resolve(lines.shift()!)
      : Promise.race([
          new Promise<string>((resolve) => (waiting = resolve)),
          exited.then(([code, signal]) => {
            throw new Error(`the server exited early (${String(code)}, ${String(signal)}) (lines: ${JSON.stringify(lines)}, rest: ${JSON.stringify(buffered)}): ${stderr}`)
          }),
        ])
  const clients: net.Socket[] = []
  try {
    const { port } = JSON.parse(await nextLine()) as { port: number }
    for (let i = 0; i < CLIENTS; i++) {
      const c = net.connect({ port, host: '127.0.0.1' })
      c.on('error', () => {})
      clients.push(c)
    }
    await Promise.all(clients.map((c) => once(c, 'connect')))
    const first = clients[0]
    if ((await nextLine()) !== 'exhausted') throw new Error('expected the server to run out of descriptors')
    // The first client was accepted before the server ran out: it is served meanwhile.
    first.write('ping')
    const echoed = await Promise.race([
      once(first, 'data').then(([d]) => (d as Buffer).toString() === 'ping'),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 900)),
    ])
    const outcome = JSON.parse(await nextLine()) as Outcome
    await exited
    return { outcome, echoedWhileOut: echoed, stderr }
  } finally {
    clearTimeout(killer)
    for (const c of clients) c.destroy()
    child.kill('SIGKILL')
  }
}

for (const mode of ['sockets', 'files'] as const) {
  test.serial(`out of fds (${mode} use them up): no spin, timers and connections run, every queued client is accepted once fds are free`, async (t) => {
    const { outcome, echoedWhileOut, stderr } = await overload(mode)
    t.log(JSON.stringify(outcome))
    t.is(outcome.accepted, CLIENTS, stderr)
    t.true(echoedWhileOut, 'an accepted connection got no echo while the server was out of descriptors')
    const names = Object.keys(outcome.errors)
    t.true(names.length > 0, 'accept never reported running out')
    t.true(names.every((n) => n === 'too_many_open_files' || n.includes('too many open files')), names.join(', '))
    // Back-off: 10 ms doubling to 0.5 s gives 6 or 7 failed tries in one second.
    t.true(outcome.failures <= 12, `${outcome.failures} failed accepts in ${outcome.wallMs.toFixed(0)} ms`)
    t.true(outcome.cpuMs < 150, `used ${outcome.cpuMs.toFixed(0)} ms of CPU in ${outcome.wallMs.toFixed(0)} ms out of descriptors`)
    t.true(outcome.worstGapMs < 500, `a 10 ms timer went ${outcome.worstGapMs.toFixed(0)} ms without firing`)
  })
}

test.serial('a client that resets before it is accepted does not end accept', async (t) => {
  const { server, port } = await listener(t)
  // Connections that are reset while still queued (RST via linger 0).
  for (let i = 0; i < 5; i++) {
    const c = net.connect({ port, host: '127.0.0.1' })
    c.on('error', () => {})
    await once(c, 'connect')
    c.resetAndDestroy()
    await once(c, 'close')
  }
  const good = net.connect({ port, host: '127.0.0.1' })
  good.on('error', () => {})
  await once(good, 'connect')
  good.write('x')
  // Linux hands out reset connections too (their first read fails); every
  // accept returns a socket and the good client is among them.
  let found = false
  for (let i = 0; i < 6 && !found; i++) {
    const conn = ok(await server.accept(socket.clock() + 2))
    const [n, err] = await conn.recv(Buffer.alloc(1), null, socket.clock() + 0.2)
    found = err === undefined && n === 1
    conn.close()
  }
  good.destroy()
  t.true(found)
})
