/** The Hono snippet of docs/node-sdk.md, run by src/frameworks.workers.test.ts in workerd. */
import { Refline } from '@refline/node'
import { Hono } from 'hono'

type Bindings = { REFLINE_SECRET_KEY: string; REFLINE_URL: string }

export const app = new Hono<{ Bindings: Bindings }>()

app.post('/signup', async (c) => {
  const refline = new Refline({ secretKey: c.env.REFLINE_SECRET_KEY, baseUrl: c.env.REFLINE_URL })
  const form = await c.req.formData()
  const user = { id: crypto.randomUUID(), email: String(form.get('email')) } // your user creation here
  try {
    const { signup } = await refline.trackSignup({
      customerId: user.id,
      clickId: String(form.get('refline_click_id') ?? '') || Refline.clickIdFrom(c.req.raw),
      email: user.email,
    })
    console.log('referred by', signup.affiliate?.code ?? 'nobody')
  } catch (err) {
    console.error('Refline', err) // never fail a signup because tracking failed
  }
  return c.redirect('/welcome', 303)
})
