// The runtime-independent part of the suite under every runtime socket2
// supports: each scenario in runtimes/scenarios (plain ESM, one CommonJS)
// runs against the compiled package in a child process of `node` (libuv
// driver), `node` with SOCKET2_DRIVER=poller-thread, `bun` and `deno` (poller-thread
// driver), with a hard timeout, so a hang is a failure and not a stuck
// suite. One ava test per runtime × scenario; a runtime that is not
// installed (or whose binary does not start) gets its tests skipped, with
// the reason in the title.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

import { probe, runScenario, runtimes, scenarios } from './runtimes/runner.cjs'

// echo-process.mjs drives its server with crates/bench's native load
// generator when it is built (the runner passes it on): only a client that
// fast hits the window in which Deno lost the poller-thread driver's wake-up.
test.before('build the native load generator (crates/bench loadgen)', (t) => {
  const built = spawnSync('cargo', ['build', '--release', '--locked', '-p', 'socket2-bench', '--bin', 'loadgen'], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 600_000,
  })
  if (built.status === 0) t.log('loadgen built')
  else t.log(`loadgen not built (${built.error?.message ?? built.stderr.trim().split('\n').pop()}): echo-process uses a socket2 client`)
})

// The scenarios' own waits are bounded at 10–30 s; a scenario still
// running after this is stuck.
const TIMEOUT_MS = 45_000

// One child at a time: each pushes a CPU hard, and the other test file
// ava runs meanwhile may be measuring timing.
let running = 0
const queue: Array<() => void> = []
async function slot<T>(run: () => Promise<T>): Promise<T> {
  if (running >= 1) await new Promise<void>((resolve) => queue.push(resolve))
  running++
  try {
    return await run()
  } finally {
    running--
    queue.shift()?.()
  }
}

for (const name of Object.keys(runtimes)) {
  const found = probe(name)
  for (const scenario of scenarios()) {
    const title = `${name}: ${scenario}`
    if (!found.ok) {
      test.skip(`${title} (skipped: ${found.reason})`, (t) => t.pass())
      continue
    }
    test(title, async (t) => {
      t.timeout(TIMEOUT_MS * 50, 'queued behind the other scenarios')
      const result = await slot(() => runScenario(name, found.bin, scenario, { timeoutMs: TIMEOUT_MS }))
      t.log(`${found.version}: ${result.line || result.why} (${result.ms} ms)`)
      t.true(result.passed, `${result.why}\n${result.output}`)
    })
  }
}
