// Fairness: a coroutine whose socket is always ready must still let the
// event loop turn, so timers, other sockets and Node's own I/O keep running.
//
// The hot loops here read or write one byte per call on a stream that always
// has more: every call completes at once and never looks "drained", exactly
// the case where a settled promise continues in the microtask queue and,
// without a budget, the loop would never get a turn until the stream ends.

import { join } from 'node:path'

import test from 'ava'

import * as socket from '../index'
import { TURN_BUDGET } from '../src/scheduler'
import { checkLeaksAtEnd, listener, ok, pair, runFixture, whole } from './helpers'

checkLeaksAtEnd(test)

const STREAM_BYTES = 512 * 1024

/**
 * Runs `hot` (which counts its calls in `calls.n`) until it ends, and
 * meanwhile measures how many of its calls run between a `setImmediate`
 * being scheduled and its callback (the most calls that ever ran with the
 * loop unable to turn), how often a 1 ms `setTimeout` fired meanwhile
 * (`timerFires`: without the budget, never until the stream ends), and,
 * for the log only, how late it fired at worst (`timeout`, in ms).
 */
async function callsBetweenTurns(
  hot: () => Promise<void>,
  calls: { n: number },
): Promise<{ immediate: number; timeout: number; timerFires: number; samples: number }> {
  let running = true
  let worstImmediate = 0
  let worstTimeout = 0
  let timerFires = 0
  let samples = 0
  // Where the probe now pending started: a probe still pending when `hot`
  // ends counts too (without a budget, none ever fires before that).
  let immediateFrom = 0
  let timeoutFrom = 0
  const probeImmediate = (): void => {
    immediateFrom = calls.n
    setImmediate(() => {
      worstImmediate = Math.max(worstImmediate, calls.n - immediateFrom)
      samples++
      if (running) probeImmediate()
    })
  }
  const probeTimeout = (): void => {
    timeoutFrom = performance.now()
    setTimeout(() => {
      worstTimeout = Math.max(worstTimeout, performance.now() - timeoutFrom)
      if (running) timerFires++
      if (running) probeTimeout()
    }, 1)
  }
  probeImmediate()
  probeTimeout()
  await hot()
  running = false
  worstImmediate = Math.max(worstImmediate, calls.n - immediateFrom)
  worstTimeout = Math.max(worstTimeout, performance.now() - timeoutFrom)
  return { immediate: worstImmediate, timeout: worstTimeout, timerFires, samples }
}

test.serial('a recv loop on an always-ready socket yields to the event loop every TURN_BUDGET calls', async (t) => {
  const [client, server] = await pair(t)
  const calls = { n: 0 }
  const payload = Buffer.alloc(STREAM_BYTES, 7)
  const sender = socket.newThread(async () => whole(await client.sendall(payload)))
  const result = await callsBetweenTurns(async () => {
    const one = Buffer.alloc(1)
    let received = 0
    while (received < STREAM_BYTES) {
      const n = ok(await server.recv(one))
      if (n === 0) throw new Error('early EOF')
      received += n
      calls.n++
    }
  }, calls)
  await sender.done
  t.log(`${calls.n} recv calls; at most ${result.immediate} before a setImmediate; a 1 ms timer after ${result.timeout.toFixed(1)} ms at worst; ${result.samples} turns`)
  // Between a setImmediate being scheduled and its callback the loop
  // finishes this turn and at most one more (an I/O batch refills the
  // budget): a few budgets at most, never the whole stream.
  t.true(result.immediate <= 3 * TURN_BUDGET, `${result.immediate} calls ran before a setImmediate`)
  // Without the budget the timer waits for the whole stream. (A count, not
  // how late it fired: a loaded machine delays timers by itself.)
  t.true(result.timerFires >= 2, `a 1 ms timer fired ${result.timerFires} times during the loop`)
  t.true(result.samples >= calls.n / (3 * TURN_BUDGET), `only ${result.samples} turns in ${calls.n} calls`)
})

test.serial('a send loop on an always-writable socket yields to the event loop', async (t) => {
  const [client, server] = await pair(t)
  const calls = { n: 0 }
  // The peer drains with large reads, so one-byte sends always find room.
  const drain = socket.newThread(async () => {
    const buf = Buffer.alloc(256 * 1024)
    let total = 0
    while (total < STREAM_BYTES / 8) {
      const n = ok(await server.recv(buf))
      if (n === 0) break
      total += n
    }
    return total
  })
  const one = Buffer.from([1])
  const result = await callsBetweenTurns(async () => {
    for (let i = 0; i < STREAM_BYTES / 8; i++) {
      ok(await client.send(one))
      calls.n++
    }
  }, calls)
  t.is(await drain.done, STREAM_BYTES / 8)
  t.log(`${calls.n} send calls; at most ${result.immediate} before a setImmediate; a 1 ms timer after ${result.timeout.toFixed(1)} ms at worst`)
  t.true(result.immediate <= 3 * TURN_BUDGET, `${result.immediate} calls ran before a setImmediate`)
  // Without the budget the timer waits for the whole stream. (A count, not
  // how late it fired: a loaded machine delays timers by itself.)
  t.true(result.timerFires >= 2, `a 1 ms timer fired ${result.timerFires} times during the loop`)
})

test.serial('sendall/recvall in small pieces yield too', async (t) => {
  const [client, server] = await pair(t)
  const calls = { n: 0 }
  const piece = Buffer.alloc(16, 3)
  const pieces = STREAM_BYTES / 16 / 4
  const sender = socket.newThread(async () => {
    for (let i = 0; i < pieces; i++) whole(await client.sendall(piece))
  })
  const into = Buffer.alloc(16)
  const result = await callsBetweenTurns(async () => {
    for (let i = 0; i < pieces; i++) {
      whole(await server.recvall(into))
      calls.n++
    }
  }, calls)
  await sender.done
  t.true(result.immediate <= 3 * TURN_BUDGET, `${result.immediate} recvall calls ran before a setImmediate`)
})

test.serial('50 ping-pong connections keep going beside a hot loop', async (t) => {
  // The hot loop: one-byte reads of a 512 KiB stream, ~10^6 calls that all
  // complete at once. Without a budget it holds the loop until it is done.
  const [hotClient, hotServer] = await pair(t)
  const { server: pingListener, port } = await listener(t)
  const echoes: socket.Thread<void>[] = []
  const clients: socket.TcpSocket[] = []
  for (let i = 0; i < 50; i++) {
    const c = ok(socket.tcp())
    t.teardown(() => c.close())
    ok(await c.connect('127.0.0.1', port))
    const conn = ok(await pingListener.accept())
    t.teardown(() => conn.close())
    clients.push(c)
    echoes.push(
      socket.newThread(async () => {
        const buf = Buffer.alloc(64)
        for (;;) {
          const [n, err] = await conn.recv(buf)
          if (err || n === 0) return
          whole(await conn.sendall(buf, n))
        }
      }),
    )
  }
  let hotDone = false
  const rtts: number[] = []
  const pingers = clients.map((c) =>
    socket.newThread(async () => {
      const msg = Buffer.alloc(64, 1)
      const back = Buffer.alloc(64)
      while (!hotDone) {
        const sent = performance.now()
        whole(await c.sendall(msg))
        whole(await c.recvall(back))
        rtts.push(performance.now() - sent)
      }
    }),
  )
  let ticks = 0
  const ticker = setInterval(() => ticks++, 5)
  const sender = socket.newThread(async () => whole(await hotClient.sendall(Buffer.alloc(STREAM_BYTES, 9))))
  const started = performance.now()
  const one = Buffer.alloc(1)
  let received = 0
  while (received < STREAM_BYTES) {
    const n = ok(await hotServer.recv(one))
    if (n === 0) throw new Error('early EOF')
    received += n
  }
  const hotMs = performance.now() - started
  hotDone = true
  clearInterval(ticker)
  await sender.done
  await Promise.all(pingers.map((p) => p.done))
  for (const c of clients) c.close()
  await Promise.all(echoes.map((e) => e.done))
  rtts.sort((a, b) => a - b)
  const p99 = rtts[Math.floor(rtts.length * 0.99)]
  t.log(`hot loop ran ${hotMs.toFixed(0)} ms; ${rtts.length} round trips meanwhile, p99 ${p99.toFixed(1)} ms, max ${rtts[rtts.length - 1].toFixed(1)} ms; a 5 ms interval ticked ${ticks} times`)
  // Without the budget no round trip completes until the hot loop ends
  // (p99 ≈ the loop's whole run, hundreds of ms or more).
  // Counts, not latencies: the p99 is the benchmark's figure (`npm run
  // bench -- --fairness-only`), and a loaded machine stalls a process by
  // itself.
  t.true(rtts.length >= 500, `only ${rtts.length} round trips while the hot loop ran ${hotMs.toFixed(0)} ms`)
  // Without it the interval never ticks during the hot loop.
  t.true(ticks >= 2, `a 5 ms interval ticked ${ticks} times in ${hotMs.toFixed(0)} ms`)
})

// ---- deadlines: 10 000 pending, with and without a hot loop beside them ----

for (const [spread, busy] of [
  ['one', ''],
  ['many', 'busy'],
] as const) {
  test.serial(`10 000 pending deadlines (${spread === 'one' ? 'all on one socket' : 'on 100 sockets'}${busy ? ', beside a hot loop' : ''}) all fire, none early`, async (t) => {
    // A fresh process (cold JIT), plain JavaScript against the compiled
    // package. How late they fire, against Node's own timers, is a speed
    // figure: `npm run bench -- --timers-only` reports it.
    const child = await runFixture(join('..', '..', 'bench', 'deadline-lateness.js'), { args: [spread, busy], timeoutMs: 30_000 })
    t.is(child.code, 0, child.stderr)
    const r = JSON.parse(child.stdout) as { timeouts: number; minMs: number; hotCalls: number }
    t.log(child.stdout.trim())
    t.is(r.timeouts, 10_000, 'every wait ended with a timeout')
    t.true(r.minMs >= 0, `a deadline fired ${-r.minMs} ms early`)
    // The hot loop ran meanwhile and still let every timer fire (without
    // the turn budget it would starve them; the turn counts above check
    // the budget itself).
    if (busy) t.true(r.hotCalls > 0, 'the hot loop ran')
  })
}

test.serial('a call past the budget is still made at once: sends followed by close() all arrive', async (t) => {
  const [client, server] = await pair(t)
  // 3 budgets' worth of sends in one synchronous run, none awaited, then
  // close(): the results of most are delivered a turn later, but every
  // send(2) has been made, as a user calling close() right after expects.
  const count = 3 * TURN_BUDGET
  const pending: Promise<socket.Result<number>>[] = []
  for (let i = 0; i < count; i++) pending.push(client.send(Buffer.from([i & 0xff])))
  client.close()
  const results = await Promise.all(pending)
  t.true(results.every(([n]) => n === 1), JSON.stringify(results.filter(([n]) => n !== 1).slice(0, 3)))
  const got = Buffer.alloc(count + 1)
  let total = 0
  for (;;) {
    const n = ok(await server.recv(got.subarray(total), null, socket.clock() + 5))
    if (n === 0) break
    total += n
  }
  t.is(total, count)
  for (let i = 0; i < count; i++) if (got[i] !== (i & 0xff)) return t.fail(`byte ${i} is ${got[i]}`)
})
