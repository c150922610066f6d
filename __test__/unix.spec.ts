// Unix sockets: stream (`tcp('unix')`) and datagram (`udp('unix')`) on
// paths and, on Linux, abstract names; who owns the socket file.

import { existsSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'

import test, { type ExecutionContext } from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, NO_UNIX_ON_WINDOWS, ok, skipIf, tempDir } from './helpers'

checkLeaksAtEnd(test)
const unixTest = skipIf(NO_UNIX_ON_WINDOWS)

function stream(t: ExecutionContext): socket.TcpSocket {
  const s = ok(socket.tcp('unix'))
  t.teardown(() => s.close())
  return s
}

function datagram(t: ExecutionContext): socket.UdpSocket {
  const s = ok(socket.udp('unix'))
  t.teardown(() => s.close())
  return s
}

/** An abstract socket name unique to this test run. */
function abstractName(what: string): string {
  return `@socket2-test-${process.pid}-${what}-${Math.random().toString(36).slice(2)}`
}

/** Connects a client to `server` (listening on `name`), accepts, and checks one message each way. */
async function exchange(t: ExecutionContext, server: socket.TcpSocket, name: string): Promise<void> {
  const client = stream(t)
  const accepted = server.accept()
  t.deepEqual(await client.connect(name), [true])
  const conn = ok(await accepted)
  t.teardown(() => conn.close())
  t.is(conn.family(), 'unix')
  t.deepEqual(await client.send(Buffer.from('hello')), [5])
  const buf = Buffer.alloc(16)
  t.deepEqual(await conn.recv(buf), [5])
  t.is(buf.toString('utf8', 0, 5), 'hello')
  t.deepEqual(await conn.send(Buffer.from('back')), [4])
  t.deepEqual(await client.recv(buf), [4])
  t.is(buf.toString('utf8', 0, 4), 'back')
  t.is(ok(client.remoteAddr()).path(), ok(server.localAddr()).path())
  t.is(ok(conn.remoteAddr()).path(), '', 'an unbound client is unnamed')
}

unixTest('stream: an abstract name (leading @) listens, connects and moves bytes; no file is made', async (t) => {
  const name = abstractName('stream')
  const server = stream(t)
  t.deepEqual(await server.listen(name), [true])
  const local = ok(server.localAddr())
  t.is(local.family(), 'unix')
  t.is(local.path(), name)
  t.is(local.toString(), name)
  t.false(existsSync(name))
  await exchange(t, server, name)
})

unixTest('stream: a leading NUL names the same abstract socket as a leading @', async (t) => {
  const name = abstractName('nul')
  const server = stream(t)
  ok(await server.listen(name))
  await exchange(t, server, `\0${name.slice(1)}`)
  t.is(ok(server.localAddr()).path(), name, 'reported with @')
})

unixTest('stream: an abstract name in use: address_already_in_use; free again after close', async (t) => {
  const name = abstractName('inuse')
  const first = stream(t)
  ok(await first.listen(name))
  const second = stream(t)
  const [, err, code] = await second.bind(name)
  t.is(err, 'address_already_in_use')
  t.is(typeof code, 'number')
  first.close()
  t.deepEqual(await second.listen(name), [true], 'the kernel frees abstract names with the socket')
})

unixTest('stream: binding a path that exists is address_already_in_use; the file stays until the user unlinks it', async (t) => {
  const path = join(tempDir(t), 'server.sock')
  const server = stream(t)
  ok(await server.listen(path))
  t.true(statSync(path).isSocket())
  await exchange(t, server, path)

  const other = stream(t)
  t.is((await other.bind(path))[1], 'address_already_in_use', 'while the socket is open')
  server.close()
  t.true(existsSync(path), 'close() does not unlink the socket file')
  t.is((await other.bind(path))[1], 'address_already_in_use', 'a stale file still blocks the path')
  const client = stream(t)
  t.is((await client.connect(path))[1], 'connection_refused', 'nobody listens on a stale file')

  unlinkSync(path)
  t.deepEqual(await other.listen(path), [true], 'after unlinking, the path is free')
})

unixTest('stream and datagram: a path in a missing directory fails with a tuple', async (t) => {
  const path = join(tempDir(t), 'no', 'such', 'dir.sock')
  const [, err] = await stream(t).bind(path)
  t.is(err, 'not_found')
  const [, cerr] = await stream(t).connect(path)
  t.is(cerr, 'not_found')
  const [, serr] = await datagram(t).send(Buffer.from('x'), null, path)
  t.is(serr, 'not_found')
})

unixTest('a path longer than the OS allows fails with a tuple, not a throw', async (t) => {
  const [, err] = await stream(t).bind(`/tmp/${'x'.repeat(200)}.sock`)
  t.is(typeof err, 'string')
})

unixTest('datagram: bind(path), send(buf, len, path), recv fills the sender path; the reply goes back to it', async (t) => {
  const dir = tempDir(t)
  const serverPath = join(dir, 'server.sock')
  const clientPath = join(dir, 'client.sock')
  const server = datagram(t)
  const client = datagram(t)
  t.deepEqual(await server.bind(serverPath), [true])
  t.deepEqual(await client.bind(clientPath), [true])
  t.is(server.family(), 'unix')
  t.is(server.type(), 'udp')

  t.deepEqual(await client.send(Buffer.from('ping'), 4, serverPath), [4])
  const buf = Buffer.alloc(32)
  const from = socket.sockaddr()
  t.deepEqual(await server.recv(buf, null, from), [4])
  t.is(buf.toString('utf8', 0, 4), 'ping')
  t.is(from.family(), 'unix')
  t.is(from.toString(), clientPath)
  t.is(from.path(), clientPath)
  t.is(from.port(), null)
  t.is(from.ip(), null)

  t.deepEqual(await server.send(Buffer.from('pong'), 4, from), [4])
  const back = socket.sockaddr()
  t.deepEqual(await client.recv(buf, null, back), [4])
  t.is(buf.toString('utf8', 0, 4), 'pong')
  t.is(back.toString(), serverPath)
})

unixTest('datagram: abstract names; an unbound sender is unnamed and cannot be replied to', async (t) => {
  const name = abstractName('dgram')
  const server = datagram(t)
  ok(await server.bind(name))
  const anonymous = datagram(t)
  t.deepEqual(await anonymous.send(Buffer.from('who?'), null, name), [4])
  const from = socket.sockaddr()
  const buf = Buffer.alloc(8)
  t.deepEqual(await server.recv(buf, null, from), [4])
  t.is(from.family(), 'unix')
  t.is(from.path(), '', 'unnamed sender')
  const [, err] = await server.send(Buffer.from('x'), null, from)
  t.is(typeof err, 'string', `replying to an unnamed sender fails: ${err}`)

  const named = datagram(t)
  const clientName = abstractName('dgram-client')
  ok(await named.bind(clientName))
  ok(await named.send(Buffer.from('me'), null, name))
  t.deepEqual(await server.recv(buf, null, from), [2])
  t.is(from.toString(), clientName)
})

unixTest('datagram: truncation is reported; connect() sets the peer; disconnect() removes it', async (t) => {
  const dir = tempDir(t)
  const serverPath = join(dir, 'server.sock')
  const server = datagram(t)
  ok(await server.bind(serverPath))
  const client = datagram(t)
  ok(await client.bind(join(dir, 'client.sock')))
  t.deepEqual(await client.connect(serverPath), [true])
  t.is(ok(client.remoteAddr()).path(), serverPath)
  t.deepEqual(await client.send(Buffer.from('a long datagram')), [15])
  const buf = Buffer.alloc(32)
  const [n, err] = await server.recv(buf, 6)
  t.deepEqual([n, err], [null, 'message_truncated'])
  t.is(buf.toString('utf8', 0, 6), 'a long')

  t.deepEqual(client.disconnect(), [true])
  t.is(client.remoteAddr()[1], 'not_connected')
  const [, serr] = await client.send(Buffer.from('x'))
  t.is(typeof serr, 'string', 'no peer: send needs an address')
  t.deepEqual(await client.send(Buffer.from('addressed'), null, serverPath), [9])
  t.deepEqual(await server.recv(buf), [9])
})

unixTest('datagram: sending to a path whose socket is gone is connection_refused', async (t) => {
  const path = join(tempDir(t), 'gone.sock')
  const gone = datagram(t)
  ok(await gone.bind(path))
  gone.close()
  const [, err] = await datagram(t).send(Buffer.from('x'), null, path)
  t.is(err, 'connection_refused')
})
