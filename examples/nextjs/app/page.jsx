import JobList from './job-list.jsx';

// The gateway's address is a runtime setting of the server, handed to the page per request (a NEXT_PUBLIC_
// variable would be frozen into the build).
export const dynamic = 'force-dynamic';

export default function Page() {
  const gatewayUrl = process.env.GATEWAY_PUBLIC_URL ?? process.env.GATEWAY_URL;
  return (
    <main>
      <h1>job-gateway <span>· Next.js list screen</span></h1>
      <p className="lede">
        Jobs go through this app&apos;s own route handlers (the API key stays on the server); the page reads the
        gateway directly with read tokens, one held batch read for the whole list, and stops once every job ended.
        Reload: the job ids in the address are all it needs to pick the list up again.
      </p>
      {gatewayUrl ? <JobList gatewayUrl={gatewayUrl} />
        : <p className="error">Set GATEWAY_URL (and GATEWAY_API_KEY) in the server&apos;s environment.</p>}
    </main>
  );
}
