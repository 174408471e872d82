import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tasks", template: "%s · Tasks" },
  description: "Keep track of what needs doing.",
};

export const viewport: Viewport = {
  themeColor: "#4f46e5",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request, never prerendered at build time: Next.js can only put
  // the request's Content-Security-Policy nonce (proxy.ts) on the scripts of a page it renders then.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
