// TLS over socket2 duplexes, against real peers: a node:tls client over a
// socket2 connection to `openssl s_server`, node:https served from a socket2
// listener and fetched by curl, a TLSSocket server side (isServer) talked to
// by a node:tls client on node:net, and an https.Agent on socket2
// connections. The certificate is made at run time (openssl req), never
// committed.

import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as https from 'node:https'
import type * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'

import test, { type ExecutionContext } from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, listener } from './helpers'

checkLeaksAtEnd(test)

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0
const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0
const withOpenssl = hasOpenssl ? test : test.skip
const withOpensslAndCurl = hasOpenssl && hasCurl ? test : test.skip
if (!hasOpenssl) console.log('tls.spec: skipping the TLS tests: openssl is not installed (it makes the test certificate)')
if (!hasCurl) console.log('tls.spec: skipping the curl test: curl is not installed')

/** A self-signed EC certificate for localhost and 127.0.0.1, made once for this file. */
const dir = mkdtempSync(join(tmpdir(), 'socket2-tls-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))
let key = Buffer.alloc(0)
let cert = Buffer.alloc(0)
if (hasOpenssl) {
  const made = spawnSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  )
  if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`)
  key = readFileSync(join(dir, 'key.pem'))
  cert = readFileSync(join(dir, 'cert.pem'))
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Resolves once `stream` has emitted 'close' (at once if it already has). */
function closed(stream: { closed: boolean } & NodeJS.EventEmitter): Promise<unknown> {
  return stream.closed ? Promise.resolve() : once(stream, 'close')
}

/** Collects a readable's bytes until 'end'. */
function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.once('end', () => resolve(Buffer.concat(chunks)))
    stream.once('error', reject)
  })
}

/**
 * `openssl s_server -rev` (answers each line reversed) on 127.0.0.1, a port
 * of its choosing; killed when the test ends, and after 30 s at most.
 */
async function opensslServer(t: ExecutionContext): Promise<number> {
  const child: ChildProcess = spawn(
    'openssl',
    ['s_server', '-accept', '127.0.0.1:0', '-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'), '-rev', '-naccept', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  t.teardown(() => {
    clearTimeout(killer)
    child.kill('SIGKILL')
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /ACCEPT [\d.]+:(\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`openssl s_server exited (${code}) before accepting: ${err}`)))
  })
}

withOpenssl('node:tls client over a socket2 connection to openssl s_server: verified, lines byte-exact', async (t) => {
  const port = await opensslServer(t)
  const raw = socket.connectDuplex({ host: '127.0.0.1', port })
  const secure = tls.connect({ socket: raw, ca: cert, servername: 'localhost' })
  t.teardown(() => secure.destroy())
  await once(secure, 'secureConnect')
  t.true(secure.authorized, String(secure.authorizationError))
  t.regex(secure.getProtocol() ?? '', /TLSv1\.[23]/)
  // 2000 lines of random text: s_server answers each one reversed.
  const lines = Array.from({ length: 2000 }, () => randomBytes(60).toString('base64'))
  const expected = lines.map((l) => [...l].reverse().join('') + '\n').join('')
  let got = ''
  secure.setEncoding('utf8')
  secure.on('data', (d: string) => (got += d))
  for (const line of lines) secure.write(line + '\n')
  const deadline = Date.now() + 20_000
  while (got.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  t.is(got.length, expected.length)
  t.true(got === expected, 'every line came back reversed, in order')
  secure.destroy()
  await closed(raw)
  t.true(raw.socket.isClosed())
})

withOpensslAndCurl('node:https served from a socket2 listener, fetched by curl --cacert: keep-alive, a multi-MB POST byte-exact', async (t) => {
  const { server: ls, port } = await listener(t)
  const duplexes: socket.SocketDuplex[] = []
  const server = https.createServer({ key, cert }, (req, res) => {
    const hash = createHash('sha256')
    let length = 0
    req.on('data', (d: Buffer) => {
      hash.update(d)
      length += d.length
    })
    req.on('end', () => res.end(JSON.stringify({ method: req.method, length, sha256: hash.digest('hex') }) + '\n'))
  })
  const loop = (async () => {
    for (;;) {
      const [conn, err] = await ls.accept()
      if (err) return
      const duplex = conn.toDuplex()
      duplexes.push(duplex)
      server.emit('connection', duplex)
    }
  })()
  t.teardown(async () => {
    ls.close()
    await loop
    for (const d of duplexes) d.destroy()
  })
  const body = randomBytes(4 * 1024 * 1024 + 3)
  const bodyFile = join(dir, 'body')
  writeFileSync(bodyFile, body)
  const url = `https://localhost:${port}/`
  // GET, POST, GET in one curl run (--next keeps the connection).
  const common = ['-sS', '--fail', '--cacert', join(dir, 'cert.pem'), '--resolve', `localhost:${port}:127.0.0.1`, '-w', 'connects=%{num_connects}\n']
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'curl',
      [
        ...common, url,
        '--next', ...common, '--data-binary', `@${bodyFile}`, url,
        '--next', ...common, url,
      ],
      { timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  )
  const replies = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { method: string; length: number; sha256: string })
  t.is(replies.length, 3, out)
  t.deepEqual(
    replies.map((r) => r.method),
    ['GET', 'POST', 'GET'],
  )
  t.is(replies[1].length, body.length)
  t.is(replies[1].sha256, sha256(body))
  t.is(replies[2].length, 0)
  t.deepEqual(out.match(/connects=\d+/g), ['connects=1', 'connects=0', 'connects=0'], 'one TLS connection for all three')
  t.is(duplexes.length, 1)
})

withOpenssl('TLSSocket server side (isServer) on an accepted socket2 duplex, with a node:tls client on node:net: 3 MiB both ways', async (t) => {
  const { server: ls, port } = await listener(t)
  const accepted = ls.accept()
  const client = tls.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost' })
  t.teardown(() => client.destroy())
  const [conn, err] = await accepted
  if (err) return t.fail(err)
  const duplex = conn.toDuplex({ allowHalfOpen: true })
  const secure = new tls.TLSSocket(duplex, { isServer: true, secureContext: tls.createSecureContext({ key, cert }) })
  t.teardown(() => secure.destroy())
  // Echo every byte back, then end.
  secure.pipe(secure)
  await once(client, 'secureConnect')
  t.true(client.authorized)
  const data = randomBytes(3 * 1024 * 1024)
  const got = readAll(client)
  client.end(data)
  const back = await got
  t.is(back.length, data.length)
  t.true(back.equals(data))
  await closed(duplex)
  t.true(duplex.socket.isClosed())
})

withOpenssl('https.Agent (keep-alive) on socket2 connections: tls.connect over connectDuplex', async (t) => {
  // The server is node:https on node:net: a real peer.
  const server = https.createServer({ key, cert }, (req, res) => {
    const hash = createHash('sha256')
    req.on('data', (d: Buffer) => hash.update(d))
    req.on('end', () => res.end(hash.digest('hex')))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const raws: socket.SocketDuplex[] = []
  class Socket2HttpsAgent extends https.Agent {
    override createConnection(options: tls.ConnectionOptions): tls.TLSSocket {
      const raw = socket.connectDuplex({ host: options.host, port: options.port })
      raws.push(raw)
      return tls.connect({ ...options, socket: raw })
    }
  }
  const agent = new Socket2HttpsAgent({ keepAlive: true, ca: cert })
  t.teardown(() => agent.destroy())
  const post = (body: Buffer): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = https.request({ host: 'localhost', port, method: 'POST', path: '/', agent, servername: 'localhost' }, (res) => {
        readAll(res).then((b) => resolve(b.toString()), reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  for (const size of [0, 10, 100_000, 2 * 1024 * 1024]) {
    const body = randomBytes(size)
    t.is(await post(body), sha256(body))
  }
  t.is(raws.length, 1, 'keep-alive: one socket2 connection for four requests')
  agent.destroy()
  await Promise.all(raws.map((r) => closed(r)))
})
