// Unix stream and datagram sockets on a path in a temporary directory.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { check, done, echoThread, ok, socket } from './lib.mjs'

const dir = mkdtempSync(join(tmpdir(), 'socket2-runtime-'))
try {
  const path = join(dir, 'stream.sock')
  const server = ok(socket.tcp('unix'), 'tcp(unix)')
  ok(await server.listen(path), 'listen')
  const client = ok(socket.tcp('unix'), 'tcp(unix)')
  const accepted = server.accept(socket.clock() + 10)
  ok(await client.connect(path, undefined, socket.clock() + 10), 'connect')
  const serving = echoThread(ok(await accepted, 'accept'))
  const out = new Uint8Array(100_000).map((_, i) => i & 0xff)
  const back = new Uint8Array(out.length)
  await Promise.all([client.sendall(out).then(ok), client.recvall(back, undefined, socket.clock() + 10).then(ok)])
  check(back.every((b, i) => b === out[i]), 'echoed bytes differ')
  client.close()
  await serving.done
  server.close()

  const dpath = join(dir, 'dgram.sock')
  const cpath = join(dir, 'client.sock')
  const d = ok(socket.udp('unix'), 'udp(unix)')
  ok(await d.bind(dpath), 'bind')
  const c = ok(socket.udp('unix'), 'udp(unix)')
  ok(await c.bind(cpath), 'bind client')
  ok(await c.send(new Uint8Array([1, 2, 3]), 3, dpath), 'send')
  const from = socket.sockaddr()
  const buf = new Uint8Array(16)
  check(ok(await d.recv(buf, undefined, from, socket.clock() + 10)) === 3, 'three bytes')
  check(from.path() === cpath, `sender path ${from.path()}`)
  d.close()
  c.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
await done()
