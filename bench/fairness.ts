// Fairness: does one busy connection stall the others? 50 ping-pong
// connections (bench/servers/fairness-peer.js, node:net) time their echoes
// while a native blaster (crates/bench blaster) keeps one more connection
// of the same server saturated, 64 KiB blocks in (`in`) or out (`out`), or
// not at all (`none`, the baseline). The server (fairness-server.js, socket2
// or node:net) reports the longest gap between ticks of a 1 ms timer and the
// most bulk calls that ran between two ticks.
//
// Used by bench/run.ts (the fairness table) and __test__/fairness.spec.ts.

import type { ChildProcess } from 'node:child_process'
import * as path from 'node:path'

import { ROOT, median, pinned, plainNodeScript, runJson, startChild, table } from './lib'

export type Impl = 'socket2' | 'net'
export type Blast = 'none' | 'in' | 'out'

export const IMPLS: Impl[] = ['socket2', 'net']
export const BLASTS: Blast[] = ['none', 'in', 'out']

/** What the ping-pong peer measured. */
export interface PeerResult {
  connections: number
  roundTrips: number
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
}

/** What the server saw of its own event loop. */
export interface ServerResult {
  impl: Impl
  maxTickGapMs: number
  maxBulkOpsPerTick: number
  bulkOps: number
  ticks: number
}

export interface FairnessRun {
  impl: Impl
  blast: Blast
  peer: PeerResult
  server: ServerResult
  /** Bulk throughput of the blaster's connection, MB/s (0 without one). */
  bulkMBps: number
}

export interface FairnessOptions {
  warmup: number
  duration: number
  connections?: number
  /** Server on CPU 0, peers on CPU 1 (when taskset works). */
  pin: boolean
}

const BLASTER = path.join(ROOT, 'target', 'release', 'blaster')

/** One run: a fresh server, the blaster (unless `none`), and the ping-pong peer. */
export async function measureFairness(impl: Impl, blast: Blast, options: FairnessOptions): Promise<FairnessRun> {
  const onCpu = (cpu: number, command: [string, string[]]): [string, string[]] =>
    options.pin ? pinned(cpu, ...command) : command
  const { child, firstLine } = await startChild(
    ...onCpu(0, plainNodeScript('bench/servers/fairness-server.js', ['--impl', impl, '--port', '0'])),
  )
  const report = collectLastLine(child)
  try {
    const port = String(Number(firstLine))
    if (port === 'NaN' || port === '0') throw new Error(`fairness server printed ${firstLine}, not a port`)
    const seconds = options.warmup + options.duration + 1
    const blaster =
      blast === 'none'
        ? Promise.resolve({ bytes: 0, seconds: 1 })
        : runJson<{ bytes: number; seconds: number }>(
            ...onCpu(1, [BLASTER, ['--port', port, '--direction', blast, '--seconds', String(seconds)]]),
          )
    const peerArgs = ['--port', port, '--warmup', String(options.warmup), '--duration', String(options.duration)]
    if (options.connections !== undefined) peerArgs.push('--connections', String(options.connections))
    const peer = await runJson<PeerResult>(...onCpu(1, plainNodeScript('bench/servers/fairness-peer.js', peerArgs)))
    const bulk = await blaster
    child.kill('SIGTERM')
    const server = JSON.parse(await report) as ServerResult
    return { impl, blast, peer, server, bulkMBps: Number((bulk.bytes / bulk.seconds / 1e6).toFixed(1)) }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

/** The last line `child` prints on stdout before it exits. */
function collectLastLine(child: ChildProcess): Promise<string> {
  let out = ''
  child.stdout!.removeAllListeners('data')
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (last === '') reject(new Error(`fairness server exited (${code ?? signal}) without a report`))
      else resolve(last)
    })
  })
}

/** Median figures per implementation and blast mode over several repetitions. */
export interface FairnessResult {
  runs: FairnessRun[]
  median: Record<string, { p99Ms: number; maxMs: number; roundTrips: number; maxTickGapMs: number; maxBulkOpsPerTick: number; bulkMBps: number }>
}

/** All impl × blast combinations, `reps` times, the order rotating per repetition. */
export async function runFairness(options: FairnessOptions & { reps: number; log?: (line: string) => void }): Promise<FairnessResult> {
  const combos = IMPLS.flatMap((impl) => BLASTS.map((blast) => ({ impl, blast })))
  const runs: FairnessRun[] = []
  for (let rep = 0; rep < options.reps; rep++) {
    for (let k = 0; k < combos.length; k++) {
      const { impl, blast } = combos[(k + rep) % combos.length]
      const run = await measureFairness(impl, blast, options)
      runs.push(run)
      options.log?.(
        `  fairness rep ${rep + 1}/${options.reps}, ${impl}, blast ${blast}: p99 ${run.peer.p99Ms} ms, ` +
          `max tick gap ${run.server.maxTickGapMs} ms, ${run.server.maxBulkOpsPerTick} bulk calls/tick, ${run.bulkMBps} MB/s`,
      )
    }
  }
  const result: FairnessResult['median'] = {}
  for (const { impl, blast } of combos) {
    const mine = runs.filter((r) => r.impl === impl && r.blast === blast)
    result[`${impl}/${blast}`] = {
      p99Ms: median(mine.map((r) => r.peer.p99Ms ?? Infinity)),
      maxMs: median(mine.map((r) => r.peer.maxMs ?? Infinity)),
      roundTrips: median(mine.map((r) => r.peer.roundTrips)),
      maxTickGapMs: median(mine.map((r) => r.server.maxTickGapMs)),
      maxBulkOpsPerTick: median(mine.map((r) => r.server.maxBulkOpsPerTick)),
      bulkMBps: median(mine.map((r) => r.bulkMBps)),
    }
  }
  return { runs, median: result }
}

export function fairnessTable(result: FairnessResult): string {
  const rows = [['server', 'bulk', 'ping-pong p99', 'max', 'round trips', 'max timer gap', 'bulk calls/tick', 'bulk MB/s']]
  for (const [key, m] of Object.entries(result.median)) {
    const [impl, blast] = key.split('/')
    rows.push([
      impl === 'net' ? 'node:net' : impl,
      blast,
      `${m.p99Ms.toFixed(1)} ms`,
      `${m.maxMs.toFixed(1)} ms`,
      String(m.roundTrips),
      `${m.maxTickGapMs.toFixed(1)} ms`,
      String(m.maxBulkOpsPerTick),
      m.bulkMBps.toFixed(0),
    ])
  }
  return `${table(rows)}\n(medians; 50 ping-pong connections beside one saturated bulk connection)`
}
