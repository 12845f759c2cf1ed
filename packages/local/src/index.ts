export { type MatchedRoute, toHttpApiEvent, writeHttpApiResult } from './adapter';
export { type FunctionLoader, type FunctionsMode, functionLoader } from './functions';
export { type SqsLambda, startQueuePoller, toSqsRecord } from './poller';
export { type LocalQueue, localSqsClient, startLocalQueue } from './queue';
export { makeRouter } from './router';
export { createLocalApi, type HttpLambda, lambdaContext } from './server';
export { type LocalEmail, type LocalSes, startLocalSes } from './ses';
export { type LocalStack, type LocalStackOptions, startLocalStack } from './stack';
