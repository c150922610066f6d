// The server of the UDP benchmark (bench/udp.ts), on 127.0.0.1: receives
// datagrams and counts them (`--mode recv`), or sends `--size`-byte
// datagrams (64) to 127.0.0.1:`--to` as fast as it can and counts those
// the kernel took (`--mode send`; every sender here and in udp-peer is
// connected to its peer and sends without an address).
//
//   --impl socket2        `recv` into one buffer / `send`
//   --impl socket2-batch  `recvmany` / `sendmany`, 64 datagrams per call
//   --impl dgram          node:dgram: a 'message' listener / `send` on a
//                         connected socket (no address look-up per datagram),
//                         up to 64 sends in flight, topped up once per
//                         event-loop turn (`setImmediate`): node:dgram calls
//                         back a send that completed at once on the next
//                         tick, so topping up from each callback would never
//                         let the loop turn (nor answer `report`)
//
// Prints its port, then answers each `report` line on stdin with
// `{"count":N}` (bench/servers/threads-report.js). Runs until SIGTERM.
//
// Usage: node bench/servers/udp-server.js --impl I --mode recv|send [--to PORT] [--size N] [--port N]
'use strict'

const { portFlag } = require('./args.js')
const { answerReports, flagValue } = require('./threads-report.js')

const impl = flagValue('impl', 'socket2')
const mode = flagValue('mode', 'recv')
const to = Number(flagValue('to', '0'))
const size = Number(flagValue('size', '64'))
/** Datagrams per `recvmany`/`sendmany`, and node:dgram sends in flight. */
const BATCH = 64
/** Room for one received datagram. */
const SLOT = 2048

let count = 0
answerReports(async () => ({ count }))

async function socket2(batch) {
  const socket = require('../../dist/index.js')
  const [s, err] = socket.udp()
  if (err) throw new Error(`udp: ${err}`)
  const [, berr] = await s.bind('127.0.0.1', portFlag())
  if (berr) throw new Error(`bind: ${berr}`)
  process.stdout.write(`${s.localAddr()[0].port()}\n`)
  if (mode === 'recv' && batch) {
    const bufs = Array.from({ length: BATCH }, () => Buffer.alloc(SLOT))
    const sizes = new Int32Array(BATCH)
    for (;;) {
      const [n, rerr] = await s.recvmany(bufs, sizes)
      if (rerr) break
      count += n
    }
  } else if (mode === 'recv') {
    const buf = Buffer.alloc(SLOT)
    for (;;) {
      const [, rerr] = await s.recv(buf)
      if (rerr === 'closed') break
      if (!rerr) count++
    }
  } else {
    const [addr, aerr] = socket.addr('127.0.0.1', to, 'udp')
    if (aerr) throw new Error(`addr: ${aerr}`)
    // Connected, as node:dgram's and the native senders: no address per datagram.
    const [, cerr] = await s.connect(addr)
    if (cerr) throw new Error(`connect: ${cerr}`)
    const payload = Buffer.alloc(size, 0x75)
    const bufs = Array.from({ length: BATCH }, () => payload)
    for (;;) {
      // A full queue or a refused datagram is not counted; go on.
      const [n, serr] = batch ? await s.sendmany(bufs) : await s.send(payload)
      if (serr === 'closed') break
      if (!serr) count += batch ? n : 1
    }
  }
}

function dgram() {
  const s = require('node:dgram').createSocket('udp4')
  // A connected sender hears of a peer that has gone (ECONNREFUSED) as an
  // 'error' event: not counted, and no crash while the harness stops the pair.
  s.on('error', () => {})
  s.bind(portFlag(), '127.0.0.1', () => {
    process.stdout.write(`${s.address().port}\n`)
    if (mode === 'recv') {
      s.on('message', () => count++)
      return
    }
    const payload = Buffer.alloc(size, 0x75)
    let inFlight = 0
    let scheduled = false
    const sent = (err) => {
      inFlight--
      if (!err) count++
      if (!scheduled) {
        scheduled = true
        setImmediate(topUp)
      }
    }
    const topUp = () => {
      scheduled = false
      for (; inFlight < BATCH; inFlight++) s.send(payload, sent)
    }
    s.connect(to, '127.0.0.1', topUp)
  })
}

if (mode !== 'recv' && mode !== 'send') throw new RangeError(`--mode must be recv or send, got ${mode}`)
if (mode === 'send' && !(to > 0)) throw new RangeError('--mode send needs --to PORT')
if (impl === 'socket2' || impl === 'socket2-batch') void socket2(impl === 'socket2-batch')
else if (impl === 'dgram') dgram()
else throw new RangeError(`--impl must be socket2, socket2-batch or dgram, got ${impl}`)

process.on('SIGTERM', () => process.exit(0))
