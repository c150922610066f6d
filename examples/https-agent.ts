// An https.Agent whose connections are socket2 sockets: node:https (and
// anything built on an Agent) then runs over socket2, with node:tls on top
// of the socket2 stream. For plain http, `createConnection` returns
// `socket.connectDuplex(options)` itself.
//
//   node --import tsx examples/https-agent.ts https://host/path [ca.pem]
//                                      fetch a URL through the agent
//   node --import tsx examples/https-agent.ts
//                                      a demo: a local node:https server with
//                                      a throw-away certificate (made with
//                                      openssl), three keep-alive requests
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'

import * as socket from '../index'

/** https.Agent with socket2 connections: TLS over `connectDuplex`. */
class Socket2HttpsAgent extends https.Agent {
  connections = 0
  override createConnection(options: tls.ConnectionOptions): tls.TLSSocket {
    this.connections++
    // The Agent's options carry host, port, servername, ca, … for tls.connect.
    const raw = socket.connectDuplex({ host: options.host, port: options.port, noDelay: true })
    return tls.connect({ ...options, socket: raw })
  }
}

function get(url: string, agent: https.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      })
      .on('error', reject)
  })
}

async function main(): Promise<void> {
  const [url, caFile] = process.argv.slice(2)
  if (url !== undefined) {
    const agent = new Socket2HttpsAgent({ keepAlive: true, ca: caFile ? readFileSync(caFile) : undefined })
    const { status, body } = await get(url, agent)
    console.log(status, body.slice(0, 500))
    agent.destroy()
    return
  }

  // The demo: a local node:https server (node:net) with a throw-away certificate.
  const dir = mkdtempSync(join(tmpdir(), 'socket2-example-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' })
    const cert = readFileSync(join(dir, 'cert.pem'))
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) =>
      res.end(`hello over TLS, ${req.url}\n`),
    )
    server.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const port = (server.address() as AddressInfo).port
    const agent = new Socket2HttpsAgent({ keepAlive: true, ca: cert })
    for (const path of ['/a', '/b', '/c']) {
      // localhost resolves to 127.0.0.1 (connectDuplex's default family is IPv4).
      const { status, body } = await get(`https://localhost:${port}${path}`, agent)
      process.stdout.write(`${status} ${body}`)
    }
    console.log(`${agent.connections} socket2 connection(s) for 3 requests`)
    agent.destroy()
    server.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

void main()
