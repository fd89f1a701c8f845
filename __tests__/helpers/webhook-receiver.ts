/** A webhook receiver on 127.0.0.1 that records the JSON bodies POSTed to it. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Receiver {
  /** With a secret-looking path, as Slack's are. */
  url: string
  bodies: { text?: string; modelgate?: Record<string, unknown> }[]
  close(): Promise<void>
}

export async function startReceiver(name: string): Promise<Receiver> {
  const server: Server = createServer((request, response) => {
    let body = ''
    request.on('data', chunk => (body += chunk))
    request.on('end', () => {
      receiver.bodies.push(JSON.parse(body) as Receiver['bodies'][number])
      response.writeHead(200).end('ok')
    })
  })
  const receiver: Receiver = {
    url: '',
    bodies: [],
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  receiver.url = `http://127.0.0.1:${port}/hooks/${name}/T0S3CR3T9`
  return receiver
}
