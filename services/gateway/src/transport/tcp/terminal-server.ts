import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Meter } from '@opentelemetry/api';
import {
  CUP_POS_MESSAGE_BYTES_MAX,
  cupPosSpec,
  type DecodedIndexedTerminalFrame,
  decodeTerminalFrameIndexed,
  isIsoCodecError,
  LengthPrefixedFrameReader,
  TERMINAL_PREAMBLE_BYTES,
} from '@acq/iso8583';
import type { Logger } from '@acq/telemetry';
import {
  TERMINAL_CONNECTIONS_MAX,
  TERMINAL_IDLE_TIMEOUT_MS,
  TERMINAL_IN_FLIGHT_PER_CONNECTION_MAX,
  TERMINAL_WRITE_BUFFER_BYTES_MAX,
} from '../../limits.ts';

/** PEM certificate chain and key; with them the terminal port accepts TLS connections only. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

export type FrameHandler = (frame: DecodedIndexedTerminalFrame, receivedAtMs: number) => Promise<Buffer>;

export interface TerminalServer {
  port: number;
  connections(): number;
  /** Stops accepting, lets in-flight requests answer for up to graceMs, then closes every socket. */
  close(graceMs: number): Promise<void>;
}

interface Session {
  socket: Socket;
  reader: LengthPrefixedFrameReader;
  inFlight: number;
}

/**
 * The terminal TCP listener: frames split by their 2-byte length, each decoded and answered on the
 * same connection (several may be in flight; answers go out as they complete). A frame that cannot
 * be split or decoded closes the connection, as terminals expect; nothing else is affected.
 */
export async function startTerminalServer(options: {
  port: number;
  handle: FrameHandler;
  logger: Logger;
  meter: Meter;
  tls?: TlsCredentials | undefined;
}): Promise<TerminalServer> {
  const sessions = new Set<Session>();
  const connectionGauge = options.meter.createUpDownCounter('acquirer.gateway.terminal.connections', {
    description: 'Open terminal TCP connections',
  });
  const brokenFrames = options.meter.createCounter('acquirer.gateway.terminal.broken_frames', {
    description: 'Connections closed because a frame could not be split or decoded, by codec error code',
  });
  const { logger } = options;

  const drop = (session: Session, reason: string, code: string) => {
    brokenFrames.add(1, { code });
    logger.warn({ remote: session.socket.remoteAddress, reason, code }, 'terminal connection closed');
    session.socket.destroy();
  };

  const onFrame = (session: Session, body: Buffer, receivedAtMs: number) => {
    if (body.length < TERMINAL_PREAMBLE_BYTES) return drop(session, 'frame shorter than TPDU + header', 'TRUNCATED');
    let frame: DecodedIndexedTerminalFrame;
    try {
      frame = decodeTerminalFrameIndexed(cupPosSpec, body);
    } catch (error) {
      if (!isIsoCodecError(error)) throw error;
      return drop(session, error.message, error.code);
    }
    if (session.inFlight >= TERMINAL_IN_FLIGHT_PER_CONNECTION_MAX) {
      return drop(session, 'too many requests in flight', 'IN_FLIGHT_LIMIT');
    }
    session.inFlight++;
    options.handle(frame, receivedAtMs).then(
      (reply) => {
        session.inFlight--;
        if (session.socket.destroyed) return;
        session.socket.write(reply);
        if (session.socket.writableLength > TERMINAL_WRITE_BUFFER_BYTES_MAX)
          drop(session, 'terminal not reading', 'SLOW_READER');
      },
      (error: unknown) => {
        session.inFlight--;
        logger.error({ err: error, mti: frame.message.mti }, 'terminal request failed');
        session.socket.destroy();
      },
    );
  };

  const onConnection = (socket: Socket) => {
    socket.setNoDelay(true);
    if (sessions.size >= TERMINAL_CONNECTIONS_MAX) {
      socket.destroy();
      return;
    }
    const session: Session = { socket, reader: new LengthPrefixedFrameReader(CUP_POS_MESSAGE_BYTES_MAX), inFlight: 0 };
    sessions.add(session);
    connectionGauge.add(1);
    socket.setTimeout(TERMINAL_IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      const receivedAtMs = Date.now();
      let bodies: Buffer[];
      try {
        bodies = session.reader.push(chunk);
      } catch (error) {
        if (!isIsoCodecError(error)) throw error;
        return drop(session, error.message, error.code);
      }
      for (const body of bodies) {
        if (socket.destroyed) return;
        onFrame(session, body, receivedAtMs);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sessions.delete(session);
      connectionGauge.add(-1);
    });
  };
  const server: Server =
    options.tls === undefined
      ? createServer({ noDelay: true }, onConnection)
      : createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onConnection);
  server.maxConnections = TERMINAL_CONNECTIONS_MAX;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    connections: () => sessions.size,
    async close(graceMs) {
      server.close();
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && [...sessions].some((session) => session.inFlight > 0)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const session of sessions) session.socket.destroy();
    },
  };
}
