// Shared test helpers: leak checks and small socket utilities.

import { readdirSync } from 'node:fs'

import type { ExecutionContext, TestFn } from 'ava'

import * as socket from '../index'

/** Open file descriptors of this process (Linux: /proc/self/fd). */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

/**
 * Registers a last test (run serially, after every other test of the file)
 * that checks nothing leaked: the fd count is back where it started, no
 * socket is open and no coroutine is waiting.
 */
export function checkLeaksAtEnd(test: TestFn): void {
  const fdsBefore = openFds()
  test.after.always('nothing leaked: fds, sockets, waiting coroutines', async () => {
    // Sockets closed by GC finalizers and async closes settle in a tick.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const stats = socket.stats()
    const errors: string[] = []
    if (stats.sockets !== 0) errors.push(`${stats.sockets} socket(s) still open`)
    if (stats.waiting !== 0) errors.push(`${stats.waiting} coroutine(s) still waiting`)
    const fdsAfter = openFds()
    if (fdsBefore >= 0 && fdsAfter > fdsBefore + 1) {
      // +1: the poller's own epoll fd, created on first use and kept.
      errors.push(`fd count grew from ${fdsBefore} to ${fdsAfter}`)
    }
    if (errors.length > 0) throw new Error(errors.join('; '))
  })
}

/** A TCP listener on 127.0.0.1 with an OS-chosen port. */
export async function listener(t: ExecutionContext): Promise<{ server: socket.TcpSocket; port: number }> {
  const [server, err] = socket.tcp()
  if (err) throw new Error(err)
  t.teardown(() => server.close())
  const [, lerr] = await server.listen('127.0.0.1', 0)
  if (lerr) throw new Error(lerr)
  const [addr, aerr] = server.localAddr()
  if (aerr) throw new Error(aerr)
  return { server, port: addr.port()! }
}

/** A connected TCP pair on loopback: [client, server side]. */
export async function pair(t: ExecutionContext): Promise<[socket.TcpSocket, socket.TcpSocket]> {
  const { server, port } = await listener(t)
  const [client, err] = socket.tcp()
  if (err) throw new Error(err)
  t.teardown(() => client.close())
  const accepted = server.accept()
  const [, cerr] = await client.connect('127.0.0.1', port)
  if (cerr) throw new Error(cerr)
  const [conn, aerr] = await accepted
  if (aerr) throw new Error(aerr)
  t.teardown(() => conn.close())
  server.close()
  return [client, conn]
}
