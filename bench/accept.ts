// Accept: connections per second for a server that accepts each
// connection, reads (up to) its one byte and closes it. The native
// connector (crates/bench connector, pinned to CPU 1) keeps 32 connections
// in flight from 127.0.0.1: connect, send a byte, wait for the server's
// close, then close with SO_LINGER 0 (a RST: no TIME_WAIT on either side,
// so the ephemeral ports never run out) and open the next. Servers, pinned
// to CPU 0:
//
//   socket2   bench/servers/accept-server.js --impl socket2: an accept loop,
//             a coroutine per connection (recv one byte, close)
//   node:net  the same file, --impl net
//   native    crates/bench accept-server: edge-triggered mio, one thread
//
// Per run: connections completed per second in the connector's measured
// window, and the server's CPU time per connection. Used by bench/run.ts
// (`--accept-only`, `--no-accept`).

import * as path from 'node:path'

import { type LoadResult, type Measured, ERRORS, QUEUED, ROOT, type RateRow, baseline, kilo, measureUnderLoad, plainNodeScript, ratePart, rateTable } from './lib'

const RELEASE = path.join(ROOT, 'target', 'release')

/** Connections the connector keeps in flight. */
export const CONCURRENCY = 32

interface Variant {
  name: string
  command: () => [string, string[]]
}

const VARIANTS: Variant[] = [
  { name: 'socket2', command: () => plainNodeScript('bench/servers/accept-server.js', ['--impl', 'socket2', '--port', '0']) },
  { name: 'node:net', command: () => plainNodeScript('bench/servers/accept-server.js', ['--impl', 'net', '--port', '0']) },
  { name: 'native', command: () => [path.join(RELEASE, 'accept-server'), ['--port', '0']] },
]

interface Connected extends LoadResult {
  connections: number
  errors: number
}

function measureAccept(variant: Variant, warmup: number, duration: number): Promise<Measured> {
  return measureUnderLoad<Connected>(
    variant.command(),
    (port) => [
      path.join(RELEASE, 'connector'),
      ['--port', String(port), '--concurrency', String(CONCURRENCY), '--warmup', String(warmup), '--duration', String(duration)],
    ],
    (result) => result.connections,
    (result) => ({ errors: result.errors }),
  )
}

export async function runAccept(options: { warmup: number; duration: number; reps: number; log: (line: string) => void }): Promise<RateRow[]> {
  return ratePart({
    groups: ['accept'],
    variants: () => VARIANTS,
    reps: options.reps,
    measure: (_, variant) => measureAccept(variant, options.warmup, options.duration),
    describe: (run) =>
      `${kilo(run.rate)}/s, ${run.cpuUs?.toFixed(1) ?? '?'} µs CPU/conn, ${run.extra!.errors} errors, queued ${QUEUED.format(run.extra!.queued)}`,
    log: options.log,
  })
}

export function acceptTable(rows: RateRow[]): string {
  return (
    `${rateTable(rows, { rate: 'conn/s', cpu: 'µs/conn', format: kilo }, [baseline('node:net'), baseline('native')], [
      ERRORS,
      QUEUED,
    ])}\n` +
    `(medians and ranges; ${CONCURRENCY} connections in flight, each: connect, 1 byte, server closes, client RST (SO_LINGER 0);\n` +
    ' CPU = the server\'s on-CPU time per connection; CPU ratios above 1 = that row spends less than the baseline;\n' +
    ' queued = share of the window the server waited for a CPU others held)'
  )
}
