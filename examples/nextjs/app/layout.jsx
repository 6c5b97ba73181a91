import './globals.css';

export const metadata = { title: 'job-gateway · Next.js example' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
