// The benchmark suite (`npm run bench`): 64-byte TCP echo ping-pong on
// loopback against three servers, then the timers benchmark.
//
// Servers: socket2 (bench/servers/socket2-echo.js), node:net
// (bench/servers/net-echo.js) and the native mio reference
// (crates/bench echo-server). Each run starts a fresh server pinned to
// CPU 0 and the native load generator (crates/bench loadgen) pinned to
// CPU 1; servers take turns within each repetition (the starting server
// rotates) so drifting machine load hits them alike. Medians are reported.
//
// Besides round trips per second, each run records the server's CPU time
// per round trip (its threads' on-CPU time over the measured window, which
// the load generator marks on its stdout): on a shared machine
// a server can spend half its time waiting for the CPU, which lowers its
// rate but not its cost per round trip.
//
// Options (flag, else environment variable, else default):
//   --duration S      BENCH_DURATION     measured seconds per run (3)
//   --warmup S        BENCH_WARMUP       unmeasured seconds before that (1)
//   --reps N          BENCH_REPS         repetitions (3)
//   --connections L   BENCH_CONNECTIONS  comma-separated counts (1,64,256)
//   --node PATH       BENCH_NODE         the node binary the servers run on
//                     (default: the suite's own); results go to
//                     <name>-node<major>.json then
//   --no-build        skip building the bench crate and the addon (the
//                     addon copy from the last build is used if present)
//   --no-timers       skip the timers benchmark
//   --timers-only     run only the timers benchmark
//   --no-fairness     skip the fairness benchmark
//   --fairness-only   run only the fairness benchmark
//   --no-idle         skip the idle-memory benchmark
//   --idle-only       run only the idle-memory benchmark
//   --no-threads      skip the threads benchmark (bench/threads.ts)
//   --threads-only    run only the threads benchmark: 1 and 2 workers,
//                     socket2 (shared listener, SO_REUSEPORT, shared
//                     poller) and node:net cluster (results: threads.json)
//   --workers L       BENCH_WORKERS      worker counts of the threads benchmark (1,2)
//   --no-bulk, --bulk-only       single-stream throughput, both directions (bench/bulk.ts)
//   --no-accept, --accept-only   connections accepted per second (bench/accept.ts)
//   --no-udp, --udp-only         UDP datagrams per second, receive and send (bench/udp.ts)
//   --no-http, --http-only       plain HTTP/1.1 keep-alive with wrk, the same handler on
//                                socket2, node:net and native (bench/http-plain.ts)
//   --no-runtimes, --runtimes-only  echo on Node, Bun and Deno: socket2 against each
//                                runtime's own sockets (bench/runtimes.ts)
// Results: bench/results/latest.json; a run of only bulk/accept/udp/http parts
// writes bench/results/<parts>.json (e.g. bulk-accept-udp.json) instead.
//
// The socket2 processes load a private copy of the release addon
// (.bench/socket2-release.node), not the shared one next to dist/binding.js,
// which other work in this tree may rebuild in debug mode during a run.

import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import {
  ROOT,
  type Rate,
  type RateRow,
  canPin,
  cpuNanos,
  hasFlag,
  interleaved,
  kilo,
  load,
  median,
  numberOption,
  parseCommandLine,
  pinned,
  plainNodeScript,
  runJson,
  runOrThrow,
  stringOption,
  table,
  useReleaseAddon,
  withServer,
  hasWrk,
  resultsFile,
  serverNode,
  serverNodeVersion,
} from './lib'
import { type FairnessResult, fairnessTable, runFairness } from './fairness'
import { type IdleResult, idleTable, runIdle } from './idle'
import { acceptTable, runAccept } from './accept'
import { bulkTable, runBulk } from './bulk'
import { runUdp, udpTable } from './udp'
import { httpPlainTable, runHttpPlain } from './http-plain'
import { runRuntimes, runtimesTable } from './runtimes'
import { type ThreadsRow, runThreads, threadsTable } from './threads'
import { type TimersResult, runTimers, timersTable } from './timers'

const RELEASE = path.join(ROOT, 'target', 'release')

/** The parts with a rate and a CPU cost per operation against native references. */
const NEW_PARTS = ['bulk', 'accept', 'udp', 'http', 'runtimes'] as const
type NewPart = (typeof NEW_PARTS)[number]

/** A part's name in a partial run's file name; 'http' would collide with bench:http's http.json. */
function partFileName(part: NewPart): string {
  return part === 'http' ? 'http-plain' : part
}

interface Server {
  name: string
  command: () => [string, string[]]
}

const SERVERS: Server[] = [
  { name: 'socket2', command: () => plainNodeScript('bench/servers/socket2-echo.js', ['--port', '0']) },
  { name: 'node:net', command: () => plainNodeScript('bench/servers/net-echo.js', ['--port', '0']) },
  { name: 'mio', command: () => [path.join(RELEASE, 'echo-server'), ['--port', '0']] },
]

interface EchoResult {
  connections: number
  rates: Record<string, number[]>
  median: Record<string, number>
  socket2_vs_node: number
  socket2_vs_mio: number
  /** Server CPU microseconds per round trip (null where not measurable). */
  cpu_us_per_round_trip: Record<string, number[]> | null
  cpu_median: Record<string, number> | null
  /** node:net's cost / socket2's cost: above 1 = socket2 spends less CPU. */
  cpu_socket2_vs_node: number | null
  cpu_socket2_vs_mio: number | null
}

interface Run {
  rate: number
  cpuUsPerRoundTrip: number | undefined
}

function connectionCounts(): number[] {
  const raw = stringOption('connections', 'BENCH_CONNECTIONS') ?? '1,64,256'
  const counts = raw.split(',').map(Number)
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`bad connection counts: ${raw}`)
  return counts
}


/** One run: a fresh server on CPU 0, the load generator on CPU 1. */
function measure(server: Server, connections: number, warmup: number, duration: number): Promise<Run> {
  return withServer(server.name, server.command(), async (child, port) => {
    const args = ['--port', String(port), '--connections', String(connections)]
    args.push('--warmup', String(warmup), '--duration', String(duration))
    let cpuFrom: number | undefined
    let cpuTo: number | undefined
    const result = await runJson<Rate>(...pinned(1, path.join(RELEASE, 'loadgen'), args), (line) => {
      if (line === 'measuring') cpuFrom = cpuNanos(child.pid)
      else cpuTo = cpuNanos(child.pid)
    })
    const cpuUsPerRoundTrip =
      cpuFrom !== undefined && cpuTo !== undefined && result.round_trips > 0
        ? (cpuTo - cpuFrom) / 1000 / result.round_trips
        : undefined
    return { rate: result.rate, cpuUsPerRoundTrip }
  })
}

async function runEcho(counts: number[], warmup: number, duration: number, reps: number): Promise<EchoResult[]> {
  const results: EchoResult[] = []
  for (const connections of counts) {
    const rates: Record<string, number[]> = Object.fromEntries(SERVERS.map((s) => [s.name, []]))
    const costs: Record<string, number[]> = Object.fromEntries(SERVERS.map((s) => [s.name, []]))
    let costsKnown = true
    await interleaved(SERVERS, reps, async (server, rep) => {
      const run = await measure(server, connections, warmup, duration)
      rates[server.name].push(run.rate)
      if (run.cpuUsPerRoundTrip === undefined) costsKnown = false
      else costs[server.name].push(run.cpuUsPerRoundTrip)
      const cost = run.cpuUsPerRoundTrip === undefined ? '' : `, ${run.cpuUsPerRoundTrip.toFixed(2)} µs CPU/rt`
      console.error(`  ${connections} conn, rep ${rep + 1}/${reps}, ${server.name}: ${kilo(run.rate)}/s${cost}`)
    })
    const medians = medianOf(rates)
    const cpuMedian = costsKnown ? medianOf(costs) : null
    results.push({
      connections,
      rates,
      median: medians,
      socket2_vs_node: ratio(medians.socket2, medians['node:net']),
      socket2_vs_mio: ratio(medians.socket2, medians.mio),
      cpu_us_per_round_trip: costsKnown ? round(costs, 3) : null,
      cpu_median: cpuMedian && Object.fromEntries(Object.entries(cpuMedian).map(([k, v]) => [k, Number(v.toFixed(3))])),
      cpu_socket2_vs_node: cpuMedian && ratio(cpuMedian['node:net'], cpuMedian.socket2),
      cpu_socket2_vs_mio: cpuMedian && ratio(cpuMedian.mio, cpuMedian.socket2),
    })
  }
  return results
}

function medianOf(runs: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, median(values)]))
}

function round(runs: Record<string, number[]>, digits: number): Record<string, number[]> {
  return Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, values.map((v) => Number(v.toFixed(digits)))]))
}

function ratio(a: number, b: number): number {
  return Number((a / b).toFixed(3))
}

function echoTable(results: EchoResult[]): string {
  const rows = [['connections', ...SERVERS.map((s) => s.name), 'socket2/node:net', 'socket2/mio']]
  for (const r of results) {
    rows.push([
      String(r.connections),
      ...SERVERS.map((s) => `${kilo(r.median[s.name])}/s`),
      r.socket2_vs_node.toFixed(2),
      r.socket2_vs_mio.toFixed(2),
    ])
  }
  let text = `${table(rows)}\n(round trips/s, median of runs; spread in bench/results/latest.json)`
  if (results.every((r) => r.cpu_median !== null)) {
    const costRows = [['connections', ...SERVERS.map((s) => s.name), 'node:net/socket2', 'mio/socket2']]
    for (const r of results) {
      costRows.push([
        String(r.connections),
        ...SERVERS.map((s) => `${r.cpu_median![s.name].toFixed(2)} µs`),
        r.cpu_socket2_vs_node!.toFixed(2),
        r.cpu_socket2_vs_mio!.toFixed(2),
      ])
    }
    text += `\n\nserver CPU time per round trip (median; ratios above 1 = socket2 spends less)\n${table(costRows)}`
  }
  return text
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim()
  } catch {
    return 'unknown'
  }
}

const USAGE = `
npm run bench -- [options]      (node --import tsx bench/run.ts [options])

  --duration S      measured seconds per run (BENCH_DURATION, 3)
  --warmup S        unmeasured seconds before that (BENCH_WARMUP, 1)
  --reps N          repetitions (BENCH_REPS, 3)
  --connections L   comma-separated echo connection counts (BENCH_CONNECTIONS, 1,64,256)
  --no-build        skip building the bench crate and the addon
  --workers L       worker counts of the threads benchmark (BENCH_WORKERS, 1,2)
  --node PATH       the node binary the servers run on (BENCH_NODE; default: this one),
                    e.g. .cache/node/24/node after npm run fetch:node; results are
                    then written to <name>-node24.json
  --no-fairness --no-idle --no-timers --no-threads              skip a part
  --no-bulk --no-accept --no-udp --no-http --no-runtimes
  --fairness-only --idle-only --timers-only --threads-only      run one part
  --bulk-only --accept-only --udp-only --http-only              (several -only flags run those parts)
  --runtimes-only
                    (--threads-only writes bench/results/threads.json; bulk/accept/udp/http
                    parts alone write bench/results/<parts>.json, e.g. bulk-udp.json;
                    http is named http-plain there)
  --help            this text

Options take "--reps 5" or "--reps=5". Results: bench/results/latest.json.
`

async function main(): Promise<void> {
  parseCommandLine(
    USAGE,
    ['duration', 'warmup', 'reps', 'connections', 'workers', 'node'],
    [
      'no-build',
      'no-fairness',
      'no-idle',
      'no-timers',
      'no-threads',
      ...NEW_PARTS.map((part) => `no-${part}`),
      'fairness-only',
      'idle-only',
      'timers-only',
      'threads-only',
      ...NEW_PARTS.map((part) => `${part}-only`),
    ],
  )
  const warmup = numberOption('warmup', 'BENCH_WARMUP', 1)
  const duration = numberOption('duration', 'BENCH_DURATION', 3)
  const reps = Math.max(1, Math.round(numberOption('reps', 'BENCH_REPS', 3)))
  const counts = connectionCounts()
  serverNode() // a bad --node fails here, before anything is built
  const timersOnly = hasFlag('timers-only')
  const fairnessOnly = hasFlag('fairness-only')
  const idleOnly = hasFlag('idle-only')
  const threadsOnly = hasFlag('threads-only')
  const newOnly = NEW_PARTS.filter((part) => hasFlag(`${part}-only`))
  const only = timersOnly || fairnessOnly || idleOnly || threadsOnly || newOnly.length > 0
  /** Whether a bulk/accept/udp part runs: named by an -only flag, or not skipped in a full run. */
  const runs = (part: NewPart): boolean => newOnly.includes(part) || (!only && !hasFlag(`no-${part}`))
  const build = !hasFlag('no-build')
  if (build) {
    console.error('building the bench crate and the addon (release)...')
    runOrThrow('cargo', ['build', '--release', '-p', 'socket2-bench'])
    // The servers run the compiled package (dist/index.js), as users do.
    runOrThrow('npx', ['tsc', '-p', 'tsconfig.json'])
  }
  const addon = useReleaseAddon(build)
  if (addon === null) console.error('no release addon copy (.bench/): socket2 loads the shared build, maybe debug')
  const pinning = canPin()
  if (!pinning) console.error('taskset is missing or cannot pin to CPUs 0 and 1: running UNPINNED')

  const loadBefore = load()
  let echo: EchoResult[] = []
  if (!only) {
    console.error(`echo: ${counts.join('/')} connections, ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    echo = await runEcho(counts, warmup, duration, reps)
  }
  let fairness: FairnessResult | undefined
  if (fairnessOnly || (!only && !hasFlag('no-fairness'))) {
    console.error(`fairness: ${reps} reps of ${warmup}s warm-up + ${duration}s, socket2 and node:net, no/in/out bulk`)
    fairness = await runFairness({ warmup, duration, reps, pin: pinning, log: (line) => console.error(line) })
  }
  let idle: IdleResult | undefined
  if (idleOnly || (!only && !hasFlag('no-idle'))) {
    console.error(`idle memory: ${reps} reps of 10 000 connections, socket2 and node:net`)
    idle = await runIdle({ connections: 10_000, reps, log: (line) => console.error(line) })
  }
  let timers: TimersResult | undefined
  if (timersOnly || (!only && !hasFlag('no-timers'))) {
    console.error(`timers: ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    timers = await runTimers({ warmup, duration, reps })
  }
  let threads: ThreadsRow[] | undefined
  if (threadsOnly || (!only && !hasFlag('no-threads'))) {
    const workerCounts = (stringOption('workers', 'BENCH_WORKERS') ?? '1,2').split(',').map(Number)
    if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`bad worker counts: ${workerCounts.join(',')}`)
    console.error(`threads: ${workerCounts.join('/')} workers, 64 connections, ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    threads = await runThreads({ warmup, duration, reps, connections: 64, workerCounts, log: (line) => console.error(line) })
  }
  const rateParts = { warmup, duration, reps, log: (line: string) => console.error(line) }
  let bulk: RateRow[] | undefined
  if (runs('bulk')) {
    console.error(`bulk: one connection each way, ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    bulk = await runBulk(rateParts)
  }
  let accept: RateRow[] | undefined
  if (runs('accept')) {
    console.error(`accept: ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    accept = await runAccept(rateParts)
  }
  let udp: RateRow[] | undefined
  if (runs('udp')) {
    console.error(`udp: 64-byte datagrams, receive and send, ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    udp = await runUdp(rateParts)
  }
  let http: RateRow[] | undefined
  if (runs('http')) {
    if (!hasWrk()) console.error('http: skipped, wrk is not installed (apt-get install wrk)')
    else {
      console.error(`http: plain HTTP/1.1 keep-alive, 1/64/256 connections, ${reps} reps of ${warmup}s warm-up + ${duration}s`)
      http = await runHttpPlain(rateParts)
    }
  }
  let runtimes: RateRow[] | undefined
  if (runs('runtimes')) {
    console.error(`runtimes: echo on Node, Bun and Deno, 64 connections, ${reps} reps of ${warmup}s warm-up + ${duration}s`)
    runtimes = await runRuntimes(rateParts)
  }
  const loadAfter = load()

  const placement = threadsOnly ? 'unpinned (N workers need both cores)' : pinning ? 'servers on CPU 0, load generator on CPU 1' : 'UNPINNED'
  console.log(`\nsocket2 benchmarks (${placement};` +
    ` node ${serverNodeVersion()}; load average ${loadBefore} before, ${loadAfter} after)`)
  if (echo.length > 0) console.log(`\necho, 64-byte ping-pong\n${echoTable(echo)}`)
  if (fairness !== undefined) console.log(`\nfairness: ping-pong latency beside a bulk stream\n${fairnessTable(fairness)}`)
  if (idle !== undefined) console.log(`\nidle memory per connection\n${idleTable(idle)}`)
  if (timers !== undefined) console.log(`\ntimers: echo pair with pending deadlines\n${timersTable(timers)}`)
  if (threads !== undefined) console.log(`\nthreads: 64-byte echo, 64 connections, N workers on one port\n${threadsTable(threads)}`)
  if (bulk !== undefined) console.log(`\nbulk: single-stream throughput over loopback TCP\n${bulkTable(bulk)}`)
  if (accept !== undefined) console.log(`\naccept: connections accepted, read and closed per second\n${acceptTable(accept)}`)
  if (udp !== undefined) console.log(`\nudp: 64-byte datagrams per second\n${udpTable(udp)}`)
  if (http !== undefined) console.log(`\nhttp: plain HTTP/1.1 keep-alive, the same request handler on every server\n${httpPlainTable(http)}`)
  if (runtimes !== undefined) console.log(`\nruntimes: 64-byte echo, socket2 against each runtime's own sockets\n${runtimesTable(runtimes)}`)

  const report = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: serverNodeVersion(),
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    pinned: pinning,
    addon: addon ?? 'the shared build next to dist/binding.js',
    load_average: { before: loadBefore, after: loadAfter },
    options: { warmup, duration, reps, connections: counts, message_bytes: 64 },
    echo,
    fairness: fairness ?? null,
    idle: idle ?? null,
    timers: timers ?? null,
    threads: threads ?? null,
    bulk: bulk ?? null,
    accept: accept ?? null,
    udp: udp ?? null,
    http: http ?? null,
    runtimes: runtimes ?? null,
  }
  const out = path.join(ROOT, 'bench', 'results')
  mkdirSync(out, { recursive: true })
  // A threads-only run, or one of only the bulk/accept/udp parts, leaves
  // the full suite's results alone.
  const onlyNew = newOnly.length > 0 && !(timersOnly || fairnessOnly || idleOnly || threadsOnly)
  const file = resultsFile(threadsOnly ? 'threads' : onlyNew ? newOnly.map(partFileName).join('-') : 'latest')
  writeFileSync(path.join(out, file), `${JSON.stringify(report, null, 2)}\n`)
  console.log(`\nwritten: bench/results/${file}`)
}

main().catch((error: unknown) => {
  // A bad option value is the user's to fix: its message, not a stack.
  console.error(error instanceof RangeError ? `${error.message}\n${USAGE}` : error)
  process.exitCode = error instanceof RangeError ? 2 : 1
})
