// node:http served from a socket2 listener: the accept loop hands every
// connection to an ordinary http.Server as a stream (`conn.toDuplex()`,
// through the server's 'connection' event). The handler, keep-alive,
// request bodies and timeouts are node:http's own.
//
//   node --import tsx examples/http-server.ts 8080   serve on 127.0.0.1:8080
//   node --import tsx examples/http-server.ts        a demo: serve on a free
//                                                    port, fetch it, exit
import * as http from 'node:http'

import * as socket from '../index'

const server = http.createServer((req, res) => {
  let bytes = 0
  req.on('data', (chunk: Buffer) => (bytes += chunk.length))
  req.on('end', () => {
    res.setHeader('content-type', 'text/plain')
    res.end(`${req.method} ${req.url}: ${bytes} bytes from ${req.socket.remoteAddress}\n`)
  })
})
// Once, before the first connection: node:http then tracks the connections
// it is given (as it does those of its own listener), which makes
// headersTimeout/requestTimeout apply and closeAllConnections() work.
server.emit('listening')

/** Accepts connections until the listener is closed. */
async function acceptLoop(listener: socket.TcpSocket): Promise<void> {
  for (;;) {
    const [conn, err] = await listener.accept()
    if (err) return // 'closed' once we close the listener
    conn.setopt('nodelay', true) // as node:net's http.Server does
    // allowHalfOpen: http.Server answers a request whose client already sent FIN.
    server.emit('connection', conn.toDuplex({ allowHalfOpen: true }))
  }
}

async function main(): Promise<void> {
  const [listener, err] = socket.tcp()
  if (err) throw new Error(err)
  const port = Number(process.argv[2] ?? 0)
  const [, lerr] = await listener.listen('127.0.0.1', port)
  if (lerr) throw new Error(`listen: ${lerr}`)
  const actual = listener.localAddr()[0]!.port()!
  console.log(`http://127.0.0.1:${actual}/`)
  const serving = acceptLoop(listener)
  if (process.argv[2] !== undefined) return serving

  // The demo: three requests from Node's fetch over one keep-alive connection.
  for (const [method, body] of [['GET', undefined], ['POST', 'x'.repeat(100_000)], ['GET', undefined]] as const) {
    const res = await fetch(`http://127.0.0.1:${actual}/demo`, { method, body })
    process.stdout.write(`${res.status} ${await res.text()}`)
  }
  listener.close()
  await serving
  server.closeAllConnections() // the idle keep-alive connection: the process exits
}

void main()
