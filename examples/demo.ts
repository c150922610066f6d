// Demo: a TCP echo server and a few concurrent clients, each a coroutine;
// then a UDP exchange, a Unix datagram exchange and an ICMP ping.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import * as socket from '../index'

async function main(): Promise<void> {
  const [server, err] = socket.tcp()
  if (err) throw new Error(err)
  const [, lerr] = await server.listen('127.0.0.1', 0)
  if (lerr) throw new Error(lerr)
  const port = server.localAddr()[0]!.port()!
  console.log(`echo server listening on 127.0.0.1:${port}`)

  const clients = 3
  socket.newThread(async () => {
    for (let served = 0; served < clients; served++) {
      const [conn, aerr] = await server.accept()
      if (aerr) return console.log('accept failed:', aerr)
      socket.newThread(async () => {
        const buf = Buffer.alloc(1024)
        for (;;) {
          const [n, rerr] = await conn.recv(buf)
          if (rerr || n === 0) break
          await conn.send(buf, n)
        }
        conn.close()
      })
    }
    server.close()
  })

  for (let i = 0; i < clients; i++) {
    socket.newThread(async () => {
      const [c] = socket.tcp()
      const [, cerr] = await c!.connect('127.0.0.1', port)
      if (cerr) return console.log(`client ${i}: connect failed: ${cerr}`)
      const buf = Buffer.alloc(1024)
      for (let k = 0; k < 2; k++) {
        const msg = `hello #${k} from client ${i}`
        await c!.send(Buffer.from(msg))
        const [n] = await c!.recv(buf)
        console.log(`client ${i} got echo: ${buf.toString('utf8', 0, n ?? 0)}`)
      }
      c!.close()
    })
  }
  // [true] when every coroutine finished, stop() was called or 10 s passed.
  await socket.start(10)
  const left = socket.stats().threads
  console.log(left === 0 ? 'all coroutines finished' : `stopped after 10 s with ${left} still running`)

  await udpExchange()
  await unixDatagramExchange()
  await ping('127.0.0.1')
}

/** A UDP echo over loopback: the server replies to the address recv filled in. */
async function udpExchange(): Promise<void> {
  const [server] = socket.udp()
  const [client] = socket.udp()
  await server!.bind('127.0.0.1', 0)
  const port = server!.localAddr()[0]!.port()!
  socket.newThread(async () => {
    const buf = Buffer.alloc(1500)
    const from = socket.sockaddr() // reused for every datagram
    const [n] = await server!.recv(buf, null, from)
    console.log(`udp server got "${buf.toString('utf8', 0, n!)}" from ${from}`)
    await server!.send(buf, n!, from)
  })
  await client!.send(Buffer.from('hello over UDP'), null, '127.0.0.1', port)
  const buf = Buffer.alloc(1500)
  const [n, err] = await client!.recv(buf, null, null, socket.clock() + 2)
  console.log(err ? `udp client: ${err}` : `udp client got echo: ${buf.toString('utf8', 0, n)}`)
  server!.close()
  client!.close()
}

/** Unix datagram sockets on paths: the sender's path comes with each datagram. */
async function unixDatagramExchange(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'socket2-demo-'))
  const [server] = socket.udp('unix')
  const [client] = socket.udp('unix')
  await server!.bind(join(dir, 'server.sock'))
  await client!.bind(join(dir, 'client.sock')) // a named sender can be replied to
  await client!.send(Buffer.from('hello over a Unix datagram socket'), null, join(dir, 'server.sock'))
  const buf = Buffer.alloc(256)
  const from = socket.sockaddr()
  const [n] = await server!.recv(buf, null, from)
  console.log(`unix server got "${buf.toString('utf8', 0, n!)}" from ${from}`)
  await server!.send(Buffer.from('got it'), null, from)
  const [m] = await client!.recv(buf)
  console.log(`unix client got reply: ${buf.toString('utf8', 0, m!)}`)
  server!.close()
  client!.close()
  rmSync(dir, { recursive: true }) // socket files are ours to unlink
}

/** One ICMP echo over a raw socket (needs root / CAP_NET_RAW). */
async function ping(host: string): Promise<void> {
  const [s, err, code] = socket.raw('inet', 'icmp')
  if (err) {
    const why = err === 'access_denied' ? 'raw sockets need root (CAP_NET_RAW)' : `code ${code}`
    return console.log(`ping ${host}: ${err}: ${why}`)
  }
  const id = process.pid & 0xffff
  const request = Buffer.alloc(16)
  request[0] = 8 // echo request
  request.writeUInt16BE(id, 4)
  request.writeUInt16BE(1, 6)
  request.write('socket2!', 8)
  request.writeUInt16BE(icmpChecksum(request), 2)
  const sent = socket.clock()
  await s.send(request, null, host)
  const buf = Buffer.alloc(1500)
  for (;;) {
    const [n, rerr] = await s.recv(buf, null, null, sent + 2)
    if (rerr) {
      console.log(`ping ${host}: ${rerr}`)
      break
    }
    const icmp = buf.subarray((buf[0] & 0x0f) * 4, n) // IPv4 raw sockets get the IP header
    if (icmp[0] === 0 && icmp.readUInt16BE(4) === id) {
      const ms = ((socket.clock() - sent) * 1000).toFixed(3)
      console.log(`ping ${host}: echo reply, ${icmp.length} bytes, seq ${icmp.readUInt16BE(6)}, ${ms} ms`)
      break
    }
  }
  s.close()
}

/** The Internet checksum (RFC 1071). */
function icmpChecksum(bytes: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

void main()
