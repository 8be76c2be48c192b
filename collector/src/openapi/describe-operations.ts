/**
 * The document's entries for the operator endpoints (hub-admin/routes.ts, admin token) and the
 * test-data purge (test-mode/routes.ts, test secret key).
 */
import { z } from 'zod'
import { describeRoute } from './registry'
import { anyObject } from './responses'

const id = { id: 'The program id (prg_…)' }

describeRoute(
  {
    method: 'get',
    path: '/v1/admin/programs/:id/audit',
    tag: 'operations',
    auth: 'admin',
    summary: "Compare every hub counter with D1's rollups; `differences` is empty when they agree",
    params: id,
    responses: {
      200: {
        description: 'The comparison',
        schema: z.object({ program_id: z.string(), equal: z.boolean(), differences: z.array(z.unknown()) }),
      },
    },
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/admin/programs/:id/rebuild',
    tag: 'operations',
    auth: 'admin',
    summary: "Rebuild the hub's counters, customers, idempotency records and recent clicks from D1",
    params: id,
    responses: {
      200: {
        description: 'What was rebuilt',
        schema: z.object({ program_id: z.string(), rebuilt: z.unknown() }),
      },
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/admin/programs/:id/health',
    tag: 'operations',
    auth: 'admin',
    summary: "The hub's click outbox, rows set aside and money events awaiting completion",
    params: id,
    responses: {
      200: { description: 'The hub’s health', schema: z.object({ program_id: z.string(), hub: anyObject }) },
    },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/v1/test-data',
    tag: 'programs',
    auth: 'test_secret',
    summary: 'Delete every test-mode record of the program (a live key is 403)',
    responses: {
      200: {
        description: 'How many of each were deleted',
        schema: z.object({ deleted: z.record(z.string(), z.number().int()) }),
      },
    },
  },
)
