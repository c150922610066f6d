// Runs the runtime-neutral scenarios (./scenarios) against the compiled
// package under Node, Bun and Deno, each scenario in a child process with a
// hard timeout: a hang is killed and reported as a failure.
//
//   node __test__/runtimes/runner.cjs [node|node-poller-thread|node22|node24|bun|deno ...]
//
// prints one line per runtime × scenario and exits non-zero if any failed;
// a runtime that is not installed is reported as skipped, with the reason.
// `__test__/runtimes.spec.ts` runs the same matrix as ava tests.

'use strict'

const { spawn, spawnSync } = require('node:child_process')
const { existsSync, readdirSync } = require('node:fs')
const { delimiter, join } = require('node:path')

const root = join(__dirname, '..', '..')
const scenarioDir = join(__dirname, 'scenarios')

/** The scenario files, in a stable order. */
function scenarios() {
  return readdirSync(scenarioDir)
    .filter((f) => (f.endsWith('.mjs') || f.endsWith('.cjs')) && f !== 'lib.mjs' && !f.startsWith('_'))
    .sort()
}

/**
 * The runtimes: how to run a file under each, and which driver it must
 * get. `node-poller-thread` is Node with SOCKET2_DRIVER=poller-thread, the driver Bun,
 * Deno and Windows use, on the runtime with the reference behaviour.
 */
const runtimes = {
  node: { bin: process.execPath, args: [], env: { SOCKET2_DRIVER: 'auto' }, driver: 'libuv' },
  'node-poller-thread': { bin: process.execPath, args: [], env: { SOCKET2_DRIVER: 'poller-thread' }, driver: 'poller-thread' },
  // Other Node majors, where scripts/fetch-node.sh put them (npm run fetch:node).
  node22: { bin: join(root, '.cache', 'node', '22', 'node'), args: [], env: { SOCKET2_DRIVER: 'auto' }, driver: 'libuv' },
  node24: { bin: join(root, '.cache', 'node', '24', 'node'), args: [], env: { SOCKET2_DRIVER: 'auto' }, driver: 'libuv' },
  bun: { bin: 'bun', args: [], env: {}, driver: 'poller-thread' },
  // -A: a native addon needs --allow-ffi, the scenarios also need net, read,
  // write (temporary Unix socket paths) and env.
  deno: { bin: 'deno', args: ['run', '-A'], env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, driver: 'poller-thread' },
}

/**
 * The clients echo-process.mjs may use: this Node, and crates/bench's
 * native load generator when it is built.
 */
function clients() {
  const loadgen = join(root, 'target', 'release', process.platform === 'win32' ? 'loadgen.exe' : 'loadgen')
  return { SOCKET2_TEST_NODE: process.execPath, ...(existsSync(loadgen) ? { SOCKET2_TEST_LOADGEN: loadgen } : {}) }
}

/** The executable for `name`: the dev dependency in node_modules/.bin first, then PATH. */
function locate(name) {
  if (name.includes('/')) return existsSync(name) ? name : null
  const candidates = [join(root, 'node_modules', '.bin', name)]
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, name))
  return candidates.find((file) => existsSync(file)) ?? null
}

/**
 * Whether `name` can run here: `{ ok: true, bin, version }`, or
 * `{ ok: false, reason }` (not installed, or its binary does not start,
 * as when npm installed it with scripts disabled).
 */
function probe(name) {
  const runtime = runtimes[name]
  if (runtime === undefined) return { ok: false, reason: `unknown runtime ${name}` }
  const bin = locate(runtime.bin)
  if (bin === null) {
    const how = runtime.bin.includes('/') ? 'missing (npm run fetch:node fetches it)' : 'not installed: not in node_modules/.bin or PATH'
    return { ok: false, reason: `${runtime.bin} is ${how}` }
  }
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 })
  const version = (result.stdout ?? '').trim().split('\n')[0]
  if (result.status !== 0 || version === '') {
    const why = result.error?.message ?? (result.stderr || `exit code ${result.status}`).trim().split('\n')[0]
    return { ok: false, reason: `${bin} --version failed: ${why}` }
  }
  return { ok: true, bin, version }
}

/**
 * Runs one scenario under a probed runtime. Resolves `{ passed, line,
 * output, ms, timedOut }`: passed when it exited 0 having printed its
 * `PASS` line with the driver the runtime must get.
 */
function runScenario(name, bin, scenario, { timeoutMs = 60_000 } = {}) {
  const runtime = runtimes[name]
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(bin, [...runtime.args, join(scenarioDir, scenario)], {
      cwd: root,
      env: { ...process.env, ...clients(), ...runtime.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d) => (output += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (output += d))
    const finish = (code, signal, error) => {
      clearTimeout(timer)
      const ms = Date.now() - started
      const line = output.split('\n').find((l) => l.startsWith('PASS ')) ?? ''
      const rightDriver = line.includes(`driver=${runtime.driver}`)
      const passed = !timedOut && !error && code === 0 && line !== '' && rightDriver
      let why = ''
      if (error) why = `could not start: ${error.message}`
      else if (timedOut) why = `hung: killed after ${timeoutMs} ms`
      else if (code !== 0) why = `exit ${code ?? signal}`
      else if (line === '') why = 'no PASS line'
      else if (!rightDriver) why = `expected driver=${runtime.driver}`
      resolve({ passed, line, output, ms, timedOut, why })
    }
    child.on('error', (err) => finish(null, null, err))
    child.on('close', (code, signal) => finish(code, signal))
  })
}

async function main() {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(runtimes)
  let failed = 0
  for (const name of names) {
    const found = probe(name)
    if (!found.ok) {
      console.log(`SKIP ${name}: ${found.reason}`)
      continue
    }
    for (const scenario of scenarios()) {
      const result = await runScenario(name, found.bin, scenario)
      if (!result.passed) failed++
      const status = result.passed ? 'ok  ' : 'FAIL'
      console.log(`${status} ${name} ${scenario} (${result.ms} ms) ${result.passed ? result.line : result.why}`)
      if (!result.passed) console.log(result.output.replace(/^/gm, '    | '))
    }
  }
  process.exitCode = failed > 0 ? 1 : 0
}

module.exports = { probe, runScenario, runtimes, scenarioDir, scenarios }

if (require.main === module) void main()
