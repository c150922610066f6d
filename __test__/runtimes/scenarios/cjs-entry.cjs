// The CommonJS entry: require() loads it, and it is the same instance (one
// poller) as the ESM entry.

const socket = require('../../../dist/index.js')

async function main() {
  const esm = await import('../../../dist/index.mjs')
  if (esm.tcp !== socket.tcp) throw new Error('import and require() gave two instances')
  const [server, err] = socket.tcp()
  if (err) throw new Error(err)
  await server.listen('127.0.0.1', 0)
  const port = server.localAddr()[0].port()
  const [client] = socket.tcp()
  const accepted = server.accept()
  const [, cerr] = await client.connect('127.0.0.1', port, socket.clock() + 10)
  if (cerr) throw new Error(cerr)
  const [conn] = await accepted
  await client.sendall(Buffer.from('ping'))
  const buf = Buffer.alloc(4)
  const [, rerr] = await conn.recvall(buf, 4, socket.clock() + 10)
  if (rerr || buf.toString() !== 'ping') throw new Error(`recvall: ${rerr} ${buf}`)
  for (const s of [client, conn, server]) s.close()
  const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node'
  console.log(`PASS ${runtime} driver=${socket.driverName()} cjs`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
