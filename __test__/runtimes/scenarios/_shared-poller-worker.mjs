// The worker of shared-poller.mjs: uses the poller `workerData.fd` (the
// main thread's), runs `workerData.rounds` round trips on a pair of its
// own, and posts what it saw.

import { parentPort, workerData } from 'node:worker_threads'

import { ok, pair, socket } from './lib.mjs'

try {
  ok(socket.epollFd(workerData.fd), 'epollFd(fd)')
  const [client, conn] = await pair()
  const out = new Uint8Array(64)
  const echo = new Uint8Array(64)
  const back = new Uint8Array(64)
  for (let round = 0; round < workerData.rounds; round++) {
    out[0] = round & 0xff
    ok(await client.sendall(out), 'sendall')
    ok(await conn.recvall(echo), 'recvall')
    ok(await conn.sendall(echo), 'echo')
    ok(await client.recvall(back), 'recvall back')
    if (back[0] !== (round & 0xff)) throw new Error(`round ${round}: wrong byte back`)
  }
  client.close()
  conn.close()
  await new Promise((resolve) => setTimeout(resolve, 20))
  const { sockets, waiting } = socket.stats()
  parentPort.postMessage({ epollFd: socket.epollFd(), driver: socket.driverName(), sockets, waiting })
} catch (error) {
  parentPort.postMessage({ error: String(error) })
}
