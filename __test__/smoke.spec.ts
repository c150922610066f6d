import test from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, pair } from './helpers'

checkLeaksAtEnd(test)

test('a TCP echo round trip over loopback', async (t) => {
  const [client, server] = await pair(t)
  const out = Buffer.from('hello socket2')
  const [sent, serr] = await client.send(out)
  t.is(serr, undefined)
  t.is(sent, out.length)
  const buf = Buffer.alloc(64)
  const [n, rerr] = await server.recv(buf)
  if (rerr) return t.fail(rerr)
  t.is(buf.toString('utf8', 0, n), 'hello socket2')
  client.close()
  server.close()
  t.deepEqual(socket.stats().waiting, 0)
})

test('driverName() names the driver once a socket is open', (t) => {
  const [s, err] = socket.tcp()
  if (err) return t.fail(err)
  // Without SOCKET2_DRIVER: the libuv driver (a uv_poll on Node's loop), but
  // on Windows, where it is always the poller-thread driver.
  const expected = process.env.SOCKET2_DRIVER === 'poller-thread' || process.platform === 'win32' ? 'poller-thread' : 'libuv'
  t.is(socket.driverName(), expected)
  s.close()
})
