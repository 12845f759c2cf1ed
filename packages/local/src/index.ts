export { type MatchedRoute, toHttpApiEvent, writeHttpApiResult } from './adapter';
export { type SqsLambda, startQueuePoller, toSqsRecord } from './poller';
export { makeRouter } from './router';
export { createLocalApi, type HttpLambda, lambdaContext } from './server';
