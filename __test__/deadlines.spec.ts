// Deadlines and AbortSignals on waiting calls, sleeping, currentThread(),
// and timers at scale (10 000 pending deadlines). Tests that count waiting
// coroutines or measure time run serially.

import { getEventListeners } from 'node:events'

import type { ExecutionContext } from 'ava'
import test from 'ava'

import * as socket from '../index'
import { deadlineHeapStats } from '../src/scheduler'
import { checkLeaksAtEnd, listener, ok, pair, skipIf, underWine } from './helpers'

/** The timing bounds below are for native speed; under Wine on this 2-core machine the median lateness of 10 000 sleeps measured 0.4 to 1.6 s. */
const WINE_TIMING = underWine && 'timing bounds for native speed; Wine is several times slower and varies from run to run'
// currentThread() (tested below) needs tracking on before this process's
// first thread where tracking is not free (Node 20/22).
socket.trackThreads()

checkLeaksAtEnd(test)

function aborter(ms: number, reason?: unknown): AbortSignal {
  const controller = new AbortController()
  setTimeout(() => controller.abort(reason), ms)
  return controller.signal
}

function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}

test('a recv that times out leaves the socket open: bytes sent after it arrive whole', async (t) => {
  const [a, b] = await pair(t)
  const buf = Buffer.alloc(16)
  t.deepEqual(await b.recv(buf, null, socket.clock() + 0.05), [null, 'timeout'])
  t.false(b.isClosed())
  ok(await a.send(Buffer.from('after')))
  t.deepEqual(await b.recv(buf, null, socket.clock() + 2), [5])
  t.is(buf.toString('utf8', 0, 5), 'after')
})

/** Connects clients to a listener with a backlog of 1 that never accepts, until one hangs in SYN_SENT. */
async function hangingConnect(
  t: ExecutionContext,
  expires: () => socket.Expires,
): Promise<{ client: socket.TcpSocket; result: socket.Result<true> } | null> {
  const server = ok(socket.tcp())
  t.teardown(() => server.close())
  ok(await server.listen(1, '127.0.0.1', 0))
  const port = ok(server.localAddr()).port()!
  // Once the accept queue is full the kernel drops further SYNs, so a
  // connect stays under way. Bounded: at most 16 tries.
  for (let i = 0; i < 16; i++) {
    const client = ok(socket.tcp())
    t.teardown(() => client.close())
    const result = await client.connect('127.0.0.1', port, expires())
    if (result[1] !== undefined) return { client, result }
  }
  return null
}

test('a connect that times out returns [null, "timeout"] and closes the socket', async (t) => {
  const hung = await hangingConnect(t, () => socket.clock() + 0.2)
  if (hung === null) return t.fail('every connect completed: the backlog never filled')
  t.deepEqual(hung.result, [null, 'timeout'])
  t.true(hung.client.isClosed(), 'a half-open connect cannot be restarted, so the socket is closed')
  t.deepEqual(await hung.client.recv(Buffer.alloc(1)), [null, 'closed'])
})

test('a connect aborted by its signal returns [null, "aborted"] and closes the socket', async (t) => {
  const hung = await hangingConnect(t, () => aborter(100))
  if (hung === null) return t.fail('every connect completed: the backlog never filled')
  t.deepEqual(hung.result, [null, 'aborted'])
  t.true(hung.client.isClosed())
})

test('AbortSignal: an abort ends a waiting recv with [null, "aborted"]; the socket stays usable', async (t) => {
  const [a, b] = await pair(t)
  const buf = Buffer.alloc(8)
  const started = socket.clock()
  t.deepEqual(await b.recv(buf, null, aborter(50)), [null, 'aborted'])
  t.true(socket.clock() - started >= 0.04)
  ok(await a.send(Buffer.from('ok')))
  t.deepEqual(await b.recv(buf, null, aborter(2000)), [2])
})

test('AbortSignal.timeout(ms) (reason TimeoutError) reads as [null, "timeout"]', async (t) => {
  const { server } = await listener(t)
  t.deepEqual(await server.accept(AbortSignal.timeout(30)), [null, 'timeout'])
  const reason = new Error('late')
  reason.name = 'TimeoutError'
  t.deepEqual(await server.accept(aborter(10, reason)), [null, 'timeout'])
  t.deepEqual(await server.accept(aborter(10, new Error('other'))), [null, 'aborted'])
})

test('AbortSignal: already aborted ends a wait at once, but bytes already there are still returned', async (t) => {
  const [a, b] = await pair(t)
  const aborted = AbortSignal.abort()
  const buf = Buffer.alloc(8)
  t.deepEqual(await b.recv(buf, null, aborted), [null, 'aborted'])
  ok(await a.send(Buffer.from('here')))
  await socket.sleep(0.02)
  // Data is there: the call's last try before giving up finds it.
  t.deepEqual(await b.recv(buf, null, aborted), [4])
  const past = socket.clock() - 1
  ok(await a.send(Buffer.from('more')))
  await socket.sleep(0.02)
  t.deepEqual(await b.recv(buf, null, past), [4], 'the same holds for a deadline already past')
})

test.serial('AbortSignal: one signal shared by 100 waits holds one listener, ends them all, and is let go', async (t) => {
  const [a] = await pair(t)
  const { server } = await listener(t)
  const controller = new AbortController()
  const signal = controller.signal
  const waits = [
    ...Array.from({ length: 99 }, () => a.recv(Buffer.alloc(1), null, signal)),
    server.accept(signal),
  ]
  t.is(abortListeners(signal), 1)
  t.is(socket.stats().waiting, 100)
  controller.abort()
  for (const result of await Promise.all(waits)) t.deepEqual(result, [null, 'aborted'])
  t.is(abortListeners(signal), 0)
  t.is(socket.stats().waiting, 0)
})

test('AbortSignal: a wait that completes removes its listener', async (t) => {
  const [a, b] = await pair(t)
  const controller = new AbortController()
  const pending = b.recv(Buffer.alloc(8), null, controller.signal)
  t.is(abortListeners(controller.signal), 1)
  ok(await a.send(Buffer.from('x')))
  t.deepEqual(await pending, [1])
  t.is(abortListeners(controller.signal), 0)
  controller.abort() // nothing left to end
})

test('AbortSignal on UDP: recv(buf, len, from, signal) and connected send(buf, len, signal)', async (t) => {
  const u = ok(socket.udp())
  t.teardown(() => u.close())
  ok(await u.bind('127.0.0.1', 0))
  t.deepEqual(await u.recv(Buffer.alloc(8), null, null, aborter(20)), [null, 'aborted'])
  ok(await u.connect('127.0.0.1', ok(u.localAddr()).port()!))
  t.deepEqual(await u.send(Buffer.from('self'), null, AbortSignal.timeout(1000)), [4])
  t.deepEqual(await u.recv(Buffer.alloc(8), null, null, AbortSignal.timeout(1000)), [4])
})

test('deadlines on sendall/recvall report the bytes moved before the timeout', async (t) => {
  const [a, b] = await pair(t)
  // More than the socket buffers hold, with nobody reading: sendall times out part way.
  const big = Buffer.alloc(64 << 20)
  const [done, err, code, sent] = await a.sendall(big, null, socket.clock() + 0.3)
  t.is(done, null)
  t.is(err, 'timeout')
  t.is(code, undefined)
  t.true(sent! > 0 && sent! < big.length, `sent ${sent}`)
  // The receiver reads exactly what was sent, then times out asking for more.
  const into = Buffer.alloc(sent! + 10)
  const [, rerr, , received] = await b.recvall(into, null, socket.clock() + 3)
  t.is(rerr, 'timeout')
  t.is(received, sent)
})

test('misuse: expires must be a number or an AbortSignal', (t) => {
  const s = ok(socket.tcp())
  t.teardown(() => s.close())
  const buf = Buffer.alloc(1)
  t.throws(() => s.recv(buf, null, 'soon' as never), { instanceOf: TypeError })
  t.throws(() => s.recv(buf, null, { aborted: true } as never), { instanceOf: TypeError })
  t.throws(() => s.sendall(buf, null, Number.NaN), { instanceOf: TypeError })
})

test.serial('sleep(seconds) and sleepUntil(t) wait on the monotonic clock; misuse throws', async (t) => {
  let started = socket.clock()
  await socket.sleep(0.05)
  t.true(socket.clock() - started >= 0.05)
  started = socket.clock()
  await socket.sleepUntil(started + 0.03)
  t.true(socket.clock() >= started + 0.03)
  // A time already past resolves at once: before the event loop's next
  // turn (a setImmediate), with no timer. (An order, not a clock.)
  for (const past of [() => socket.sleepUntil(socket.clock() - 10), () => socket.sleep(0), () => socket.sleep(-1)]) {
    const first = await Promise.race([
      past().then(() => 'sleep'),
      new Promise<string>((resolve) => setImmediate(resolve, 'next turn')),
    ])
    t.is(first, 'sleep', 'a time already past returns at once')
  }
  t.throws(() => socket.sleep('1' as never), { instanceOf: TypeError })
  t.throws(() => socket.sleepUntil(Number.NaN), { instanceOf: TypeError })
  t.is(socket.stats().waiting, 0)
})

test('currentThread(): null outside threads; inside, the thread, across waits; nested threads are their own', async (t) => {
  // trackThreads() ran at load, before this file's first thread.
  t.is(socket.currentThread(), null)
  const [a, b] = await pair(t)
  const seen: Array<socket.Thread | null> = []
  let inner: socket.Thread | null = null
  const outer = socket.newThread(async () => {
    seen.push(socket.currentThread())
    const buf = Buffer.alloc(4)
    ok(await b.recv(buf)) // woken by the I/O event, not by a timer
    seen.push(socket.currentThread())
    inner = socket.newThread(async () => {
      await socket.sleep(0.01)
      return socket.currentThread()
    })
    seen.push(socket.currentThread())
    return inner.done
  })
  t.is(socket.currentThread(), null)
  ok(await a.send(Buffer.from('wake')))
  const innerSaw = await outer.done
  t.is(seen.length, 3)
  for (const thread of seen) t.is(thread, outer)
  t.is(innerSaw, inner)
  t.not(inner, outer)
  t.is(socket.currentThread(), null)
})

skipIf(WINE_TIMING, { serial: true })('10 000 sleeping coroutines with staggered deadlines all wake in deadline order, none early, none late by much', async (t) => {
  const count = 10_000
  const base = socket.clock() + 1.5 // after all are started, even on a loaded machine
  const spacing = 0.00005 // 10 000 deadlines over half a second
  const woke: number[] = []
  const lateness = new Float64Array(count)
  // Started in a shuffled order, so the heap does real work.
  const order = Array.from({ length: count }, (_, i) => i)
  for (let i = count - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  for (const i of order) {
    const deadline = base + i * spacing
    socket.newThread(async () => {
      await socket.sleepUntil(deadline)
      lateness[i] = socket.clock() - deadline
      woke.push(i)
    })
  }
  t.true(socket.clock() < base, 'starting 10 000 threads took longer than the margin before the first deadline')
  await socket.start(10)
  t.is(woke.length, count)
  let inOrder = true
  for (let k = 1; k < count; k++) if (woke[k]! < woke[k - 1]!) inOrder = false
  t.true(inOrder, 'woken in deadline order')
  const sorted = [...lateness].sort((x, y) => x - y)
  const median = sorted[count >> 1]!
  const worst = sorted[count - 1]!
  t.log(`lateness: min ${(sorted[0]! * 1e3).toFixed(2)} ms, median ${(median * 1e3).toFixed(2)} ms, max ${(worst * 1e3).toFixed(2)} ms`)
  t.true(sorted[0]! >= 0, 'nobody woke before its deadline')
  // Generous bounds: the suite shares two cores with other test files.
  t.true(median < 0.1, `median lateness ${median}s`)
  t.true(worst < 0.5, `worst lateness ${worst}s`)
  t.is(socket.stats().waiting, 0)
})

/**
 * Heap entries moved per cancelled deadline: `count` recvs wait with
 * staggered deadlines (in no particular order), then close() removes them
 * all from the heap.
 */
async function movesPerCancel(t: ExecutionContext, count: number): Promise<number> {
  const [x] = await pair(t)
  const pending = deadlineHeapStats().size
  const now = socket.clock()
  const waits = Array.from({ length: count }, (_, i) => x.recv(Buffer.alloc(1), 1, now + 100 + ((i * 7919) % count) * 0.001))
  t.is(deadlineHeapStats().size, pending + count, 'every wait has its deadline on the heap')
  const before = deadlineHeapStats().moves
  x.close()
  const moves = deadlineHeapStats().moves - before
  t.is(deadlineHeapStats().size, pending, 'close() took every deadline off the heap')
  for (const r of await Promise.all(waits)) if (r[1] !== 'closed') t.fail(`expected closed, got ${String(r[1])}`)
  return moves / count
}

// A count, not a clock: removing a deadline moves at most two heap paths'
// worth of entries (a sift down and a sift up), so the moves per removal
// grow with log2(n), not with n. (How fast that is: `npm run bench --
// --timers-only`.) Serial: the heap and its count are the thread's.
test.serial('cancelling a deadline moves O(log n) heap entries: among 100 000 pending as among 10 000', async (t) => {
  const fewer = await movesPerCancel(t, 10_000)
  const more = await movesPerCancel(t, 100_000)
  t.log(`heap entries moved per cancelled deadline: ${fewer.toFixed(2)} among 10 000, ${more.toFixed(2)} among 100 000`)
  t.true(fewer <= 2 * Math.log2(10_000), `${fewer} moves per removal among 10 000`)
  t.true(more <= 2 * Math.log2(100_000), `${more} moves per removal among 100 000`)
  // A removal that shifted the array (linear) would move ~n/2 entries each time.
  t.true(more < 4 * Math.max(fewer, 1), 'ten times as many pending deadlines do not make a removal ten times the work')
  t.is(socket.stats().waiting, 0)
})
