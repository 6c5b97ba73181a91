import './globals.css';

// No favicon to fetch (data: URL): the browser test counts every failed request.
export const metadata = { title: 'job-gateway · Next.js example', icons: { icon: 'data:,' } };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
