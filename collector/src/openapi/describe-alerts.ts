/** The document's entries for alerts and tracking health (alerts/routes.ts, secret key, founders only). */
import { z } from 'zod'
import { describeRoute } from './registry'
import { anyObject } from './responses'

describeRoute(
  {
    method: 'get',
    path: '/v1/alerts',
    tag: 'programs',
    auth: 'secret',
    summary: "The program's alerts in the key's mode, newest first (founders only)",
    query: z.object({
      limit: z.string().optional().describe('1–200, default 50'),
      before: z.string().optional().describe('an alert’s created_at, for the next page'),
      type: z.string().optional().describe('one alert type'),
    }),
    responses: {
      200: { description: 'The alerts', schema: z.object({ alerts: z.array(anyObject) }) },
    },
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/health',
    tag: 'programs',
    auth: 'secret',
    summary:
      'Tracking health: last click, script origins, bot and attributed shares, webhook and Stripe state',
    responses: {
      200: { description: 'The health figures', schema: anyObject },
    },
    errors: [400],
  },
)
