// Response serialization: every JSON body is checked against its route's zod schema.
// Values go through a JSON round trip first, so what is checked is exactly what a client
// receives (a judge's non-finite number becomes null, as JSON.stringify would write it).

import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';

type RouteSchema = Parameters<typeof serializerCompiler>[0]['schema'];

function toJsonValue(data: unknown): unknown {
  if (data === undefined) return undefined;
  return JSON.parse(JSON.stringify(data)) as unknown;
}

export const jsonCheckingSerializerCompiler: FastifySerializerCompiler<RouteSchema> = (routeSchema) => {
  const serialize = serializerCompiler(routeSchema);
  return (data) => serialize(toJsonValue(data));
};
