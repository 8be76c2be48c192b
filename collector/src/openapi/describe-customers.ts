/**
 * The document's entries for a customer's journey (journey/routes.ts) and erasure
 * (privacy/routes.ts). Neither takes a body or a query parameter (an unknown one is a 400).
 */
import { z } from 'zod'
import { describeRoute } from './registry'
import { anyObject } from './responses'

const id = { id: 'The customer id, as the integration sent it' }

describeRoute(
  {
    method: 'get',
    path: '/v1/customers/:id/journey',
    tag: 'customers',
    auth: 'secret',
    summary: "A customer's path in the key's mode: click → signup → conversions → commissions",
    params: id,
    responses: { 200: { description: 'The journey', schema: z.object({ journey: anyObject }) } },
    errors: [400, 404],
  },
  {
    method: 'delete',
    path: '/v1/customers/:id',
    tag: 'customers',
    auth: 'secret',
    summary: "Erase a customer's personal data (email hash, click IP hashes, metadata); money records stay",
    params: id,
    responses: { 200: { description: 'What was erased', schema: anyObject } },
    errors: [400, 404],
  },
)
