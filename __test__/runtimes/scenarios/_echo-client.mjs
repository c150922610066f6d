// The client of net-client.mjs, run as a child process of the same
// runtime: `rounds` round trips of 64 bytes on each of `connections`
// node:net connections to 127.0.0.1:`port`, one after another for the
// first and then the rest at once. Prints the rate of the first.

import net from 'node:net'

const [port, rounds, connections] = process.argv.slice(2).map(Number)

function client(count) {
  return new Promise((resolve, reject) => {
    const conn = net.connect(port, '127.0.0.1')
    const message = Buffer.alloc(64, 7)
    let got = 0
    let done = 0
    conn.setNoDelay(true)
    conn.on('connect', () => conn.write(message))
    conn.on('data', (data) => {
      got += data.length
      while (got >= message.length) {
        got -= message.length
        if (++done === count) {
          conn.end()
          return
        }
        conn.write(message)
      }
    })
    conn.on('close', () => (done === count ? resolve() : reject(new Error(`closed after ${done} round trips`))))
    conn.on('error', reject)
  })
}

const started = performance.now()
await client(rounds)
const ms = performance.now() - started
await Promise.all(Array.from({ length: connections - 1 }, () => client(rounds / 10)))
console.log(`${rounds} round trips in ${Math.round(ms)} ms (${Math.round((rounds / ms) * 1000)}/s)`)
