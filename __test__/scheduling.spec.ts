// Coroutines and the event loop: newThread, poll, start, stop; errors are
// never lost; sockets live on Node's own loop (timers and fs keep running,
// the process exits when idle, an idle server uses no CPU); each worker
// thread has its own poller.
//
// poll/start/stop act on every coroutine of the process, so the tests that
// use them run serially.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import * as socket from '../index'
import {
  checkIdleCpu,
  checkLeaksAtEnd,
  fixturePath,
  listener,
  ok,
  pair,
  recvExactly,
  runFixture,
  sendAll,
  tsxPrelude,
  underWine,
} from './helpers'

checkLeaksAtEnd(test)

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

// ---- newThread ---------------------------------------------------------------

test.serial('newThread runs synchronously up to the first wait', async (t) => {
  const [client, server] = await pair(t)
  const log: string[] = []
  const thread = socket.newThread(async (label: string, buf: Buffer) => {
    log.push(`${label} started`)
    const [n] = await server.recv(buf)
    log.push(`${label} got ${buf.toString('utf8', 0, n!)}`)
    return n
  }, 'reader', Buffer.alloc(16))
  log.push('newThread returned')
  t.deepEqual(log, ['reader started', 'newThread returned'])
  t.is(thread.status(), 'running')
  ok(await client.send(Buffer.from('hi')))
  t.is(await thread.done, 2)
  t.is(thread.status(), 'finished')
  t.deepEqual(log, ['reader started', 'newThread returned', 'reader got hi'])
})

test.serial('newThread: a function that never waits has run to its end when newThread returns', async (t) => {
  const log: string[] = []
  const thread = socket.newThread(() => {
    log.push('all done')
    return 42
  })
  t.deepEqual(log, ['all done'])
  t.is(await thread.done, 42)
  t.is(thread.status(), 'finished')
})

test.serial('newThread: a synchronous throw is reported through done', async (t) => {
  const thread = socket.newThread(() => {
    throw new Error('thrown before any wait')
  })
  await t.throwsAsync(thread.done, { message: 'thrown before any wait' })
  t.is(thread.status(), 'failed')
})

// ---- poll --------------------------------------------------------------------

test.serial('poll() returns [false, "timeout"] when nothing happens', async (t) => {
  const started = socket.clock()
  t.deepEqual(await socket.poll(0.05), [false, 'timeout'])
  t.true(socket.clock() - started >= 0.045)
  t.deepEqual(await socket.poll(0), [false, 'timeout'])
})

test.serial('poll() returns [true] after an event, having resumed the waiting thread', async (t) => {
  const [client, server] = await pair(t)
  // Let the events of setting up the pair pass first.
  for (let i = 0; i < 10 && (await socket.poll(0.02))[0]; i++);
  const log: string[] = []
  socket.newThread(async () => {
    const buf = Buffer.alloc(8)
    const [n] = await server.recv(buf)
    log.push(buf.toString('utf8', 0, n!))
  })
  setTimeout(() => void client.send(Buffer.from('event')), 20)
  // The send may raise more than one event (the peer's readable, our own
  // writable); poll until the reader has run, each poll returning [true].
  let polls = 0
  while (log.length === 0 && polls < 5) {
    t.deepEqual(await socket.poll(5), [true])
    polls++
  }
  t.deepEqual(log, ['event'])
})

test.serial('poll(): bad timeout throws', (t) => {
  t.throws(() => socket.poll(-1), { instanceOf: RangeError })
  t.throws(() => socket.poll('1' as never), { instanceOf: RangeError })
})

// ---- start / stop -------------------------------------------------------------

test.serial('start() with no threads returns at once', async (t) => {
  t.deepEqual(await socket.start(), [true])
})

test.serial('start() returns when every thread has finished', async (t) => {
  const [client, server] = await pair(t)
  const finished: string[] = []
  socket.newThread(async () => {
    await recvExactly(server, Buffer.alloc(3))
    finished.push('reader')
  })
  socket.newThread(async () => {
    await sleep(20)
    await sendAll(client, Buffer.from('abc'))
    finished.push('writer')
  })
  t.deepEqual(await socket.start(5), [true])
  t.deepEqual(finished.sort(), ['reader', 'writer'])
  t.is(socket.stats().threads, 0)
})

test.serial('start() returns on stop(), with threads still waiting', async (t) => {
  const { server } = await listener(t)
  const thread = socket.newThread(() => server.accept())
  setTimeout(() => socket.stop(), 30)
  const started = socket.clock()
  t.deepEqual(await socket.start(5), [true])
  t.true(socket.clock() - started < 2)
  t.is(thread.status(), 'running')
  server.close()
  t.deepEqual(await thread.done, [null, 'closed'])
})

test.serial('start(timeout) returns [true] when it stops because the timeout expired (as the seed)', async (t) => {
  const { server } = await listener(t)
  const thread = socket.newThread(() => server.accept())
  const started = socket.clock()
  t.deepEqual(await socket.start(0.05), [true])
  t.is(thread.status(), 'running', 'the thread outlived the timeout')
  const elapsed = socket.clock() - started
  t.true(elapsed >= 0.045 && elapsed < 2, `took ${elapsed}s`)
  server.close()
  await thread.done
})

test.serial('an exception thrown inside a thread rejects start()', async (t) => {
  const [client, server] = await pair(t)
  socket.newThread(async () => {
    await server.recv(Buffer.alloc(4))
    throw new Error('boom inside a thread')
  })
  setTimeout(() => void client.send(Buffer.from('go')), 10)
  await t.throwsAsync(socket.start(5), { message: 'boom inside a thread' })
})

test('an exception in a thread nobody starts surfaces as an unhandled rejection', async (t) => {
  const child = await runFixture('unhandled-thread-error.ts', { timeoutMs: 10_000 })
  t.false(child.killed, 'the process should have ended by itself')
  t.not(child.code, 0)
  t.regex(child.stderr, /boom-from-thread/)
})

// ---- Node's event loop ---------------------------------------------------------

test('timers and fs keep running while a recv waits', async (t) => {
  const [client] = await pair(t)
  let ticks = 0
  const interval = setInterval(() => ticks++, 10)
  t.teardown(() => clearInterval(interval))
  // With other test files running (under Wine, or on a loaded machine), the
  // file read alone has taken longer than 0.3 s (alone it takes a few ms).
  const waiting = client.recv(Buffer.alloc(4), undefined, socket.clock() + (underWine ? 2 : 1))
  const file = await readFile(join(__dirname, '..', 'package.json'), 'utf8')
  t.regex(file, /"name": "socket2"/)
  t.true(socket.stats().waiting > 0, 'recv should still be waiting after the file read')
  t.deepEqual(await waiting, [null, 'timeout'])
  clearInterval(interval)
  // 100 ticks on an idle machine; a blocked loop would give none. Leave room
  // for a machine busy with other test processes.
  t.true(ticks >= 3, `the interval ticked only ${ticks} times in 1 s`)
})

test('the process exits by itself when nothing is pending', async (t) => {
  const child = await runFixture('exit-when-idle.ts', { timeoutMs: 10_000 })
  t.false(child.killed, `still running after 10 s; stdout: ${child.stdout}`)
  t.is(child.code, 0, child.stderr)
  t.regex(child.stdout, /^idle \{"sockets":1,"waiting":0/)
})

test('a thread waiting in accept keeps the process alive', async (t) => {
  const child = await runFixture('alive-in-accept.ts', { timeoutMs: 15_000, killAfterOutputMs: 1000 })
  t.is(child.stdout, 'waiting\n', child.stderr)
  t.true(child.killed, `exited by itself with code ${child.code}: ${child.stderr}`)
})

test('an idle server waiting in accept uses no CPU', (t) => checkIdleCpu(t))

// ---- worker threads --------------------------------------------------------------

/** Starts `fixtures/<name>` in a worker thread (tsx loaded there too, unless compiled). */
function startWorker(name: string, workerData: unknown): Worker {
  return new Worker(`${tsxPrelude()}require(${JSON.stringify(fixturePath(name))})`, {
    eval: true,
    workerData,
  })
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
}

/** Runs `rounds` echo round trips of 1 KiB with a server at `port`. */
async function echoRounds(port: number, rounds: number, seed: number): Promise<boolean> {
  const client = ok(socket.tcp())
  try {
    ok(await client.connect('127.0.0.1', port, socket.clock() + 5))
    const out = Buffer.alloc(1024)
    const back = Buffer.alloc(1024)
    for (let i = 0; i < rounds; i++) {
      out.fill((seed + i) & 0xff)
      await sendAll(client, out)
      await recvExactly(client, back, back.length, socket.clock() + 5)
      if (!back.equals(out)) return false
    }
    return true
  } finally {
    client.close()
  }
}

test('worker threads: an echo server in a worker runs alongside the main thread’s', async (t) => {
  const connections = 4
  const worker = startWorker('worker-echo.ts', { connections })
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  const hello = await nextMessage<{ port: number; epollFd: number }>(worker)
  t.true(hello.port > 0)
  // Each environment has its own poller.
  const mainFd = socket.epollFd()
  if (mainFd !== null) t.not(hello.epollFd, mainFd) // null where no fd is the poller (Windows)

  // The main thread's own echo server.
  const { server, port } = await listener(t)
  const mainServer = socket.newThread(async () => {
    for (let i = 0; i < connections; i++) {
      const conn = ok(await server.accept(socket.clock() + 10))
      void (async () => {
        const buf = Buffer.alloc(1024)
        for (;;) {
          const [n, err] = await conn.recv(buf, undefined, socket.clock() + 10)
          if (err || n === 0) break
          await sendAll(conn, buf, n)
        }
        conn.close()
      })()
    }
  })

  const done = nextMessage<{ stats: { sockets: number; waiting: number } }>(worker)
  const results = await Promise.all(
    Array.from({ length: connections * 2 }, (_, i) => echoRounds(i % 2 === 0 ? hello.port : port, 50, i)),
  )
  t.deepEqual(results, Array(connections * 2).fill(true))
  await mainServer.done
  const { stats } = await done
  t.is(stats.sockets, 0)
  t.is(stats.waiting, 0)
  t.is(await exited, 0)
})

test('worker threads: terminating a worker that waits in accept is clean', async (t) => {
  const worker = startWorker('worker-echo.ts', { connections: 1 })
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  const hello = await nextMessage<{ port: number }>(worker)
  t.true(hello.port > 0)
  await sleep(20)
  await worker.terminate()
  t.is(await exited, 1)
  // Its listener went with it: the port now refuses.
  const client = ok(socket.tcp())
  t.is((await client.connect('127.0.0.1', hello.port, socket.clock() + 5))[1], 'connection_refused')
  client.close()
})
