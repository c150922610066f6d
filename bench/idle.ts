// Idle memory: what does a connection that waits for data cost? The server
// (bench/servers/idle-server.js: socket2 with a coroutine waiting in `recv`
// on each connection, or node:net with a 'data' listener) accepts N
// connections from a client process, collects garbage and reports RSS and
// V8 heap growth per connection. RSS leaves out two fixed costs, the
// young generation's growth and file-backed pages (code paged in), see the
// server's header; the raw figure is kept beside it.
//
// Used by bench/run.ts (the idle-memory table).

import { spawn } from 'node:child_process'
import * as path from 'node:path'

import { ROOT, median, serverNode, startChild, table } from './lib'

export interface IdleRun {
  impl: 'socket2' | 'net'
  connections: number
  /** Anonymous RSS growth without the young generation's, per connection. */
  rssPerConn: number
  /** RSS growth per connection, the young generation's included. */
  rawRssPerConn: number
  heapPerConn: number
  /** Anonymous RSS growth outside the V8 heap, per connection. */
  nativePerConn: number
}

export interface IdleResult {
  connections: number
  runs: IdleRun[]
  median: Record<string, Omit<IdleRun, 'impl' | 'connections'>>
}

/** The client: opens `count` connections to `port` and keeps them open until killed. */
const CLIENT = `
const net = require('node:net')
const [port, count] = process.argv.slice(1).map(Number)
let started = 0
function one() {
  if (started >= count) return
  started++
  const c = net.connect(port, '127.0.0.1')
  c.on('connect', one)
  c.on('error', (e) => { console.error(e.message); process.exit(1) })
}
for (let i = 0; i < 64; i++) one()
setInterval(() => {}, 1000)
`

async function measureIdle(impl: 'socket2' | 'net', connections: number): Promise<IdleRun> {
  const { child, firstLine } = await startChild(serverNode(), [
    '--expose-gc',
    path.join(ROOT, 'bench/servers/idle-server.js'),
    '--impl',
    impl,
    '--connections',
    String(connections),
    '--port',
    '0',
  ])
  const client = spawn(serverNode(), ['-e', CLIENT, firstLine, String(connections)], { stdio: 'inherit' })
  try {
    const report = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error('idle server: no report within 120 s')), 120_000)
      child.stdout!.removeAllListeners('data')
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) {
          clearTimeout(timer)
          resolve(out.trim().split('\n')[0])
        }
      })
      child.once('exit', (code) => reject(new Error(`idle server exited (${code})`)))
    })
    const r = JSON.parse(report) as IdleRun
    return {
      impl,
      connections,
      rssPerConn: r.rssPerConn,
      rawRssPerConn: r.rawRssPerConn,
      heapPerConn: r.heapPerConn,
      nativePerConn: r.nativePerConn,
    }
  } finally {
    client.kill('SIGKILL')
    child.kill('SIGKILL')
  }
}

export async function runIdle(options: { connections: number; reps: number; log?: (line: string) => void }): Promise<IdleResult> {
  const runs: IdleRun[] = []
  for (let rep = 0; rep < options.reps; rep++) {
    for (const impl of rep % 2 === 0 ? (['socket2', 'net'] as const) : (['net', 'socket2'] as const)) {
      const run = await measureIdle(impl, options.connections)
      runs.push(run)
      options.log?.(
        `  idle rep ${rep + 1}/${options.reps}, ${impl}: ${run.rssPerConn} B RSS (${run.rawRssPerConn} B raw), ` +
          `${run.heapPerConn} B heap, ${run.nativePerConn} B outside the heap per connection`,
      )
    }
  }
  const med: IdleResult['median'] = {}
  for (const impl of ['socket2', 'net']) {
    const mine = runs.filter((r) => r.impl === impl)
    const of = (key: keyof IdleResult['median'][string]): number => median(mine.map((r) => r[key]))
    med[impl] = {
      rssPerConn: of('rssPerConn'),
      rawRssPerConn: of('rawRssPerConn'),
      heapPerConn: of('heapPerConn'),
      nativePerConn: of('nativePerConn'),
    }
  }
  return { connections: options.connections, runs, median: med }
}

export function idleTable(result: IdleResult): string {
  const s = result.median.socket2
  const n = result.median.net
  const ratio = (key: keyof IdleResult['median'][string]): string => (s[key] / n[key]).toFixed(2)
  const rows = [
    ['server', 'RSS per connection', 'heap (used)', 'outside the heap', 'raw RSS growth'],
    ['socket2', `${s.rssPerConn} B`, `${s.heapPerConn} B`, `${s.nativePerConn} B`, `${s.rawRssPerConn} B`],
    ['node:net', `${n.rssPerConn} B`, `${n.heapPerConn} B`, `${n.nativePerConn} B`, `${n.rawRssPerConn} B`],
    ['socket2/node:net', ratio('rssPerConn'), ratio('heapPerConn'), ratio('nativePerConn'), ratio('rawRssPerConn')],
  ]
  return (
    `${table(rows)}\n(medians; ${result.connections} idle connections, each waiting for data; RSS after a full GC,` +
    ` anonymous memory without the young generation: two fixed costs left out, see bench/servers/idle-server.js)`
  )
}
