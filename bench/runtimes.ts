// Runtimes: socket2 against each runtime's own sockets, on that runtime.
// The 64-byte echo of the main part (64 connections, crates/bench loadgen
// on CPU 1, the server on CPU 0) under Node, Bun and Deno (those installed,
// found and run as the runtimes test finds and runs them:
// __test__/runtimes/runner.cjs):
//
//   socket2    a coroutine per connection, `recv` then `sendall`
//              (bench/servers/echo-connection.js; the libuv driver on
//              Node, the poller-thread driver on Bun and Deno)
//   builtin    node:net's 'data' listener (the main part's net-echo.js),
//              Bun.listen's `data` callback, Deno.listen with a read loop
//              and a write loop (bench/servers/runtime-echo.mjs)
//
// Per run: round trips per second and the server's CPU time per round
// trip (all its threads: the poller thread is socket2's cost too). Used by
// bench/run.ts (`--runtimes-only`, `--no-runtimes`).

import * as path from 'node:path'

import { probe, runtimes } from '../__test__/runtimes/runner.cjs'
import { type LoadResult, type Measured, QUEUED, ROOT, type RateRow, kilo, measureUnderLoad, plainNodeScript, ratePart, rateTable } from './lib'

const RELEASE = path.join(ROOT, 'target', 'release')
const SCRIPT = path.join(ROOT, 'bench', 'servers', 'runtime-echo.mjs')
const CONNECTIONS = 64

interface Variant {
  name: string
  command: () => [string, string[]]
}

/** What each runtime's own sockets are called in the table. */
const BUILTIN: Record<string, string> = { node: 'node:net', bun: 'Bun.listen', deno: 'Deno.listen' }

/** The servers on `runtime`: on Node the main echo part's own (run by the suite's `--node`). */
function variants(runtime: string, bin: string): Variant[] {
  if (runtime === 'node') {
    return [
      { name: 'socket2', command: () => plainNodeScript('bench/servers/socket2-echo.js', ['--port', '0']) },
      { name: BUILTIN.node, command: () => plainNodeScript('bench/servers/net-echo.js', ['--port', '0']) },
    ]
  }
  const run = (impl: string): [string, string[]] => [bin, [...runtimes[runtime].args, SCRIPT, '--impl', impl, '--port', '0']]
  return [
    { name: 'socket2', command: () => run('socket2') },
    { name: BUILTIN[runtime], command: () => run('builtin') },
  ]
}

interface Echoed extends LoadResult {
  round_trips: number
}

function measureEcho(variant: Variant, warmup: number, duration: number): Promise<Measured> {
  return measureUnderLoad<Echoed>(
    variant.command(),
    (port) => [
      path.join(RELEASE, 'loadgen'),
      ['--port', String(port), '--connections', String(CONNECTIONS), '--warmup', String(warmup), '--duration', String(duration)],
    ],
    (result) => result.round_trips,
  )
}

export async function runRuntimes(options: { warmup: number; duration: number; reps: number; log: (line: string) => void }): Promise<RateRow[]> {
  const found = new Map<string, Variant[]>()
  for (const runtime of Object.keys(BUILTIN)) {
    const probed = probe(runtime)
    if (!probed.ok) {
      options.log(`  ${runtime}: left out (${probed.reason})`)
      continue
    }
    // Its environment as the runtimes test gives it (Deno: no update check, no colours).
    Object.assign(process.env, runtimes[runtime].env)
    found.set(runtime, variants(runtime, probed.bin))
  }
  return ratePart({
    groups: [...found.keys()],
    variants: (group) => found.get(group)!,
    reps: options.reps,
    measure: (_, variant) => measureEcho(variant, options.warmup, options.duration),
    describe: (run) => `${kilo(run.rate)}/s, ${run.cpuUs?.toFixed(2) ?? '?'} µs CPU/rt, queued ${QUEUED.format(run.extra!.queued)}`,
    log: options.log,
  })
}

export function runtimesTable(rows: RateRow[]): string {
  const builtin = { label: 'builtin', server: (group: string) => BUILTIN[group] }
  return (
    `${rateTable(rows, { rate: 'rt/s', cpu: 'µs/rt', format: kilo }, [builtin], [QUEUED])}\n` +
    `(medians and ranges; 64-byte echo, ${CONNECTIONS} connections; Bun and Deno serve bench/servers/runtime-echo.mjs;\n` +
    " CPU = the server's on-CPU time per round trip, all its threads; CPU builtin/x above 1 = socket2 spends less than\n" +
    " the runtime's own sockets; queued = share of the window the server waited for a CPU others held)"
  )
}
