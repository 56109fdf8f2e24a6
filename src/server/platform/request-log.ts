import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * What Fastify logs per request. At the default level a busy server writes nothing per request: a log line for
 * every request in and out cost a tenth of a list request's CPU. Requests that failed on our side (5xx) or took
 * longer than the slow-request threshold are logged at warn, with their request id (`reqId`, the id a problem
 * document quotes to the user), so they stand out at any level; every request in and out at debug.
 */
export class RequestLog extends LogController {
  constructor(private readonly slowRequestMs: number) {
    super();
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = reply.elapsedTime;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    else if (reply.statusCode >= 500) reply.log.warn({ req: request, res: reply, responseTime }, 'request failed');
    else if (responseTime >= this.slowRequestMs) reply.log.warn({ req: request, res: reply, responseTime }, 'slow request');
    else reply.log.debug({ res: reply, responseTime }, 'request completed');
  }
}
