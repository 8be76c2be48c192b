/**
 * The dashboard's Applications page, `/dashboard/applications`: applications from the join page
 * with the applicant's website and note, approved or rejected with one click each (plain forms:
 * no JavaScript needed). The portal link minted at approval is shown once, right after it.
 */
import { Layout, Logo } from '../pages/layout'
import { DashboardNav } from '../pages/nav'
import type { Application } from './applications'

export interface ApplicationsPageProps {
  csrf: string
  programs: Array<{ id: string; name: string }>
  programId: string
  applications: Application[]
  joinUrl: string | null
  /** Just approved: the affiliate's name and its new portal link (shown only in this answer). */
  approved: { name: string; portal_url: string | null } | null
}

export function ApplicationsPage(p: ApplicationsPageProps) {
  const program = p.programs.find((x) => x.id === p.programId)
  const q = `?program=${encodeURIComponent(p.programId)}`
  const pending = p.applications.filter((a) => a.status === 'pending')
  return (
    <Layout title={`Applications · ${program?.name ?? 'Refline'}`} script="applications">
      <header class="topbar">
        <Logo />
        <span class="topbar-title">
          {program?.name} <span class="muted">applications</span>
        </span>
        <DashboardNav programId={p.programId} current="applications" pending={pending.length} />
        <span id="conn" class="conn" role="status" data-state="connecting">
          Connecting…
        </span>
      </header>
      <main class="wrap" id="applications-page" data-program={p.programId}>
        <p class="scope">
          <span id="pending-count">{pending.length}</span> pending · live data
          {p.joinUrl ? (
            <>
              {' · join page '}
              <a href={p.joinUrl}>{p.joinUrl}</a>
            </>
          ) : (
            ' · the join page is closed (open it in Settings)'
          )}
        </p>
        <p class="banner" id="new-applications" role="status" hidden>
          <span data-text /> <a href={`/dashboard/applications${q}`}>Reload to review</a>
        </p>
        {p.approved ? (
          <p class="banner" role="status" id="approved">
            {p.approved.name} is approved. Their portal link (shown once, also sent in the affiliate.approved
            webhook): <a href={p.approved.portal_url ?? '#'}>{p.approved.portal_url}</a>
          </p>
        ) : null}
        <section class="panel">
          <h2>Applications</h2>
          {p.applications.length ? (
            <table class="data" id="applications" aria-label="Applications">
              <thead>
                <tr>
                  <th>Applicant</th>
                  <th>Website</th>
                  <th>How they promote</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {p.applications.map((a) => (
                  <tr data-id={a.id}>
                    <td>
                      {a.name}
                      <br />
                      <span class="muted">{a.email}</span>
                    </td>
                    <td>
                      {a.website ? (
                        <a href={a.website} rel="noopener noreferrer nofollow">
                          {a.website}
                        </a>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{a.promotion ?? '—'}</td>
                    <td>{a.status}</td>
                    <td>
                      <form method="post" action={`/dashboard/applications/${a.id}/approve${q}`}>
                        <input type="hidden" name="_csrf" value={p.csrf} />
                        <button type="submit" class="primary">
                          Approve
                        </button>
                      </form>
                      {a.status === 'pending' ? (
                        <form method="post" action={`/dashboard/applications/${a.id}/reject${q}`}>
                          <input type="hidden" name="_csrf" value={p.csrf} />
                          <button type="submit">Reject</button>
                        </form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">No applications yet.</p>
          )}
        </section>
      </main>
    </Layout>
  )
}
