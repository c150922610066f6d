// Bulk: single-stream throughput over loopback TCP, both directions. The
// native blaster (crates/bench blaster, pinned to CPU 1) keeps one
// connection saturated with 64 KiB `write`s (`in`: the server receives) or
// 64 KiB `read`s (`out`: the server sends) against each server, pinned to
// CPU 0:
//
//   socket2   bench/servers/fairness-server.js --impl socket2 --no-ticker:
//             a coroutine doing 64 KiB `recv`s / `sendall`s
//   node:net  the same file, --impl net: a 'data' listener / `write` on 'drain'
//   native    crates/bench bulk-server: blocking read/write, 64 KiB, a thread
//             per connection
//
// Per run: MB/s in the blaster's measured window, and the server's CPU time
// per MB over that window. Used by bench/run.ts (`--bulk-only`, `--no-bulk`).

import * as path from 'node:path'

import { type LoadResult, type Measured, QUEUED, ROOT, type RateRow, baseline, measureUnderLoad, plainNodeScript, ratePart, rateTable } from './lib'

const RELEASE = path.join(ROOT, 'target', 'release')

export type Direction = 'in' | 'out'
const GROUPS: Record<Direction, string> = { in: 'server receives', out: 'server sends' }

interface Variant {
  name: string
  command: () => [string, string[]]
}

const VARIANTS: Variant[] = [
  { name: 'socket2', command: () => plainNodeScript('bench/servers/fairness-server.js', ['--impl', 'socket2', '--no-ticker', '--port', '0']) },
  { name: 'node:net', command: () => plainNodeScript('bench/servers/fairness-server.js', ['--impl', 'net', '--no-ticker', '--port', '0']) },
  { name: 'native', command: () => [path.join(RELEASE, 'bulk-server'), ['--port', '0']] },
]

async function measureBulk(direction: Direction, variant: Variant, warmup: number, duration: number): Promise<Measured> {
  // Megabytes are the operations: CPU per MB.
  return measureUnderLoad<LoadResult & { bytes: number }>(
    variant.command(),
    (port) => [
      path.join(RELEASE, 'blaster'),
      ['--port', String(port), '--direction', direction, '--warmup', String(warmup), '--seconds', String(duration)],
    ],
    (result) => result.bytes / 1e6,
  )
}

export async function runBulk(options: { warmup: number; duration: number; reps: number; log: (line: string) => void }): Promise<RateRow[]> {
  const directions: Direction[] = ['in', 'out']
  return ratePart({
    groups: directions.map((d) => GROUPS[d]),
    variants: () => VARIANTS,
    reps: options.reps,
    measure: (group, variant) =>
      measureBulk(directions.find((d) => GROUPS[d] === group)!, variant, options.warmup, options.duration),
    describe: (run) => `${run.rate.toFixed(0)} MB/s, ${run.cpuUs?.toFixed(1) ?? '?'} µs CPU/MB, queued ${QUEUED.format(run.extra!.queued)}`,
    log: options.log,
  })
}

export function bulkTable(rows: RateRow[]): string {
  return (
    `${rateTable(rows, { rate: 'MB/s', cpu: 'µs/MB' }, [baseline('node:net'), baseline('native')], [QUEUED])}\n` +
    '(medians and ranges of the runs; one connection, 64 KiB reads/writes; CPU = the server\'s on-CPU time per MB;\n' +
    ' CPU ratios above 1 = that row spends less than the baseline; queued = share of the window the server waited for a CPU others held)'
  )
}
