export { openApiDocument, type RouteDoc, routeDocs } from './document';
