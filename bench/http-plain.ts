// Plain HTTP/1.1: keep-alive GET requests served straight from sockets by
// the same request handler on each server (bench/servers/http-plain.js,
// parser and responder), so that only the socket layer differs. Servers,
// pinned to CPU 0:
//
//   socket2   bench/servers/http-plain-server.js --impl socket2: a
//             coroutine per connection, `recv` into its buffer, `sendall`
//             of each response's head and body (one vectored write)
//   node:net  the same file, --impl net: a 'data' listener, corked writes
//   native    crates/bench http-server: edge-triggered mio, one thread,
//             the same parsing and responses (the kernel-bound reference)
//
// Load: `wrk -t1` pinned to CPU 1 with 1, 64 and 256 connections (1 s of
// warm-up, then the measured run). Per run: requests per second, and the
// server's on-CPU time per request over the measured run. wrk on one core
// is often the limit at 64 and 256 connections: then the rates are close
// and the CPU figure is the one that compares the servers.
//
// Used by bench/run.ts (`--http-only`, `--no-http`); without wrk the part
// is skipped with a message (node:http over socket2 duplexes, with a Node
// load tool when wrk is missing, is `npm run bench:http`).

import * as path from 'node:path'

import { ERRORS, QUEUED, ROOT, type Measured, type RateRow, baseline, kilo, pinned, plainNodeScript, queuedShare, ratePart, rateTable } from './lib'
import { runWrk, schedStat, startChild, stopChild } from './lib'

const RELEASE = path.join(ROOT, 'target', 'release')

/** Keep-alive connections wrk holds open, one row group each. */
export const HTTP_CONNECTIONS = [1, 64, 256] as const

interface Variant {
  name: string
  command: () => [string, string[]]
}

const VARIANTS: Variant[] = [
  { name: 'socket2', command: () => plainNodeScript('bench/servers/http-plain-server.js', ['--impl', 'socket2', '--port', '0']) },
  { name: 'node:net', command: () => plainNodeScript('bench/servers/http-plain-server.js', ['--impl', 'net', '--port', '0']) },
  { name: 'native', command: () => [path.join(RELEASE, 'http-server'), ['--port', '0']] },
]

async function measureHttp(variant: Variant, connections: number, warmup: number, duration: number): Promise<Measured> {
  const { child, firstLine } = await startChild(...pinned(0, ...variant.command()))
  try {
    const port = Number(firstLine)
    if (!Number.isInteger(port) || port <= 0) throw new Error(`${variant.name} printed ${firstLine}, not a port`)
    const url = `http://127.0.0.1:${port}/`
    if (warmup > 0) await runWrk(url, connections, warmup)
    const from = schedStat(child.pid)
    const result = await runWrk(url, connections, duration)
    const to = schedStat(child.pid)
    const both = from !== undefined && to !== undefined && result.requests > 0
    return {
      rate: result.requests / result.seconds,
      cpuUs: both ? (to!.cpuNs - from!.cpuNs) / 1000 / result.requests : undefined,
      extra: { errors: result.errors, queued: both ? queuedShare(to!.waitNs - from!.waitNs, result.seconds) : 0 },
    }
  } finally {
    await stopChild(child)
  }
}

export async function runHttpPlain(options: { warmup: number; duration: number; reps: number; log: (line: string) => void }): Promise<RateRow[]> {
  return ratePart({
    groups: HTTP_CONNECTIONS.map((n) => `${n} conn`),
    variants: () => VARIANTS,
    reps: options.reps,
    measure: (group, variant) => measureHttp(variant, Number.parseInt(group, 10), options.warmup, options.duration),
    describe: (run) =>
      `${kilo(run.rate)} req/s, ${run.cpuUs?.toFixed(2) ?? '?'} µs CPU/req, ${run.extra!.errors} errors, queued ${QUEUED.format(run.extra!.queued)}`,
    log: options.log,
  })
}

export function httpPlainTable(rows: RateRow[]): string {
  return (
    `${rateTable(rows, { rate: 'req/s', cpu: 'µs/req', format: kilo }, [baseline('node:net'), baseline('native')], [
      ERRORS,
      QUEUED,
    ])}\n` +
    '(medians and ranges; wrk -t1 on CPU 1, keep-alive GET / with a 13-byte body; the same request handler on each server;\n' +
    ' CPU = the server\'s on-CPU time per request; CPU ratios above 1 = that row spends less than the baseline;\n' +
    ' when wrk is the limit (rates alike at 64 and 256 connections), compare the CPU columns)'
  )
}
