import { writeFileSync } from 'node:fs';
import { openApiDocument } from './document';

/** `npm run openapi`: writes docs/openapi.json (a test fails when it is out of date). */
const target = new URL('../../../docs/openapi.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${target.pathname.split('/').slice(-2).join('/')}`);
