// UDP: datagrams per second with 64-byte datagrams over loopback, both
// ways, server pinned to CPU 0 and its native peer (crates/bench udp-peer)
// to CPU 1:
//
//   receive  the peer floods the server with `sendmmsg` (64 per call); the
//            rate is what the server received, beside what the peer sent
//            (the rest the kernel dropped: the server's queue was full)
//   send     the server sends as fast as it can to the peer, which drains
//            with `recvmmsg`; the rate is what the server's kernel took,
//            beside what the peer received
//
// Servers: bench/servers/udp-server.js (`socket2`: recv/send one datagram
// per call; `socket2 recvmany`/`socket2 sendmany`: 64 per call;
// `node:dgram`), and the native references, udp-peer itself with one
// `recvfrom`/`sendto` per datagram or 64 per `recvmmsg`/`sendmmsg`.
// Both sides count, and answer `report` on stdin with their count; the
// harness asks both at the edges of the measured window and reads the
// server's CPU time then. Used by bench/run.ts (`--udp-only`, `--no-udp`).

import * as path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import {
  type Baseline,
  LineChild,
  type Measured,
  QUEUED,
  ROOT,
  type RateRow,
  baseline,
  kilo,
  pinned,
  plainNodeScript,
  queuedShare,
  ratePart,
  rateTable,
  schedStat,
} from './lib'

const PEER = path.join(ROOT, 'target', 'release', 'udp-peer')

export type Mode = 'receive' | 'send'
const MODES: Mode[] = ['receive', 'send']

interface Variant {
  name: string
  /** The server's command line; `to` is the peer's port when it sends. */
  command: (to: number) => [string, string[]]
}

function jsServer(impl: string, mode: Mode): (to: number) => [string, string[]] {
  const flag = mode === 'receive' ? 'recv' : 'send'
  return (to) => plainNodeScript('bench/servers/udp-server.js', ['--impl', impl, '--mode', flag, '--to', String(to), '--port', '0'])
}

function nativeServer(api: 'plain' | 'mmsg', mode: Mode): (to: number) => [string, string[]] {
  const flag = mode === 'receive' ? 'recv' : 'send'
  return (to) => [PEER, ['--mode', flag, '--api', api, ...(mode === 'send' ? ['--to', String(to)] : [])]]
}

function variants(mode: Mode): Variant[] {
  const receive = mode === 'receive'
  return [
    { name: 'socket2', command: jsServer('socket2', mode) },
    { name: receive ? 'socket2 recvmany' : 'socket2 sendmany', command: jsServer('socket2-batch', mode) },
    { name: 'node:dgram', command: jsServer('dgram', mode) },
    { name: receive ? 'native recvfrom' : 'native sendto', command: nativeServer('plain', mode) },
    { name: receive ? 'native recvmmsg' : 'native sendmmsg', command: nativeServer('mmsg', mode) },
  ]
}

interface Count {
  count: number
}

async function measureUdp(mode: Mode, variant: Variant, warmup: number, duration: number): Promise<Measured> {
  const children: LineChild[] = []
  const start = async (cpu: number, command: [string, string[]]): Promise<[LineChild, number]> => {
    const child = new LineChild(...pinned(cpu, ...command))
    children.push(child)
    return [child, await child.port()]
  }
  try {
    let server: LineChild
    let peer: LineChild
    if (mode === 'receive') {
      const [s, port] = await start(0, variant.command(0))
      ;[server, peer] = [s, (await start(1, [PEER, ['--mode', 'send', '--api', 'mmsg', '--to', String(port)]]))[0]]
    } else {
      const [p, port] = await start(1, [PEER, ['--mode', 'recv', '--api', 'mmsg']])
      ;[server, peer] = [(await start(0, variant.command(port)))[0], p]
    }
    // taskset execs the command: the child's pid is the server's.
    const sample = async (): Promise<{ server: number; peer: number; sched: ReturnType<typeof schedStat>; at: number }> => {
      const [s, p] = await Promise.all([server.ask<Count>('report'), peer.ask<Count>('report')])
      return { server: s.count, peer: p.count, sched: schedStat(server.child.pid), at: performance.now() }
    }
    await sleep(warmup * 1000)
    const from = await sample()
    await sleep(duration * 1000)
    const to = await sample()
    const seconds = (to.at - from.at) / 1000
    const served = to.server - from.server
    const peerCount = to.peer - from.peer
    const known = from.sched !== undefined && to.sched !== undefined
    const cpuUs = known && served > 0 ? (to.sched!.cpuNs - from.sched!.cpuNs) / 1000 / served : undefined
    const queued = queuedShare(known ? to.sched!.waitNs - from.sched!.waitNs : undefined, seconds)
    // Of what was sent, the share that arrived.
    const delivered = mode === 'receive' ? served / peerCount : peerCount / served
    return { rate: served / seconds, cpuUs, extra: { peer: peerCount / seconds, delivered, queued } }
  } finally {
    // The server first (the one started last when it sends): a sender whose
    // peer is gone gets ECONNREFUSED from its connected socket.
    for (const child of mode === 'send' ? children.reverse() : children) await child.stop()
  }
}

export async function runUdp(options: { warmup: number; duration: number; reps: number; log: (line: string) => void }): Promise<RateRow[]> {
  return ratePart({
    groups: MODES,
    variants,
    reps: options.reps,
    measure: (mode, variant) => measureUdp(mode, variant, options.warmup, options.duration),
    describe: (run) =>
      `${kilo(run.rate)} datagrams/s, ${run.cpuUs?.toFixed(2) ?? '?'} µs CPU each, ` +
      `peer ${kilo(run.extra!.peer)}/s, ${(run.extra!.delivered * 100).toFixed(1)}% delivered, queued ${QUEUED.format(run.extra!.queued)}`,
    log: options.log,
  })
}

const NATIVE_BATCH: Baseline = { label: 'mmsg', server: (group) => (group === 'receive' ? 'native recvmmsg' : 'native sendmmsg') }

export function udpTable(rows: RateRow[]): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
  return (
    `${rateTable(rows, { rate: 'datagrams/s', cpu: 'µs/dgram', format: kilo }, [baseline('node:dgram'), NATIVE_BATCH], [
      { key: 'peer', label: 'peer sent/received', format: kilo },
      { key: 'delivered', label: 'delivered', format: pct },
      QUEUED,
    ])}\n` +
    '(medians and ranges; 64-byte datagrams; receive: the peer floods with sendmmsg, "peer" = what it sent, delivered = received/sent;\n' +
    ' send: the peer drains with recvmmsg, "peer" = what it received; CPU = the server\'s on-CPU time per datagram it moved;\n' +
    ' CPU ratios above 1 = that row spends less than the baseline; queued = share of the window the server waited for a CPU others held)'
  )
}
