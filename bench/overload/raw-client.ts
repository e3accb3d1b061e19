/**
 * A lean HTTP/1.1 client for the overload benchmark's load generator: keep-alive connections
 * over plain sockets, each request a prebuilt buffer written in one call, each answer parsed
 * just enough (status, Content-Length, Retry-After, and the body when asked for). On two
 * shared vCPUs the generator's own CPU is taken from the server it measures, and a general
 * client (undici) spent about 0.37 ms of CPU per request here; this one spends a fraction.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly retryAfter: boolean;
  /** Only when the request asked to keep it. */
  readonly body: Buffer | undefined;
  /** The Server-Timing header, only when the request asked for it. */
  readonly serverTiming?: string | undefined;
}

interface Waiting {
  readonly request: Buffer;
  readonly keepBody: boolean;
  readonly keepTiming: boolean;
  readonly resolve: (answer: RawAnswer) => void;
  readonly reject: (error: Error) => void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection carrying one request at a time. */
class Connection {
  private socket: Socket | undefined;
  private current: Waiting | undefined;
  private buffered: Buffer = Buffer.alloc(0);

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onIdle: (connection: Connection) => void,
  ) {}

  send(waiting: Waiting): void {
    this.current = waiting;
    const socket = this.socket ?? this.open();
    socket.write(waiting.request);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error): void => {
      this.socket = undefined;
      this.buffered = Buffer.alloc(0);
      const waiting = this.current;
      this.current = undefined;
      waiting?.reject(error);
      if (waiting) this.onIdle(this);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
    this.socket = socket;
    return socket;
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffered.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const total = end + HEADER_END.length + length;
    if (this.buffered.length < total) return;
    const waiting = this.current;
    const body = waiting?.keepBody ? this.buffered.subarray(end + HEADER_END.length, total) : undefined;
    this.buffered = this.buffered.length === total ? Buffer.alloc(0) : this.buffered.subarray(total);
    this.current = undefined;
    const serverTiming = waiting?.keepTiming ? /\r\nserver-timing:\s*([^\r]*)/i.exec(head)?.[1] : undefined;
    waiting?.resolve({ status, retryAfter: /\r\nretry-after:/i.test(head), body, serverTiming });
    this.onIdle(this);
  }
}

/** Up to `connections` keep-alive connections; requests beyond them wait their turn in order. */
export class RawPool {
  private readonly idle: Connection[] = [];
  private readonly all: Connection[] = [];
  private readonly queue: Waiting[] = [];
  private readonly host: string;
  private readonly port: number;

  constructor(
    origin: string,
    private readonly connections: number,
  ) {
    const url = new URL(origin);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  /** `request` is the whole HTTP/1.1 request, see `buildRequest`. */
  send(request: Buffer, keepBody = false, keepTiming = keepBody): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve, reject) => {
      const waiting = { request, keepBody, keepTiming, resolve, reject };
      const connection = this.idle.pop() ?? (this.all.length < this.connections ? this.add() : undefined);
      if (connection) connection.send(waiting);
      else this.queue.push(waiting);
    });
  }

  close(): void {
    for (const connection of this.all) connection.close();
  }

  private add(): Connection {
    const connection = new Connection(this.host, this.port, (free) => {
      const next = this.queue.shift();
      if (next) free.send(next);
      else this.idle.push(free);
    });
    this.all.push(connection);
    return connection;
  }
}

/** A POST with a JSON body and extra headers, ready to write. */
export function buildRequest(origin: string, path: string, body: string, headers: Readonly<Record<string, string>>): Buffer {
  const url = new URL(origin);
  const payload = Buffer.from(body, 'utf8');
  const lines = [`POST ${path} HTTP/1.1`, `host: ${url.host}`, 'content-type: application/json', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${payload.length}`];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

/** A GET, ready to write. */
export function buildGet(origin: string, path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nhost: ${new URL(origin).host}\r\n\r\n`, 'latin1');
}
