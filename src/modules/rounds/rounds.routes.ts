import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pageArray, pageSchema } from '../../lib/pagination.js';
import { versionParamsSchema } from '../pledges/index.js';
import * as reviews from './reviews.service.js';
import {
  addCommentSchema,
  closeRoundSchema,
  commentParamsSchema,
  commentQuerySchema,
  commentSchema,
  openRoundSchema,
  resolutionSchema,
  reviewParamsSchema,
  roundNetworkSchema,
  roundParamsSchema,
  roundSchema,
  verdictSchema,
} from './rounds.schemas.js';
import * as rounds from './rounds.service.js';

const security = [{ bearerAuth: [] }];
const tags = ['rounds'];

const roundsRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps: rounds.RoundDeps = { publicBaseUrl: app.config.publicBaseUrl };

  app.post(
    '/pledges/:pledgeId/versions/:n/rounds',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'openRound',
        tags,
        summary: 'Open a validation round on a draft (secretariat); the version becomes in_review and frozen',
        security,
        params: versionParamsSchema,
        body: openRoundSchema,
        response: { 201: roundSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await rounds.openRound(app.ctx(request), deps, request.params.pledgeId, request.params.n, request.body)),
  );

  app.get(
    '/rounds/:roundId',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getRound',
        tags,
        summary: 'A round with verdicts and comments (secretariat; reviewers of invited networks)',
        security,
        params: roundParamsSchema,
        response: { 200: roundSchema },
      },
    },
    async (request) => rounds.getRound(app.ctx(request), request.params.roundId),
  );

  app.post(
    '/rounds/:roundId/comments',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'addRoundComment',
        tags,
        summary:
          'Comment in general or on one area (reviewer of an invited network, round open); late ones are flagged',
        security,
        params: roundParamsSchema,
        body: addCommentSchema,
        response: { 201: commentSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await reviews.addComment(app.ctx(request), request.params.roundId, request.body)),
  );

  app.get(
    '/rounds/:roundId/comments',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listRoundComments',
        tags,
        summary: 'Comments of a round, filtered by network, area key, resolved',
        security,
        params: roundParamsSchema,
        querystring: commentQuerySchema,
        response: { 200: pageSchema(commentSchema) },
      },
    },
    async (request) =>
      pageArray(
        await reviews.listComments(app.ctx(request), request.params.roundId, request.query),
        request.query,
        (c) => c.id,
      ),
  );

  app.post(
    '/rounds/:roundId/comments/:commentId/resolution',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'resolveRoundComment',
        tags,
        summary: 'Answer a comment: accepted, rejected or noted, with a response (secretariat)',
        security,
        params: commentParamsSchema,
        body: resolutionSchema,
        response: { 200: commentSchema },
      },
    },
    async (request) =>
      reviews.resolveComment(app.ctx(request), request.params.roundId, request.params.commentId, request.body),
  );

  app.put(
    '/rounds/:roundId/reviews/:networkCode',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'setRoundVerdict',
        tags,
        summary: "Give or change your network's verdict while the round is open (reviewer of that network)",
        security,
        params: reviewParamsSchema,
        body: verdictSchema,
        response: { 200: roundNetworkSchema },
      },
    },
    async (request) =>
      reviews.setVerdict(app.ctx(request), deps, request.params.roundId, request.params.networkCode, request.body),
  );

  app.post(
    '/rounds/:roundId/close',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'closeRound',
        tags,
        summary:
          'Close a round (secretariat): approved only if every invited network approved; silence blocks unless force',
        security,
        params: roundParamsSchema,
        body: closeRoundSchema,
        response: { 200: roundSchema },
      },
    },
    async (request) => rounds.closeRound(app.ctx(request), deps, request.params.roundId, request.body.force ?? false),
  );
};

export default roundsRoutes;
