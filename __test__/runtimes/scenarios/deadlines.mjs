// Deadlines: a number on socket.clock(), an AbortSignal aborted by hand,
// AbortSignal.timeout(), and sleep.

import { check, done, failure, pair, socket } from './lib.mjs'

const [client, conn] = await pair()
const buf = new Uint8Array(16)

let t0 = socket.clock()
check(failure(await client.recv(buf, undefined, socket.clock() + 0.1)) === 'timeout', 'recv deadline')
let took = socket.clock() - t0
check(took >= 0.09 && took < 5, `deadline after ${took} s`)

const controller = new AbortController()
setTimeout(() => controller.abort(), 50)
check(failure(await client.recv(buf, undefined, controller.signal)) === 'aborted', 'abort signal')
check(failure(await conn.recv(buf, undefined, AbortSignal.timeout(50))) === 'timeout', 'AbortSignal.timeout')

t0 = socket.clock()
await socket.sleep(0.05)
took = socket.clock() - t0
check(took >= 0.045 && took < 5, `sleep took ${took} s`)
check(failure(await client.recv(buf, undefined, socket.clock() - 1)) === 'timeout', 'a past deadline')

client.close()
conn.close()
await done()
