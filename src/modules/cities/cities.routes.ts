import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { importCities, MAX_IMPORT_BYTES } from './cities.import.js';
import {
  cityIdParamsSchema,
  cityListQuerySchema,
  cityListSchema,
  citySchema,
  createCitySchema,
  importResultSchema,
  updateCitySchema,
} from './cities.schemas.js';
import * as service from './cities.service.js';

const security = [{ bearerAuth: [] }];
const CSV_TYPES = ['text/csv', 'application/csv'];

const citiesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser(CSV_TYPES, { parseAs: 'string', bodyLimit: MAX_IMPORT_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/cities',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listCities',
        tags: ['cities'],
        summary: 'List cities, filtered by country, region, network or name',
        security,
        querystring: cityListQuerySchema,
        response: { 200: cityListSchema },
      },
    },
    async (request) => service.listCities(app.ctx(request), request.query),
  );

  app.post(
    '/cities',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'createCity',
        tags: ['cities'],
        summary: 'Add a city (secretariat); region defaults from the country (UN M49)',
        security,
        body: createCitySchema,
        response: { 201: citySchema },
      },
    },
    async (request, reply) => reply.code(201).send(await service.createCity(app.ctx(request), request.body)),
  );

  app.post(
    '/cities/import',
    {
      onRequest: app.authenticate,
      // The body schema is a string, which a JSON string (or Fastify's text/plain) would also pass.
      preValidation: async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!CSV_TYPES.includes(type)) {
          throw new AppError(
            415,
            'unsupported_media_type',
            `The import takes a text/csv body, not ${JSON.stringify(type)}.`,
          );
        }
      },
      bodyLimit: MAX_IMPORT_BYTES,
      schema: {
        operationId: 'importCities',
        tags: ['cities'],
        summary: 'Create or update cities from a CSV with a header row (secretariat)',
        description:
          'Columns: name, country, kind (required), region, population, latitude, longitude, networks (codes ' +
          'separated by ";"), preferredLanguage. A city is matched by country and name: importing the same file ' +
          'twice updates. Each bad line is reported with its number and never stops the good ones.',
        security,
        consumes: ['text/csv'],
        body: z.string(),
        response: { 200: importResultSchema },
      },
    },
    async (request) => importCities(app.ctx(request), request.body, request.log),
  );

  app.get(
    '/cities/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getCity',
        tags: ['cities'],
        summary: 'One city (secretariat; its own city officials; reviewers of its networks)',
        security,
        params: cityIdParamsSchema,
        response: { 200: citySchema },
      },
    },
    async (request) => service.getCity(app.ctx(request), request.params.id),
  );

  app.patch(
    '/cities/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'updateCity',
        tags: ['cities'],
        summary: 'Change a city (secretariat; its own city officials, except country and networks)',
        security,
        params: cityIdParamsSchema,
        body: updateCitySchema,
        response: { 200: citySchema },
      },
    },
    async (request) => service.updateCity(app.ctx(request), request.params.id, request.body),
  );
};

export default citiesRoutes;
