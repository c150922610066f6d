// Type-level tests: the result tuples narrow on `if (err)`. They are checked
// by `tsc -p __test__/tsconfig.json --noEmit` (part of `npm test`): each
// `@ts-expect-error` line must be an error there, or tsc fails; the runtime
// assertions make ava run the same code against real sockets.

import test from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, pair } from './helpers'

checkLeaksAtEnd(test)

/** Compile-time equality of two types. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<T extends true>(_proof?: T): void {}

async function receive(s: socket.TcpSocket, buf: Uint8Array): Promise<number | string> {
  const [n, err, code] = await s.recv(buf)
  // Before the check, `n` may be null: using it as a number does not compile.
  // @ts-expect-error n is number | null here
  const early: number = n
  void early
  assertType<Equal<typeof n, number | null>>()
  if (err) {
    assertType<Equal<typeof n, null>>()
    assertType<Equal<typeof err, socket.ErrorName>>()
    assertType<Equal<typeof code, number | undefined>>()
    return err
  }
  // After it, `n` is a number and there is no code.
  const x: number = n
  assertType<Equal<typeof n, number>>()
  assertType<Equal<typeof code, undefined>>()
  return x
}

test('recv narrows: [n, err]; after `if (err) return`, n is a number', async (t) => {
  const [client, server] = await pair(t)
  await client.send(Buffer.from('typed'))
  const got = await receive(server, Buffer.alloc(16))
  t.is(got, 5)
  client.close()
  server.close()
  // And the failure branch: a closed socket gives the error name.
  t.is(await receive(server, Buffer.alloc(16)), 'closed')
})

test('every fallible call narrows the same way', async (t) => {
  const [s, err] = socket.tcp()
  if (err) return t.fail(err)
  assertType<Equal<typeof s, socket.TcpSocket>>()
  // @ts-expect-error the list may be null before the error check
  socket.addr('127.0.0.1', 80)[0].free()
  const [list, lerr] = socket.addr('127.0.0.1', 80, 'tcp')
  if (lerr) return t.fail(lerr)
  assertType<Equal<typeof list, socket.AddrInfo>>()
  t.is(list.toString(), '127.0.0.1:80')
  list.free()
  const [bound, berr] = await s.bind('127.0.0.1', 0)
  if (berr) return t.fail(berr)
  assertType<Equal<typeof bound, true>>()
  const [local, aerr] = s.localAddr()
  if (aerr) return t.fail(aerr)
  t.is(local.ip(), '127.0.0.1')
  s.close()
  const polled = await socket.poll(0)
  assertType<Equal<typeof polled, [true] | [false, 'timeout']>>()
  // Which of the two depends on events other tests of this file leave
  // behind (they run concurrently); the type is the point here.
  t.true(polled[0] === true || polled[1] === 'timeout')
})

test('error names are a closed set: a misspelt or unknown name does not compile', (t) => {
  const known: socket.ErrorName = 'connection_refused'
  assertType<Equal<socket.KnownErrorName, socket.ErrorName>>()
  // @ts-expect-error an OS message is not an error name (there is no string escape hatch)
  const osMessage: socket.ErrorName = 'some os message'
  // @ts-expect-error an empty string is not an error name (it would not narrow)
  const empty: socket.ErrorName = ''
  // @ts-expect-error error names are lower case
  const upper: socket.ErrorName = 'Timeout'
  assertType<Equal<(typeof socket.errorNames)[number], socket.ErrorName>>()
  // A failure without I/O (another test here polls, and must see no events).
  const [, err] = socket.tcp('inet', 'udp')
  // @ts-expect-error a misspelt name: the comparison can never be true
  const misspelt = err === 'conection_refused'
  t.false(misspelt)
  t.is(err, 'protocol_not_supported')
  t.true(socket.errorNames.includes(err!))
  t.is(typeof known, 'string')
  t.is(String(osMessage), 'some os message')
  t.is(String(empty), '')
  t.is(String(upper), 'Timeout')
})
