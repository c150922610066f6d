// The HTTP benchmark (`npm run bench:http`): node:http (and node:https)
// served over socket2 duplexes (`conn.toDuplex()` handed to the server's
// 'connection' event) against the same server on node:net sockets, with the
// same handler (bench/servers/http-*.js, plain JavaScript on the compiled
// package), driven by the same load tool.
//
// Load tool: `wrk` (one thread, pinned to CPU 1) when it is installed,
// else bench/http-load.js, a Node keep-alive client in its own process
// (slower than the servers: then only the CPU figures compare them).
// Servers run pinned to CPU 0. Each scenario runs every server once per
// repetition, the first one alternating; tables show medians.
//
// Two measures per run: requests per second (what the load tool counts),
// and the server's CPU time per request (its threads' on-CPU time over the
// measured window, /proc/<pid>/task/*/schedstat), which a busy machine
// disturbs less.
//
// Scenarios (HTTP/1.1 keep-alive unless said):
//   http-64       GET / (13-byte body), 64 connections
//   http-256      the same, 256 connections
//   http-big      GET /big (1 MiB body), 8 connections: throughput
//   https-64      GET / over TLS, 64 connections
//   https-hs      GET / over TLS with `Connection: close`, 16 connections:
//                 a full TLS handshake per request (handshake rate)
//   https-big     GET /big over TLS, 8 connections: TLS throughput
//
// Options (flag, else environment variable, else default): --duration S
// (BENCH_DURATION, 3), --warmup S (BENCH_WARMUP, 1), --reps N (BENCH_REPS,
// 5), --scenarios a,b (BENCH_SCENARIOS, all), --load wrk|node (BENCH_LOAD,
// wrk if installed), --no-build. Results: bench/results/http.json.

import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import { ROOT, canPin, cpuNanos, hasFlag, interleaved, kilo, load, median, numberOption, pinned } from './lib'
import { type WrkResult, hasWrk, plainNodeScript, runOrThrow, runWrk, stringOption, table, useReleaseAddon, withServer } from './lib'

interface Scenario {
  name: string
  tls: boolean
  connections: number
  path: string
  close: boolean
  what: string
}

const SCENARIOS: Scenario[] = [
  { name: 'http-64', tls: false, connections: 64, path: '/', close: false, what: 'GET 13 B, 64 conn' },
  { name: 'http-256', tls: false, connections: 256, path: '/', close: false, what: 'GET 13 B, 256 conn' },
  { name: 'http-big', tls: false, connections: 8, path: '/big', close: false, what: 'GET 1 MiB, 8 conn' },
  { name: 'https-64', tls: true, connections: 64, path: '/', close: false, what: 'TLS GET 13 B, 64 conn' },
  { name: 'https-hs', tls: true, connections: 16, path: '/', close: true, what: 'TLS handshake per request, 16 conn' },
  { name: 'https-big', tls: true, connections: 8, path: '/big', close: false, what: 'TLS GET 1 MiB, 8 conn' },
]

const SERVERS = [
  { name: 'socket2', script: 'bench/servers/http-socket2.js' },
  { name: 'node:net', script: 'bench/servers/http-net.js' },
]

interface Run {
  rate: number
  /** Response bytes per second (body and headers, as the load tool counts). */
  bytesPerSecond: number
  cpuUsPerRequest: number | undefined
  errors: number
}

/** Runs bench/http-load.js; `onMeasuring` is called when its window starts. */
function runNodeLoad(port: number, scenario: Scenario, warmup: number, duration: number, ca: string, onMeasuring: () => void): Promise<WrkResult> {
  const args = ['--port', String(port), '--connections', String(scenario.connections), '--path', scenario.path]
  args.push('--warmup', String(warmup), '--duration', String(duration))
  if (scenario.close) args.push('--close')
  if (scenario.tls) args.push('--tls', '--ca', ca)
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pinned(1, ...plainNodeScript('bench/http-load.js', args))
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.startsWith('measuring\n') && !out.includes('{')) onMeasuring()
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code !== 0) return reject(new Error(`http-load exited ${code}: ${out}`))
      resolve(JSON.parse(last) as WrkResult)
    })
  })
}

async function measure(
  server: (typeof SERVERS)[number],
  scenario: Scenario,
  opts: { warmup: number; duration: number; useWrk: boolean; certDir: string },
): Promise<Run> {
  const extra = scenario.tls ? ['--port', '0', '--tls', opts.certDir] : ['--port', '0']
  return withServer(server.name, plainNodeScript(server.script, extra), async (child, port) => {
    const url = `${scenario.tls ? 'https' : 'http'}://127.0.0.1:${port}${scenario.path}`
    let cpuFrom: number | undefined
    let result: WrkResult
    if (opts.useWrk) {
      const extra = scenario.close ? ['-H', 'Connection: close'] : []
      if (opts.warmup > 0) await runWrk(url, scenario.connections, opts.warmup, extra)
      cpuFrom = cpuNanos(child.pid)
      result = await runWrk(url, scenario.connections, opts.duration, extra)
    } else {
      result = await runNodeLoad(port, scenario, opts.warmup, opts.duration, path.join(opts.certDir, 'cert.pem'), () => {
        cpuFrom = cpuNanos(child.pid)
      })
    }
    const cpuTo = cpuNanos(child.pid)
    return {
      rate: result.requests / result.seconds,
      bytesPerSecond: result.bytes / result.seconds,
      cpuUsPerRequest:
        cpuFrom !== undefined && cpuTo !== undefined && result.requests > 0 ? (cpuTo - cpuFrom) / 1000 / result.requests : undefined,
      errors: result.errors,
    }
  })
}

/** A self-signed EC certificate for the TLS scenarios (made per run, removed after). */
function makeCert(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket2-bench-tls-'))
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'),
      '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { encoding: 'utf8' },
  )
  if (made.status !== 0) throw new Error(`openssl req failed (needed for the TLS scenarios): ${made.stderr}`)
  return dir
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits)
}

async function main(): Promise<void> {
  const warmup = numberOption('warmup', 'BENCH_WARMUP', 1)
  const duration = numberOption('duration', 'BENCH_DURATION', 3)
  const reps = Math.max(1, Math.round(numberOption('reps', 'BENCH_REPS', 5)))
  const wanted = (stringOption('scenarios', 'BENCH_SCENARIOS') ?? SCENARIOS.map((s) => s.name).join(',')).split(',')
  const scenarios = SCENARIOS.filter((s) => wanted.includes(s.name))
  if (scenarios.length !== wanted.length) throw new RangeError(`unknown scenario in ${wanted.join(',')}; known: ${SCENARIOS.map((s) => s.name).join(',')}`)
  const wrkHere = hasWrk()
  const loadTool = stringOption('load', 'BENCH_LOAD') ?? (wrkHere ? 'wrk' : 'node')
  if (loadTool === 'wrk' && !wrkHere) throw new Error('--load wrk: wrk is not installed (apt-get install wrk)')
  if (loadTool !== 'wrk' && loadTool !== 'node') throw new RangeError(`--load must be wrk or node, got ${loadTool}`)
  const useWrk = loadTool === 'wrk'
  if (!hasFlag('no-build')) {
    console.error('building the addon (release) and the TypeScript...')
    runOrThrow('npx', ['tsc', '-p', 'tsconfig.json'])
  }
  const addon = useReleaseAddon(!hasFlag('no-build'))
  const pinning = canPin()
  const certDir = scenarios.some((s) => s.tls) ? makeCert() : ''
  const loadBefore = load()
  console.error(`http: ${scenarios.map((s) => s.name).join(', ')}; ${reps} reps of ${warmup}s warm-up + ${duration}s; load: ${useWrk ? 'wrk -t1' : 'bench/http-load.js'}`)

  const results = []
  try {
    for (const scenario of scenarios) {
      const runs: Record<string, Run[]> = Object.fromEntries(SERVERS.map((s) => [s.name, []]))
      await interleaved(SERVERS, reps, async (server, rep) => {
        const run = await measure(server, scenario, { warmup, duration, useWrk, certDir })
        runs[server.name].push(run)
        const cpu = run.cpuUsPerRequest === undefined ? '' : `, ${fmt(run.cpuUsPerRequest)} µs CPU/req`
        const mbs = scenario.path === '/big' ? `, ${fmt(run.bytesPerSecond / 1024 ** 2)} MiB/s` : ''
        console.error(`  ${scenario.name} rep ${rep + 1}/${reps} ${server.name}: ${kilo(run.rate)} req/s${mbs}${cpu}${run.errors ? `, ${run.errors} errors` : ''}`)
      })
      const med = (name: string, pick: (r: Run) => number | undefined): number | null => {
        const values = runs[name].map(pick)
        return values.every((v) => v !== undefined) ? median(values as number[]) : null
      }
      const rate = Object.fromEntries(SERVERS.map((s) => [s.name, med(s.name, (r) => r.rate)!]))
      const cpu = Object.fromEntries(SERVERS.map((s) => [s.name, med(s.name, (r) => r.cpuUsPerRequest)]))
      const mib = Object.fromEntries(SERVERS.map((s) => [s.name, med(s.name, (r) => r.bytesPerSecond / 1024 ** 2)!]))
      results.push({
        scenario: scenario.name,
        what: scenario.what,
        runs,
        median_rate: rate,
        median_mib_per_s: mib,
        median_cpu_us_per_request: cpu,
        rate_socket2_vs_node: Number((rate.socket2 / rate['node:net']).toFixed(3)),
        cpu_node_vs_socket2: cpu.socket2 && cpu['node:net'] ? Number((cpu['node:net'] / cpu.socket2).toFixed(3)) : null,
        errors: Object.fromEntries(SERVERS.map((s) => [s.name, runs[s.name].reduce((sum, r) => sum + r.errors, 0)])),
      })
    }
  } finally {
    if (certDir !== '') rmSync(certDir, { recursive: true, force: true })
  }
  const loadAfter = load()

  const rows = [['scenario', 'socket2', 'node:net', 'socket2/net', 'CPU/req socket2', 'CPU/req net', 'net/socket2 CPU']]
  for (const r of results) {
    const big = r.scenario.endsWith('-big')
    const show = (name: string): string =>
      big ? `${fmt(r.median_mib_per_s[name])} MiB/s` : `${kilo(r.median_rate[name])}/s`
    const cpu = (name: string): string => {
      const v = r.median_cpu_us_per_request[name]
      return v === null ? '?' : `${fmt(v)} µs`
    }
    rows.push([`${r.scenario} (${r.what})`, show('socket2'), show('node:net'), fmt(r.rate_socket2_vs_node, 2), cpu('socket2'), cpu('node:net'), r.cpu_node_vs_socket2 === null ? '?' : fmt(r.cpu_node_vs_socket2, 2)])
  }
  console.log(`\nnode:http over socket2 duplexes vs node:net (${pinning ? 'servers on CPU 0, load on CPU 1' : 'UNPINNED'}; load tool ${useWrk ? 'wrk -t1' : 'bench/http-load.js'}; load average ${loadBefore} before, ${loadAfter} after)`)
  console.log(table(rows))
  console.log('(medians of runs; socket2/net above 1 = socket2 serves more; net/socket2 CPU above 1 = socket2 spends less per request)')

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    pinned: pinning,
    load_tool: useWrk ? 'wrk -t1' : 'bench/http-load.js',
    addon: addon ?? 'the shared build next to dist/binding.js',
    load_average: { before: loadBefore, after: loadAfter },
    options: { warmup, duration, reps },
    results,
  }
  const out = path.join(ROOT, 'bench', 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(path.join(out, 'http.json'), `${JSON.stringify(report, null, 2)}\n`)
  console.log('written: bench/results/http.json')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
