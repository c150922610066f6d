// A socket2 echo server driven by a node:net client in another process of
// the same runtime: small request/response round trips, so between two
// requests this process sleeps in the runtime's event loop and every
// request reaches socket2 as a fresh wake-up of the sleeping loop, with
// nothing else in this process to wake it. A wake-up the loop loses leaves
// both sides waiting (Deno lost the thread driver's hand-off this way):
// a hang, which the runner's timeout turns into a failure.
//
// Argument: round trips on the first connection (default 20 000).

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { check, done, echoThread, listener, ok, socket } from './lib.mjs'

const ROUNDS = Number(process.argv[2] ?? 20_000)
const CONNECTIONS = 5

const { server, port } = await listener()
const serving = socket.newThread(async () => {
  const threads = []
  for (let i = 0; i < CONNECTIONS; i++) threads.push(echoThread(ok(await server.accept(socket.clock() + 30), 'accept'), 256))
  await Promise.all(threads.map((t) => t.done))
})

const clientFile = fileURLToPath(new URL('./_echo-client.mjs', import.meta.url))
const runtimeArgs = globalThis.Deno ? ['run', '-A'] : []
const child = spawn(process.execPath, [...runtimeArgs, clientFile, String(port), String(ROUNDS), String(CONNECTIONS)], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
let report = ''
child.stdout.setEncoding('utf8').on('data', (d) => (report += d))
const code = await new Promise((resolve) => child.on('close', resolve))
check(code === 0, `the client exited with ${code}`)
await serving.done
server.close()
await done(`${report.trim()}, then ${CONNECTIONS - 1} x ${ROUNDS / 10} at once`)
