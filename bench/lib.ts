// Helpers shared by the benchmark drivers (run.ts, timers.ts, threads.ts,
// bulk.ts, accept.ts, udp.ts): options, CPU pinning, child processes, one
// server measured under a native load, interleaved repetitions and
// statistics.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..')

/**
 * A numeric option: `--name V` on the command line, else the environment
 * variable `env`, else `fallback`.
 */
export function numberOption(name: string, env: string, fallback: number): number {
  const raw = stringOption(name, env)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`--${name} (${env}) must be a number >= 0, got ${raw}`)
  return value
}

/** A string option: `--name V` or `--name=V`, else the environment variable `env`. */
export function stringOption(name: string, env: string): string | undefined {
  const args = process.argv.slice(2)
  const joined = args.find((a) => a.startsWith(`--${name}=`))
  if (joined !== undefined) return joined.slice(name.length + 3)
  const at = args.indexOf(`--${name}`)
  if (at >= 0) {
    const value = args[at + 1]
    if (value === undefined || value.startsWith('--')) throw new RangeError(`--${name} needs a value`)
    return value
  }
  return process.env[env]
}

/** True when the bare flag `--name` is on the command line. */
export function hasFlag(name: string): boolean {
  return process.argv.slice(2).includes(`--${name}`)
}

/**
 * Checks the command line against what a driver knows: prints `usage` and
 * exits 0 on `--help`/`-h`; exits 2 naming the first unknown flag. `valued`
 * are the options that take a value (`--reps 5` or `--reps=5`), `flags` the
 * bare ones.
 */
export function parseCommandLine(usage: string, valued: string[], flags: string[]): void {
  const args = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage.trim()}\n`)
    process.exit(0)
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] : ''
    if (valued.includes(name)) {
      if (!arg.includes('=')) i++
      continue
    }
    if (flags.includes(name) && !arg.includes('=')) continue
    process.stderr.write(`unknown option: ${arg}\n\n${usage.trim()}\n`)
    process.exit(2)
  }
}

let tasksetWorks: boolean | undefined

/** Whether `taskset` exists and may pin to CPUs 0 and 1 here. */
export function canPin(): boolean {
  if (tasksetWorks === undefined) {
    const probe = spawnSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' })
    tasksetWorks = probe.status === 0
  }
  return tasksetWorks
}

/** `[command, args]`, prefixed with `taskset -c cpu` when pinning works. */
export function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin() ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args]
}

let chosenNode: string | undefined

/**
 * The node binary the benchmark's servers and peers run on: `--node PATH`
 * (or `BENCH_NODE`), e.g. `.cache/node/24/node` from `npm run fetch:node`,
 * else the one running the suite. Runtimes differ in what a promise or an
 * idle socket costs, so the figures name it.
 */
export function serverNode(): string {
  if (chosenNode !== undefined) return chosenNode
  const asked = stringOption('node', 'BENCH_NODE')
  if (asked === undefined) return (chosenNode = process.execPath)
  const resolved = path.resolve(asked)
  const probe = spawnSync(resolved, ['--version'], { encoding: 'utf8' })
  if (probe.status !== 0 || !probe.stdout.startsWith('v')) throw new RangeError(`--node ${asked}: not a node binary that runs here`)
  return (chosenNode = resolved)
}

let chosenVersion: string | undefined

/** The version of {@link serverNode} (`v24.1.0`). */
export function serverNodeVersion(): string {
  if (chosenVersion !== undefined) return chosenVersion
  const node = serverNode()
  chosenVersion = node === process.execPath ? process.version : spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  return chosenVersion
}

/**
 * A results file's name: `base.json`, or `base-node24.json` when the
 * servers ran on another node than the suite's ({@link serverNode}), so a
 * run on another runtime never overwrites the suite's own figures.
 */
export function resultsFile(base: string): string {
  if (serverNode() === process.execPath) return `${base}.json`
  const major = serverNodeVersion().replace(/^v/, '').split('.')[0]
  return `${base}-node${major}.json`
}

/** `node --import tsx script ...args`, the way every TypeScript child runs. */
export function nodeScript(script: string, args: string[] = []): [string, string[]] {
  return [serverNode(), ['--import', 'tsx', path.join(ROOT, script), ...args]]
}

/** `node script ...args` for a plain JavaScript child (no loader in the process). */
export function plainNodeScript(script: string, args: string[] = []): [string, string[]] {
  return [serverNode(), [path.join(ROOT, script), ...args]]
}

/**
 * The private copy of the release addon the benchmark's socket2 processes
 * load (through napi-rs's `NAPI_RS_NATIVE_LIBRARY_PATH` override). The
 * shared `socket2.<platform>.node` next to dist/binding.js is rebuilt by whoever
 * runs `npm run build:debug` in this tree, possibly in the middle of a run.
 */
const ADDON_COPY = path.join(ROOT, '.bench', 'socket2-release.node')

/** The cdylib cargo builds for the binding crate on this OS. */
function releaseLibrary(): string {
  const file = { darwin: 'libsocket2_node.dylib', win32: 'socket2_node.dll' }[process.platform as string]
  return path.join(ROOT, 'target', 'release', file ?? 'libsocket2_node.so')
}

/** Which addon the socket2 processes load, for the report. */
export interface AddonInfo {
  path: string
  bytes: number
  built: string
}

/**
 * Makes every socket2 child load the release addon: with `build`, builds
 * it (`cargo build --release -p socket2-node`) and copies it aside first;
 * else uses the copy from an earlier build. Returns what is used, or
 * `null` (the default loader's pick, possibly a debug build).
 */
export function useReleaseAddon(build: boolean): AddonInfo | null {
  if (build) {
    runOrThrow('cargo', ['build', '--release', '-p', 'socket2-node'])
    mkdirSync(path.dirname(ADDON_COPY), { recursive: true })
    copyFileSync(releaseLibrary(), ADDON_COPY)
  }
  if (!existsSync(ADDON_COPY)) return null
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = ADDON_COPY
  const stat = statSync(ADDON_COPY)
  return { path: path.relative(ROOT, ADDON_COPY), bytes: stat.size, built: stat.mtime.toISOString() }
}

/** Runs a command to completion with inherited output; throws if it fails. */
export function runOrThrow(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`)
}

/** A started child process and the first line it printed. */
export interface Started {
  child: ChildProcess
  firstLine: string
}

/**
 * Starts a long-running child and resolves with the first line it prints
 * on stdout (a server's port), or rejects if it exits or stays silent for
 * `timeoutMs`.
 */
export function startChild(command: string, args: string[], timeoutMs = 60_000): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')}: no output within ${timeoutMs} ms`))
    }, timeoutMs)
    const onExit = (code: number | null): void => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited (${code}) before it was ready`))
    }
    child.once('exit', onExit)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const end = out.indexOf('\n')
      if (end < 0) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stdout!.removeAllListeners('data')
      child.stdout!.resume()
      resolve({ child, firstLine: out.slice(0, end).trim() })
    })
  })
}

/** Stops a child started by {@link startChild} and waits until it is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/**
 * A server for one run: starts `command` pinned to CPU 0 (taskset execs
 * it, so the child's pid is the server's), reads the port it prints first,
 * runs `use(child, port)`, and stops the server whatever happens.
 */
export async function withServer<T>(
  name: string,
  command: [string, string[]],
  use: (child: ChildProcess, port: number) => Promise<T>,
): Promise<T> {
  const { child, firstLine } = await startChild(...pinned(0, ...command))
  try {
    const port = Number(firstLine)
    if (!Number.isInteger(port) || port <= 0) throw new Error(`${name} printed ${firstLine}, not a port`)
    return await use(child, port)
  } finally {
    await stopChild(child)
  }
}

/**
 * Measures every server `reps` times, interleaved: each repetition runs
 * them all once, the first one alternating, so a change in the machine's
 * load falls on every server alike. `measure` gets the server and the
 * repetition's number (from 0).
 */
export async function interleaved<S>(servers: S[], reps: number, measure: (server: S, rep: number) => Promise<void>): Promise<void> {
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < servers.length; k++) await measure(servers[(k + rep) % servers.length], rep)
  }
}

/**
 * Runs a child to completion and parses the JSON line it prints last;
 * `onLine` sees every line as it arrives.
 */
export function runJson<T>(command: string, args: string[], onLine?: (line: string) => void): Promise<T> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    let seen = 0
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      for (let end = out.indexOf('\n', seen); end >= 0; end = out.indexOf('\n', seen)) {
        onLine?.(out.slice(seen, end).trim())
        seen = end + 1
      }
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${last}`))
      try {
        resolve(JSON.parse(last) as T)
      } catch {
        reject(new Error(`${args.join(' ')} printed no JSON: ${JSON.stringify(out)}`))
      }
    })
  })
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** What one measurement prints (the loadgen, or a timers child). */
export interface Rate {
  round_trips: number
  seconds: number
  rate: number
}

/**
 * Nanoseconds the threads of process `pid` have spent on a CPU (Linux:
 * the first field of /proc/<pid>/task/<tid>/schedstat, summed), or
 * `undefined` where that is not available. Unlike a rate, this does not
 * count the time spent waiting for a CPU that other work holds.
 */
export function cpuNanos(pid: number | undefined): number | undefined {
  return schedStat(pid)?.cpuNs
}

/**
 * The scheduler's account of process `pid`'s threads, summed (Linux:
 * /proc/<pid>/task/<tid>/schedstat): nanoseconds on a CPU, and nanoseconds
 * runnable but waiting for a CPU that other work held (which shows how much
 * a shared machine held a server back).
 */
export function schedStat(pid: number | undefined): { cpuNs: number; waitNs: number } | undefined {
  if (pid === undefined) return undefined
  try {
    let cpuNs = 0
    let waitNs = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')
      cpuNs += Number(onCpu)
      waitNs += Number(waiting)
    }
    return { cpuNs, waitNs }
  } catch {
    return undefined
  }
}

/** Formats rows as an aligned text table (first row = header). */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)))
  const line = (row: string[]): string => row.map((cell, col) => cell.padStart(widths[col])).join('  ')
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

/** `12345.6` → `12.3k`. */
export function kilo(rate: number): string {
  return `${(rate / 1000).toFixed(1)}k`
}

/** The 1-minute load average (0 where the OS has none). */
export function load(): number {
  return Number(os.loadavg()[0].toFixed(2))
}

/**
 * A long-running child that prints its port first and then answers each
 * line written to its stdin with one line on stdout (`report`, as
 * bench/servers/threads-report.js and the native tools' `answer_reports`
 * speak it).
 */
export class LineChild {
  private lines: string[] = []
  private waiting: ((line: string) => void)[] = []
  readonly child: ChildProcess
  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
    let out = ''
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      for (let end = out.indexOf('\n'); end >= 0; end = out.indexOf('\n')) {
        const line = out.slice(0, end).trim()
        out = out.slice(end + 1)
        const waiter = this.waiting.shift()
        if (waiter) waiter(line)
        else this.lines.push(line)
      }
    })
  }
  nextLine(timeoutMs = 30_000): Promise<string> {
    const line = this.lines.shift()
    if (line !== undefined) return Promise.resolve(line)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child: no answer')), timeoutMs)
      this.waiting.push((l) => {
        clearTimeout(timer)
        resolve(l)
      })
    })
  }
  /** The port the child printed first. */
  async port(): Promise<number> {
    const line = await this.nextLine()
    const port = Number(line)
    if (!Number.isInteger(port) || port <= 0) throw new Error(`printed ${line}, not a port`)
    return port
  }
  /** Writes `question` as a line and parses the JSON line that answers it. */
  async ask<T>(question: string): Promise<T> {
    this.child.stdin!.write(`${question}\n`)
    return JSON.parse(await this.nextLine()) as T
  }
  stop(): Promise<void> {
    return stopChild(this.child)
  }
}

/** What a native load generator prints last: its count in the measured window, and the window. */
export interface LoadResult {
  seconds: number
  [count: string]: number
}

/** One server measured under one load: the load's result and the server's CPU time over the window. */
export interface LoadRun<T extends LoadResult> {
  result: T
  /** The server's on-CPU nanoseconds in the measured window (undefined where not measurable). */
  cpuNs: number | undefined
  /** The server's nanoseconds waiting for a CPU in that window (see {@link schedStat}). */
  waitNs: number | undefined
}

/**
 * Starts `server` (which prints its port) pinned to CPU 0, runs the load
 * generator `load(port)` pinned to CPU 1 to its end, and reads the
 * server's CPU time when the load prints `measuring` and when it prints
 * its result: the echo, bulk and accept measurements.
 */
export async function underLoad<T extends LoadResult>(
  server: [string, string[]],
  load: (port: number) => [string, string[]],
): Promise<LoadRun<T>> {
  // taskset execs the server: the child's pid is the server's.
  const { child, firstLine } = await startChild(...pinned(0, ...server))
  try {
    const port = Number(firstLine)
    if (!Number.isInteger(port) || port <= 0) throw new Error(`${server[1].join(' ')} printed ${firstLine}, not a port`)
    let from: ReturnType<typeof schedStat>
    let to: ReturnType<typeof schedStat>
    const result = await runJson<T>(...pinned(1, ...load(port)), (line) => {
      if (line === 'measuring') from = schedStat(child.pid)
      else to = schedStat(child.pid)
    })
    const both = from !== undefined && to !== undefined
    return { result, cpuNs: both ? to!.cpuNs - from!.cpuNs : undefined, waitNs: both ? to!.waitNs - from!.waitNs : undefined }
  } finally {
    await stopChild(child)
  }
}

/**
 * {@link underLoad} as one run of a rate part: `count(result)` operations
 * in the measured window give the rate and the server's CPU microseconds
 * per operation; `extra(result)` (e.g. errors) and `queued` ride along.
 */
export async function measureUnderLoad<T extends LoadResult>(
  server: [string, string[]],
  load: (port: number) => [string, string[]],
  count: (result: T) => number,
  extra: (result: T) => Record<string, number> = () => ({}),
): Promise<Measured> {
  const { result, cpuNs, waitNs } = await underLoad<T>(server, load)
  const n = count(result)
  return {
    rate: n / result.seconds,
    cpuUs: cpuNs === undefined || n === 0 ? undefined : cpuNs / 1000 / n,
    extra: { ...extra(result), queued: queuedShare(waitNs, result.seconds) },
  }
}

/** Median and range of repeated measurements. */
export interface Spread {
  median: number
  min: number
  max: number
  /** Every run, in the order measured. */
  runs: number[]
}

export function spread(values: number[], digits = 3): Spread {
  const r = (v: number): number => Number(v.toFixed(digits))
  return { median: r(median(values)), min: r(Math.min(...values)), max: r(Math.max(...values)), runs: values.map(r) }
}

/**
 * Runs `measure` for every variant `reps` times, the variants taking turns
 * within each repetition and the first one rotating, so that drifting
 * machine load hits them alike. Returns each variant's runs, by name.
 */
export async function interleave<V extends { name: string }, R>(
  variants: readonly V[],
  reps: number,
  measure: (variant: V) => Promise<R>,
  log: (variant: V, rep: number, run: R) => void,
): Promise<Map<string, R[]>> {
  const runs = new Map<string, R[]>(variants.map((v) => [v.name, []]))
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + rep) % variants.length]
      const run = await measure(variant)
      runs.get(variant.name)!.push(run)
      log(variant, rep, run)
    }
  }
  return runs
}

/** One run of a rate part: the rate, the server's CPU µs per operation, and any other figures. */
export interface Measured {
  rate: number
  cpuUs: number | undefined
  extra?: Record<string, number>
}

/**
 * The share of a measured window the server spent waiting for a CPU that
 * other processes held (0 where unknown): a rate measured while it is
 * high says more about the machine than about the server.
 */
export function queuedShare(waitNs: number | undefined, seconds: number): number {
  return waitNs === undefined ? 0 : waitNs / 1e9 / seconds
}

/** The {@link rateTable} column of {@link queuedShare}, which every rate part reports as `queued`. */
export const QUEUED: ExtraColumn = { key: 'queued', label: 'queued', format: (x) => `${(x * 100).toFixed(0)}%` }

/** The {@link rateTable} column of the load generator's failed connections or requests, as `errors`. */
export const ERRORS: ExtraColumn = { key: 'errors', label: 'errors', format: String }

/**
 * A rate part (bulk, accept, udp): for each group (a direction, a mode),
 * every variant measured `reps` times, interleaved ({@link interleave});
 * one row per group and variant with medians and ranges. `log` gets a
 * line per run (`describe` formats its figures).
 */
export async function ratePart<G extends string, V extends { name: string }>(options: {
  groups: readonly G[]
  variants: (group: G) => readonly V[]
  reps: number
  measure: (group: G, variant: V) => Promise<Measured>
  describe: (run: Measured) => string
  log: (line: string) => void
}): Promise<RateRow[]> {
  const rows: RateRow[] = []
  for (const group of options.groups) {
    const variants = options.variants(group)
    const runs = await interleave(
      variants,
      options.reps,
      (variant) => options.measure(group, variant),
      (variant, rep, run) => options.log(`  ${group}, rep ${rep + 1}/${options.reps}, ${variant.name}: ${options.describe(run)}`),
    )
    for (const variant of variants) {
      const list = runs.get(variant.name)!
      const costs = list.map((r) => r.cpuUs)
      const extraKeys = Object.keys(list[0].extra ?? {})
      rows.push({
        group,
        server: variant.name,
        rate: spread(list.map((r) => r.rate)),
        cpu_us: costs.every((c) => c !== undefined) ? spread(costs as number[]) : null,
        ...(extraKeys.length > 0 && {
          extra: Object.fromEntries(extraKeys.map((k) => [k, spread(list.map((r) => r.extra![k]))])),
        }),
      })
    }
  }
  return rows
}

/** A rate and the server's CPU time per operation, per variant: one table row. */
export interface RateRow {
  /** What was measured (a direction, a mode), or '' when there is one. */
  group: string
  server: string
  rate: Spread
  /** Server CPU microseconds per operation. */
  cpu_us: Spread | null
  /** Anything else the part reports per run (e.g. datagrams the peer sent). */
  extra?: Record<string, Spread>
}

/** A server a rate table compares each row with: `label` in the header, `server(group)` the row's name. */
export interface Baseline {
  label: string
  server: (group: string) => string
}

/** The same server in every group. */
export function baseline(server: string): Baseline {
  return { label: server, server: () => server }
}

/** A further column of a rate table, from {@link RateRow.extra}. */
export interface ExtraColumn {
  key: string
  label: string
  format: (value: number) => string
}

/**
 * The table of a rate part: per group, each server's median rate with its
 * range, its median CPU time per operation with its range, both as ratios
 * to each baseline server of the group (rate: server / baseline; CPU:
 * baseline / server, so above 1 = cheaper than the baseline), then any
 * extra columns (medians).
 */
export function rateTable(
  rows: RateRow[],
  units: { rate: string; cpu: string; format?: (rate: number) => string },
  baselines: Baseline[],
  extras: ExtraColumn[] = [],
): string {
  const fmt = units.format ?? ((x: number): string => x.toFixed(0))
  const header = ['', 'server', units.rate, 'range', `CPU ${units.cpu}`, 'range']
  for (const b of baselines) header.push(`rate/${b.label}`, `CPU ${b.label}/x`)
  for (const e of extras) header.push(e.label)
  const lines = [header]
  for (const row of rows) {
    const cpu = row.cpu_us
    const cells = [row.group, row.server, fmt(row.rate.median), `${fmt(row.rate.min)}–${fmt(row.rate.max)}`]
    cells.push(cpu ? cpu.median.toFixed(2) : '—', cpu ? `${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}` : '')
    for (const b of baselines) {
      const base = rows.find((r) => r.group === row.group && r.server === b.server(row.group))
      cells.push(base ? (row.rate.median / base.rate.median).toFixed(2) : '—')
      cells.push(base?.cpu_us && cpu ? (base.cpu_us.median / cpu.median).toFixed(2) : '—')
    }
    for (const e of extras) {
      const value = row.extra?.[e.key]
      cells.push(value ? e.format(value.median) : '—')
    }
    lines.push(cells)
  }
  return table(lines)
}

/** What one wrk run counted. */
export interface WrkResult {
  requests: number
  seconds: number
  /** Response bytes read (head and body). */
  bytes: number
  /** Socket errors and non-2xx/3xx responses. */
  errors: number
}

const WRK_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }

/**
 * Runs `wrk -t1` (pinned to CPU 1) against `url` with `connections`
 * keep-alive connections for `seconds` (whole seconds: wrk takes no
 * fractions) and parses its summary; `extra` goes on its command line
 * (e.g. `-H 'Connection: close'`).
 */
export function runWrk(url: string, connections: number, seconds: number, extra: string[] = []): Promise<WrkResult> {
  const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--timeout', '10s', ...extra, url]
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pinned(1, 'wrk', args)
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const m = /(\d+) requests in ([\d.]+)(ms|s|m), ([\d.]+)(B|KB|MB|GB|TB) read/.exec(out)
      if (code !== 0 || m === null) return reject(new Error(`wrk exited ${code}: ${out}`))
      const scale = m[3] === 'ms' ? 0.001 : m[3] === 'm' ? 60 : 1
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)
      const errors =
        (socketErrors ? socketErrors.slice(1).reduce((sum, v) => sum + Number(v), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0)
      resolve({ requests: Number(m[1]), seconds: Number(m[2]) * scale, bytes: Number(m[4]) * WRK_UNITS[m[5]], errors })
    })
  })
}

/** Whether `wrk` runs here. */
export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined
}
