/** The catalogue's HTTP contract: routes, schemas, the error body, the client base and the typed API. */
export * from './catalogue-api.ts';
export * from './client.ts';
export * from './census-work-schemas.ts';
export * from './copies-schemas.ts';
export * from './drill-schemas.ts';
export * from './error-body.ts';
export * from './params.ts';
export * from './publish-schemas.ts';
export * from './read-schemas.ts';
export * from './routes.ts';
export * from './search-schemas.ts';
export * from './seeder-schemas.ts';
export * from './set-pages.ts';
export * from './takedown-schemas.ts';
