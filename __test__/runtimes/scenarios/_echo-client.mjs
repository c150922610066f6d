// The client of echo-process.mjs when loadgen is not built, run as a child process of the
// same runtime: `rounds` round trips of 64 bytes on each of `connections`
// socket2 connections to 127.0.0.1:`port` (the first alone, then the rest
// at once, `rounds / 10` each), as fast as they go. Prints the rate of the
// first.

import { ok, socket } from './lib.mjs'

const [port, rounds, connections] = process.argv.slice(2).map(Number)

async function client(count) {
  const conn = ok(socket.tcp(), 'tcp')
  ok(await conn.connect('127.0.0.1', port, socket.clock() + 30), 'connect')
  conn.setopt('nodelay', true)
  const message = new Uint8Array(64).fill(7)
  const back = new Uint8Array(64)
  for (let i = 0; i < count; i++) {
    ok(await conn.sendall(message), 'sendall')
    ok(await conn.recvall(back, undefined, socket.clock() + 30), 'recvall')
  }
  conn.close()
}

const started = performance.now()
await client(rounds)
const ms = performance.now() - started
await Promise.all(Array.from({ length: connections - 1 }, () => client(rounds / 10)))
console.log(`${rounds} round trips in ${Math.round(ms)} ms (${Math.round((rounds / ms) * 1000)}/s)`)
