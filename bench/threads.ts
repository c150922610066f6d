// The threads benchmark (`npm run bench -- --threads-only`, or standalone
// `node --import tsx bench/threads.ts`): 64-byte echo ping-pong from the
// native load generator against one port served by 1 or 2 workers:
//
//   socket2 share       worker_threads, one listener shared (share/adopt)
//   socket2 reuseport   worker_threads, one SO_REUSEPORT listener each
//   socket2 shared-poller  as "share", every worker on the main thread's poller (epollFd(fd))
//   node:net cluster    worker processes, Node's default (round-robin) scheduling
//
// For each run: round trips per second (the load generator's count), each
// worker's share of the connections and of the round trips, the CPU time
// per round trip of each worker's JavaScript thread (its own on-CPU time
// over the measured window / the round trips it echoed), and of the whole
// server (every thread of every process, the cluster's primary included).
// Unpinned: the servers use both cores and the load generator competes
// with them (it is a single thread; on this 2-core machine it is a third
// busy thread).
//
// Options: --duration S (3), --warmup S (1), --reps N (3), --connections N (64),
// --workers 1,2. Results: bench/results/threads.json (also when run from
// bench/run.ts with --threads-only; inside the full suite, latest.json).

import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'

import { LineChild, ROOT, type Rate, cpuNanos, kilo, load, median, numberOption, runJson, resultsFile, serverNode, serverNodeVersion, stringOption, table } from './lib'

const RELEASE = path.join(ROOT, 'target', 'release')

interface Config {
  name: string
  args: (workers: number) => [string, string[]]
}

const CONFIGS: Config[] = [
  { name: 'socket2 share', args: (n) => serverArgs('socket2-threads-echo.js', ['--threads', String(n), '--mode', 'share']) },
  {
    name: 'socket2 reuseport',
    args: (n) => serverArgs('socket2-threads-echo.js', ['--threads', String(n), '--mode', 'reuseport']),
  },
  {
    name: 'socket2 shared-poller',
    args: (n) => serverArgs('socket2-threads-echo.js', ['--threads', String(n), '--mode', 'share', '--poller', 'shared']),
  },
  { name: 'node:net cluster', args: (n) => serverArgs('net-cluster-echo.js', ['--threads', String(n)]) },
]

function serverArgs(script: string, args: string[]): [string, string[]] {
  return [serverNode(), [path.join(ROOT, 'bench', 'servers', script), ...args]]
}

interface WorkerReport {
  served: number
  messages: number
  cpu_ns: number
}
interface Report {
  workers: WorkerReport[]
  pids: number[]
}

/** A server child answering `report` lines (bench/servers/threads-report.js). */
class Server extends LineChild {
  async report(): Promise<{ report: Report; cpuNs: number }> {
    const report = await this.ask<Report>('report')
    const cpuNs = report.pids.reduce((sum, pid) => sum + (cpuNanos(pid) ?? NaN), 0)
    return { report, cpuNs }
  }
}

interface Run {
  rate: number
  /** Each worker's share of the connections (0..1). */
  connectionShare: number[]
  /** Each worker's share of the round trips in the measured window. */
  roundTripShare: number[]
  /** Each worker thread's CPU µs per round trip it echoed. */
  workerCpuUs: number[]
  /** The whole server's CPU µs per round trip. */
  serverCpuUs: number
}

async function measure(config: Config, workers: number, connections: number, warmup: number, duration: number): Promise<Run> {
  const server = new Server(...config.args(workers))
  try {
    const port = Number(await server.nextLine())
    if (!Number.isInteger(port) || port <= 0) throw new Error(`${config.name}: no port`)
    let before: Promise<{ report: Report; cpuNs: number }> | undefined
    const args = ['--port', String(port), '--connections', String(connections), '--warmup', String(warmup), '--duration', String(duration)]
    const result = await runJson<Rate>(path.join(RELEASE, 'loadgen'), args, (line) => {
      if (line === 'measuring') before = server.report()
    })
    const after = await server.report()
    const start = await before!
    const messages = after.report.workers.map((w, i) => w.messages - start.report.workers[i].messages)
    const totalMessages = messages.reduce((a, b) => a + b, 0)
    const served = after.report.workers.map((w) => w.served)
    const totalServed = served.reduce((a, b) => a + b, 0)
    return {
      rate: result.rate,
      connectionShare: served.map((s) => s / totalServed),
      roundTripShare: messages.map((m) => m / totalMessages),
      workerCpuUs: after.report.workers.map((w, i) => (w.cpu_ns - start.report.workers[i].cpu_ns) / 1000 / Math.max(1, messages[i])),
      serverCpuUs: (after.cpuNs - start.cpuNs) / 1000 / result.round_trips,
    }
  } finally {
    await server.stop()
  }
}

export interface ThreadsRow {
  server: string
  workers: number
  rate: number
  connection_share: number[]
  round_trip_share: number[]
  worker_cpu_us: number[]
  server_cpu_us: number
  runs: Run[]
}

export async function runThreads(options: {
  warmup: number
  duration: number
  reps: number
  connections: number
  workerCounts: number[]
  log: (line: string) => void
}): Promise<ThreadsRow[]> {
  const rows: ThreadsRow[] = []
  for (const workers of options.workerCounts) {
    const runs = new Map<string, Run[]>(CONFIGS.map((c) => [c.name, []]))
    for (let rep = 0; rep < options.reps; rep++) {
      for (let k = 0; k < CONFIGS.length; k++) {
        const config = CONFIGS[(k + rep) % CONFIGS.length]
        const run = await measure(config, workers, options.connections, options.warmup, options.duration)
        runs.get(config.name)!.push(run)
        options.log(
          `  ${workers} worker(s), rep ${rep + 1}/${options.reps}, ${config.name}: ${kilo(run.rate)}/s, ` +
            `conn ${pct(run.connectionShare)}, rt ${pct(run.roundTripShare)}, ` +
            `worker CPU ${run.workerCpuUs.map((u) => u.toFixed(1)).join('/')} µs/rt, server ${run.serverCpuUs.toFixed(1)} µs/rt`,
        )
      }
    }
    for (const config of CONFIGS) {
      const list = runs.get(config.name)!
      const medianOf = (pick: (r: Run) => number): number => median(list.map(pick))
      rows.push({
        server: config.name,
        workers,
        rate: Math.round(medianOf((r) => r.rate)),
        connection_share: list[0].connectionShare.map((_, i) => round3(medianOf((r) => r.connectionShare[i]))),
        round_trip_share: list[0].roundTripShare.map((_, i) => round3(medianOf((r) => r.roundTripShare[i]))),
        worker_cpu_us: list[0].workerCpuUs.map((_, i) => round3(medianOf((r) => r.workerCpuUs[i]))),
        server_cpu_us: round3(medianOf((r) => r.serverCpuUs)),
        runs: list,
      })
    }
  }
  return rows
}

function round3(x: number): number {
  return Number(x.toFixed(3))
}

function pct(shares: number[]): string {
  return shares.map((s) => `${Math.round(s * 100)}%`).join('/')
}

export function threadsTable(rows: ThreadsRow[]): string {
  const lines = [['workers', 'server', 'round trips/s', 'connections per worker', 'round trips per worker', 'CPU/rt per worker', 'server CPU/rt']]
  for (const r of rows) {
    lines.push([
      String(r.workers),
      r.server,
      `${kilo(r.rate)}/s`,
      pct(r.connection_share),
      pct(r.round_trip_share),
      r.worker_cpu_us.map((u) => `${u.toFixed(1)} µs`).join(' / '),
      `${r.server_cpu_us.toFixed(1)} µs`,
    ])
  }
  return `${table(lines)}\n(medians; CPU/rt per worker = that worker's JavaScript thread's on-CPU time / the round trips it echoed;\n server CPU/rt = every thread of every server process, the cluster's primary included)`
}

async function main(): Promise<void> {
  const warmup = numberOption('warmup', 'BENCH_WARMUP', 1)
  const duration = numberOption('duration', 'BENCH_DURATION', 3)
  const reps = Math.max(1, Math.round(numberOption('reps', 'BENCH_REPS', 3)))
  const connections = numberOption('connections', 'BENCH_CONNECTIONS', 64)
  const workerCounts = (stringOption('workers', 'BENCH_WORKERS') ?? '1,2').split(',').map(Number)
  const loadBefore = load()
  const rows = await runThreads({ warmup, duration, reps, connections, workerCounts, log: (l) => console.error(l) })
  console.log(`\nthreads: ${connections} connections, 64-byte echo (load average ${loadBefore} before, ${load()} after)\n${threadsTable(rows)}`)
  const out = path.join(ROOT, 'bench', 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(
    path.join(out, resultsFile('threads')),
    `${JSON.stringify({ date: new Date().toISOString(), node: serverNodeVersion(), options: { warmup, duration, reps, connections, workerCounts }, rows }, null, 2)}\n`,
  )
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
