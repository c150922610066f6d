// The README's code is run, not just read: its quick start must work as
// printed (with the port made free-for-all and the package path local).

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'

import test from 'ava'

import { tempDir } from './helpers'

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')

/** The ```ts blocks of the README, in order. */
function snippets(): string[] {
  return [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
}

test('the README has its quick start as a TypeScript snippet', (t) => {
  t.true(snippets().length >= 1)
  t.regex(snippets()[0], /socket\.newThread/)
})

test('the README quick start runs: an echo server a client can talk to', async (t) => {
  const dir = tempDir(t)
  const pkg = join(__dirname, '..', 'index.ts').replace(/\\/g, '/')
  const code = snippets()[0]
    .replace("from 'socket2'", `from ${JSON.stringify(pkg)}`)
    // Port 0: any free port; print it so the test can connect.
    .replace("server.listen('127.0.0.1', 8080)", "server.listen('127.0.0.1', 0)")
    .concat("\nconsole.log(server.localAddr()[0]!.port())\n")
  t.not(code, snippets()[0])
  const file = join(dir, 'quickstart.mts')
  writeFileSync(file, code)
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => child.kill('SIGKILL'))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const [first] = (await Promise.race([
    once(child.stdout, 'data'),
    once(child, 'exit').then(() => {
      throw new Error(`the quick start exited: ${stderr}`)
    }),
  ])) as [Buffer]
  const port = Number(String(first).trim())
  t.true(port > 0, String(first))
  const client = net.connect(port, '127.0.0.1')
  await once(client, 'connect')
  client.write('hello from the README')
  const [echo] = (await once(client, 'data')) as [Buffer]
  t.is(echo.toString(), 'hello from the README')
  client.destroy()
})
