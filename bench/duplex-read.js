// Reading through a socket2 SocketDuplex vs a node:net socket: the
// receiving process's CPU time per byte, the sender in a child process.
// Plain JavaScript run by plain `node` against the compiled package.
//
//   node bench/duplex-read.js [--reps N]
//
// bulk:  one connection, the child writes 512 MiB in 64 KiB chunks; the
//        server counts bytes in a 'data' handler.
// small: 64 connections, the child ping-pongs 200-byte messages for 3 s;
//        the server writes every chunk back.
// Prints CPU ns per byte received (user + system of the server process),
// per run and the medians; runs of the two servers alternate.
'use strict'

const net = require('node:net')
const { spawn } = require('node:child_process')
const socket = require('../dist/index.js')

const MODES = ['bulk', 'small']

function child(mode, port) {
  if (mode === 'bulk') {
    const c = net.connect(port, '127.0.0.1')
    const chunk = Buffer.alloc(65536, 1)
    let left = 512 * 16
    const go = () => {
      while (left > 0) {
        left--
        if (!c.write(chunk)) return c.once('drain', go)
      }
      c.end()
    }
    c.on('connect', go)
    return
  }
  const msg = Buffer.alloc(200, 2)
  const end = Date.now() + 3000
  for (let i = 0; i < 64; i++) {
    const c = net.connect(port, '127.0.0.1')
    c.setNoDelay(true)
    c.on('connect', () => c.write(msg))
    let got = 0
    c.on('data', (d) => {
      got += d.length
      while (got >= 200) {
        got -= 200
        if (Date.now() < end) c.write(msg)
        else return c.end()
      }
    })
  }
}

/** Serves one run with `accept(onConnection)` and resolves with CPU ns per byte received. */
function serve(mode, listen) {
  return new Promise((resolve) => {
    const want = mode === 'bulk' ? 1 : 64
    let open = 0
    let seen = 0
    let bytes = 0
    let start
    const onStream = (d) => {
      open++
      seen++
      d.on('data', (x) => {
        bytes += x.length
        if (mode === 'small') d.write(x)
      })
      d.on('error', () => {})
      d.on('close', () => {
        if (--open === 0 && seen === want) {
          const cpu = process.cpuUsage(start)
          stop()
          resolve(((cpu.user + cpu.system) * 1000) / bytes)
        }
      })
    }
    let stop
    listen(onStream).then(([port, stopListening]) => {
      stop = stopListening
      start = process.cpuUsage()
      spawn(process.execPath, [__filename, '--child', mode, String(port)], { stdio: 'inherit' })
    })
  })
}

const SERVERS = {
  'socket2 duplex': async (onStream) => {
    const [ls, err] = socket.tcp()
    if (err) throw new Error(err)
    await ls.listen('127.0.0.1', 0)
    ;(async () => {
      for (;;) {
        const [c, aerr] = await ls.accept()
        if (aerr) return
        c.setopt('nodelay', true)
        onStream(c.toDuplex())
      }
    })()
    return [ls.localAddr()[0].port(), () => ls.close()]
  },
  'node:net': async (onStream) => {
    const server = net.createServer({ noDelay: true }, onStream)
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return [server.address().port, () => server.close()]
  },
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

async function main() {
  const at = process.argv.indexOf('--reps')
  const reps = at < 0 ? 5 : Number(process.argv[at + 1])
  for (const mode of MODES) {
    const runs = Object.fromEntries(Object.keys(SERVERS).map((name) => [name, []]))
    const names = Object.keys(SERVERS)
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + rep) % names.length]
        const nsPerByte = await serve(mode, SERVERS[name])
        runs[name].push(nsPerByte)
        console.error(`  ${mode} rep ${rep + 1}/${reps} ${name}: ${nsPerByte.toFixed(3)} ns CPU/byte`)
      }
    }
    const med = Object.fromEntries(names.map((n) => [n, median(runs[n])]))
    console.log(
      `${mode}: ${names.map((n) => `${n} ${med[n].toFixed(3)} ns/byte`).join(', ')}; ` +
        `node:net/socket2 ${(med['node:net'] / med['socket2 duplex']).toFixed(2)}`,
    )
  }
}

if (process.argv[2] === '--child') child(process.argv[3], Number(process.argv[4]))
else void main()
