// UDP over loopback: sendto/recvfrom with the sender's address, a
// connected socket, a datagram longer than the buffer.

import { check, done, failure, ok, socket } from './lib.mjs'

const a = ok(socket.udp(), 'udp')
const b = ok(socket.udp(), 'udp')
ok(await a.bind('127.0.0.1', 0), 'bind a')
ok(await b.bind('127.0.0.1', 0), 'bind b')
const portA = ok(a.localAddr()).port()
const portB = ok(b.localAddr()).port()

const from = socket.sockaddr()
const buf = new Uint8Array(64)
const receiving = b.recv(buf, undefined, from, socket.clock() + 10)
ok(await a.send(new TextEncoder().encode('hello'), 5, '127.0.0.1', portB), 'send')
check(ok(await receiving, 'recv') === 5, 'five bytes')
check(new TextDecoder().decode(buf.subarray(0, 5)) === 'hello', 'the bytes sent')
check(from.port() === portA && from.ip() === '127.0.0.1', `sender address ${String(from)}`)

// Reply to the address recv filled in, then a connected pair.
ok(await b.send(buf, 5, from), 'reply')
check(ok(await a.recv(buf, undefined, undefined, socket.clock() + 10)) === 5, 'reply received')
ok(await a.connect('127.0.0.1', portB), 'connect')
ok(await a.send(new Uint8Array(100).fill(7)), 'connected send')
const small = new Uint8Array(10)
check(failure(await b.recv(small, undefined, undefined, socket.clock() + 10)) === 'message_truncated', 'truncated')
a.close()
b.close()
await done()
