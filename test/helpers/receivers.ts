import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, any>;
}

/**
 * A real HTTP receiver on loopback that records what it gets. `failNext(n, only)`
 * answers 503 to the next n requests (of those whose body `only` matches); `down(true)` answers 500 until told otherwise;
 * `stallNext(n)` records the next n requests and never answers them.
 */
export class HttpReceiver {
  readonly received: Received[] = [];
  /** Every request, including the ones answered with an error. */
  attempts = 0;
  private failures = 0;
  private failOnly: (body: string) => boolean = () => false;
  private stalls = 0;
  private broken = false;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.attempts++;
        const body = Buffer.concat(chunks).toString('utf8');
        const failing = this.failures > 0 && this.failOnly(body);
        if (this.broken || failing) {
          if (failing) this.failures--;
          res.writeHead(this.broken ? 500 : 503).end('receiver unavailable');
          return;
        }
        this.received.push({ headers: req.headers, body, json: JSON.parse(body) });
        // A stalled request has been received but is never answered: the sender cannot know it arrived.
        if (this.stalls > 0) {
          this.stalls--;
          return;
        }
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  failNext(n: number, only: (body: string) => boolean): void {
    this.failures = n;
    this.failOnly = only;
  }

  /** The next n requests are recorded but never answered. */
  stallNext(n: number): void {
    this.stalls = n;
  }

  down(broken: boolean): void {
    this.broken = broken;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A real SMTP server (smtp-server) on loopback, with STARTTLS and AUTH, keeping the messages it accepts. */
export class SmtpReceiver {
  readonly messages: ParsedMail[] = [];
  readonly logins: Array<{ username: string; password: string }> = [];
  readonly secured: boolean[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      // smtp-server's built-in self-signed certificate serves STARTTLS.
      authOptional: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        this.logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        this.secured.push(session.secure);
        simpleParser(stream)
          .then((mail) => this.messages.push(mail))
          .then(() => callback(), callback);
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
