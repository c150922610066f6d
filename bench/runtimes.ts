// Runtimes: socket2 against each runtime's own sockets, on that runtime.
// The 64-byte echo of the main part (64 connections, crates/bench loadgen
// on CPU 1, the server on CPU 0), served by bench/servers/runtime-echo.mjs
// under Node, Bun and Deno (those installed: the dev dependencies in
// node_modules/.bin first, then PATH):
//
//   socket2    a coroutine per connection, `recv` then `sendall` (the
//              libuv driver on Node, the poller-thread driver on Bun and Deno)
//   builtin    node:net's 'data' listener, Bun.listen's `data` callback,
//              Deno.listen with a read loop and a write loop
//
// Per run: round trips per second and the server's CPU time per round
// trip (all its threads: the poller thread is socket2's cost too). Used by
// bench/run.ts (`--runtimes-only`, `--no-runtimes`).

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as path from 'node:path'

import { type LoadResult, type Measured, QUEUED, ROOT, type RateRow, kilo, measureUnderLoad, ratePart, rateTable, serverNode } from './lib'

const RELEASE = path.join(ROOT, 'target', 'release')
const SCRIPT = path.join(ROOT, 'bench', 'servers', 'runtime-echo.mjs')
const CONNECTIONS = 64

interface Runtime {
  name: string
  /** How the runtime runs a script: its executable and the arguments before the script. */
  command: () => [string, string[]] | null
  /** What its own sockets are called in the table. */
  builtin: string
}

/** `name`'s executable: the dev dependency in node_modules/.bin first, then PATH; null when it does not run. */
function executable(name: string): string | null {
  const local = path.join(ROOT, 'node_modules', '.bin', name)
  for (const candidate of existsSync(local) ? [local, name] : [name]) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate
  }
  return null
}

const RUNTIMES: Runtime[] = [
  { name: 'node', command: () => [serverNode(), []], builtin: 'node:net' },
  { name: 'bun', command: () => withArgs(executable('bun'), []), builtin: 'Bun.listen' },
  { name: 'deno', command: () => withArgs(executable('deno'), ['run', '-A']), builtin: 'Deno.listen' },
]

function withArgs(bin: string | null, args: string[]): [string, string[]] | null {
  return bin === null ? null : [bin, args]
}

interface Variant {
  name: string
  command: () => [string, string[]]
}

function variants(runtime: Runtime, [bin, args]: [string, string[]]): Variant[] {
  const run = (impl: string): [string, string[]] => [bin, [...args, SCRIPT, '--impl', impl, '--port', '0']]
  return [
    { name: 'socket2', command: () => run('socket2') },
    { name: runtime.builtin, command: () => run('builtin') },
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
  // Deno: no update check or colours in a measured child.
  process.env.DENO_NO_UPDATE_CHECK = '1'
  process.env.NO_COLOR = '1'
  const found = new Map<string, Variant[]>()
  for (const runtime of RUNTIMES) {
    const command = runtime.command()
    if (command === null) options.log(`  ${runtime.name}: not installed, left out`)
    else found.set(runtime.name, variants(runtime, command))
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
  const builtin = { label: 'builtin', server: (group: string) => RUNTIMES.find((r) => r.name === group)!.builtin }
  return (
    `${rateTable(rows, { rate: 'rt/s', cpu: 'µs/rt', format: kilo }, [builtin], [QUEUED])}\n` +
    `(medians and ranges; 64-byte echo, ${CONNECTIONS} connections, bench/servers/runtime-echo.mjs on each runtime;\n` +
    " CPU = the server's on-CPU time per round trip, all its threads; CPU builtin/x above 1 = socket2 spends less than\n" +
    " the runtime's own sockets; queued = share of the window the server waited for a CPU others held)"
  )
}
