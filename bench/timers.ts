// Timers benchmark (issue 3: "10 000 pending deadlines cost no more per
// operation than a handful do"). An in-process socket2 echo pair on
// loopback ping-pongs 64-byte messages while 0, 10 or 10 000 other
// coroutines wait on deadlines far in the future. It reports round trips
// per second and the process's CPU time per round trip (user + system,
// all threads: robust to the CPU being shared with other work, which a
// rate is not).
//
// Two variants: recv without a deadline (pending deadlines must cost the
// I/O path nothing), and recv with `expires` on every call (each wait then
// enters and leaves the deadline heap next to the sleepers).
//
// The sleepers use `socket.sleepUntil` when index.ts exports it, else the
// scheduler's own deadline wait (`waitUntil`, which sleepUntil is built on).
//
// A third measure: what cancelling a deadline costs among 10 000 and among
// 100 000 pending ones (N recvs wait with staggered deadlines, then close()
// takes them all off the heap; the time is close()'s, per deadline). A
// removal in O(log n) keeps the two close; a linear one would make the
// second about ten times the first. (The unit test counts the heap moves
// instead: __test__/deadlines.spec.ts.)
//
// And how late deadlines fire: bench/deadline-lateness.js starts 10 000
// recvs with deadlines spread over 0–200 ms in a fresh process (all on one
// socket; on 100 sockets beside a hot loop), next to 1 000 plain
// setTimeouts as the control, and reports the lateness p99 of both.
//
// Standalone: node --import tsx bench/timers.ts [--duration S] [--reps N]
// One measurement (what the driver spawns): ... --child --sleepers K [--expires]
// or ... --child --cancel N

import * as socket from '../index'
import { waitUntil } from '../src/scheduler'
import {
  type Rate,
  hasFlag,
  kilo,
  median,
  nodeScript,
  numberOption,
  pinned,
  plainNodeScript,
  runJson,
  stringOption,
  table,
  useReleaseAddon,
} from './lib'

const MESSAGE_BYTES = 64
/** Sleepers wake this far in the future (seconds), spread 1 ms apart. */
const SLEEP_SECONDS = 24 * 3600
/** The per-recv timeout of the `expires` variant (seconds). */
const RECV_TIMEOUT = 60

export const SLEEPER_COUNTS = [0, 10, 10_000]
/** Pending deadlines among which the cancel cost is measured. */
export const CANCEL_COUNTS = [10_000, 100_000]
/** Rounds of the cancel measurement per process (the best one is reported). */
const CANCEL_ROUNDS = 3

type SleepUntil = (expires: number) => Promise<unknown>

/** The deadline wait the sleepers use, and its name for the report. */
function deadlineWait(): { name: string; sleepUntil: SleepUntil } {
  const exported = (socket as unknown as Record<string, unknown>).sleepUntil
  if (typeof exported === 'function') return { name: 'socket.sleepUntil', sleepUntil: exported as SleepUntil }
  return { name: 'scheduler.waitUntil', sleepUntil: waitUntil }
}

function check<T>(result: socket.Result<T>, what: string): T {
  if (result[1] !== undefined) throw new Error(`${what}: ${result[1]}`)
  return result[0] as T
}

function deadline(withExpires: boolean): number | undefined {
  return withExpires ? socket.clock() + RECV_TIMEOUT : undefined
}

/** One measurement, in this process: prints `{round_trips, seconds, rate}`. */
async function measureHere(sleepers: number, withExpires: boolean, warmup: number, duration: number): Promise<void> {
  const wait = deadlineWait()
  const start = socket.clock()
  for (let i = 0; i < sleepers; i++) {
    socket.newThread(wait.sleepUntil, start + SLEEP_SECONDS + i / 1000)
  }

  const listener = check(socket.tcp(), 'tcp')
  check(await listener.listen('127.0.0.1', 0), 'listen')
  const port = check(listener.localAddr(), 'localAddr').port()!
  const client = check(socket.tcp(), 'tcp')
  const accepted = listener.accept()
  check(await client.connect('127.0.0.1', port), 'connect')
  const server = check(await accepted, 'accept')
  listener.close()

  socket.newThread(async () => {
    const buf = Buffer.allocUnsafe(64 * 1024)
    for (;;) {
      const [n, err] = await server.recv(buf, undefined, deadline(withExpires))
      if (err !== undefined || n === 0) break
      check(await server.send(buf, n), 'server send')
    }
    server.close()
  })

  const message = Buffer.alloc(MESSAGE_BYTES, 0x5a)
  const reply = Buffer.allocUnsafe(MESSAGE_BYTES)
  const measureFrom = socket.clock() + warmup
  const measureTo = measureFrom + duration
  let completed = 0
  let window: { from: number; atStart: number; cpu: NodeJS.CpuUsage } | undefined
  for (;;) {
    // 64 bytes always fit an empty socket buffer: a short send is a bug.
    if (check(await client.send(message), 'client send') !== MESSAGE_BYTES) throw new Error('short send')
    let got = 0
    while (got < MESSAGE_BYTES) {
      const n = check(await client.recv(reply.subarray(got), undefined, deadline(withExpires)), 'client recv')
      if (n === 0) throw new Error('the echo side closed')
      got += n
    }
    completed++
    const now = socket.clock()
    if (window === undefined) {
      if (now >= measureFrom) window = { from: now, atStart: completed, cpu: process.cpuUsage() }
    } else if (now >= measureTo) {
      const cpu = process.cpuUsage(window.cpu)
      const roundTrips = completed - window.atStart
      const seconds = now - window.from
      client.close()
      const rate: ChildResult = {
        sleepers,
        expires: withExpires,
        deadline_wait: wait.name,
        round_trips: roundTrips,
        seconds: Number(seconds.toFixed(6)),
        rate: Number((roundTrips / seconds).toFixed(1)),
        cpu_us_per_round_trip: Number(((cpu.user + cpu.system) / roundTrips).toFixed(3)),
      }
      process.stdout.write(`${JSON.stringify(rate)}\n`)
      // The sleepers would wait a day: end here instead.
      process.exit(0)
    }
  }
}

/**
 * One cancel measurement, in this process: `count` recvs wait with
 * staggered deadlines, then close() removes them all; prints the best
 * microseconds per cancelled deadline of a few rounds.
 */
async function measureCancelHere(count: number): Promise<void> {
  const listener = check(socket.tcp(), 'tcp')
  check(await listener.listen('127.0.0.1', 0), 'listen')
  const port = check(listener.localAddr(), 'localAddr').port()!
  let best = Infinity
  for (let round = 0; round <= CANCEL_ROUNDS; round++) {
    const client = check(socket.tcp(), 'tcp')
    const accepted = listener.accept()
    check(await client.connect('127.0.0.1', port), 'connect')
    const server = check(await accepted, 'accept')
    const now = socket.clock()
    const one = Buffer.alloc(1)
    const waits = Array.from({ length: count }, (_, i) => client.recv(one, 1, now + 100 + ((i * 7919) % count) * 0.001))
    const started = process.hrtime.bigint()
    client.close()
    const ns = Number(process.hrtime.bigint() - started)
    for (const [, err] of await Promise.all(waits)) if (err !== 'closed') throw new Error(`a cancelled recv ended ${err}`)
    server.close()
    if (round > 0) best = Math.min(best, ns / 1000 / count) // round 0 warms up
  }
  listener.close()
  process.stdout.write(`${JSON.stringify({ pending: count, us_per_cancel: Number(best.toFixed(4)) })}\n`)
}

/** What bench/deadline-lateness.js prints (the fields used here). */
interface LatenessResult {
  timeouts: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  controlP99Ms: number
}

/** The lateness variants: arguments of bench/deadline-lateness.js. */
const LATENESS_VARIANTS = [
  { name: 'one socket', args: ['one'] },
  { name: '100 sockets beside a hot loop', args: ['many', 'busy'] },
]

/** What one cancel measurement prints. */
interface CancelResult {
  pending: number
  us_per_cancel: number
}

/** What one measurement prints. */
interface ChildResult extends Rate {
  sleepers: number
  expires: boolean
  deadline_wait: string
  cpu_us_per_round_trip: number
}

/** One configuration's runs and medians. */
interface TimersRun {
  sleepers: number
  expires: boolean
  rates: number[]
  median: number
  cpu_us_per_round_trip: number[]
  cpu_median: number
}

/** What the timers benchmark reports. */
export interface TimersResult {
  deadline_wait: string
  runs: TimersRun[]
  /**
   * Per-round-trip cost with 10 000 sleepers divided by the cost with 10
   * (1 = pending deadlines cost nothing), by median CPU time and by
   * median rate.
   */
  cost_ratio_10k_vs_10: {
    cpu: { no_expires: number; expires: number }
    rate: { no_expires: number; expires: number }
  }
  /** Microseconds per cancelled deadline, by pending count: every run and the median. */
  cancel: { pending: number; us_per_cancel: number[]; median: number }[]
  /** Median cost of a cancel among 100 000 pending over one among 10 000 (1 = no growth; linear ≈ 10). */
  cancel_ratio_100k_vs_10k: number
  /** Lateness of 10 000 deadlines (ms), per variant: medians over the runs of p50, p99, max, and of Node's own timers' p99. */
  lateness: { variant: string; p50_ms: number; p99_ms: number; max_ms: number; node_timers_p99_ms: number }[]
}

/**
 * Runs every configuration `reps` times, each in a fresh process pinned to
 * CPU 0, configurations interleaved within each repetition.
 */
export async function runTimers(options: { warmup: number; duration: number; reps: number }): Promise<TimersResult> {
  const configs = SLEEPER_COUNTS.flatMap((sleepers) => [false, true].map((expires) => ({ sleepers, expires })))
  const rates = configs.map(() => [] as number[])
  const costs = configs.map(() => [] as number[])
  let waitName = ''
  for (let rep = 0; rep < options.reps; rep++) {
    for (let k = 0; k < configs.length; k++) {
      const at = (k + rep) % configs.length
      const { sleepers, expires } = configs[at]
      const args = ['--child', '--sleepers', String(sleepers), '--warmup', String(options.warmup)]
      args.push('--duration', String(options.duration), ...(expires ? ['--expires'] : []))
      const [command, full] = pinned(0, ...nodeScript('bench/timers.ts', args))
      const result = await runJson<ChildResult>(command, full)
      waitName = result.deadline_wait
      rates[at].push(result.rate)
      costs[at].push(result.cpu_us_per_round_trip)
      const line = `${kilo(result.rate)}/s, ${result.cpu_us_per_round_trip.toFixed(2)} µs CPU/rt`
      process.stderr.write(`  timers: ${sleepers} sleepers, expires ${expires}: ${line}\n`)
    }
  }
  const cancelCosts = CANCEL_COUNTS.map(() => [] as number[])
  for (let rep = 0; rep < options.reps; rep++) {
    for (let k = 0; k < CANCEL_COUNTS.length; k++) {
      const at = (k + rep) % CANCEL_COUNTS.length
      const [command, full] = pinned(0, ...nodeScript('bench/timers.ts', ['--child', '--cancel', String(CANCEL_COUNTS[at])]))
      const result = await runJson<CancelResult>(command, full)
      cancelCosts[at].push(result.us_per_cancel)
      process.stderr.write(`  timers: cancel among ${CANCEL_COUNTS[at]} pending: ${result.us_per_cancel.toFixed(3)} µs\n`)
    }
  }
  const cancel = CANCEL_COUNTS.map((pending, i) => ({ pending, us_per_cancel: cancelCosts[i], median: median(cancelCosts[i]) }))
  const lateRuns = LATENESS_VARIANTS.map(() => [] as LatenessResult[])
  for (let rep = 0; rep < options.reps; rep++) {
    for (let k = 0; k < LATENESS_VARIANTS.length; k++) {
      const at = (k + rep) % LATENESS_VARIANTS.length
      const [command, full] = pinned(0, ...plainNodeScript('bench/deadline-lateness.js', LATENESS_VARIANTS[at].args))
      const result = await runJson<LatenessResult>(command, full)
      if (result.timeouts !== 10_000) throw new Error(`deadline-lateness: ${result.timeouts} timeouts, not 10 000`)
      lateRuns[at].push(result)
      process.stderr.write(`  timers: lateness, ${LATENESS_VARIANTS[at].name}: p99 ${result.p99Ms} ms (Node's timers ${result.controlP99Ms} ms)\n`)
    }
  }
  const lateness = LATENESS_VARIANTS.map((variant, i) => {
    const of = (pick: (r: LatenessResult) => number): number => Number(median(lateRuns[i].map(pick)).toFixed(2))
    return {
      variant: variant.name,
      p50_ms: of((r) => r.p50Ms),
      p99_ms: of((r) => r.p99Ms),
      max_ms: of((r) => r.maxMs),
      node_timers_p99_ms: of((r) => r.controlP99Ms),
    }
  })
  const runs: TimersRun[] = configs.map((config, i) => ({
    ...config,
    rates: rates[i],
    median: median(rates[i]),
    cpu_us_per_round_trip: costs[i],
    cpu_median: median(costs[i]),
  }))
  const find = (sleepers: number, expires: boolean): TimersRun =>
    runs.find((run) => run.sleepers === sleepers && run.expires === expires)!
  const ratio = (a: number, b: number): number => Number((a / b).toFixed(3))
  const byCpu = (expires: boolean): number => ratio(find(10_000, expires).cpu_median, find(10, expires).cpu_median)
  const byRate = (expires: boolean): number => ratio(find(10, expires).median, find(10_000, expires).median)
  return {
    deadline_wait: waitName,
    runs,
    cost_ratio_10k_vs_10: {
      cpu: { no_expires: byCpu(false), expires: byCpu(true) },
      rate: { no_expires: byRate(false), expires: byRate(true) },
    },
    cancel,
    cancel_ratio_100k_vs_10k: ratio(cancel[1].median, cancel[0].median),
    lateness,
  }
}

/** The timers table as text. */
export function timersTable(result: TimersResult): string {
  const rows = [['recv deadline', ...SLEEPER_COUNTS.map((n) => `${n} sleepers`), 'cost 10k / cost 10']]
  for (const expires of [false, true]) {
    const key = expires ? 'expires' : 'no_expires'
    const pick = (n: number): TimersRun => result.runs.find((r) => r.sleepers === n && r.expires === expires)!
    const label = expires ? 'expires' : 'none'
    const cpu = result.cost_ratio_10k_vs_10.cpu[key].toFixed(2)
    const rate = result.cost_ratio_10k_vs_10.rate[key].toFixed(2)
    rows.push([`${label}: CPU/rt`, ...SLEEPER_COUNTS.map((n) => `${pick(n).cpu_median.toFixed(2)} µs`), cpu])
    rows.push([`${label}: rate`, ...SLEEPER_COUNTS.map((n) => `${kilo(pick(n).median)}/s`), rate])
  }
  const cancel = result.cancel.map((c) => `${c.median.toFixed(3)} µs among ${c.pending}`).join(', ')
  return (
    `${table(rows)}\n(sleepers wait via ${result.deadline_wait}; medians; CPU = the process's user + system time)\n` +
    `cancelling a deadline: ${cancel}; ratio ${result.cancel_ratio_100k_vs_10k.toFixed(2)} (1 = no growth, linear ≈ 10)\n` +
    table([
      ['10 000 deadlines over 0–200 ms', 'lateness p50', 'p99', 'max', "Node's timers p99"],
      ...result.lateness.map((l) => [l.variant, `${l.p50_ms} ms`, `${l.p99_ms} ms`, `${l.max_ms} ms`, `${l.node_timers_p99_ms} ms`]),
    ])
  )
}

if (require.main === module) {
  const warmup = numberOption('warmup', 'BENCH_WARMUP', 1)
  const duration = numberOption('duration', 'BENCH_DURATION', 3)
  if (hasFlag('child') && stringOption('cancel', 'BENCH_CANCEL') !== undefined) {
    void measureCancelHere(numberOption('cancel', 'BENCH_CANCEL', 10_000))
  } else if (hasFlag('child')) {
    void measureHere(numberOption('sleepers', 'BENCH_SLEEPERS', 0), hasFlag('expires'), warmup, duration)
  } else {
    const reps = numberOption('reps', 'BENCH_REPS', 3)
    // The children load the addon copy `npm run bench` built, if any.
    useReleaseAddon(false)
    void runTimers({ warmup, duration, reps }).then((result) => console.log(timersTable(result)))
  }
}
