// Demo: a TCP echo server and a few concurrent clients, each a coroutine.
import * as socket from '../index'

async function main(): Promise<void> {
  const [server, err] = socket.tcp()
  if (err) throw new Error(err)
  const [, lerr] = await server.listen('127.0.0.1', 0)
  if (lerr) throw new Error(lerr)
  const port = server.localAddr()[0]!.port()!
  console.log(`echo server listening on 127.0.0.1:${port}`)

  const clients = 3
  socket.newThread(async () => {
    for (let served = 0; served < clients; served++) {
      const [conn, aerr] = await server.accept()
      if (aerr) return console.log('accept failed:', aerr)
      socket.newThread(async () => {
        const buf = Buffer.alloc(1024)
        for (;;) {
          const [n, rerr] = await conn.recv(buf)
          if (rerr || n === 0) break
          await conn.send(buf, n)
        }
        conn.close()
      })
    }
    server.close()
  })

  for (let i = 0; i < clients; i++) {
    socket.newThread(async () => {
      const [c] = socket.tcp()
      const [, cerr] = await c!.connect('127.0.0.1', port)
      if (cerr) return console.log(`client ${i}: connect failed: ${cerr}`)
      const buf = Buffer.alloc(1024)
      for (let k = 0; k < 2; k++) {
        const msg = `hello #${k} from client ${i}`
        await c!.send(Buffer.from(msg))
        const [n] = await c!.recv(buf)
        console.log(`client ${i} got echo: ${buf.toString('utf8', 0, n ?? 0)}`)
      }
      c!.close()
    })
  }
  const [ok, serr] = await socket.start(10)
  console.log(ok ? 'all coroutines finished' : `stopped: ${serr}`)
}

void main()
