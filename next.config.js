// @ts-check
import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./lib/i18n/request.ts");

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // next dev would otherwise write an AGENTS.md into the repository
  agentRules: false,
  serverExternalPackages: ["@electric-sql/pglite", "pg-boss"],
};

export default withNextIntl(nextConfig);
